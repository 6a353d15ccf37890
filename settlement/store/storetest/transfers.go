package storetest

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
)

func testCreateIdempotent(t *testing.T, s settlement.Store) {
	in := committed(42)
	got := create(t, s, in)
	require.Equal(t, settlement.PacketTransferID("alpha", "beta", 42), got.ID)
	require.Equal(t, settlement.StatusSourceCommitted, got.Status)
	require.False(t, got.Source.Time.IsZero(), "source commit time defaults to the store's clock")
	require.Equal(t, got, get(t, s, got.ID), "Get returns what Create returned")

	again, created, err := s.CreateTransfer(t.Context(), committed(42))
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, got, again)

	// Same source transaction, even with another sequence: the same transfer.
	other := committed(43)
	other.Source.TxHash = in.Source.TxHash
	again, created, err = s.CreateTransfer(t.Context(), other)
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, got.ID, again.ID)

	byPacket, err := s.GetPacket(t.Context(), "alpha", "beta", 42)
	require.NoError(t, err)
	require.Equal(t, got, byPacket)
	_, err = s.GetPacket(t.Context(), "beta", "alpha", 42)
	require.ErrorIs(t, err, settlement.ErrNotFound)
	_, err = s.Get(t.Context(), "alpha.beta.999")
	require.ErrorIs(t, err, settlement.ErrNotFound)

	require.Equal(t, 1, eventCount(t, s), "an idempotent create writes one event")
}

func testCreateClientRef(t *testing.T, s settlement.Store) {
	first := create(t, s, submitted(1, "exchange-a", "order-1"))
	require.Equal(t, settlement.SubmittedTransferID("alpha", "beta", hashOf(tagSubmit, 1)), first.ID)
	require.Zero(t, first.Seq)

	// A retry with a new transaction but the same reference is the same transfer.
	again, created, err := s.CreateTransfer(t.Context(), submitted(2, "exchange-a", "order-1"))
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, first, again)

	// References are unique per client, not globally; no reference is no key.
	create(t, s, submitted(3, "exchange-b", "order-1"))
	create(t, s, submitted(4, "exchange-a", ""))
	create(t, s, submitted(5, "exchange-a", ""))
	require.Equal(t, 4, eventCount(t, s))
}

// A relay that sees a gateway's packet before the gateway records it
// creates the row; the gateway's create then hands that row to its client,
// reference included, so the client finds its transfer and its timeline
// starts at submitted.
func testCreateAdoptsRelayRow(t *testing.T, s settlement.Store) {
	relayRow := create(t, s, committed(11))
	require.Empty(t, relayRow.ClientID)
	late := submitted(0, "exchange-a", "order-11")
	late.Source.TxHash = relayRow.Source.TxHash
	got, created, err := s.CreateTransfer(t.Context(), late)
	require.NoError(t, err)
	require.False(t, created, "the relay's row stays the transfer")
	require.Equal(t, relayRow.ID, got.ID)
	require.Equal(t, settlement.StatusSourceCommitted, got.Status)
	require.Equal(t, "exchange-a", got.ClientID)
	require.Equal(t, "order-11", got.ClientRef)
	require.Equal(t, got, get(t, s, relayRow.ID))

	// The client's retry finds it by reference; another client cannot take it.
	again, _, err := s.CreateTransfer(t.Context(), late)
	require.NoError(t, err)
	require.Equal(t, got, again)
	other := submitted(0, "exchange-b", "order-x")
	other.Source.TxHash = relayRow.Source.TxHash
	again, created, err = s.CreateTransfer(t.Context(), other)
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, "exchange-a", again.ClientID, "adopted once")

	// A reference the client already gave another transfer finds that
	// transfer; created without it (as the gateway does then), the relay's
	// row is adopted without a reference.
	taken := create(t, s, submitted(1, "exchange-c", "taken"))
	row := create(t, s, committed(12))
	clash := submitted(0, "exchange-c", "taken")
	clash.Source.TxHash = row.Source.TxHash
	got, _, err = s.CreateTransfer(t.Context(), clash)
	require.NoError(t, err)
	require.Equal(t, taken.ID, got.ID)
	require.Empty(t, get(t, s, row.ID).ClientID, "not adopted through another transfer's reference")
	clash.ClientRef = ""
	got, _, err = s.CreateTransfer(t.Context(), clash)
	require.NoError(t, err)
	require.Equal(t, row.ID, got.ID)
	require.Equal(t, "exchange-c", got.ClientID)
	require.Empty(t, got.ClientRef)
}

