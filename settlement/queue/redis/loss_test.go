package redis_test

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement/queue"
	redisq "github.com/causeway/causeway/settlement/queue/redis"
)

// Timing of the loss tests.
const (
	serverStartTimeout = 10 * time.Second      // a private redis-server accepting connections
	serverPoll         = 20 * time.Millisecond // between pings while it starts
	lossWait           = 10 * time.Second      // deadline for anything awaited
	lossBlock          = 60 * time.Second      // a block the test would fail on if waited out
	trimMaxLen         = 100                   // MaxLen of the trim test
	trimJobs           = 20 * trimMaxLen       // jobs the trim test enqueues
	lossJobs           = 10                    // ready jobs in the flush test
	lossHeld           = 4                     // of them delivered before the flush
	farFuture          = time.Hour             // a not-before no test reaches
	lossGroup, lossC   = "workers", "consumer-a"
)

// startPrivateRedis runs a throwaway redis-server on a free loopback port
// and returns its URL. The FLUSHALL test needs its own server: flushing the
// shared test Redis would wipe the keys of every test running beside it.
func startPrivateRedis(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		unreachable(t, "redis-server is not on PATH, so the FLUSHALL test cannot start a private Redis")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	require.NoError(t, l.Close())

	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", t.TempDir())
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	url := "redis://127.0.0.1:" + port + "/0"
	opts, err := goredis.ParseURL(url)
	require.NoError(t, err)
	c := goredis.NewClient(opts)
	defer c.Close()
	require.Eventually(t, func() bool { return c.Ping(t.Context()).Err() == nil },
		serverStartTimeout, serverPoll, "private redis-server on port %s did not start", port)
	return url
}

// TestFlushAll loses everything mid-test, as a Redis without persistence
// does on restart. The queue stays usable: stale deliveries are harmless,
// groups are re-created on the next Consume (even by a consumer that was
// blocked across the flush), and a rebuild from the store restores the
// work in order.
func TestFlushAll(t *testing.T) {
	t.Parallel()
	testRedisURL(t) // the private server stands in for it; CI still wants the tier
	h := newHarness(t, startPrivateRedis(t), redisq.DefaultConfig())
	q, ctx := h.q, t.Context()
	const deliver, confirm = "deliver/beta", "confirm/alpha"

	var store []struct{ stream, key string } // what the store would yield
	var ready []queue.Job
	for i := range lossJobs {
		key := "t" + strconv.Itoa(i)
		ready = append(ready, queue.Job{Key: key, Stage: "deliver"})
		store = append(store, struct{ stream, key string }{deliver, key})
	}
	_, err := q.Enqueue(ctx, deliver, ready...)
	require.NoError(t, err)
	_, err = q.Enqueue(ctx, deliver, queue.Job{Key: "later", NotBefore: time.Now().Add(farFuture)})
	require.NoError(t, err)
	held, err := q.Consume(ctx, deliver, lossGroup, lossC, lossHeld, 0)
	require.NoError(t, err)
	require.Len(t, held, lossHeld)

	// A consumer waits on an empty stream across the flush.
	type result struct {
		ds  []queue.Delivery
		err error
	}
	waiting := make(chan result, 1)
	go func() {
		ds, err := q.Consume(context.Background(), confirm, lossGroup, "waiter", 1, lossBlock)
		waiting <- result{ds, err}
	}()
	// Once the group exists, the waiter's first read found the stream
	// empty and it is (about to be) blocked in XREADGROUP.
	confirmKey := "{" + h.prefix + ":" + confirm + "}:stream"
	require.Eventually(t, func() bool {
		gs, err := h.admin.XInfoGroups(ctx, confirmKey).Result()
		return err == nil && len(gs) == 1
	}, lossWait, serverPoll)

	require.NoError(t, h.admin.FlushAll(ctx).Err())

	for _, s := range []string{deliver, confirm} {
		d, err := q.Depth(ctx, s, lossGroup)
		require.NoError(t, err)
		require.Equal(t, queue.Depth{}, d, "depth of %s after the flush", s)
	}
	require.NoError(t, q.Ack(ctx, held[0]), "acking a lost delivery is a no-op")
	require.ErrorIs(t, q.Retry(ctx, held[1], time.Time{}), queue.ErrNotPending)

	store = append(store, struct{ stream, key string }{confirm, "c0"})
	added, err := queue.Rebuild(ctx, q, func(yield func(string, queue.Job) bool) {
		for _, r := range store {
			if !yield(r.stream, queue.Job{Key: r.key, Stage: "deliver"}) {
				return
			}
		}
	})
	require.NoError(t, err)
	require.Equal(t, len(store), added)

	select {
	case r := <-waiting:
		require.NoError(t, r.err)
		require.Len(t, r.ds, 1)
		require.Equal(t, "c0", r.ds[0].Key)
	case <-time.After(lossWait):
		t.Fatal("the consumer blocked across the flush never got the rebuilt job")
	}

	got, err := q.Consume(ctx, deliver, lossGroup, lossC, 2*lossJobs, 0)
	require.NoError(t, err)
	require.Len(t, got, lossJobs)
	for i, d := range got {
		require.Equal(t, ready[i], d.Job, "rebuilt jobs keep their order")
	}
	require.NoError(t, q.Ack(ctx, held...), "stale acks do not touch the rebuilt jobs")
	d, err := q.Depth(ctx, deliver, lossGroup)
	require.NoError(t, err)
	require.Equal(t, queue.Depth{Pending: lossJobs}, d)
	require.NoError(t, q.Ack(ctx, got...))
	d, err = q.Depth(ctx, deliver, lossGroup)
	require.NoError(t, err)
	require.Equal(t, queue.Depth{}, d)
}

