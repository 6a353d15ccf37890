package mempool_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/mempool"
)

const (
	benchSenders = 100 // distinct signers in the pre-signed pool
	benchNonces  = 50  // transactions per signer
)

// BenchmarkAdd admits pre-signed bank sends. "cold" verifies every signature
// (first sight over gossip); "warm" finds every sender in the shared cache
// (the same transaction arriving again, or re-admission after a restart of
// the pool). The pool is refilled with the timer stopped.
func BenchmarkAdd(b *testing.B) {
	e := newEnvN(b, mempool.DefaultConfig(), benchSenders+1)
	var raws [][]byte
	for n := range uint64(benchNonces) {
		for from := 1; from <= benchSenders; from++ {
			raws = append(raws, e.send(from, n, 1))
		}
	}
	warm := app.NewSigCache(0)
	for _, raw := range raws {
		t, hash, err := e.app.DecodeTx(raw)
		require.NoError(b, err)
		_, err = warm.Sender(e.app.GenesisHash(), t, hash)
		require.NoError(b, err)
	}
	for _, tc := range []struct {
		name  string
		cache func() *app.SigCache
	}{
		{"cold", func() *app.SigCache { return app.NewSigCache(0) }},
		{"warm", func() *app.SigCache { return warm }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var pool *mempool.Mempool
			for i := 0; i < b.N; i++ {
				if i%len(raws) == 0 {
					b.StopTimer()
					pool = mempool.New(mempool.DefaultConfig(), e.app, tc.cache())
					b.StartTimer()
				}
				if _, err := pool.Add(raws[i%len(raws)], e.st); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
		})
	}
}

// BenchmarkReap reaps a full block from a pool of benchSenders*benchNonces.
func BenchmarkReap(b *testing.B) {
	e := newEnvN(b, mempool.DefaultConfig(), benchSenders+1)
	for n := range uint64(benchNonces) {
		for from := 1; from <= benchSenders; from++ {
			e.add(b, e.send(from, n, 1))
		}
	}
	const blockTxs = 2000
	for b.Loop() {
		if got := e.pool.Reap(blockTxs, 0); len(got) != blockTxs {
			b.Fatalf("reaped %d", len(got))
		}
	}
}