func testCreateConcurrent(t *testing.T, s settlement.Store) {
	var wins atomic.Int32
	var wg sync.WaitGroup
	ids := make([]settlement.TransferID, racers)
	for i := range racers {
		wg.Go(func() {
			got, created, err := s.CreateTransfer(ctx(t), committed(7))
			if err != nil {
				t.Errorf("racer %d: %v", i, err)
				return
			}
			if created {
				wins.Add(1)
			}
			ids[i] = got.ID
		})
	}
	wg.Wait()
	require.Equal(t, int32(1), wins.Load(), "exactly one concurrent create inserts")
	for _, id := range ids {
		require.Equal(t, settlement.PacketTransferID("alpha", "beta", 7), id)
	}
	require.Equal(t, 1, eventCount(t, s))
}

func testCreateRefusesInvalid(t *testing.T, s settlement.Store) {
	for _, mutate := range []func(*settlement.Transfer){
		func(tr *settlement.Transfer) { tr.Amount = new(uint256.Int) },
		func(tr *settlement.Transfer) { tr.Source.Height = 0 },
		func(tr *settlement.Transfer) { tr.Source.TxHash = attest.Hash{} },
		func(tr *settlement.Transfer) { tr.Status = settlement.StatusFinished },
		func(tr *settlement.Transfer) { tr.Dst = tr.Src },
	} {
		tr := committed(1)
		mutate(tr)
		_, _, err := s.CreateTransfer(t.Context(), tr)
		require.Error(t, err)
		require.True(t, errors.Is(err, settlement.ErrInvalid) || errors.Is(err, settlement.ErrMissingEvidence) ||
			errors.Is(err, settlement.ErrInvalidTransition), "%v", err)
	}
	require.Zero(t, eventCount(t, s))
}

func testLifecycleFinished(t *testing.T, s settlement.Store) {
	sub := create(t, s, submitted(1, "ex", "r1"))
	tx := sub.Source.TxHash

	c, err := s.Transition(t.Context(), sub.ID, settlement.StatusSubmitted, settlement.StatusSourceCommitted, commitEv(5, tx))
	require.NoError(t, err)
	require.Equal(t, sub.ID, c.ID, "a transfer keeps its id when the sequence becomes known")
	require.Equal(t, uint64(5), c.Seq)
	require.Equal(t, uint64(15), c.Source.Height)
	require.Equal(t, tx, c.Source.TxHash)
	byPacket, err := s.GetPacket(t.Context(), "alpha", "beta", 5)
	require.NoError(t, err)
	require.Equal(t, c, byPacket)

	d := deliver(t, s, c, settlement.ReceiptOK, 0)
	require.Equal(t, &settlement.Receipt{Status: settlement.ReceiptOK}, d.Receipt)
	require.Equal(t, uint64(25), d.Delivery.Height)
	require.Equal(t, hashOf(tagDelivery, 5), d.Delivery.TxHash)
	require.Equal(t, addrOf(9), d.Delivery.Relayer)

	f, err := s.Transition(t.Context(), d.ID, settlement.StatusDelivered, settlement.StatusFinished, confirmEv(5))
	require.NoError(t, err)
	require.Equal(t, settlement.StatusFinished, f.Status)
	require.Equal(t, uint64(35), f.Confirm.Height)
	require.Equal(t, hashOf(tagConfirm, 5), f.Confirm.TxHash)
	require.Equal(t, f, get(t, s, f.ID))
	require.Equal(t, d.Delivery, f.Delivery, "earlier stages are kept")
	require.Equal(t, sub.CreatedAt, f.CreatedAt)
	require.False(t, f.StatusAt.Before(d.StatusAt))

	var statuses []settlement.Status
	for _, e := range allEvents(t, s, settlement.EventFilter{TransferID: sub.ID}) {
		statuses = append(statuses, e.Status)
	}
	require.Equal(t, []settlement.Status{settlement.StatusSubmitted, settlement.StatusSourceCommitted,
		settlement.StatusDelivered, settlement.StatusFinished}, statuses)
}

