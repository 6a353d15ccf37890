// Package memq is the in-process queue.Queue, the embedded default of
// `causeway devnet`: the same semantics as the Redis queue (FIFO streams,
// consumer groups, at-least-once delivery, dedupe of outstanding keys,
// delayed retries, reclaim after an idle time) without an external service.
//
// Contents live in memory only and die with the process. That is by design:
// queues hold nothing the settlement store cannot rebuild, and the relay
// rebuilds them on start (queue.Rebuild). memq does no I/O and must not be
// used to share work between processes.
package memq

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/causeway/causeway/settlement/queue"
)

// DefaultMaxLen is the default cap on the jobs one stream holds.
const DefaultMaxLen = 1_000_000

// Config tunes a Queue.
type Config struct {
	// MaxLen caps the jobs (ready plus pending) one stream holds; enqueueing
	// beyond it drops the oldest, as the Redis queue trims its streams. The
	// sweeper rebuilds dropped jobs from the store. Delayed jobs do not count.
	MaxLen int `toml:"max_len"`
}

// DefaultConfig returns the configuration devnet uses.
func DefaultConfig() Config { return Config{MaxLen: DefaultMaxLen} }

// Validate reports a configuration the queue cannot run with.
func (c Config) Validate() error {
	if c.MaxLen < 1 {
		return fmt.Errorf("memq max_len %d: must be positive", c.MaxLen)
	}
	return nil
}

// Queue is an in-process queue.Queue. It is safe for concurrent use.
type Queue struct {
	cfg       Config
	done      chan struct{} // closed by Close; wakes blocked consumers
	closeOnce sync.Once

	mu      sync.Mutex // guards closed, streams and everything they hold
	closed  bool
	streams map[string]*stream
}

var _ queue.Queue = (*Queue)(nil)

// New returns an empty queue.
func New(cfg Config) (*Queue, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Queue{cfg: cfg, done: make(chan struct{}), streams: make(map[string]*stream)}, nil
}

// Close interrupts blocked consumers; later calls return queue.ErrClosed.
func (q *Queue) Close() error {
	q.closeOnce.Do(func() {
		q.mu.Lock()
		q.closed = true
		q.mu.Unlock()
		close(q.done)
	})
	return nil
}

