package backend_test

import (
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement/backend"
	"github.com/causeway/causeway/settlement/queue"
	"github.com/causeway/causeway/settlement/queue/redis/redistest"
	"github.com/causeway/causeway/settlement/store/migrate"
	"github.com/causeway/causeway/settlement/store/postgres/pgtest"
)

// Test environment, as the Redis queue tests read it (make test exports the
// URL through deploy/scripts/test-services.sh).
const (
	cleanupTimeout = 10 * time.Second
	scanCount      = 1000
)

func TestOpenStoreSQLite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, tc := range map[string]struct{ url, file string }{
		"sqlite:PATH creates the directory": {"sqlite:" + filepath.Join(dir, "a", "b", "s.db"), filepath.Join(dir, "a", "b", "s.db")},
		"sqlite:///ABS":                     {"sqlite://" + filepath.Join(dir, "abs.db"), filepath.Join(dir, "abs.db")},
		"relative to Dir":                   {"sqlite:rel/s.db", filepath.Join(dir, "rel", "s.db")},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			s, err := backend.OpenStore(ctx, tc.url, backend.StoreOptions{Dir: dir})
			require.NoError(t, err)
			require.NoError(t, s.SetCursor(ctx, "alpha", 7))
			require.NoError(t, s.Close())
			require.FileExists(t, tc.file)

			s, err = backend.OpenStore(ctx, tc.url, backend.StoreOptions{Dir: dir})
			require.NoError(t, err)
			defer s.Close()
			h, err := s.GetCursor(ctx, "alpha")
			require.NoError(t, err)
			require.EqualValues(t, 7, h, "the same file was reopened")
		})
	}
}

func TestOpenStoreRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ url, want string }{
		{"", "missing (want postgres://, sqlite:)"},
		{"settlement.db", "no scheme"},
		{"mysql://u@h/db", `unsupported scheme "mysql" (want postgres://, sqlite:)`},
		{"sqlite:", "want sqlite:PATH"},
		{"sqlite://host/x.db", "names a host"},
		{"sqlite:x.db?mode=ro", "without '?'"},
	} {
		_, err := backend.OpenStore(t.Context(), tc.url, backend.StoreOptions{})
		require.ErrorContains(t, err, tc.want, tc.url)
		_, err = backend.StoreScheme(tc.url)
		require.ErrorContains(t, err, tc.want, tc.url)
	}
	_, err := backend.StoreScheme("mysql://x")
	require.ErrorIs(t, err, backend.ErrUnsupportedScheme)
}

func TestOpenStorePostgres(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := pgtest.SchemaURL(t)
	_, err := backend.OpenStore(ctx, url, backend.StoreOptions{})
	require.ErrorIs(t, err, migrate.ErrPending, "a fresh schema is refused without Migrate")

	s, err := backend.OpenStore(ctx, url, backend.StoreOptions{Migrate: true, MaxConns: 2})
	require.NoError(t, err)
	require.NoError(t, s.SetCursor(ctx, "alpha", 3))
	require.NoError(t, s.Close())

	s, err = backend.OpenStore(ctx, "postgresql"+url[len("postgres"):], backend.StoreOptions{})
	require.NoError(t, err, "migrated, so it opens without Migrate; postgresql:// is accepted")
	defer s.Close()
	h, err := s.GetCursor(ctx, "alpha")
	require.NoError(t, err)
	require.EqualValues(t, 3, h)
}

func TestOpenStorePostgresRedactsPassword(t *testing.T) {
	t.Parallel()
	_, err := backend.OpenStore(t.Context(), "postgres://u:hunter2@"+closedAddr(t)+"/db?sslmode=disable", backend.StoreOptions{Migrate: true})
	require.Error(t, err)
	require.NotContains(t, err.Error(), "hunter2")
}

func TestOpenQueueMemory(t *testing.T) {
	t.Parallel()
	q, err := backend.OpenQueue(t.Context(), "memory:")
	require.NoError(t, err)
	defer q.Close()
	roundTrip(t, q)
}

func TestOpenQueueRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ url, want string }{
		{"", "missing (want redis://, rediss://, memory:)"},
		{"kafka://k:9092", `unsupported scheme "kafka" (want redis://, rediss://, memory:)`},
		{"memory:x", "memory: takes no address"},
		{"redis://h:6379/0?prefix=%7Bx%7D", "prefix"},
		{"redis://h:6379/0?frobnicate=1", "frobnicate"},
	} {
		_, err := backend.OpenQueue(t.Context(), tc.url)
		require.ErrorContains(t, err, tc.want, tc.url)
		_, err = backend.QueueScheme(tc.url)
		require.ErrorContains(t, err, tc.want, tc.url)
	}
}

func TestOpenQueueRedisUnreachable(t *testing.T) {
	t.Parallel()
	addr := closedAddr(t)
	_, err := backend.OpenQueue(t.Context(), "redis://"+addr+"/0")
	require.ErrorContains(t, err, "redis queue at redis://"+addr+"/0: unreachable")
}

func TestOpenQueueRedis(t *testing.T) {
	t.Parallel()
	base := testRedisURL(t)
	prefix := testPrefix(t)
	q, err := backend.OpenQueue(t.Context(), base+"?prefix="+prefix)
	require.NoError(t, err)
	admin := redisClient(t, base)
	t.Cleanup(func() {
		require.NoError(t, q.Close())
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		var keys []string
		iter := admin.Scan(ctx, 0, "{"+prefix+":*", scanCount).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		require.NoError(t, iter.Err())
		if len(keys) > 0 {
			require.NoError(t, admin.Del(ctx, keys...).Err())
		}
	})
	roundTrip(t, q)
	n, err := admin.Exists(t.Context(), "{"+prefix+":deliver/beta}:stream").Result()
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "keys live under the URL's prefix")
}

// roundTrip enqueues one job and consumes it.
func roundTrip(t *testing.T, q queue.Queue) {
	t.Helper()
	ctx := t.Context()
	n, err := q.Enqueue(ctx, "deliver/beta", queue.Job{Key: "t1", Stage: "deliver"})
	require.NoError(t, err)
	require.Equal(t, 1, n)
	ds, err := q.Consume(ctx, "deliver/beta", "relay", "c1", 1, time.Second)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.Equal(t, "t1", ds[0].Key)
	require.NoError(t, q.Ack(ctx, ds...))
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// testRedisURL returns the test Redis, or ends the test.
func testRedisURL(t *testing.T) string { return redistest.URL(t) }

func redisClient(t *testing.T, url string) *goredis.Client {
	t.Helper()
	opts, err := goredis.ParseURL(url)
	require.NoError(t, err)
	c := goredis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// testPrefix is a fresh key prefix, so parallel tests never share keys.
func testPrefix(t *testing.T) string { return redistest.Prefix(t) }
