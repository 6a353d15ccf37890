// Package queuetest is the conformance suite every queue.Queue
// implementation runs (settlement/queue/redis, settlement/queue/memq): Run
// for behaviour, Benchmark for throughput. It pins the contract written in
// package queue, including the dedupe rule (enqueue is idempotent per key
// while the job is outstanding) and at-least-once delivery with exclusive
// ownership inside a group.
//
// The suite only uses the Queue interface and asserts with real clocks, but
// never sleeps to wait for a condition: it waits in blocking Consume calls or
// polls with a deadline.
package queuetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement/queue"
)

// Timing of the suite. Delays are short enough to keep the suite fast and
// long enough that "not yet" assertions are made well inside them; every
// "not yet" assertion also checks the clock so a slow machine cannot make it
// flaky.
const (
	waitFor   = 10 * time.Second       // deadline for anything polled
	pollEvery = 10 * time.Millisecond  // between polls
	promptly  = 2 * time.Second        // how soon cancel or Close ends a blocked Consume
	longBlock = 60 * time.Second       // a block the test would fail on if waited out
	interrupt = 100 * time.Millisecond // when a blocked Consume is cancelled or closed
	minIdle   = 300 * time.Millisecond // reclaim idle time
	delay     = 400 * time.Millisecond // not-before offset of delayed jobs
	farFuture = time.Hour              // a not-before no test reaches

	fifoJobs    = 200 // jobs in the FIFO test
	fifoBatch   = 7   // jobs per Enqueue call in the FIFO test
	fifoConsume = 16  // max per Consume in the FIFO test
	sharedJobs  = 400 // jobs shared by concurrent consumers
	consumers   = 4   // concurrent consumers in one group
	sharedMax   = 10  // max per Consume of each concurrent consumer
	enqueuers   = 8   // goroutines enqueueing one key at once
)

// Names used by the tests. Each test has its own queue (and so its own
// storage namespace); names only need to be valid.
const (
	group = "workers"
	alice = "consumer-a"
	bob   = "consumer-b"
)

// Factory returns a new, empty queue for one test or benchmark. It registers
// its own cleanup: closing the queue and deleting whatever it stored.
type Factory func(tb testing.TB) queue.Queue

// Run runs the conformance suite against queues made by newQueue.
func Run(t *testing.T, newQueue Factory) {
	tests := []struct {
		name string
		fn   func(*testing.T, queue.Queue)
	}{
		{"FIFO", testFIFO},
		{"RoundTrip", testRoundTrip},
		{"EmptyConsumeReturnsAtOnce", testEmptyConsume},
		{"BlockedConsumeWakesOnEnqueue", testWakeOnEnqueue},
		{"AckRemoves", testAckRemoves},
		{"AckIsIdempotent", testAckIdempotent},
		{"AckAcrossStreams", testAckAcrossStreams},
		{"UnackedStaysWithConsumer", testUnackedStays},
		{"ExclusiveAmongConsumers", testExclusive},
		{"ReclaimDeadConsumer", testReclaimDead},
		{"ReclaimMax", testReclaimMax},
		{"DelayedUntilNotBefore", testDelayed},
		{"Retry", testRetry},
		{"RetryReadyGoesToTail", testRetryReady},
		{"RetryStale", testRetryStale},
		{"Depth", testDepth},
		{"DedupeWhileOutstanding", testDedupe},
		{"DedupeConcurrent", testDedupeConcurrent},
		{"Rebuild", testRebuild},
		{"CancelUnblocksConsume", testCancel},
		{"CloseUnblocksConsume", testClose},
		{"InvalidArguments", testInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newQueue(t))
		})
	}
}

func testFIFO(t *testing.T, q queue.Queue) {
	const stream = "deliver/beta"
	want := keys("fifo", fifoJobs)
	for chunk := range slices.Chunk(want, fifoBatch) {
		added, err := q.Enqueue(t.Context(), stream, jobs("deliver", chunk...)...)
		require.NoError(t, err)
		require.Equal(t, len(chunk), added)
	}
	var got []string
	for len(got) < fifoJobs {
		ds, err := q.Consume(t.Context(), stream, group, alice, fifoConsume, 0)
		require.NoError(t, err)
		require.NotEmpty(t, ds, "ready jobs left after %d", len(got))
		require.LessOrEqual(t, len(ds), fifoConsume)
		got = append(got, keysOf(ds)...)
	}
	require.Equal(t, want, got)
}

