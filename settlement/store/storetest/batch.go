package storetest

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement"
)

// batchRacers are goroutines submitting overlapping batches.
const batchRacers = 4

func testTransitionBatch(t *testing.T, s settlement.Store) {
	a := create(t, s, committed(1))
	b := create(t, s, committed(2))
	c := deliver(t, s, create(t, s, committed(3)), settlement.ReceiptOK, 0)
	before := allEvents(t, s, settlement.EventFilter{})

	res, err := s.TransitionBatch(t.Context(), []settlement.TransitionRequest{
		{ID: a.ID, From: settlement.StatusSourceCommitted, To: settlement.StatusDelivered, Evidence: deliverEv(1, settlement.ReceiptOK, 0)},
		{ID: c.ID, From: settlement.StatusSourceCommitted, To: settlement.StatusDelivered, Evidence: deliverEv(3, settlement.ReceiptOK, 0)},
		{ID: b.ID, From: settlement.StatusSourceCommitted, To: settlement.StatusDelivered, Evidence: &settlement.Evidence{Height: 1}},
		{ID: "alpha.beta.404", From: settlement.StatusSourceCommitted, To: settlement.StatusDelivered, Evidence: deliverEv(404, settlement.ReceiptOK, 0)},
		{ID: b.ID, From: settlement.StatusSourceCommitted, To: settlement.StatusDelivered, Evidence: deliverEv(2, settlement.ReceiptTimeout, 0)},
		{ID: b.ID, From: settlement.StatusDelivered, To: settlement.StatusRefunded, Evidence: confirmEv(2)},
	})
	require.NoError(t, err)
	require.Len(t, res, 6)
	require.NoError(t, res[0].Err)
	require.Equal(t, settlement.StatusDelivered, res[0].Transfer.Status)
	require.ErrorIs(t, res[1].Err, settlement.ErrConflict)
	require.NotNil(t, res[1].Transfer, "a conflict carries the row as it is")
	require.Equal(t, settlement.StatusDelivered, res[1].Transfer.Status)
	require.Equal(t, c.ID, res[1].Transfer.ID)
	require.ErrorIs(t, res[2].Err, settlement.ErrMissingEvidence)
	require.ErrorIs(t, res[3].Err, settlement.ErrNotFound)
	require.NoError(t, res[4].Err)
	require.NoError(t, res[5].Err, "a later item sees the earlier items of its batch")
	require.Equal(t, settlement.StatusRefunded, get(t, s, b.ID).Status)
	require.Equal(t, res[0].Transfer, get(t, s, a.ID))

	after := allEvents(t, s, settlement.EventFilter{})
	require.Len(t, after, len(before)+3, "one event per applied item")
	for i, e := range after[len(before):] {
		require.Equal(t, before[len(before)-1].Seq+uint64(i)+1, e.Seq, "a batch takes consecutive seqs")
	}
	require.Equal(t, []settlement.TransferID{a.ID, b.ID, b.ID},
		[]settlement.TransferID{after[len(before)].TransferID, after[len(before)+1].TransferID, after[len(before)+2].TransferID})

	res, err = s.TransitionBatch(t.Context(), nil)
	require.NoError(t, err)
	require.Empty(t, res)
	_, err = s.TransitionBatch(t.Context(), make([]settlement.TransitionRequest, settlement.MaxBatch+1))
	require.ErrorIs(t, err, settlement.ErrInvalid)
}

// testTransitionBatchRepeated: a batch observed a second time (a relay's
// watcher and its worker both see a transaction) finds every row moved:
// each item is a conflict carrying the row, and no event is written.
func testTransitionBatchRepeated(t *testing.T, s settlement.Store) {
	var reqs []settlement.TransitionRequest
	for seq := uint64(21); seq <= 30; seq++ {
		tr := create(t, s, committed(seq))
		reqs = append(reqs, settlement.TransitionRequest{ID: tr.ID, From: settlement.StatusSourceCommitted,
			To: settlement.StatusDelivered, Evidence: deliverEv(seq, settlement.ReceiptOK, 0)})
	}
	first, err := s.TransitionBatch(t.Context(), reqs)
	require.NoError(t, err)
	before := allEvents(t, s, settlement.EventFilter{})
	again, err := s.TransitionBatch(t.Context(), reqs)
	require.NoError(t, err)
	require.Len(t, again, len(reqs))
	for i, r := range again {
		require.NoError(t, first[i].Err)
		require.ErrorIs(t, r.Err, settlement.ErrConflict)
		require.Equal(t, first[i].Transfer, r.Transfer, "the conflict carries the row as the first batch left it")
	}
	require.Len(t, allEvents(t, s, settlement.EventFilter{}), len(before), "a repeated batch writes no event")

	// Mixed: one row moved, one still before the transition, one missing.
	fresh := create(t, s, committed(31))
	mixed, err := s.TransitionBatch(t.Context(), []settlement.TransitionRequest{reqs[0],
		{ID: fresh.ID, From: settlement.StatusSourceCommitted, To: settlement.StatusDelivered, Evidence: deliverEv(31, settlement.ReceiptOK, 0)},
		{ID: "alpha.beta.4040", From: settlement.StatusSourceCommitted, To: settlement.StatusDelivered, Evidence: deliverEv(4040, settlement.ReceiptOK, 0)},
	})
	require.NoError(t, err)
	require.ErrorIs(t, mixed[0].Err, settlement.ErrConflict)
	require.NoError(t, mixed[1].Err)
	require.Equal(t, settlement.StatusDelivered, mixed[1].Transfer.Status)
	require.ErrorIs(t, mixed[2].Err, settlement.ErrNotFound)
}

