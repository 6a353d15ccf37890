package storetest

import (
	"sync"
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement"
)

// createBatchPackets is how many packets the concurrent create test races on.
const createBatchPackets = 40

// testCreateTransfers: a batch of new rows is created whole, results in
// request order, the events one run of consecutive seqs in that order.
func testCreateTransfers(t *testing.T, s settlement.Store) {
	create(t, s, committed(100)) // an earlier event, so the run must continue its seq
	before := allEvents(t, s, settlement.EventFilter{})

	seqs := []uint64{3, 10, 1, 2} // not in id order
	var in []*settlement.Transfer
	for _, seq := range seqs {
		in = append(in, committed(seq))
	}
	res, err := s.CreateTransfers(t.Context(), in)
	require.NoError(t, err)
	require.Len(t, res, len(seqs))
	for i, r := range res {
		require.NoError(t, r.Err)
		require.True(t, r.Created)
		require.Equal(t, settlement.PacketTransferID("alpha", "beta", seqs[i]), r.Transfer.ID)
		require.Equal(t, r.Transfer, get(t, s, r.Transfer.ID), "Get returns what the batch returned")
	}

	after := allEvents(t, s, settlement.EventFilter{})
	require.Len(t, after, len(before)+len(seqs), "one event per created row")
	for i, e := range after[len(before):] {
		require.Equal(t, before[len(before)-1].Seq+uint64(i)+1, e.Seq, "a batch takes consecutive seqs")
		require.Equal(t, res[i].Transfer.ID, e.TransferID, "seqs follow request order")
		require.Equal(t, settlement.StatusSourceCommitted, e.Status)
	}
}

// testCreateTransfersLarge: a batch larger than one statement's rows
// (stores write in chunks) creates every row once, with consecutive events,
// and a repeat of it creates nothing.
func testCreateTransfersLarge(t *testing.T, s settlement.Store) {
	const n = 450
	in := make([]*settlement.Transfer, n)
	for i := range in {
		in[i] = committed(uint64(5000 + i))
	}
	before := eventCount(t, s)
	res, err := s.CreateTransfers(t.Context(), in)
	require.NoError(t, err)
	for i, r := range res {
		require.NoError(t, r.Err)
		require.True(t, r.Created, "item %d", i)
	}
	require.Equal(t, before+n, eventCount(t, s))
	again, err := s.CreateTransfers(t.Context(), in)
	require.NoError(t, err)
	for i, r := range again {
		require.NoError(t, r.Err)
		require.False(t, r.Created, "item %d", i)
		require.Equal(t, res[i].Transfer, r.Transfer)
	}
	require.Equal(t, before+n, eventCount(t, s), "a repeated batch writes no event")
}

// testCreateTransfersMixed: existing rows come back uncreated, an invalid
// item gets its own error, and the rest commit.
func testCreateTransfersMixed(t *testing.T, s settlement.Store) {
	old := create(t, s, committed(1))
	sub := create(t, s, submitted(1, "exchange-a", "order-1"))
	before := eventCount(t, s)

	seen := committed(5) // the watcher sees the gateway's transaction as packet 5
	seen.Source.TxHash = sub.Source.TxHash
	invalid := committed(6)
	invalid.Amount = new(uint256.Int)
	res, err := s.CreateTransfers(t.Context(), []*settlement.Transfer{
		committed(2), committed(1), seen, invalid, committed(7),
	})
	require.NoError(t, err)
	require.Len(t, res, 5)

	require.NoError(t, res[0].Err)
	require.True(t, res[0].Created)
	require.NoError(t, res[1].Err)
	require.False(t, res[1].Created, "existing by packet key")
	require.Equal(t, old, res[1].Transfer)
	require.NoError(t, res[2].Err)
	require.False(t, res[2].Created, "existing by source transaction")
	require.Equal(t, sub, res[2].Transfer)
	require.ErrorIs(t, res[3].Err, settlement.ErrInvalid)
	require.Nil(t, res[3].Transfer)
	require.False(t, res[3].Created)
	require.NoError(t, res[4].Err)
	require.True(t, res[4].Created)

	_, err = s.GetPacket(t.Context(), "alpha", "beta", 6)
	require.ErrorIs(t, err, settlement.ErrNotFound, "the invalid item wrote nothing")
	_, err = s.GetPacket(t.Context(), "alpha", "beta", 5)
	require.ErrorIs(t, err, settlement.ErrNotFound, "the matched submitted row keeps its state")
	require.Equal(t, sub, get(t, s, sub.ID))
	require.Equal(t, res[0].Transfer, get(t, s, res[0].Transfer.ID))
	require.Equal(t, res[4].Transfer, get(t, s, res[4].Transfer.ID))

	evs := allEvents(t, s, settlement.EventFilter{})
	require.Len(t, evs, before+2, "events only for the created rows")
	require.Equal(t, []settlement.TransferID{res[0].Transfer.ID, res[4].Transfer.ID},
		[]settlement.TransferID{evs[before].TransferID, evs[before+1].TransferID})
}