func testRoundTrip(t *testing.T, q queue.Queue) {
	const stream = "confirm/alpha"
	job := queue.Job{Key: "0xabc/7 any bytes|\x00é", Stage: "confirm|x", Attempt: 3,
		NotBefore: time.Now().Add(-time.Minute).Add(123456 * time.Nanosecond)}
	_, err := q.Enqueue(t.Context(), stream, job)
	require.NoError(t, err)
	ds, err := q.Consume(t.Context(), stream, group, alice, 1, 0)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	d := ds[0]
	require.Equal(t, job.Canonical(), d.Job)
	require.Equal(t, stream, d.Stream)
	require.Equal(t, group, d.Group)
	require.Equal(t, alice, d.Consumer)
	require.NotEmpty(t, d.ID)

	_, err = q.Enqueue(t.Context(), stream, queue.Job{Key: "zero"})
	require.NoError(t, err)
	ds, err = q.Consume(t.Context(), stream, group, alice, 1, 0)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.True(t, ds[0].NotBefore.IsZero(), "zero not-before must stay zero")
}

func testEmptyConsume(t *testing.T, q queue.Queue) {
	start := time.Now()
	ds, err := q.Consume(t.Context(), "sweep", group, alice, 10, 0)
	require.NoError(t, err)
	require.Empty(t, ds)
	require.Less(t, time.Since(start), promptly)
}

func testWakeOnEnqueue(t *testing.T, q queue.Queue) {
	const stream = "deliver/beta"
	got := make(chan []queue.Delivery, 1)
	errs := make(chan error, 1)
	go func() {
		ds, err := q.Consume(context.Background(), stream, group, alice, 1, longBlock)
		got <- ds
		errs <- err
	}()
	// Enqueue whether or not the consumer is blocked yet: either way the
	// one Consume call must return the job long before its block ends.
	_, err := q.Enqueue(t.Context(), stream, queue.Job{Key: "wake"})
	require.NoError(t, err)
	select {
	case ds := <-got:
		require.NoError(t, <-errs)
		require.Equal(t, []string{"wake"}, keysOf(ds))
	case <-time.After(waitFor):
		t.Fatal("blocked Consume did not return the enqueued job")
	}
}

func testAckRemoves(t *testing.T, q queue.Queue) {
	const stream = "deliver/beta"
	enqueue(t, q, stream, "a", "b")
	ds := consumeN(t, q, stream, alice, 2)
	require.NoError(t, q.Ack(t.Context(), ds...))
	requireDepth(t, q, stream, queue.Depth{})
	again, err := q.Consume(t.Context(), stream, group, bob, 10, 0)
	require.NoError(t, err)
	require.Empty(t, again)
	reclaimed, err := q.Reclaim(t.Context(), stream, group, bob, 0, 10)
	require.NoError(t, err)
	require.Empty(t, reclaimed, "an acknowledged job must not be reclaimable")
}

func testAckIdempotent(t *testing.T, q queue.Queue) {
	const stream = "deliver/beta"
	enqueue(t, q, stream, "a")
	ds := consumeN(t, q, stream, alice, 1)
	require.NoError(t, q.Ack(t.Context(), ds...))
	require.NoError(t, q.Ack(t.Context(), ds...))
	// A stale ack must not complete the job's next incarnation.
	enqueue(t, q, stream, "a")
	require.NoError(t, q.Ack(t.Context(), ds...))
	requireDepth(t, q, stream, queue.Depth{Ready: 1})
	require.Equal(t, []string{"a"}, keysOf(consumeN(t, q, stream, alice, 1)))
}

func testAckAcrossStreams(t *testing.T, q queue.Queue) {
	enqueue(t, q, "deliver/beta", "a")
	enqueue(t, q, "confirm/alpha", "a")
	ds := append(consumeN(t, q, "deliver/beta", alice, 1), consumeN(t, q, "confirm/alpha", alice, 1)...)
	require.NoError(t, q.Ack(t.Context(), ds...))
	requireDepth(t, q, "deliver/beta", queue.Depth{})
	requireDepth(t, q, "confirm/alpha", queue.Depth{})
}

