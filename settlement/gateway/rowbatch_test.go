package gateway

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/relay/relaytest"
	"github.com/causeway/causeway/settlement"
)

// gatedStore holds the first CreateTransfers call until released and
// records every batch; failBatches makes every batch fail whole.
type gatedStore struct {
	settlement.Store
	entered     chan struct{}
	release     chan struct{}
	failBatches bool

	mu      sync.Mutex
	batches []int
	singles int
}

var errBatchAborted = errors.New("batch aborted")

func (g *gatedStore) CreateTransfers(ctx context.Context, ts []*settlement.Transfer) ([]settlement.CreateResult, error) {
	g.mu.Lock()
	first := len(g.batches) == 0
	g.batches = append(g.batches, len(ts))
	g.mu.Unlock()
	if first {
		close(g.entered)
		<-g.release
	}
	if g.failBatches {
		return nil, errBatchAborted
	}
	return g.Store.CreateTransfers(ctx, ts)
}

func (g *gatedStore) CreateTransfer(ctx context.Context, t *settlement.Transfer) (*settlement.Transfer, bool, error) {
	g.mu.Lock()
	g.singles++
	g.mu.Unlock()
	return g.Store.CreateTransfer(ctx, t)
}

// submittedRow is a gateway-created transfer row for source transaction i.
func submittedRow(i int) *settlement.Transfer {
	return &settlement.Transfer{Src: "alpha", Dst: "beta", Status: settlement.StatusSubmitted,
		Sender: relaytest.FreshAddress(), Receiver: relaytest.FreshAddress(), Denom: relaytest.Denom,
		Amount: uint256.NewInt(uint64(10 + i)), Fee: uint256.NewInt(1), TimeoutTimeMs: 1 << 40, ClientID: testClient,
		Source: settlement.StageRecord{TxHash: attest.Keccak([]byte{byte(i), byte(i >> 8)})}}
}

// rowsWhileBusy creates n rows through a batcher over g: the first alone,
// held inside the store until the other n-1 have queued behind it.
func rowsWhileBusy(t *testing.T, g *gatedStore, n int) []*settlement.Transfer {
	t.Helper()
	b := newRowBatcher(g)
	got := make([]*settlement.Transfer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	create := func(i int) { wg.Go(func() { got[i], errs[i] = b.create(t.Context(), submittedRow(i)) }) }
	create(0)
	<-g.entered
	for i := 1; i < n; i++ {
		create(i)
	}
	require.Eventually(t, func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.queue) == n-1
	}, waitFor, pollEvery, "the other rows queue behind the batch being written")
	close(g.release)
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		require.Equal(t, submittedRow(i).Source.TxHash, got[i].Source.TxHash, "row %d gets its own transfer", i)
		require.Equal(t, settlement.StatusSubmitted, got[i].Status)
	}
	ts, _, err := g.List(t.Context(), settlement.ListFilter{}, "", settlement.MaxPageSize)
	require.NoError(t, err)
	require.Len(t, ts, n, "every row stored once")
	b.mu.Lock()
	defer b.mu.Unlock()
	require.False(t, b.busy, "the batcher is idle again")
	require.Empty(t, b.queue)
	return got
}

func newGatedStore(t *testing.T) *gatedStore {
	return &gatedStore{Store: openTestStore(t, "sqlite:"+filepath.Join(t.TempDir(), "settlement.db")),
		entered: make(chan struct{}), release: make(chan struct{})}
}

// Rows that arrive while a batch is being written go in one next batch.
func TestRowBatcherGroupsWaitingRows(t *testing.T) {
	t.Parallel()
	g := newGatedStore(t)
	const n = 40
	rowsWhileBusy(t, g, n)
	require.Equal(t, []int{1, n - 1}, g.batches)
	require.Zero(t, g.singles)
}

// A batch that fails whole (nothing written) leaves each row to be
// created alone.
func TestRowBatcherFallsBackWhenABatchFails(t *testing.T) {
	t.Parallel()
	g := newGatedStore(t)
	g.failBatches = true
	const n = 12
	rowsWhileBusy(t, g, n)
	require.Equal(t, []int{1, n - 1}, g.batches)
	require.Equal(t, n, g.singles)
}

// A row already stored (the relay saw the packet first) is returned as it
// is, in a batch as alone.
func TestRowBatcherReturnsExistingRows(t *testing.T) {
	t.Parallel()
	g := newGatedStore(t)
	close(g.release)
	first, _, err := g.Store.CreateTransfer(t.Context(), submittedRow(7))
	require.NoError(t, err)
	got, err := newRowBatcher(g).create(t.Context(), submittedRow(7))
	require.NoError(t, err)
	require.Equal(t, first.ID, got.ID)
}
