package redis_test

import (
	"context"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement/gateway/ratelimit"
	"github.com/causeway/causeway/settlement/gateway/ratelimit/ratelimittest"
	redislimit "github.com/causeway/causeway/settlement/gateway/ratelimit/redis"
	"github.com/causeway/causeway/settlement/queue/redis/redistest"
)

// Test environment.
const (
	cleanupTimeout = 10 * time.Second
	scanCount      = 1000 // keys per SCAN step
	expiryWait     = 5 * time.Second
	expiryPoll     = 5 * time.Millisecond
)

// client connects to the test Redis; cleanup deletes every key under prefix
// and closes it.
func client(tb testing.TB, prefix string) *goredis.Client {
	tb.Helper()
	opts, err := goredis.ParseURL(redistest.URL(tb))
	require.NoError(tb, err)
	c := goredis.NewClient(opts)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if keys := prefixKeys(tb, ctx, c, prefix); len(keys) > 0 {
			require.NoError(tb, c.Del(ctx, keys...).Err())
		}
		_ = c.Close()
	})
	return c
}

func prefixKeys(tb testing.TB, ctx context.Context, c *goredis.Client, prefix string) []string {
	tb.Helper()
	var out []string
	iter := c.Scan(ctx, 0, "{"+prefix+":*", scanCount).Iterator()
	for iter.Next(ctx) {
		out = append(out, iter.Val())
	}
	require.NoError(tb, iter.Err())
	return out
}

// newLimiter is a limiter on its own client under a fresh prefix.
func newLimiter(tb testing.TB) (*redislimit.Limiter, *goredis.Client, string) {
	tb.Helper()
	prefix := redistest.Prefix(tb)
	c := client(tb, prefix)
	l, err := redislimit.New(c, prefix)
	require.NoError(tb, err)
	return l, c, prefix
}

func TestConformance(t *testing.T) {
	t.Parallel()
	redistest.URL(t)
	ratelimittest.Run(t, func(t *testing.T) ratelimit.Limiter {
		l, _, _ := newLimiter(t)
		return l
	})
}

// TestSharedByInstances: two gateways (two clients, one prefix) draw from
// one bucket per key.
func TestSharedByInstances(t *testing.T) {
	t.Parallel()
	a, _, prefix := newLimiter(t)
	opts, err := goredis.ParseURL(redistest.URL(t))
	require.NoError(t, err)
	other := goredis.NewClient(opts)
	t.Cleanup(func() { _ = other.Close() })
	b, err := redislimit.New(other, prefix)
	require.NoError(t, err)

	const burst = 3
	for i := range burst {
		l := []*redislimit.Limiter{a, b}[i%2]
		d, err := l.Allow(t.Context(), "client", 1, burst)
		require.NoError(t, err)
		require.True(t, d.Allowed)
	}
	for _, l := range []*redislimit.Limiter{a, b} {
		d, err := l.Allow(t.Context(), "client", 1, burst)
		require.NoError(t, err)
		require.False(t, d.Allowed, "the other instance spent the burst")
	}
}

// TestBucketsExpire: a bucket's key lives under the prefix's tag and
// expires once the bucket is full again, so idle clients cost no memory.
func TestBucketsExpire(t *testing.T) {
	t.Parallel()
	l, c, prefix := newLimiter(t)
	const rate, burst = 1, 5
	for range 2 {
		_, err := l.Allow(t.Context(), "idle", rate, burst)
		require.NoError(t, err)
	}
	keys := prefixKeys(t, t.Context(), c, prefix)
	require.Equal(t, []string{"{" + prefix + ":rl:idle}"}, keys)
	ttl, err := c.PTTL(t.Context(), keys[0]).Result()
	require.NoError(t, err)
	require.Positive(t, ttl)
	require.LessOrEqual(t, ttl, 2*ratelimit.Interval(rate), "two tokens to refill")

	const fastRate = ratelimit.MaxRate / 1000 // a bucket that refills in a millisecond
	_, err = l.Allow(t.Context(), "brief", fastRate, 1)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		n, err := c.Exists(context.Background(), "{"+prefix+":rl:brief}").Result()
		return err == nil && n == 0
	}, expiryWait, expiryPoll, "the full bucket's key expired")
}

func TestNewRefusesBadPrefix(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"{x}", "a}", string(make([]byte, 65))} {
		_, err := redislimit.New(nil, p)
		require.ErrorIs(t, err, ratelimit.ErrInvalid, p)
	}
}

// go test -run '^$' -bench Redis ./settlement/gateway/ratelimit/redis
func BenchmarkRedis(b *testing.B) {
	l, _, _ := newLimiter(b)
	ratelimittest.Benchmark(b, l)
}