// TestTrim pins the MAXLEN bound: a backlog far beyond MaxLen keeps the
// stream within MaxLen plus one stream node, and the keys of trimmed jobs
// (pending ones included) can be enqueued again, so a rebuild restores
// them rather than being deduplicated away.
func TestTrim(t *testing.T) {
	t.Parallel()
	cfg := redisq.DefaultConfig()
	cfg.MaxLen = trimMaxLen
	h := newHarness(t, testRedisURL(t), cfg)
	q, ctx := h.q, t.Context()
	const stream = "deliver/beta"

	node, err := h.admin.ConfigGet(ctx, "stream-node-max-entries").Result()
	require.NoError(t, err)
	nodeMax, err := strconv.Atoi(node["stream-node-max-entries"])
	require.NoError(t, err)

	_, err = q.Enqueue(ctx, stream, queue.Job{Key: "first"})
	require.NoError(t, err)
	first, err := q.Consume(ctx, stream, lossGroup, lossC, 1, 0)
	require.NoError(t, err)
	require.Len(t, first, 1)
	jobs := make([]queue.Job, trimJobs)
	for i := range jobs {
		jobs[i] = queue.Job{Key: "k" + strconv.Itoa(i)}
	}
	added, err := q.Enqueue(ctx, stream, jobs...)
	require.NoError(t, err)
	require.Equal(t, trimJobs, added)

	n, err := h.admin.XLen(ctx, "{"+h.prefix+":"+stream+"}:stream").Result()
	require.NoError(t, err)
	require.LessOrEqual(t, n, int64(trimMaxLen+nodeMax), "stream length beyond MAXLEN ~ %d", trimMaxLen)
	require.GreaterOrEqual(t, n, int64(trimMaxLen))

	added, err = q.Enqueue(ctx, stream, queue.Job{Key: "first"}, queue.Job{Key: "k0"}, queue.Job{Key: jobs[trimJobs-1].Key})
	require.NoError(t, err)
	require.Equal(t, 2, added, "trimmed keys are free again; the newest is still queued")
	require.ErrorIs(t, q.Retry(ctx, first[0], time.Time{}), queue.ErrNotPending)
	reclaimed, err := q.Reclaim(ctx, stream, lossGroup, "other", 0, trimJobs)
	require.NoError(t, err)
	require.Empty(t, reclaimed, "a trimmed pending job is dropped, not reclaimed")
}

// TestSharedAcrossProcesses runs two queues on one prefix, as two relay
// processes do, with consumers on both: every job is delivered exactly once.
func TestSharedAcrossProcesses(t *testing.T) {
	t.Parallel()
	const (
		stream    = "deliver/beta"
		total     = 300
		perRead   = 7
		readBlock = 100 * time.Millisecond
	)
	url := testRedisURL(t)
	h := newHarness(t, url, redisq.DefaultConfig())
	cfg := redisq.DefaultConfig()
	cfg.Prefix = h.prefix
	other, err := redisq.Dial(t.Context(), url, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, other.Close()) })

	jobs := make([]queue.Job, total)
	for i := range jobs {
		jobs[i] = queue.Job{Key: "t" + strconv.Itoa(i)}
	}
	_, err = h.q.Enqueue(t.Context(), stream, jobs...)
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(t.Context(), lossWait)
	defer cancel()
	seen := make(chan string, 2*total)
	errs := make(chan error, 2)
	for i, q := range []queue.Queue{h.q, other} {
		go func() {
			name := "process-" + strconv.Itoa(i)
			for ctx.Err() == nil {
				ds, err := q.Consume(ctx, stream, lossGroup, name, perRead, readBlock)
				if err == nil {
					err = q.Ack(ctx, ds...)
				}
				if err != nil {
					errs <- err
					return
				}
				for _, d := range ds {
					seen <- d.Key
				}
			}
			errs <- nil
		}()
	}
	count := make(map[string]int)
	for len(count) < total {
		select {
		case k := <-seen:
			count[k]++
			require.Equal(t, 1, count[k], "%s delivered twice", k)
		case <-ctx.Done():
			t.Fatalf("only %d of %d jobs delivered", len(count), total)
		}
	}
	cancel()
	for range 2 {
		if err := <-errs; err != nil {
			require.ErrorIs(t, err, context.Canceled)
		}
	}
	require.Empty(t, seen, "jobs delivered after all were seen")
}