// testSubmittedByPacketID: a transfer created in submitted keeps the id of
// its source transaction, and once its sequence is known the relay, which
// sees packets, reaches it by its packet id too.
func testSubmittedByPacketID(t *testing.T, s settlement.Store) {
	sub := create(t, s, submitted(1, "ex", "r1"))
	_, err := s.Transition(t.Context(), sub.ID, settlement.StatusSubmitted, settlement.StatusSourceCommitted,
		commitEv(6, sub.Source.TxHash))
	require.NoError(t, err)
	packet := settlement.PacketTransferID("alpha", "beta", 6)

	got := get(t, s, packet)
	require.Equal(t, sub.ID, got.ID, "found under its packet id, named by its own")
	n, err := s.RecordAttempt(t.Context(), packet, settlement.StageDelivery, "busy")
	require.NoError(t, err)
	require.Equal(t, 1, n)
	d, err := s.Transition(t.Context(), packet, settlement.StatusSourceCommitted, settlement.StatusDelivered,
		deliverEv(6, settlement.ReceiptOK, 0))
	require.NoError(t, err)
	require.Equal(t, sub.ID, d.ID)
	res, err := s.TransitionBatch(t.Context(), []settlement.TransitionRequest{{ID: packet, From: settlement.StatusDelivered,
		To: settlement.StatusFinished, Evidence: confirmEv(6)}})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	require.Equal(t, settlement.StatusFinished, get(t, s, sub.ID).Status)
	require.Len(t, allEvents(t, s, settlement.EventFilter{TransferID: sub.ID}), 4, "every event under its own id")

	_, err = s.Transition(t.Context(), packet, settlement.StatusDelivered, settlement.StatusFinished, confirmEv(6))
	require.ErrorIs(t, err, settlement.ErrConflict)
	_, err = s.Get(t.Context(), settlement.PacketTransferID("alpha", "beta", 7))
	require.ErrorIs(t, err, settlement.ErrNotFound)
	_, err = s.RecordAttempt(t.Context(), settlement.PacketTransferID("beta", "alpha", 6), settlement.StageDelivery, "")
	require.ErrorIs(t, err, settlement.ErrNotFound)
}

func testLifecycleRefunded(t *testing.T, s settlement.Store) {
	for _, r := range []settlement.Receipt{
		{Status: settlement.ReceiptTimeout},
		{Status: settlement.ReceiptFailed, Code: 304},
	} {
		seq := uint64(len(r.Status))
		d := deliver(t, s, create(t, s, committed(seq)), r.Status, r.Code)
		require.Equal(t, &r, d.Receipt)

		before := eventCount(t, s)
		_, err := s.Transition(t.Context(), d.ID, settlement.StatusDelivered, settlement.StatusFinished, confirmEv(seq))
		require.ErrorIs(t, err, settlement.ErrInvalidTransition, "a %s receipt cannot finish", r.Status)
		require.Equal(t, d, get(t, s, d.ID))
		require.Equal(t, before, eventCount(t, s))

		f, err := s.Transition(t.Context(), d.ID, settlement.StatusDelivered, settlement.StatusRefunded, confirmEv(seq))
		require.NoError(t, err)
		require.Equal(t, settlement.StatusRefunded, f.Status)
	}
	ok := deliver(t, s, create(t, s, committed(1)), settlement.ReceiptOK, 0)
	_, err := s.Transition(t.Context(), ok.ID, settlement.StatusDelivered, settlement.StatusRefunded, confirmEv(1))
	require.ErrorIs(t, err, settlement.ErrInvalidTransition, "an ok receipt cannot refund")
}