func testUnackedStays(t *testing.T, q queue.Queue) {
	const stream = "deliver/beta"
	enqueue(t, q, stream, "a")
	consumeN(t, q, stream, alice, 1)
	for _, c := range []string{alice, bob} {
		ds, err := q.Consume(t.Context(), stream, group, c, 10, 0)
		require.NoError(t, err)
		require.Empty(t, ds, "%s got a job another consumer holds", c)
	}
	requireDepth(t, q, stream, queue.Depth{Pending: 1})
	// At least once: the unacknowledged job comes back through a reclaim.
	ds, err := q.Reclaim(t.Context(), stream, group, bob, 0, 10)
	require.NoError(t, err)
	require.Equal(t, []string{"a"}, keysOf(ds))
	require.Equal(t, bob, ds[0].Consumer)
}

func testExclusive(t *testing.T, q queue.Queue) {
	const stream = "deliver/beta"
	want := keys("job", sharedJobs)
	var (
		mu    sync.Mutex
		owner = make(map[string]string) // key -> consumer
		dup   []string
		held  []queue.Delivery
		wg    sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(t.Context(), waitFor)
	defer cancel()
	for i := range consumers {
		name := "consumer-" + strconv.Itoa(i)
		wg.Go(func() {
			for ctx.Err() == nil {
				ds, err := q.Consume(ctx, stream, group, name, sharedMax, interrupt)
				if err != nil {
					return
				}
				mu.Lock()
				for _, d := range ds {
					if prev, ok := owner[d.Key]; ok {
						dup = append(dup, fmt.Sprintf("%s to %s and %s", d.Key, prev, name))
					}
					owner[d.Key] = name
				}
				held = append(held, ds...)
				if len(owner) == sharedJobs {
					cancel()
				}
				mu.Unlock()
			}
		})
	}
	for chunk := range slices.Chunk(want, sharedMax) {
		_, err := q.Enqueue(t.Context(), stream, jobs("deliver", chunk...)...)
		require.NoError(t, err)
	}
	wg.Wait()
	require.Empty(t, dup, "jobs delivered to two consumers without a reclaim")
	require.Len(t, owner, sharedJobs, "jobs never delivered")
	requireDepth(t, q, stream, queue.Depth{Pending: sharedJobs})
	require.NoError(t, q.Ack(t.Context(), held...))
	requireDepth(t, q, stream, queue.Depth{})
}

func testReclaimDead(t *testing.T, q queue.Queue) {
	const stream = "deliver/beta"
	enqueue(t, q, stream, "a", "b", "c")
	consumeStart := time.Now()
	dead := consumeN(t, q, stream, "dead", 3)

	early, err := q.Reclaim(t.Context(), stream, group, alice, minIdle, 10)
	require.NoError(t, err)
	if time.Since(consumeStart) < minIdle {
		require.Empty(t, early, "reclaimed before min idle")
	}
	var got []queue.Delivery
	require.Eventually(t, func() bool {
		ds, err := q.Reclaim(t.Context(), stream, group, alice, minIdle, 10)
		require.NoError(t, err)
		got = append(got, ds...)
		return len(got) >= 3
	}, waitFor, pollEvery)
	require.GreaterOrEqual(t, time.Since(consumeStart), minIdle)
	require.Equal(t, []string{"a", "b", "c"}, keysOf(got))
	for i, d := range got {
		require.Equal(t, alice, d.Consumer)
		require.Equal(t, dead[i].ID, d.ID, "a reclaim keeps the job's incarnation")
		require.Equal(t, dead[i].Job, d.Job)
	}
	require.ErrorIs(t, q.Retry(t.Context(), dead[0], time.Time{}), queue.ErrNotPending,
		"the dead consumer no longer holds its job")
	require.NoError(t, q.Ack(t.Context(), got...))
	requireDepth(t, q, stream, queue.Depth{})
	more, err := q.Reclaim(t.Context(), stream, group, bob, 0, 10)
	require.NoError(t, err)
	require.Empty(t, more)
}

func testReclaimMax(t *testing.T, q queue.Queue) {
	const stream = "deliver/beta"
	const reclaimMax = 2
	want := keys("job", 5)
	enqueue(t, q, stream, want...)
	consumeN(t, q, stream, "dead", len(want))
	var first []queue.Delivery
	require.Eventually(t, func() bool {
		ds, err := q.Reclaim(t.Context(), stream, group, alice, minIdle, reclaimMax)
		require.NoError(t, err)
		first = ds
		return len(ds) > 0
	}, waitFor, pollEvery)
	require.Equal(t, want[:reclaimMax], keysOf(first), "reclaim takes the oldest first, up to max")
	seen := keysOf(first)
	require.Eventually(t, func() bool {
		ds, err := q.Reclaim(t.Context(), stream, group, bob, minIdle, reclaimMax)
		require.NoError(t, err)
		require.LessOrEqual(t, len(ds), reclaimMax)
		for _, d := range ds {
			if !slices.Contains(seen, d.Key) {
				seen = append(seen, d.Key)
			}
		}
		return len(seen) == len(want)
	}, waitFor, pollEvery)
	requireDepth(t, q, stream, queue.Depth{Pending: int64(len(want))})
}

func testDelayed(t *testing.T, q queue.Queue) {
	const stream = "deliver/beta"
	notBefore := time.Now().Add(delay)
	_, err := q.Enqueue(t.Context(), stream,
		queue.Job{Key: "later", NotBefore: notBefore}, queue.Job{Key: "now"})
	require.NoError(t, err)
	ds, err := q.Consume(t.Context(), stream, group, alice, 10, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"now"}, keysOf(ds))
	if time.Now().Before(notBefore) {
		requireDepth(t, q, stream, queue.Depth{Pending: 1, Delayed: 1})
	}
	// One blocking call: a consumer already waiting gets the job when due.
	ds, err = q.Consume(t.Context(), stream, group, alice, 10, longBlock)
	require.NoError(t, err)
	require.Equal(t, []string{"later"}, keysOf(ds))
	require.False(t, time.Now().Before(queue.Job{NotBefore: notBefore}.Canonical().NotBefore),
		"delivered before not-before")
	require.Equal(t, queue.Job{Key: "later", NotBefore: notBefore}.Canonical(), ds[0].Job)
}

