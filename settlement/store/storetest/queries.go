package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement"
)

func testListPagination(t *testing.T, s settlement.Store) {
	var created []settlement.TransferID
	for seq := uint64(1); seq <= pageTransfers; seq++ {
		created = append(created, create(t, s, committed(seq)).ID)
	}
	slices.Reverse(created) // newest first

	var got []settlement.TransferID
	cursor := ""
	for page := 0; ; page++ {
		ts, next, err := s.List(t.Context(), settlement.ListFilter{}, cursor, pageSize)
		require.NoError(t, err)
		require.LessOrEqual(t, len(ts), pageSize)
		for _, tr := range ts {
			got = append(got, tr.ID)
		}
		if page == 0 {
			// Rows created while paging sort before the first page and
			// must not shift the later pages.
			create(t, s, committed(pageTransfers+1))
		}
		if next == "" {
			break
		}
		cursor = next
	}
	require.Equal(t, created, got, "every row once, newest first")

	_, _, err := s.List(t.Context(), settlement.ListFilter{}, "not-a-cursor", pageSize)
	require.ErrorIs(t, err, settlement.ErrInvalid)

	ts, next, err := s.List(t.Context(), settlement.ListFilter{}, "", pageTransfers+1)
	require.NoError(t, err)
	require.Len(t, ts, pageTransfers+1)
	require.Empty(t, next, "an exact last page has no next cursor")
}

func testListFilters(t *testing.T, s settlement.Store) {
	a := create(t, s, committed(1))
	b := committed(2)
	b.Src, b.Dst, b.Sender, b.Receiver = "beta", "alpha", addrOf(3), addrOf(1)
	b = create(t, s, b)
	c := committed(3)
	c.Sender, c.Receiver = addrOf(4), addrOf(5)
	c = create(t, s, c)
	deliver(t, s, c, settlement.ReceiptOK, 0)
	sub := create(t, s, submitted(1, "exchange-a", "ref"))

	list := func(f settlement.ListFilter) []settlement.TransferID {
		ts, _, err := s.List(t.Context(), f, "", settlement.MaxPageSize)
		require.NoError(t, err)
		var out []settlement.TransferID
		for _, tr := range ts {
			out = append(out, tr.ID)
		}
		return out
	}
	require.Equal(t, []settlement.TransferID{sub.ID, b.ID, a.ID}, list(settlement.ListFilter{Account: addrOf(1)}))
	require.Equal(t, []settlement.TransferID{sub.ID, c.ID, a.ID}, list(settlement.ListFilter{Src: "alpha", Dst: "beta"}))
	require.Equal(t, []settlement.TransferID{c.ID}, list(settlement.ListFilter{Status: settlement.StatusDelivered}))
	require.Equal(t, []settlement.TransferID{sub.ID}, list(settlement.ListFilter{ClientID: "exchange-a"}))
	require.Equal(t, []settlement.TransferID{b.ID}, list(settlement.ListFilter{Account: addrOf(1), Src: "beta"}))
	require.Empty(t, list(settlement.ListFilter{Status: settlement.StatusRefunded}))
}

func testStuck(t *testing.T, s settlement.Store) {
	before := time.Now().Add(-time.Minute)
	var ids []settlement.TransferID
	for seq := uint64(1); seq <= 3; seq++ {
		ids = append(ids, create(t, s, committed(seq)).ID)
	}
	sub := create(t, s, submitted(1, "", ""))
	later := time.Now().Add(time.Minute)

	stuck := func(stage settlement.Stage, enteredBefore time.Time) []settlement.TransferID {
		ts, err := s.Stuck(t.Context(), stage, enteredBefore, 0)
		require.NoError(t, err)
		var out []settlement.TransferID
		for _, tr := range ts {
			out = append(out, tr.ID)
		}
		return out
	}
	require.Empty(t, stuck(settlement.StageDelivery, before), "nothing entered the stage that early")
	require.Equal(t, ids, stuck(settlement.StageDelivery, later), "oldest first")
	require.Equal(t, []settlement.TransferID{sub.ID}, stuck(settlement.StageSource, later))

	first, err := s.Get(t.Context(), ids[0])
	require.NoError(t, err)
	deliver(t, s, first, settlement.ReceiptTimeout, 0)
	require.Equal(t, ids[1:], stuck(settlement.StageDelivery, later))
	require.Equal(t, ids[:1], stuck(settlement.StageConfirm, later))

	ts, err := s.Stuck(t.Context(), settlement.StageDelivery, later, 1)
	require.NoError(t, err)
	require.Len(t, ts, 1, "limit is honoured")

	_, err = s.Stuck(t.Context(), "finished", later, 0)
	require.ErrorIs(t, err, settlement.ErrInvalid)
}

func testRecordAttempt(t *testing.T, s settlement.Store) {
	c := create(t, s, committed(1))
	n, err := s.RecordAttempt(t.Context(), c.ID, settlement.StageDelivery, "rpc timeout")
	require.NoError(t, err)
	require.Equal(t, 1, n)
	n, err = s.RecordAttempt(t.Context(), c.ID, settlement.StageDelivery, "nonce too low")
	require.NoError(t, err)
	require.Equal(t, 2, n)

	got := get(t, s, c.ID)
	require.Equal(t, settlement.Attempts{Delivery: 2}, got.Attempts)
	require.Equal(t, "nonce too low", got.LastError)
	require.Equal(t, c.StatusAt, got.StatusAt, "an attempt does not restart the stage clock")

	_, err = s.RecordAttempt(t.Context(), c.ID, settlement.StageConfirm, "")
	require.ErrorIs(t, err, settlement.ErrConflict, "the transfer is not in the confirm stage")
	_, err = s.RecordAttempt(t.Context(), "alpha.beta.404", settlement.StageDelivery, "")
	require.ErrorIs(t, err, settlement.ErrNotFound)
	_, err = s.RecordAttempt(t.Context(), c.ID, "bogus", "")
	require.ErrorIs(t, err, settlement.ErrInvalid)

	d := deliver(t, s, got, settlement.ReceiptOK, 0)
	require.Equal(t, 2, d.Attempts.Delivery, "attempts persist across transitions")
	n, err = s.RecordAttempt(t.Context(), c.ID, settlement.StageConfirm, "")
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Empty(t, get(t, s, c.ID).LastError, "an empty message clears the last error")
}

func testCursorMonotonic(t *testing.T, s settlement.Store) {
	h, err := s.GetCursor(t.Context(), "alpha")
	require.NoError(t, err)
	require.Zero(t, h)

	for _, step := range []struct{ set, want uint64 }{{10, 10}, {5, 10}, {10, 10}, {11, 11}, {0, 11}} {
		require.NoError(t, s.SetCursor(t.Context(), "alpha", step.set))
		h, err := s.GetCursor(t.Context(), "alpha")
		require.NoError(t, err)
		require.Equal(t, step.want, h, "after setting %d", step.set)
	}
	h, err = s.GetCursor(t.Context(), "beta")
	require.NoError(t, err)
	require.Zero(t, h, "cursors are per chain")

	var wg sync.WaitGroup
	for i := range cursorSetters {
		wg.Go(func() {
			for h := uint64(i); h <= cursorMaxHeight; h += cursorSetters {
				if err := s.SetCursor(ctx(t), "beta", h); err != nil {
					t.Errorf("set cursor: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	h, err = s.GetCursor(t.Context(), "beta")
	require.NoError(t, err)
	require.Equal(t, uint64(cursorMaxHeight), h)
}