// testCreateTransfersDuplicate: two items of one batch naming the same
// transfer resolve as if created one after the other.
func testCreateTransfersDuplicate(t *testing.T, s settlement.Store) {
	res, err := s.CreateTransfers(t.Context(), []*settlement.Transfer{
		committed(4),
		submitted(1, "exchange-a", "order-1"),
		committed(4),
		submitted(2, "exchange-a", "order-1"), // a retry: new transaction, same reference
	})
	require.NoError(t, err)
	require.Len(t, res, 4)
	for _, r := range res {
		require.NoError(t, r.Err)
	}
	require.True(t, res[0].Created)
	require.True(t, res[1].Created)
	require.False(t, res[2].Created, "the second returns the first")
	require.Equal(t, res[0].Transfer, res[2].Transfer)
	require.False(t, res[3].Created, "same client reference")
	require.Equal(t, res[1].Transfer, res[3].Transfer)
	require.Equal(t, res[0].Transfer, get(t, s, res[0].Transfer.ID))
	require.Equal(t, 2, eventCount(t, s))
}

// testCreateTransfersBounds: an empty batch does nothing; one over MaxBatch
// is refused whole.
func testCreateTransfersBounds(t *testing.T, s settlement.Store) {
	res, err := s.CreateTransfers(t.Context(), nil)
	require.NoError(t, err)
	require.Empty(t, res)

	var in []*settlement.Transfer
	for seq := uint64(1); seq <= settlement.MaxBatch+1; seq++ {
		in = append(in, committed(seq))
	}
	_, err = s.CreateTransfers(t.Context(), in)
	require.ErrorIs(t, err, settlement.ErrInvalid)
	_, err = s.GetPacket(t.Context(), "alpha", "beta", 1)
	require.ErrorIs(t, err, settlement.ErrNotFound, "nothing written")
	require.Zero(t, eventCount(t, s))
}

// testCreateTransfersConcurrent: overlapping batches from several goroutines,
// each walking the packets from its own offset, create each packet exactly
// once, with one creation event.
func testCreateTransfersConcurrent(t *testing.T, s settlement.Store) {
	const n = createBatchPackets
	results := make([][]settlement.CreateResult, batchRacers)
	var wg sync.WaitGroup
	for r := range batchRacers {
		wg.Go(func() {
			var in []*settlement.Transfer
			for i := range n {
				in = append(in, committed(uint64((r*n/batchRacers+i)%n+1)))
			}
			res, err := s.CreateTransfers(ctx(t), in)
			if err != nil {
				t.Errorf("racer %d: %v", r, err)
				return
			}
			results[r] = res
		})
	}
	wg.Wait()
	require.False(t, t.Failed())

	created := map[settlement.TransferID]int{}
	for r, res := range results {
		require.Len(t, res, n)
		for i, x := range res {
			require.NoError(t, x.Err)
			seq := uint64((r*n/batchRacers+i)%n + 1)
			require.Equal(t, settlement.PacketTransferID("alpha", "beta", seq), x.Transfer.ID)
			if x.Created {
				created[x.Transfer.ID]++
			}
		}
	}
	require.Len(t, created, n, "every packet created")
	for id, c := range created {
		require.Equal(t, 1, c, "%s created once", id)
	}

	list, _, err := s.List(t.Context(), settlement.ListFilter{}, "", settlement.MaxPageSize)
	require.NoError(t, err)
	require.Len(t, list, n, "one row per packet")
	evs := allEvents(t, s, settlement.EventFilter{})
	require.Len(t, evs, n, "one creation event per packet")
	ids := map[settlement.TransferID]bool{}
	for i, e := range evs {
		require.Equal(t, uint64(i+1), e.Seq)
		ids[e.TransferID] = true
	}
	require.Len(t, ids, n)
}