func testRetry(t *testing.T, q queue.Queue) {
	const stream = "deliver/beta"
	_, err := q.Enqueue(t.Context(), stream, queue.Job{Key: "a", Stage: "deliver", Attempt: 2})
	require.NoError(t, err)
	d := consumeN(t, q, stream, alice, 1)[0]
	notBefore := time.Now().Add(delay)
	require.NoError(t, q.Retry(t.Context(), d, notBefore))
	if time.Now().Before(notBefore) {
		requireDepth(t, q, stream, queue.Depth{Delayed: 1})
		ds, err := q.Consume(t.Context(), stream, group, alice, 10, 0)
		require.NoError(t, err)
		if time.Now().Before(notBefore) {
			require.Empty(t, ds, "retried job delivered before its not-before")
		}
	}
	ds, err := q.Consume(t.Context(), stream, group, bob, 10, longBlock)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.Equal(t, queue.Job{Key: "a", Stage: "deliver", Attempt: 3, NotBefore: notBefore}.Canonical(), ds[0].Job)
	require.NotEqual(t, d.ID, ds[0].ID, "a retried job is a new incarnation")
	require.NoError(t, q.Ack(t.Context(), d), "a stale ack is a no-op")
	requireDepth(t, q, stream, queue.Depth{Pending: 1})
}

func testRetryReady(t *testing.T, q queue.Queue) {
	const stream = "deliver/beta"
	enqueue(t, q, stream, "x", "y")
	x := consumeN(t, q, stream, alice, 1)[0]
	require.Equal(t, "x", x.Key)
	require.NoError(t, q.Retry(t.Context(), x, time.Time{}))
	ds := consumeN(t, q, stream, alice, 2)
	require.Equal(t, []string{"y", "x"}, keysOf(ds))
	require.Equal(t, 1, ds[1].Attempt)
}

func testRetryStale(t *testing.T, q queue.Queue) {
	const stream = "deliver/beta"
	enqueue(t, q, stream, "a", "b")
	ds := consumeN(t, q, stream, alice, 2)
	forged := ds[0]
	forged.Consumer = bob
	require.ErrorIs(t, q.Retry(t.Context(), forged, time.Time{}), queue.ErrNotPending)
	require.NoError(t, q.Retry(t.Context(), ds[0], time.Now().Add(farFuture)))
	require.ErrorIs(t, q.Retry(t.Context(), ds[0], time.Time{}), queue.ErrNotPending, "retried twice")
	require.NoError(t, q.Ack(t.Context(), ds[1]))
	require.ErrorIs(t, q.Retry(t.Context(), ds[1], time.Time{}), queue.ErrNotPending, "retried after ack")
	requireDepth(t, q, stream, queue.Depth{Delayed: 1})
}

