package ratelimit

import (
	"context"
	"sync"
	"time"
)

// minSweepAt is the bucket count below which Memory never sweeps: a sweep
// walks every bucket, so it waits until there are enough to be worth it.
const minSweepAt = 1024

// Memory is the in-process Limiter. Its memory is bounded by the keys
// active within one refill of their burst: a sweep forgets every full
// bucket (one whose tat has passed, identical to a key never seen) whenever
// the count doubles since the last sweep, so sweeping costs O(1) amortised
// per call.
type Memory struct {
	now func() time.Time

	mu      sync.Mutex
	tats    map[string]time.Time // key -> theoretical arrival time
	sweepAt int                  // sweep when len(tats) reaches this
}

var _ Limiter = (*Memory)(nil)

// NewMemory returns an empty in-process limiter.
func NewMemory() *Memory {
	return &Memory{now: time.Now, tats: map[string]time.Time{}, sweepAt: minSweepAt}
}

// Allow implements Limiter.
func (m *Memory) Allow(ctx context.Context, key string, rate, burst int) (Decision, error) {
	if err := Check(key, rate, burst); err != nil {
		return Decision{}, err
	}
	if err := ctx.Err(); err != nil {
		return Decision{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	tat, d := GCRA(now, m.tats[key], rate, burst)
	m.tats[key] = tat
	if len(m.tats) >= m.sweepAt {
		m.sweep(now)
	}
	return d, nil
}

// Len returns how many buckets Memory holds (tests and metrics read it).
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.tats)
}

// sweep forgets full buckets. Called with mu held.
func (m *Memory) sweep(now time.Time) {
	for key, tat := range m.tats {
		if !tat.After(now) {
			delete(m.tats, key)
		}
	}
	m.sweepAt = max(minSweepAt, 2*len(m.tats))
}
