package ratelimit_test

import (
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement/gateway/ratelimit"
	"github.com/causeway/causeway/settlement/gateway/ratelimit/ratelimittest"
)

func TestMemoryConformance(t *testing.T) {
	t.Parallel()
	ratelimittest.Run(t, func(*testing.T) ratelimit.Limiter { return ratelimit.NewMemory() })
}

// TestMemoryForgetsIdleBuckets: buckets that refilled are dropped once the
// count grows, so memory follows the keys active recently, not every key
// ever seen. synctest's clock makes "recently" exact.
func TestMemoryForgetsIdleBuckets(t *testing.T) {
	t.Parallel()
	const (
		rate, burst = 10, 5
		idle        = 5000 // keys used once, long ago
		active      = 100  // keys used just before the sweep
	)
	synctest.Test(t, func(t *testing.T) {
		m := ratelimit.NewMemory()
		for i := range idle {
			d, err := m.Allow(t.Context(), "idle-"+strconv.Itoa(i), rate, burst)
			require.NoError(t, err)
			require.True(t, d.Allowed)
		}
		require.Equal(t, idle, m.Len(), "sweeps keep buckets not yet full")

		// A bucket refills within burst intervals; after that it is full.
		time.Sleep(time.Duration(burst) * ratelimit.Interval(rate))
		for i := range active {
			_, err := m.Allow(t.Context(), "active-"+strconv.Itoa(i), rate, burst)
			require.NoError(t, err)
		}
		// New keys until the next sweep, which drops every idle bucket.
		late := 0
		for before := m.Len(); m.Len() >= before; late++ {
			_, err := m.Allow(t.Context(), "late-"+strconv.Itoa(late), rate, burst)
			require.NoError(t, err)
		}
		require.Equal(t, active+late, m.Len(), "only the recent keys remain")

		// A forgotten key starts over with a full bucket.
		d, err := m.Allow(t.Context(), "idle-0", rate, burst)
		require.NoError(t, err)
		require.Equal(t, burst-1, d.Remaining)
	})
}

func TestGCRA(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const rate, burst = 10, 3 // 100ms interval
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	for _, tc := range []struct {
		name     string
		tat, now time.Duration // after t0; tat -1 for a new key
		wantTat  time.Duration
		want     ratelimit.Decision
	}{
		{"new key", -1, 0, ms(100), ratelimit.Decision{Allowed: true, Remaining: 2}},
		{"second call", ms(100), 0, ms(200), ratelimit.Decision{Allowed: true, Remaining: 1}},
		{"last of the burst", ms(200), 0, ms(300), ratelimit.Decision{Allowed: true}},
		{"empty", ms(300), 0, ms(300), ratelimit.Decision{RetryAfter: ms(100)}},
		{"almost refilled", ms(300), ms(60), ms(300), ratelimit.Decision{RetryAfter: ms(40)}},
		{"one token back", ms(300), ms(100), ms(400), ratelimit.Decision{Allowed: true}},
		{"full long after", ms(300), ms(5000), ms(5100), ratelimit.Decision{Allowed: true, Remaining: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var tat time.Time
			if tc.tat >= 0 {
				tat = t0.Add(tc.tat)
			}
			gotTat, got := ratelimit.GCRA(t0.Add(tc.now), tat, rate, burst)
			require.Equal(t, tc.want, got)
			require.Equal(t, t0.Add(tc.wantTat), gotTat)
		})
	}
}

// go test -run '^$' -bench Memory ./settlement/gateway/ratelimit
func BenchmarkMemory(b *testing.B) { ratelimittest.Benchmark(b, ratelimit.NewMemory()) }
