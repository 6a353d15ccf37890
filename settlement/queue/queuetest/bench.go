package queuetest

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement/queue"
)

// Benchmark shapes. One operation is one job enqueued, consumed and
// acknowledged; the jobs/s metric is the figure to report.
const (
	benchBatchSmall = 1   // one job per call: round-trip bound
	benchBatchLarge = 100 // jobs per Enqueue, Consume and Ack call
	benchConsumers  = 4   // concurrent consumers in the parallel shape
)

// Benchmark measures enqueue, consume and ack throughput of queues made by
// newQueue: one job per call, batches of benchBatchLarge, and
// benchConsumers consumers sharing a group while one producer enqueues.
func Benchmark(b *testing.B, newQueue Factory) {
	for _, batch := range []int{benchBatchSmall, benchBatchLarge} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			benchSerial(b, newQueue(b), batch)
		})
	}
	b.Run(fmt.Sprintf("consumers=%d/batch=%d", benchConsumers, benchBatchLarge), func(b *testing.B) {
		benchShared(b, newQueue(b))
	})
}

func benchSerial(b *testing.B, q queue.Queue, batch int) {
	const stream = "bench"
	ctx := b.Context()
	jobs := make([]queue.Job, batch)
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(batch, b.N-done)
		for i := range n {
			jobs[i] = queue.Job{Key: strconv.Itoa(done + i), Stage: "deliver"}
		}
		_, err := q.Enqueue(ctx, stream, jobs[:n]...)
		require.NoError(b, err)
		for got := 0; got < n; {
			ds, err := q.Consume(ctx, stream, group, alice, n-got, longBlock)
			require.NoError(b, err)
			require.NoError(b, q.Ack(ctx, ds...))
			got += len(ds)
		}
		done += n
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
}

func benchShared(b *testing.B, q queue.Queue) {
	const stream = "bench"
	ctx, cancel := context.WithCancel(b.Context())
	defer cancel()
	var (
		acked atomic.Int64
		wg    sync.WaitGroup
		errs  = make(chan error, benchConsumers)
	)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range benchConsumers {
		name := "consumer-" + strconv.Itoa(i)
		wg.Go(func() {
			for acked.Load() < int64(b.N) {
				ds, err := q.Consume(ctx, stream, group, name, benchBatchLarge, interrupt)
				if err == nil {
					err = q.Ack(ctx, ds...)
				}
				if err != nil {
					if ctx.Err() == nil {
						errs <- err
					}
					return
				}
				if acked.Add(int64(len(ds))) >= int64(b.N) {
					cancel()
				}
			}
		})
	}
	jobs := make([]queue.Job, benchBatchLarge)
	for done := 0; done < b.N; {
		n := min(benchBatchLarge, b.N-done)
		for i := range n {
			jobs[i] = queue.Job{Key: strconv.Itoa(done + i), Stage: "deliver"}
		}
		_, err := q.Enqueue(ctx, stream, jobs[:n]...)
		require.NoError(b, err)
		done += n
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(b, err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
}
