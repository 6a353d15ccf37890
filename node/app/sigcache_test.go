package app_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/app/apptest"
	"github.com/causeway/causeway/node/tx"
)

func signed(t testing.TB, n int) ([]*tx.Tx, attest.Hash) {
	t.Helper()
	g := apptest.Genesis(nil)
	acct := apptest.Accounts(1)[0]
	out := make([]*tx.Tx, n)
	for i := range out {
		d, err := tx.Decode(apptest.SignedTx(g, acct, uint64(i), "counter.inc", nil))
		require.NoError(t, err)
		out[i] = d
	}
	return out, g.Hash()
}

func TestSigCacheVerifiesOnce(t *testing.T) {
	t.Parallel()
	txs, gen := signed(t, 1)
	c := app.NewSigCache(4)
	want := apptest.Accounts(1)[0].Address
	for range 3 {
		got, err := c.Sender(gen, txs[0], txs[0].Hash())
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	require.Equal(t, uint64(1), c.Verifications())
	_, ok := c.Lookup(attest.Hash{1}, txs[0].Hash())
	require.False(t, ok, "entries are per genesis")
}

func TestSigCacheEvictsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	txs, gen := signed(t, 3)
	c := app.NewSigCache(2)
	sender := func(i int) {
		_, err := c.Sender(gen, txs[i], txs[i].Hash())
		require.NoError(t, err)
	}
	sender(0)
	sender(1)
	sender(0) // 1 is now least recently used
	sender(2) // evicts 1
	require.Equal(t, 2, c.Len())
	_, ok := c.Lookup(gen, txs[1].Hash())
	require.False(t, ok)
	_, ok = c.Lookup(gen, txs[0].Hash())
	require.True(t, ok)
	require.Equal(t, uint64(3), c.Verifications())
}

func TestSigCacheDoesNotCacheFailures(t *testing.T) {
	t.Parallel()
	txs, gen := signed(t, 1)
	bad := *txs[0]
	bad.Sig = append([]byte(nil), bad.Sig...)
	bad.Sig[64] = 7
	c := app.NewSigCache(4)
	for range 2 {
		_, err := c.Sender(gen, &bad, bad.Hash())
		require.ErrorIs(t, err, app.ErrBadSignature)
	}
	require.Equal(t, uint64(2), c.Verifications())
	require.Zero(t, c.Len())
}

func TestSigCacheConcurrent(t *testing.T) {
	t.Parallel()
	txs, gen := signed(t, 8)
	c := app.NewSigCache(4)
	const workers = 4
	var wg sync.WaitGroup
	errs := make([]error, workers) // FailNow must not run off the test goroutine
	for w := range workers {
		wg.Go(func() {
			for i := range 50 {
				tr := txs[(i+w)%len(txs)]
				if _, err := c.Sender(gen, tr, tr.Hash()); err != nil {
					errs[w] = err
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.LessOrEqual(t, c.Len(), 4)
}

func newWarmCache(t testing.TB, gen attest.Hash, tr *tx.Tx, hash attest.Hash) *app.SigCache {
	t.Helper()
	c := app.NewSigCache(0)
	_, err := c.Sender(gen, tr, hash)
	require.NoError(t, err)
	return c
}
