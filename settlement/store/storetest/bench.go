package storetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/causeway/causeway/settlement"
)

// BenchmarkTransitions measures source_committed → delivered transitions
// (each a compare-and-set plus its outbox event, one transaction) on s,
// issued by workers goroutines. The transfers are created before the timer
// starts. It reports transitions/s.
func BenchmarkTransitions(b *testing.B, s settlement.Store, workers int) {
	ids := make([]*settlement.Transfer, b.N)
	parallel(b, workers, b.N, func(i int) error {
		t, _, err := s.CreateTransfer(b.Context(), committed(uint64(i+1)))
		ids[i] = t
		return err
	})
	b.ResetTimer()
	start := time.Now()
	parallel(b, workers, b.N, func(i int) error {
		t := ids[i]
		_, err := s.Transition(b.Context(), t.ID, settlement.StatusSourceCommitted, settlement.StatusDelivered,
			deliverEv(t.Seq, settlement.ReceiptOK, 0))
		return err
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "transitions/s")
}

// BenchmarkLifecycle measures whole lifecycles — create, deliver, finish:
// three transactions with three events — by workers goroutines, and reports
// transitions/s counting all three writes.
func BenchmarkLifecycle(b *testing.B, s settlement.Store, workers int) {
	const writesPerTransfer = 3
	start := time.Now()
	parallel(b, workers, b.N, func(i int) error {
		seq := uint64(i + 1)
		t, _, err := s.CreateTransfer(b.Context(), committed(seq))
		if err == nil {
			_, err = s.Transition(b.Context(), t.ID, settlement.StatusSourceCommitted, settlement.StatusDelivered,
				deliverEv(seq, settlement.ReceiptOK, 0))
		}
		if err == nil {
			_, err = s.Transition(b.Context(), t.ID, settlement.StatusDelivered, settlement.StatusFinished, confirmEv(seq))
		}
		return err
	})
	b.ReportMetric(float64(writesPerTransfer*b.N)/time.Since(start).Seconds(), "transitions/s")
}

// parallel runs fn(0..n-1) on workers goroutines and fails b on the first
// error.
func parallel(b *testing.B, workers, n int, fn func(i int) error) {
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					failed.Store(true)
					b.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() {
		b.FailNow()
	}
}

// BenchmarkTransitionBatches is BenchmarkTransitions with the transitions
// grouped batch at a time into TransitionBatch calls, as a relay applies the
// packets of one certified header.
func BenchmarkTransitionBatches(b *testing.B, s settlement.Store, workers, batch int) {
	ts := make([]*settlement.Transfer, b.N)
	parallel(b, workers, b.N, func(i int) error {
		t, _, err := s.CreateTransfer(b.Context(), committed(uint64(i+1)))
		ts[i] = t
		return err
	})
	b.ResetTimer()
	start := time.Now()
	batches := (b.N + batch - 1) / batch
	parallel(b, workers, batches, func(k int) error {
		var reqs []settlement.TransitionRequest
		for _, t := range ts[k*batch : min((k+1)*batch, b.N)] {
			reqs = append(reqs, settlement.TransitionRequest{ID: t.ID, From: settlement.StatusSourceCommitted,
				To: settlement.StatusDelivered, Evidence: deliverEv(t.Seq, settlement.ReceiptOK, 0)})
		}
		res, err := s.TransitionBatch(b.Context(), reqs)
		for _, r := range res {
			if err == nil {
				err = r.Err
			}
		}
		return err
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "transitions/s")
}

// BenchmarkCreates measures creating new source_committed transfers, as a
// relay watcher does for the packets it sees, by workers goroutines: one
// CreateTransfer each when batch is 1, else CreateTransfers of batch
// transfers. It reports creates/s.
func BenchmarkCreates(b *testing.B, s settlement.Store, workers, batch int) {
	start := time.Now()
	if batch == 1 {
		parallel(b, workers, b.N, func(i int) error {
			_, _, err := s.CreateTransfer(b.Context(), committed(uint64(i+1)))
			return err
		})
	} else {
		parallel(b, workers, (b.N+batch-1)/batch, func(k int) error {
			var ts []*settlement.Transfer
			for i := k * batch; i < min((k+1)*batch, b.N); i++ {
				ts = append(ts, committed(uint64(i+1)))
			}
			res, err := s.CreateTransfers(b.Context(), ts)
			for _, r := range res {
				if err == nil {
					err = r.Err
				}
			}
			return err
		})
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "creates/s")
}