func testDepth(t *testing.T, q queue.Queue) {
	const stream = "deliver/beta"
	requireDepth(t, q, stream, queue.Depth{})
	enqueue(t, q, stream, keys("ready", 5)...)
	later := time.Now().Add(farFuture)
	_, err := q.Enqueue(t.Context(), stream,
		queue.Job{Key: "later-0", NotBefore: later}, queue.Job{Key: "later-1", NotBefore: later})
	require.NoError(t, err)
	requireDepth(t, q, stream, queue.Depth{Ready: 5, Delayed: 2})
	ds := consumeN(t, q, stream, alice, 3)
	requireDepth(t, q, stream, queue.Depth{Ready: 2, Pending: 3, Delayed: 2})
	require.NoError(t, q.Ack(t.Context(), ds[0]))
	requireDepth(t, q, stream, queue.Depth{Ready: 2, Pending: 2, Delayed: 2})
	require.NoError(t, q.Retry(t.Context(), ds[1], later))
	requireDepth(t, q, stream, queue.Depth{Ready: 2, Pending: 1, Delayed: 3})
	require.Equal(t, int64(6), queue.Depth{Ready: 2, Pending: 1, Delayed: 3}.Total())
}

func testDedupe(t *testing.T, q queue.Queue) {
	const stream = "deliver/beta"
	added, err := q.Enqueue(t.Context(), stream,
		queue.Job{Key: "a", Stage: "first"}, queue.Job{Key: "a", Stage: "second"}, queue.Job{Key: "b"})
	require.NoError(t, err)
	require.Equal(t, 2, added, "a key repeated in one call is enqueued once")
	added, err = q.Enqueue(t.Context(), stream, queue.Job{Key: "a", Stage: "third"})
	require.NoError(t, err)
	require.Zero(t, added, "a ready key is outstanding")

	ds := consumeN(t, q, stream, alice, 2)
	require.Equal(t, []string{"a", "b"}, keysOf(ds))
	require.Equal(t, "first", ds[0].Stage, "a duplicate keeps the queued job")
	added, err = q.Enqueue(t.Context(), stream, queue.Job{Key: "a", Stage: "fourth"})
	require.NoError(t, err)
	require.Zero(t, added, "a pending key is outstanding")
	requireDepth(t, q, stream, queue.Depth{Pending: 2})

	require.NoError(t, q.Ack(t.Context(), ds[0]))
	added, err = q.Enqueue(t.Context(), stream, queue.Job{Key: "a", Stage: "fifth"})
	require.NoError(t, err)
	require.Equal(t, 1, added, "an acknowledged key is free again")
	again := consumeN(t, q, stream, alice, 1)
	require.Equal(t, "fifth", again[0].Stage)

	later := time.Now().Add(farFuture)
	_, err = q.Enqueue(t.Context(), stream, queue.Job{Key: "c", NotBefore: later})
	require.NoError(t, err)
	added, err = q.Enqueue(t.Context(), stream, queue.Job{Key: "c"})
	require.NoError(t, err)
	require.Zero(t, added, "a delayed key is outstanding and keeps its not-before")
	requireDepth(t, q, stream, queue.Depth{Pending: 2, Delayed: 1})

	added, err = q.Enqueue(t.Context(), "confirm/alpha", queue.Job{Key: "a"})
	require.NoError(t, err)
	require.Equal(t, 1, added, "dedupe is per stream")
}

func testDedupeConcurrent(t *testing.T, q queue.Queue) {
	const stream = "deliver/beta"
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int
		errs  []error
	)
	for range enqueuers {
		wg.Go(func() {
			n, err := q.Enqueue(t.Context(), stream, queue.Job{Key: "same"})
			mu.Lock()
			defer mu.Unlock()
			total += n
			errs = append(errs, err)
		})
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	require.Equal(t, 1, total)
	requireDepth(t, q, stream, queue.Depth{Ready: 1})
}

func testRebuild(t *testing.T, q queue.Queue) {
	enqueue(t, q, "deliver/beta", "t1", "t2")
	consumeN(t, q, "deliver/beta", alice, 1)
	fromStore := []struct {
		stream string
		key    string
	}{
		{"deliver/beta", "t1"}, {"deliver/beta", "t2"}, {"deliver/beta", "t3"},
		{"confirm/alpha", "t4"},
	}
	seq := func(yield func(string, queue.Job) bool) {
		for _, r := range fromStore {
			if !yield(r.stream, queue.Job{Key: r.key}) {
				return
			}
		}
	}
	added, err := queue.Rebuild(t.Context(), q, seq)
	require.NoError(t, err)
	require.Equal(t, 2, added, "rebuild adds only what is missing")
	requireDepth(t, q, "deliver/beta", queue.Depth{Ready: 2, Pending: 1})
	requireDepth(t, q, "confirm/alpha", queue.Depth{Ready: 1})
	added, err = queue.Rebuild(t.Context(), q, seq)
	require.NoError(t, err)
	require.Zero(t, added, "rebuild is idempotent")
}

