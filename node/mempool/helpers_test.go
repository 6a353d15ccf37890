package mempool_test

import (
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/app/apptest"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/mempool"
)

const (
	testAccounts = 6
	fundedUSD    = "1000000"
)

// env is a bank chain after genesis with a mempool in front of it. Every
// account holds fundedUSD.
type env struct {
	app   *app.App
	gen   *chains.Genesis
	st    *apptest.MemState
	pool  *mempool.Mempool
	accts []apptest.Account
	vals  *attest.ValidatorSet
}

func newEnv(t testing.TB, cfg mempool.Config) *env {
	t.Helper()
	return newEnvN(t, cfg, testAccounts)
}

// newEnvN is newEnv with n funded accounts.
func newEnvN(t testing.TB, cfg mempool.Config, n int) *env {
	t.Helper()
	accts := apptest.Accounts(n)
	addrs := make([]attest.Address, len(accts))
	for i, a := range accts {
		addrs[i] = a.Address
	}
	g := apptest.Genesis(addrs, chains.Coin{Denom: "USD", Amount: fundedUSD})
	cache := app.NewSigCache(0)
	a, err := app.New(g, cache, bank.NewModule())
	require.NoError(t, err)
	st := apptest.NewMemState()
	require.NoError(t, a.InitChain(st, app.BlockInfo{ChainID: g.ChainID, Genesis: g.Hash()}))
	st.Commit()
	vals, err := g.ValidatorSet()
	require.NoError(t, err)
	return &env{app: a, gen: g, st: st, pool: mempool.New(cfg, a, cache), accts: accts, vals: vals}
}

// send is a signed bank.send of amt USD from account from to account 0.
func (e *env) send(from int, nonce uint64, amt uint64) []byte {
	typ, p := bank.NewSend(e.accts[0].Address, "USD", uint256.NewInt(amt))
	return apptest.SignedTx(e.gen, e.accts[from], nonce, typ, p)
}

func (e *env) add(t testing.TB, raws ...[]byte) {
	t.Helper()
	for _, raw := range raws {
		_, err := e.pool.Add(raw, e.st)
		require.NoError(t, err)
	}
}

// commit executes txs as the next block and tells the mempool.
func (e *env) commit(t testing.TB, height uint64, txs [][]byte) []app.Receipt {
	t.Helper()
	info := app.BlockInfo{ChainID: e.gen.ChainID, Genesis: e.gen.Hash(), Height: height}
	rs, _, err := e.app.ExecuteBlock(e.st, info, txs, e.vals)
	require.NoError(t, err)
	e.st.Commit()
	e.pool.Update(txs, e.st)
	return rs
}

func signaled(m *mempool.Mempool) bool {
	select {
	case <-m.Notify():
		return true
	default:
		return false
	}
}