func testLifecycleRejected(t *testing.T, s settlement.Store) {
	sub := create(t, s, submitted(1, "", ""))
	r, err := s.Transition(t.Context(), sub.ID, settlement.StatusSubmitted, settlement.StatusRejected,
		&settlement.Evidence{Reason: "insufficient funds", Code: 201})
	require.NoError(t, err)
	require.Equal(t, settlement.StatusRejected, r.Status)
	require.Equal(t, uint32(201), r.RejectCode)
	require.Equal(t, "insufficient funds", r.LastError)
	require.Zero(t, r.Seq)
	_, err = s.Transition(t.Context(), sub.ID, settlement.StatusRejected, settlement.StatusSourceCommitted, commitEv(1, sub.Source.TxHash))
	require.ErrorIs(t, err, settlement.ErrInvalidTransition)
}

func testTransitionConflict(t *testing.T, s settlement.Store) {
	c := create(t, s, committed(1))
	_, err := s.Transition(t.Context(), c.ID, settlement.StatusDelivered, settlement.StatusFinished, confirmEv(1))
	require.ErrorIs(t, err, settlement.ErrConflict, "the row is source_committed, not delivered")

	_, err = s.Transition(t.Context(), "alpha.beta.404", settlement.StatusSourceCommitted, settlement.StatusDelivered,
		deliverEv(404, settlement.ReceiptOK, 0))
	require.ErrorIs(t, err, settlement.ErrNotFound)

	deliver(t, s, c, settlement.ReceiptOK, 0)
	_, err = s.Transition(t.Context(), c.ID, settlement.StatusSourceCommitted, settlement.StatusDelivered,
		deliverEv(1, settlement.ReceiptOK, 0))
	require.ErrorIs(t, err, settlement.ErrConflict, "a repeated transition loses")

	// The block must have included the transaction the gateway submitted.
	sub := create(t, s, submitted(1, "", ""))
	_, err = s.Transition(t.Context(), sub.ID, settlement.StatusSubmitted, settlement.StatusSourceCommitted,
		commitEv(2, hashOf(tagSubmit, 99)))
	require.ErrorIs(t, err, settlement.ErrInvalid)
	require.Equal(t, settlement.StatusSubmitted, get(t, s, sub.ID).Status)
}

func testTransitionConcurrent(t *testing.T, s settlement.Store) {
	const transfers = 3
	for seq := uint64(1); seq <= transfers; seq++ {
		c := create(t, s, committed(seq))
		var wins, conflicts atomic.Int32
		var wg sync.WaitGroup
		for range racers {
			wg.Go(func() {
				_, err := s.Transition(ctx(t), c.ID, settlement.StatusSourceCommitted, settlement.StatusDelivered,
					deliverEv(seq, settlement.ReceiptOK, 0))
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, settlement.ErrConflict):
					conflicts.Add(1)
				default:
					t.Errorf("transition: %v", err)
				}
			})
		}
		wg.Wait()
		require.Equal(t, int32(1), wins.Load(), "exactly one of %d concurrent transitions wins", racers)
		require.Equal(t, int32(racers-1), conflicts.Load())
		evs := allEvents(t, s, settlement.EventFilter{TransferID: c.ID})
		require.Len(t, evs, 2, "one create and one delivery event")
	}
}