func testCancel(t *testing.T, q queue.Queue) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	time.AfterFunc(interrupt, cancel)
	start := time.Now()
	ds, err := q.Consume(ctx, "deliver/beta", group, alice, 1, longBlock)
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, ds)
	require.Less(t, time.Since(start), interrupt+promptly)

	_, err = q.Enqueue(ctx, "deliver/beta", queue.Job{Key: "a"})
	require.ErrorIs(t, err, context.Canceled)
	_, err = q.Consume(ctx, "deliver/beta", group, alice, 1, 0)
	require.ErrorIs(t, err, context.Canceled)
}

func testClose(t *testing.T, q queue.Queue) {
	time.AfterFunc(interrupt, func() { _ = q.Close() })
	start := time.Now()
	_, err := q.Consume(t.Context(), "deliver/beta", group, alice, 1, longBlock)
	require.ErrorIs(t, err, queue.ErrClosed)
	require.Less(t, time.Since(start), interrupt+promptly)

	_, err = q.Enqueue(t.Context(), "deliver/beta", queue.Job{Key: "a"})
	require.ErrorIs(t, err, queue.ErrClosed)
	_, err = q.Depth(t.Context(), "deliver/beta", group)
	require.ErrorIs(t, err, queue.ErrClosed)
	require.NoError(t, q.Close(), "Close is idempotent")
}

func testInvalid(t *testing.T, q queue.Queue) {
	ctx := t.Context()
	_, err := q.Enqueue(ctx, "bad{name}", queue.Job{Key: "a"})
	require.ErrorIs(t, err, queue.ErrInvalid)
	_, err = q.Enqueue(ctx, "deliver/beta", queue.Job{Key: ""})
	require.ErrorIs(t, err, queue.ErrInvalid)
	_, err = q.Enqueue(ctx, "deliver/beta", queue.Job{Key: "a", Attempt: -1})
	require.ErrorIs(t, err, queue.ErrInvalid)
	_, err = q.Consume(ctx, "deliver/beta", group, alice, 0, 0)
	require.ErrorIs(t, err, queue.ErrInvalid)
	_, err = q.Consume(ctx, "deliver/beta", "", alice, 1, 0)
	require.ErrorIs(t, err, queue.ErrInvalid)
	_, err = q.Reclaim(ctx, "deliver/beta", group, alice, -time.Second, 1)
	require.ErrorIs(t, err, queue.ErrInvalid)
	require.ErrorIs(t, q.Ack(ctx, queue.Delivery{Job: queue.Job{Key: "a"}, Stream: "deliver/beta", Group: group, Consumer: alice}), queue.ErrInvalid)
	_, err = q.Depth(ctx, "", group)
	require.ErrorIs(t, err, queue.ErrInvalid)
}

// enqueue adds ready jobs with the given keys and requires all were added.
func enqueue(t *testing.T, q queue.Queue, stream string, ks ...string) {
	t.Helper()
	added, err := q.Enqueue(t.Context(), stream, jobs("deliver", ks...)...)
	require.NoError(t, err)
	require.Equal(t, len(ks), added)
}

// consumeN consumes exactly n ready jobs as consumer, without waiting.
func consumeN(t *testing.T, q queue.Queue, stream, consumer string, n int) []queue.Delivery {
	t.Helper()
	ds, err := q.Consume(t.Context(), stream, group, consumer, n, 0)
	require.NoError(t, err)
	require.Len(t, ds, n)
	return ds
}

func requireDepth(t *testing.T, q queue.Queue, stream string, want queue.Depth) {
	t.Helper()
	got, err := q.Depth(t.Context(), stream, group)
	require.NoError(t, err)
	require.Equal(t, want, got, "depth of %s", stream)
}

func jobs(stage string, ks ...string) []queue.Job {
	out := make([]queue.Job, len(ks))
	for i, k := range ks {
		out[i] = queue.Job{Key: k, Stage: stage}
	}
	return out
}

func keys(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%04d", prefix, i)
	}
	return out
}

func keysOf(ds []queue.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Key
	}
	return out
}