// Enqueue implements queue.Queue.
func (q *Queue) Enqueue(ctx context.Context, name string, jobs ...queue.Job) (int, error) {
	if err := queue.CheckName("stream", name); err != nil {
		return 0, fmt.Errorf("enqueue: %w", err)
	}
	for _, job := range jobs {
		if err := queue.CheckJob(job); err != nil {
			return 0, fmt.Errorf("enqueue to %s: %w", name, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("enqueue to %s: %w", name, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return 0, fmt.Errorf("enqueue to %s: %w", name, queue.ErrClosed)
	}
	s := q.stream(name)
	now := time.Now()
	added := 0
	for _, job := range jobs {
		if s.add(job.Canonical(), now, q.cfg.MaxLen) {
			added++
		}
	}
	return added, nil
}

// Consume implements queue.Queue.
func (q *Queue) Consume(ctx context.Context, name, group, consumer string, n int, block time.Duration) ([]queue.Delivery, error) {
	if err := queue.CheckConsume(name, group, consumer, n); err != nil {
		return nil, fmt.Errorf("consume: %w", err)
	}
	deadline := time.Now().Add(block)
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("consume %s: %w", name, err)
		}
		ds, wake, next, err := q.read(name, group, consumer, n)
		if err != nil || len(ds) > 0 {
			return ds, err
		}
		now := time.Now()
		if !now.Before(deadline) {
			return nil, nil
		}
		wait := deadline.Sub(now)
		if !next.IsZero() && next.Sub(now) < wait {
			wait = max(next.Sub(now), 0)
		}
		if err := q.wait(ctx, wake, wait); err != nil {
			return nil, fmt.Errorf("consume %s: %w", name, err)
		}
	}
}

// Ack implements queue.Queue.
func (q *Queue) Ack(ctx context.Context, deliveries ...queue.Delivery) error {
	seqs := make([]uint64, len(deliveries))
	for i, d := range deliveries {
		seq, err := parseID(d)
		if err != nil {
			return fmt.Errorf("ack: %w", err)
		}
		seqs[i] = seq
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ack: %w", err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return fmt.Errorf("ack: %w", queue.ErrClosed)
	}
	for i, d := range deliveries {
		if s := q.streams[d.Stream]; s != nil {
			s.ack(d.Group, d.Key, seqs[i])
		}
	}
	return nil
}

// Retry implements queue.Queue.
func (q *Queue) Retry(ctx context.Context, d queue.Delivery, notBefore time.Time) error {
	seq, err := parseID(d)
	if err != nil {
		return fmt.Errorf("retry: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("retry %s in %s: %w", d.Key, d.Stream, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return fmt.Errorf("retry %s in %s: %w", d.Key, d.Stream, queue.ErrClosed)
	}
	s := q.streams[d.Stream]
	if s == nil || !s.retry(d, seq, notBefore, time.Now(), q.cfg.MaxLen) {
		return fmt.Errorf("retry %s in %s: %w", d.Key, d.Stream, queue.ErrNotPending)
	}
	return nil
}

// Reclaim implements queue.Queue.
func (q *Queue) Reclaim(ctx context.Context, name, group, consumer string, minIdle time.Duration, n int) ([]queue.Delivery, error) {
	if err := queue.CheckReclaim(name, group, consumer, minIdle, n); err != nil {
		return nil, fmt.Errorf("reclaim: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reclaim %s: %w", name, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil, fmt.Errorf("reclaim %s: %w", name, queue.ErrClosed)
	}
	s := q.streams[name]
	if s == nil {
		return nil, nil
	}
	return s.reclaim(name, group, consumer, minIdle, n, time.Now()), nil
}

// Depth implements queue.Queue.
func (q *Queue) Depth(ctx context.Context, name, group string) (queue.Depth, error) {
	if err := queue.CheckName("stream", name); err != nil {
		return queue.Depth{}, fmt.Errorf("depth: %w", err)
	}
	if err := queue.CheckName("group", group); err != nil {
		return queue.Depth{}, fmt.Errorf("depth: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return queue.Depth{}, fmt.Errorf("depth of %s: %w", name, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return queue.Depth{}, fmt.Errorf("depth of %s: %w", name, queue.ErrClosed)
	}
	s := q.streams[name]
	if s == nil {
		return queue.Depth{}, nil
	}
	return s.depth(group), nil
}

// read promotes due jobs and delivers up to n ready ones. With none, it
// returns the channel that the next ready job closes and the time the next
// delayed job falls due (zero if none).
func (q *Queue) read(name, group, consumer string, n int) ([]queue.Delivery, <-chan struct{}, time.Time, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil, nil, time.Time{}, fmt.Errorf("consume %s: %w", name, queue.ErrClosed)
	}
	s := q.stream(name)
	now := time.Now()
	s.promote(now, q.cfg.MaxLen)
	if ds := s.read(name, group, consumer, n, now); len(ds) > 0 {
		return ds, nil, time.Time{}, nil
	}
	next, _ := s.nextDue()
	return nil, s.waiter(), next, nil
}

// wait blocks until wake closes, d passes, ctx ends or the queue closes.
func (q *Queue) wait(ctx context.Context, wake <-chan struct{}, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-wake:
	case <-timer.C:
	case <-ctx.Done():
		return ctx.Err()
	case <-q.done:
		return queue.ErrClosed
	}
	return nil
}

// stream returns the named stream, creating it. Callers hold q.mu.
func (q *Queue) stream(name string) *stream {
	s := q.streams[name]
	if s == nil {
		s = newStream()
		q.streams[name] = s
	}
	return s
}

// parseID checks d and returns the entry sequence its ID names.
func parseID(d queue.Delivery) (uint64, error) {
	if err := queue.CheckDelivery(d); err != nil {
		return 0, err
	}
	seq, err := strconv.ParseUint(d.ID, 10, 64)
	if err != nil || seq == 0 {
		return 0, fmt.Errorf("delivery of %q: id %q is not a memq id: %w", d.Key, d.ID, queue.ErrInvalid)
	}
	return seq, nil
}

// sortedSeqs returns the keys of m in ascending order.
func sortedSeqs[V any](m map[uint64]V) []uint64 {
	out := make([]uint64, 0, len(m))
	for seq := range m {
		out = append(out, seq)
	}
	slices.Sort(out)
	return out
}
