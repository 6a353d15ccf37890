package storetest

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement"
)

// tailDeadline bounds how long the tailing reader waits for the writers.
const tailDeadline = 2 * time.Minute

// testEventsGapFree drives lifecycles from several goroutines while a reader
// tails the outbox as a feed would (afterSeq = last seen). Every batch must
// continue exactly where the previous one ended: a seq that committed after
// a higher one would be skipped by such a reader.
func testEventsGapFree(t *testing.T, s settlement.Store) {
	const perTransfer = 3 // create, deliver, finish
	want := eventWriters * eventTransfers * perTransfer
	var wg sync.WaitGroup
	for w := range eventWriters {
		wg.Go(func() {
			for i := range eventTransfers {
				seq := uint64(w*eventTransfers + i + 1)
				c, _, err := s.CreateTransfer(ctx(t), committed(seq))
				if err == nil {
					_, err = s.Transition(ctx(t), c.ID, settlement.StatusSourceCommitted, settlement.StatusDelivered,
						deliverEv(seq, settlement.ReceiptOK, 0))
				}
				if err == nil {
					_, err = s.Transition(ctx(t), c.ID, settlement.StatusDelivered, settlement.StatusFinished, confirmEv(seq))
				}
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		})
	}

	var last uint64
	seen := 0
	deadline := time.Now().Add(tailDeadline)
	for seen < want && !t.Failed() {
		require.True(t, time.Now().Before(deadline), "tailing reader saw %d of %d events", seen, want)
		evs, err := s.Events(t.Context(), last, tailBatch, settlement.EventFilter{})
		require.NoError(t, err)
		for _, e := range evs {
			require.Equal(t, last+1, e.Seq, "event seq must continue without a gap")
			last = e.Seq
		}
		seen += len(evs)
	}
	wg.Wait()
	require.Equal(t, want, seen)
	require.Equal(t, uint64(want), last, "seq starts at 1 and has no holes")
}

func testEventsFilter(t *testing.T, s settlement.Store) {
	a := create(t, s, committed(1)) // alpha→beta, 1→2
	b := committed(2)
	b.Src, b.Dst, b.Sender, b.Receiver = "beta", "alpha", addrOf(3), addrOf(1)
	b = create(t, s, b)
	c := committed(3)
	c.Sender, c.Receiver = addrOf(4), addrOf(5)
	c = create(t, s, c)
	deliver(t, s, a, settlement.ReceiptOK, 0)

	ids := func(f settlement.EventFilter) []settlement.TransferID {
		var out []settlement.TransferID
		for _, e := range allEvents(t, s, f) {
			out = append(out, e.TransferID)
		}
		return out
	}
	require.Equal(t, []settlement.TransferID{a.ID, a.ID}, ids(settlement.EventFilter{TransferID: a.ID}))
	require.Equal(t, []settlement.TransferID{a.ID, b.ID, a.ID}, ids(settlement.EventFilter{Account: addrOf(1)}),
		"an account matches as sender and as receiver")
	require.Equal(t, []settlement.TransferID{c.ID}, ids(settlement.EventFilter{Account: addrOf(5)}))
	require.Equal(t, []settlement.TransferID{a.ID, c.ID, a.ID}, ids(settlement.EventFilter{Src: "alpha", Dst: "beta"}))
	require.Equal(t, []settlement.TransferID{b.ID}, ids(settlement.EventFilter{Src: "beta"}))
	require.Empty(t, ids(settlement.EventFilter{Account: addrOf(1), Src: "gamma"}))

	all := allEvents(t, s, settlement.EventFilter{})
	require.Len(t, all, 4)
	tail, err := s.Events(t.Context(), all[1].Seq, 1, settlement.EventFilter{})
	require.NoError(t, err)
	require.Len(t, tail, 1, "limit is honoured")
	require.Equal(t, all[2].Seq, tail[0].Seq)
}

func testEventPayload(t *testing.T, s settlement.Store) {
	c := create(t, s, committed(1))
	d := deliver(t, s, c, settlement.ReceiptFailed, 305)
	evs := allEvents(t, s, settlement.EventFilter{TransferID: c.ID})
	require.Len(t, evs, 2)
	e := evs[1]
	require.Equal(t, settlement.StatusDelivered, e.Status)
	require.Equal(t, "alpha", e.Src)
	require.Equal(t, "beta", e.Dst)
	require.False(t, e.At.IsZero())

	var got settlement.Transfer
	require.NoError(t, json.Unmarshal(e.Payload, &got))
	require.Equal(t, d.ID, got.ID)
	require.Equal(t, settlement.StatusDelivered, got.Status)
	require.Equal(t, d.Receipt, got.Receipt)
	require.Equal(t, d.Delivery.Height, got.Delivery.Height)
	require.Equal(t, d.Delivery.TxHash, got.Delivery.TxHash)
	require.Equal(t, d.Amount, got.Amount)

	var raw map[string]any
	require.NoError(t, json.Unmarshal(e.Payload, &raw))
	require.Equal(t, d.Amount.Dec(), raw["amount"], "amounts travel as decimal strings")
}
