package feed

import (
	"net"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
	"github.com/causeway/causeway/settlement/queue/redis/redistest"
)

// Redis source timings for tests: a lost publisher is replaced in well
// under a second.
const (
	testLeaseTTL   = 600 * time.Millisecond
	testLeaseRenew = 50 * time.Millisecond
	testBlock      = 100 * time.Millisecond
	testRetry      = 100 * time.Millisecond
)

func redisClient(t testing.TB) *goredis.Client {
	t.Helper()
	opts, err := goredis.ParseURL(redistest.URL(t))
	require.NoError(t, err)
	c := goredis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

func newTestRedisSource(t testing.TB, rdb goredis.UniversalClient, prefix string, store settlement.Store) *redisSource {
	t.Helper()
	s := NewRedisSource(rdb, prefix, store, testConfig(), zaptest.NewLogger(t)).(*redisSource)
	s.leaseTTL, s.leaseRenew, s.block, s.retry = testLeaseTTL, testLeaseRenew, testBlock, testRetry
	return s
}

// leaseHolder is the owner token in the lease key, "" when free.
func leaseHolder(t testing.TB, rdb goredis.UniversalClient, src *redisSource) string {
	t.Helper()
	v, err := rdb.Get(t.Context(), src.lease).Result()
	if err == goredis.Nil {
		return ""
	}
	require.NoError(t, err)
	return v
}

// streamTop is the seq of the stream's last entry, 0 when empty.
func streamTop(t testing.TB, rdb goredis.UniversalClient, src *redisSource) uint64 {
	t.Helper()
	top, err := rdb.XRevRangeN(t.Context(), src.stream, "+", "-", 1).Result()
	require.NoError(t, err)
	if len(top) == 0 {
		return 0
	}
	e, err := decodeEntry(top[0])
	require.NoError(t, err)
	return e.Seq
}

// TestRedisFanOutAndTakeover runs two instances over one Postgres and one
// Redis prefix: an event committed through instance one reaches a
// subscriber of instance two, and when the publishing instance stops the
// other takes the lease over and delivery goes on without a gap.
func TestRedisFanOutAndTakeover(t *testing.T) {
	t.Parallel()
	rdb := redisClient(t)
	prefix := redistest.Prefix(t)
	stores := pgStores(t, 2)
	cfg := testConfig()
	srcs := []*redisSource{newTestRedisSource(t, rdb, prefix, stores[0]), newTestRedisSource(t, rdb, prefix, stores[1])}
	hubs := []*testHub{
		startHub(t, cfg, stores[0], srcs[0], HubOptions{}),
		startHub(t, cfg, stores[1], srcs[1], HubOptions{}),
	}
	var leader int
	eventually(t, func() bool {
		switch leaseHolder(t, rdb, srcs[0]) {
		case srcs[0].owner:
			leader = 0
			return true
		case srcs[1].owner:
			leader = 1
			return true
		}
		return false
	}, "one instance takes the publisher lease")
	follower := 1 - leader

	// A subscriber on the instance that does not publish.
	c := dial(t, hubs[follower])
	c.subscribe(api.ClientMessage{ID: "r", Route: "alpha.beta"})
	first := lifecycle(t, stores[0], submitted(1, "alpha", "beta", addrOf(1), addrOf(2)), 1)
	got := c.events(4)
	require.Equal(t, first.ID, got[3].TransferID)
	eventually(t, func() bool { return streamTop(t, rdb, srcs[0]) == 4 }, "the leader published to the stream")

	// The publisher's instance stops; the other takes over.
	require.NoError(t, hubs[leader].stop())
	lifecycle(t, stores[0], submitted(2, "alpha", "beta", addrOf(1), addrOf(2)), 2)
	eventually(t, func() bool { return leaseHolder(t, rdb, srcs[0]) == srcs[follower].owner }, "the follower takes the lease")
	lifecycle(t, stores[1], submitted(3, "alpha", "beta", addrOf(1), addrOf(2)), 3)
	got = append(got, c.events(8)...)
	require.Equal(t, storedEvents(t, stores[1], 0, settlement.EventFilter{}), fromMessages(got), "no gap, no duplicate")
	eventually(t, func() bool { return streamTop(t, rdb, srcs[0]) == 12 }, "the new leader publishes")
}

func TestRedisLeaseOfDeadInstanceExpires(t *testing.T) {
	t.Parallel()
	rdb := redisClient(t)
	store := pgStores(t, 1)[0]
	src := newTestRedisSource(t, rdb, redistest.Prefix(t), store)
	require.NoError(t, rdb.Set(t.Context(), src.lease, "crashed-instance", testLeaseTTL).Err())
	th := startHub(t, testConfig(), store, src, HubOptions{})
	c := dial(t, th)
	c.subscribe(api.ClientMessage{ID: "r", Route: "alpha.beta"})
	eventually(t, func() bool { return leaseHolder(t, rdb, src) == src.owner }, "the lease expires and is taken")
	create(t, store, submitted(1, "alpha", "beta", addrOf(1), addrOf(2)))
	require.Equal(t, uint64(1), c.events(1)[0].Seq)
	eventually(t, func() bool { return streamTop(t, rdb, src) == 1 }, "published")
}

// TestRedisSourceNext checks where Next takes events from: the stream when
// it follows on, the store when the stream has a gap.
func TestRedisSourceNext(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	rdb := redisClient(t)
	store := pgStores(t, 1)[0]
	src := newTestRedisSource(t, rdb, redistest.Prefix(t), store)
	require.NoError(t, createRange(ctx, store, 1, 10))
	stored, err := store.Events(ctx, 0, 100, settlement.EventFilter{})
	require.NoError(t, err)
	require.Len(t, stored, 10)

	// The stream holds 5..10 (older entries trimmed): a reader at 0 gets
	// 1.. from the store, a reader at 4 gets the stream.
	require.NoError(t, src.add(ctx, stored[4:]))
	require.NoError(t, src.add(ctx, stored[6:8]), "entries already published count as added")
	evs, err := src.Next(ctx, 0)
	require.NoError(t, err)
	require.Equal(t, stored, evs)
	evs, err = src.Next(ctx, 4)
	require.NoError(t, err)
	require.Len(t, evs, 6)
	for i, e := range evs {
		require.Equal(t, stored[4+i].Seq, e.Seq)
		require.Equal(t, stored[4+i].TransferID, e.TransferID)
		require.Equal(t, stored[4+i].Status, e.Status)
		require.JSONEq(t, string(stored[4+i].Payload), string(e.Payload))
		require.True(t, stored[4+i].At.Equal(e.At))
	}

	// An entry only the stream has shows the stream was read.
	fake := settlement.Event{Seq: 11, TransferID: "alpha.beta.99", Src: "alpha", Dst: "beta",
		Status: settlement.StatusSubmitted, Payload: []byte(`{}`), At: time.Now().UTC()}
	require.NoError(t, src.add(ctx, []settlement.Event{fake}))
	evs, err = src.Next(ctx, 10)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	require.Equal(t, fake.TransferID, evs[0].TransferID)
}

// TestRedisDownFallsBackToStore: with Redis unreachable an instance reads
// the outbox itself.
func TestRedisDownFallsBackToStore(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	rdb := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 50 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })

	store := pgStores(t, 1)[0]
	src := newTestRedisSource(t, rdb, "down", store)
	th := startHub(t, testConfig(), store, src, HubOptions{})
	c := dial(t, th)
	c.subscribe(api.ClientMessage{ID: "r", Route: "alpha.beta"})
	lifecycle(t, store, submitted(1, "alpha", "beta", addrOf(1), addrOf(2)), 1)
	require.Equal(t, storedEvents(t, store, 0, settlement.EventFilter{}), fromMessages(c.events(4)))
	// The head moves once the event is queued, which may be after it arrives.
	eventually(t, func() bool { return th.Head() == 4 }, "head at the last event")
}