// testTransitionBatchShared: the packets of one recv transaction share its
// evidence but for their receipts, and its ack's likewise; every row gets
// its own receipt and the shared fields, and one event each.
func testTransitionBatchShared(t *testing.T, s settlement.Store) {
	const n = 12
	recv := &settlement.Evidence{Height: 77, TxHash: hashOf(tagDelivery, 700), Relayer: addrOf(9)}
	ack := &settlement.Evidence{Height: 78, TxHash: hashOf(tagConfirm, 700), Relayer: addrOf(8)}
	var delivered, ended []settlement.TransitionRequest
	for k := range n {
		tr := create(t, s, committed(uint64(700+k)))
		ev, end := *recv, settlement.StatusFinished
		ev.Receipt = &settlement.Receipt{Status: settlement.ReceiptOK}
		if k%4 == 3 {
			ev.Receipt = &settlement.Receipt{Status: settlement.ReceiptTimeout}
			end = settlement.StatusRefunded
		}
		delivered = append(delivered, settlement.TransitionRequest{ID: tr.ID, From: settlement.StatusSourceCommitted,
			To: settlement.StatusDelivered, Evidence: &ev})
		ended = append(ended, settlement.TransitionRequest{ID: tr.ID, From: settlement.StatusDelivered, To: end, Evidence: ack})
	}
	before := eventCount(t, s)
	res, err := s.TransitionBatch(t.Context(), delivered)
	require.NoError(t, err)
	for k, r := range res {
		require.NoError(t, r.Err)
		require.Equal(t, delivered[k].ID, r.Transfer.ID)
		require.Equal(t, settlement.StatusDelivered, r.Transfer.Status)
		require.Equal(t, delivered[k].Evidence.Receipt.Status, r.Transfer.Receipt.Status)
		require.Equal(t, recv.Height, r.Transfer.Delivery.Height)
		require.Equal(t, recv.TxHash, r.Transfer.Delivery.TxHash)
		require.Equal(t, r.Transfer, get(t, s, r.Transfer.ID))
	}
	// Finished for a timed-out receipt is refused; the rest end.
	wrong := ended[3]
	wrong.To = settlement.StatusFinished
	res, err = s.TransitionBatch(t.Context(), append(ended, wrong))
	require.NoError(t, err)
	for k, r := range res[:n] {
		require.NoError(t, r.Err)
		require.Equal(t, ended[k].To, r.Transfer.Status)
		require.Equal(t, ack.TxHash, r.Transfer.Confirm.TxHash)
	}
	require.ErrorIs(t, res[n].Err, settlement.ErrConflict, "the transfer item 3 ended is not delivered any more")
	require.Equal(t, before+2*n, eventCount(t, s))
}

// testTransitionBatchAtomic: an error of the batch as a whole (here a packet
// key taken by another transfer) writes none of its items.
func testTransitionBatchAtomic(t *testing.T, s settlement.Store) {
	a := create(t, s, committed(1))
	sub := create(t, s, submitted(1, "", ""))
	before := eventCount(t, s)
	_, err := s.TransitionBatch(t.Context(), []settlement.TransitionRequest{
		{ID: a.ID, From: settlement.StatusSourceCommitted, To: settlement.StatusDelivered, Evidence: deliverEv(1, settlement.ReceiptOK, 0)},
		{ID: sub.ID, From: settlement.StatusSubmitted, To: settlement.StatusSourceCommitted, Evidence: commitEv(1, sub.Source.TxHash)},
	})
	require.ErrorIs(t, err, settlement.ErrConflict)
	require.Equal(t, a, get(t, s, a.ID))
	require.Equal(t, sub, get(t, s, sub.ID))
	require.Equal(t, before, eventCount(t, s))
}

// testTransitionBatchConcurrent: overlapping batches from several goroutines
// move each transfer exactly once.
func testTransitionBatchConcurrent(t *testing.T, s settlement.Store) {
	const n = 40
	var reqs []settlement.TransitionRequest
	for seq := uint64(1); seq <= n; seq++ {
		c := create(t, s, committed(seq))
		reqs = append(reqs, settlement.TransitionRequest{ID: c.ID, From: settlement.StatusSourceCommitted,
			To: settlement.StatusDelivered, Evidence: deliverEv(seq, settlement.ReceiptOK, 0)})
	}
	var applied atomic.Int32
	var wg sync.WaitGroup
	for r := range batchRacers {
		wg.Go(func() {
			// Each racer walks the list from its own offset, so batches overlap.
			mine := append(append([]settlement.TransitionRequest{}, reqs[r*n/batchRacers:]...), reqs[:r*n/batchRacers]...)
			res, err := s.TransitionBatch(ctx(t), mine)
			if err != nil {
				t.Errorf("racer %d: %v", r, err)
				return
			}
			for _, x := range res {
				switch {
				case x.Err == nil:
					applied.Add(1)
				case !errors.Is(x.Err, settlement.ErrConflict):
					t.Errorf("racer %d: %v", r, x.Err)
				}
			}
		})
	}
	wg.Wait()
	require.Equal(t, int32(n), applied.Load(), "each transfer moved exactly once")
	evs := allEvents(t, s, settlement.EventFilter{})
	require.Len(t, evs, 2*n)
	for i, e := range evs {
		require.Equal(t, uint64(i+1), e.Seq)
	}
}
