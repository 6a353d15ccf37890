// Package ratelimittest is the conformance suite every ratelimit.Limiter
// runs: call Run with a constructor returning a limiter whose buckets no
// other test shares. It asserts the contract the gateway relies on: a full
// bucket allows its burst and then refuses with a positive RetryAfter, a
// refused call takes nothing and waiting RetryAfter lets the next one
// through, keys are independent, concurrent callers never get more than
// the burst between them, and invalid limits are errors.
package ratelimittest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement/gateway/ratelimit"
)

// Knobs of the suite.
const (
	// slowRate refills one token a second: slow enough that a test's
	// calls (milliseconds) see none, except on a badly stalled machine,
	// which the concurrent test accounts for.
	slowRate = 1
	// refillRate refills a token every 250ms, for the test that waits:
	// long enough that a stalled poll does not see two tokens refill.
	refillRate = 4
	// refillWait bounds the wait for a refill, and its poll interval.
	refillWait = 5 * time.Second
	refillPoll = 5 * time.Millisecond
	// Concurrent callers × calls each, against concurrentBurst tokens.
	concurrentCallers = 20
	concurrentCalls   = 10
	concurrentBurst   = 50
)

// Run runs the suite. newLimiter returns a limiter for the calling test.
func Run(t *testing.T, newLimiter func(t *testing.T) ratelimit.Limiter) {
	tests := []struct {
		name string
		fn   func(*testing.T, ratelimit.Limiter)
	}{
		{"BurstThenRefuse", testBurstThenRefuse},
		{"Refill", testRefill},
		{"KeysIndependent", testKeysIndependent},
		{"LimitChange", testLimitChange},
		{"Concurrent", testConcurrent},
		{"Invalid", testInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newLimiter(t))
		})
	}
}

func allow(t *testing.T, l ratelimit.Limiter, key string, rate, burst int) ratelimit.Decision {
	t.Helper()
	d, err := l.Allow(t.Context(), key, rate, burst)
	require.NoError(t, err)
	return d
}

// drain takes burst tokens from a fresh bucket, checking each decision.
func drain(t *testing.T, l ratelimit.Limiter, key string, rate, burst int) {
	t.Helper()
	for i := range burst {
		d := allow(t, l, key, rate, burst)
		require.True(t, d.Allowed, "call %d of the burst", i+1)
		require.Equal(t, burst-1-i, d.Remaining, "call %d of the burst", i+1)
		require.Zero(t, d.RetryAfter)
	}
}

func testBurstThenRefuse(t *testing.T, l ratelimit.Limiter) {
	const burst = 5
	drain(t, l, "burst", slowRate, burst)
	for range 3 {
		d := allow(t, l, "burst", slowRate, burst)
		require.False(t, d.Allowed)
		require.Zero(t, d.Remaining)
		require.Positive(t, d.RetryAfter)
		require.LessOrEqual(t, d.RetryAfter, ratelimit.Interval(slowRate), "one token away")
	}
}

// testRefill: a refused call takes nothing, so the next one goes through
// once RetryAfter has passed — and exactly one token came back.
func testRefill(t *testing.T, l ratelimit.Limiter) {
	const burst = 2
	drain(t, l, "refill", refillRate, burst)
	d := allow(t, l, "refill", refillRate, burst)
	require.False(t, d.Allowed)
	require.Positive(t, d.RetryAfter)
	require.LessOrEqual(t, d.RetryAfter, ratelimit.Interval(refillRate))

	require.Eventually(t, func() bool {
		d, err := l.Allow(ctx(t), "refill", refillRate, burst)
		if err != nil {
			t.Errorf("allow: %v", err)
		}
		return d.Allowed
	}, refillWait, refillPoll, "a token refills after RetryAfter")
	d = allow(t, l, "refill", refillRate, burst)
	require.False(t, d.Allowed, "only one token refilled")
	require.Positive(t, d.RetryAfter)
}

func testKeysIndependent(t *testing.T, l ratelimit.Limiter) {
	drain(t, l, "client-a", slowRate, 1)
	require.False(t, allow(t, l, "client-a", slowRate, 1).Allowed)
	d := allow(t, l, "client-b", slowRate, 1)
	require.True(t, d.Allowed, "another key has its own bucket")
	require.False(t, allow(t, l, "client-a", slowRate, 1).Allowed)
}

// testLimitChange: raising a key's burst (an operator edits its override)
// makes the extra tokens available at once, and lowering it refuses.
func testLimitChange(t *testing.T, l ratelimit.Limiter) {
	drain(t, l, "change", slowRate, 2)
	require.False(t, allow(t, l, "change", slowRate, 2).Allowed)
	d := allow(t, l, "change", slowRate, 4)
	require.True(t, d.Allowed)
	require.Equal(t, 1, d.Remaining)
	require.False(t, allow(t, l, "change", slowRate, 3).Allowed)
}

// testConcurrent: callers racing on one bucket get exactly the burst
// between them, plus whatever refilled while they ran (normally nothing).
func testConcurrent(t *testing.T, l ratelimit.Limiter) {
	var allowed atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for range concurrentCallers {
		wg.Go(func() {
			for range concurrentCalls {
				d, err := l.Allow(ctx(t), "shared", slowRate, concurrentBurst)
				if err != nil {
					t.Errorf("allow: %v", err)
					return
				}
				if d.Allowed {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	refilled := int64(time.Since(start) / ratelimit.Interval(slowRate))
	require.GreaterOrEqual(t, allowed.Load(), int64(concurrentBurst))
	require.LessOrEqual(t, allowed.Load(), concurrentBurst+refilled, "never more than the burst and its refills")
}

func testInvalid(t *testing.T, l ratelimit.Limiter) {
	for _, tc := range []struct {
		key         string
		rate, burst int
	}{
		{"", 1, 1},
		{string(make([]byte, ratelimit.MaxKeyLen+1)), 1, 1},
		{"k", 0, 1},
		{"k", -1, 1},
		{"k", ratelimit.MaxRate + 1, 1},
		{"k", 1, 0},
		{"k", 1, ratelimit.MaxBurst + 1},
	} {
		_, err := l.Allow(t.Context(), tc.key, tc.rate, tc.burst)
		require.ErrorIs(t, err, ratelimit.ErrInvalid, fmt.Sprintf("key of %d bytes, rate %d, burst %d", len(tc.key), tc.rate, tc.burst))
	}
}

// ctx is for goroutines, which must not call t.Context after the test ends.
func ctx(t *testing.T) context.Context { return t.Context() }