func testTransitionRefusesMissingEvidence(t *testing.T, s settlement.Store) {
	sub := create(t, s, submitted(1, "", ""))
	com := create(t, s, committed(2))
	del := deliver(t, s, create(t, s, committed(3)), settlement.ReceiptOK, 0)
	before := eventCount(t, s)
	for _, tc := range []struct {
		name     string
		tr       *settlement.Transfer
		from, to settlement.Status
		ev       *settlement.Evidence
		want     error
	}{
		{"commit without evidence", sub, settlement.StatusSubmitted, settlement.StatusSourceCommitted, nil, settlement.ErrMissingEvidence},
		{"commit without seq", sub, settlement.StatusSubmitted, settlement.StatusSourceCommitted,
			&settlement.Evidence{Height: 5, TxHash: sub.Source.TxHash}, settlement.ErrMissingEvidence},
		{"commit without height", sub, settlement.StatusSubmitted, settlement.StatusSourceCommitted,
			&settlement.Evidence{Seq: 5, TxHash: sub.Source.TxHash}, settlement.ErrMissingEvidence},
		{"reject without reason", sub, settlement.StatusSubmitted, settlement.StatusRejected,
			&settlement.Evidence{}, settlement.ErrMissingEvidence},
		{"deliver without receipt", com, settlement.StatusSourceCommitted, settlement.StatusDelivered,
			&settlement.Evidence{Height: 9, TxHash: hashOf(tagDelivery, 2)}, settlement.ErrMissingEvidence},
		{"deliver without tx", com, settlement.StatusSourceCommitted, settlement.StatusDelivered,
			&settlement.Evidence{Height: 9, Receipt: &settlement.Receipt{Status: settlement.ReceiptOK}}, settlement.ErrMissingEvidence},
		{"failed receipt without code", com, settlement.StatusSourceCommitted, settlement.StatusDelivered,
			&settlement.Evidence{Height: 9, TxHash: hashOf(tagDelivery, 2), Receipt: &settlement.Receipt{Status: settlement.ReceiptFailed}},
			settlement.ErrMissingEvidence},
		{"finish without height", del, settlement.StatusDelivered, settlement.StatusFinished,
			&settlement.Evidence{TxHash: hashOf(tagConfirm, 3)}, settlement.ErrMissingEvidence},
		{"skip delivery", com, settlement.StatusSourceCommitted, settlement.StatusFinished, confirmEv(2), settlement.ErrInvalidTransition},
		{"refund without a receipt", com, settlement.StatusSourceCommitted, settlement.StatusRefunded, confirmEv(2), settlement.ErrInvalidTransition},
		{"backwards", del, settlement.StatusDelivered, settlement.StatusSourceCommitted, commitEv(3, hashOf(tagSource, 3)), settlement.ErrInvalidTransition},
	} {
		_, err := s.Transition(t.Context(), tc.tr.ID, tc.from, tc.to, tc.ev)
		require.ErrorIs(t, err, tc.want, tc.name)
		require.Equal(t, tc.tr, get(t, s, tc.tr.ID), "%s: the row is unchanged", tc.name)
	}
	require.Equal(t, before, eventCount(t, s), "refused transitions write no event")
}

func testFailedTransitionWritesNothing(t *testing.T, s settlement.Store) {
	// Two gateway transfers that a buggy watcher claims got the same
	// sequence: the second commit hits the packet key and rolls back whole.
	a := create(t, s, submitted(1, "", ""))
	b := create(t, s, submitted(2, "", ""))
	_, err := s.Transition(t.Context(), a.ID, settlement.StatusSubmitted, settlement.StatusSourceCommitted, commitEv(5, a.Source.TxHash))
	require.NoError(t, err)
	before := allEvents(t, s, settlement.EventFilter{})

	_, err = s.Transition(t.Context(), b.ID, settlement.StatusSubmitted, settlement.StatusSourceCommitted, commitEv(5, b.Source.TxHash))
	require.ErrorIs(t, err, settlement.ErrConflict)
	require.Equal(t, b, get(t, s, b.ID))
	require.Equal(t, before, allEvents(t, s, settlement.EventFilter{}))

	// The event seq has no hole where the failed transition was.
	c, err := s.Transition(t.Context(), b.ID, settlement.StatusSubmitted, settlement.StatusSourceCommitted, commitEv(6, b.Source.TxHash))
	require.NoError(t, err)
	after := allEvents(t, s, settlement.EventFilter{})
	require.Len(t, after, len(before)+1)
	last := after[len(after)-1]
	require.Equal(t, before[len(before)-1].Seq+1, last.Seq)
	require.Equal(t, c.ID, last.TransferID)
}