// TestRedisOutageAndRecovery cuts the instance off Redis mid-way: events
// keep coming from the outbox, and once Redis answers again the instance
// follows the stream and publishes to it again.
func TestRedisOutageAndRecovery(t *testing.T) {
	t.Parallel()
	opts, err := goredis.ParseURL(redistest.URL(t))
	require.NoError(t, err)
	proxy := newTCPProxy(t, opts.Addr)
	opts.Addr, opts.MaxRetries, opts.DialTimeout = proxy.addr, -1, testBlock
	rdb := goredis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })

	store := pgStores(t, 1)[0]
	src := newTestRedisSource(t, rdb, redistest.Prefix(t), store)
	core, logs := observer.New(zap.InfoLevel)
	src.log = zap.New(zapcore.NewTee(src.log.Core(), core))
	logged := func(msg string) func() bool {
		return func() bool { return logs.FilterMessage(msg).Len() > 0 }
	}
	th := startHub(t, testConfig(), store, src, HubOptions{})
	c := dial(t, th)
	c.subscribe(api.ClientMessage{ID: "r", Route: "alpha.beta"})
	eventually(t, func() bool { return leaseHolder(t, rdb, src) == src.owner }, "publishing")
	require.NoError(t, createRange(t.Context(), store, 1, 2))
	got := c.events(2)
	eventually(t, func() bool { return streamTop(t, rdb, src) == 2 }, "published")

	proxy.cut()
	eventually(t, logged("redis unavailable: reading the outbox directly"), "the instance notices")
	require.NoError(t, createRange(t.Context(), store, 3, 2))
	got = append(got, c.events(2)...)

	proxy.restore()
	eventually(t, logged("redis answers again: following the feed stream"), "the instance follows the stream again")
	require.NoError(t, createRange(t.Context(), store, 5, 2))
	got = append(got, c.events(2)...)
	require.Equal(t, storedEvents(t, store, 0, settlement.EventFilter{}), fromMessages(got), "no gap, no duplicate")
	eventually(t, func() bool { return streamTop(t, rdb, src) == 6 }, "publishing again")
}
