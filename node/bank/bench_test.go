package bank_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/app/apptest"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/tx"
)

const (
	benchBlockTxs = 2000
	benchSenders  = 200 // benchBlockTxs/benchSenders nonces each
)

// BenchmarkExecuteBlock executes a block of 2,000 bank sends on the
// in-memory state. "warm" is the normal path: the mempool verified every
// signature and the shared cache holds the senders. "cold" is a proposal
// seen for the first time: senders are recovered in parallel first.
func BenchmarkExecuteBlock(b *testing.B) {
	accts := apptest.Accounts(benchSenders + 1)
	addrs := make([]attest.Address, len(accts))
	for i, a := range accts {
		addrs[i] = a.Address
	}
	g := apptest.Genesis(addrs, chains.Coin{Denom: "USD", Amount: "1000000000"})
	warm := app.NewSigCache(0)
	a, err := app.New(g, warm, bank.NewModule())
	require.NoError(b, err)
	base := apptest.NewMemState()
	info := app.BlockInfo{ChainID: g.ChainID, Genesis: g.Hash()}
	require.NoError(b, a.InitChain(base, info))
	base.Commit()
	vals, err := g.ValidatorSet()
	require.NoError(b, err)

	txs := make([][]byte, 0, benchBlockTxs)
	for n := range uint64(benchBlockTxs / benchSenders) {
		for from := 1; from <= benchSenders; from++ {
			typ, p := bank.NewSend(accts[(from%benchSenders)+1].Address, "USD", u(n+1))
			txs = append(txs, apptest.SignedTx(g, accts[from], n, typ, p))
		}
	}
	for _, raw := range txs {
		d, err := tx.Decode(raw)
		require.NoError(b, err)
		_, err = warm.Sender(g.Hash(), d, attest.Keccak(raw))
		require.NoError(b, err)
	}
	info.Height = 1

	for _, tc := range []struct {
		name string
		app  func() *app.App
	}{
		{"warm", func() *app.App { return a }},
		{"cold", func() *app.App {
			fresh, err := app.New(g, app.NewSigCache(0), bank.NewModule())
			require.NoError(b, err)
			return fresh
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				st, ex := base.Clone(), tc.app()
				b.StartTimer()
				rs, _, err := ex.ExecuteBlock(st, info, txs, vals)
				if err != nil || rs[len(rs)-1].Code != app.CodeOK {
					b.Fatalf("execute: %v %+v", err, rs[len(rs)-1])
				}
			}
			b.ReportMetric(float64(b.N*benchBlockTxs)/b.Elapsed().Seconds(), "tx/s")
		})
	}
}
