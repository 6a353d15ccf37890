package store_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/store"
)

// Benchmark block shape: a full block of bank transfers.
const (
	benchTxs          = 1_000
	benchTxBytes      = 180 // a signed transfer
	benchNodes        = 1_000
	benchNodeBytes    = 400 // between a leaf and a full branch node
	benchReceiptBytes = 40  // per transaction
)

// BenchmarkCommitBlock commits one synced batch per op: a 1,000-tx certified
// block, its tx index, receipts, and 1,000 state nodes.
func BenchmarkCommitBlock(b *testing.B) {
	s, err := store.Open(b.TempDir(), zap.NewNop())
	require.NoError(b, err)
	defer func() { require.NoError(b, s.Close()) }()
	receipts := make([]byte, benchTxs*benchReceiptBytes)
	h := uint64(0)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		h++
		c := certified(h, benchTxs, benchTxBytes)
		nodes := nodesFor(h, benchNodes, benchNodeBytes)
		txHashes := make([]attest.Hash, len(c.Block.Txs)) // the node has these from admission
		for i, tx := range c.Block.Txs {
			txHashes[i] = attest.Keccak(tx)
		}
		b.StartTimer()

		batch := s.NewBlockBatch()
		batch.PutStateNodes(nodes)
		batch.PutBlock(c)
		for i, txHash := range txHashes {
			batch.PutTxIndex(txHash, h, uint32(i))
		}
		batch.PutReceipts(h, receipts)
		batch.PutMeta(h, metaFor(h))
		require.NoError(b, batch.Commit())
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/block")
}

// BenchmarkCommitEmptyBlock is the floor under BenchmarkCommitBlock: one
// synced commit of an empty block, mostly the fsync.
func BenchmarkCommitEmptyBlock(b *testing.B) {
	s, err := store.Open(b.TempDir(), zap.NewNop())
	require.NoError(b, err)
	defer func() { require.NoError(b, s.Close()) }()
	h := uint64(0)
	for b.Loop() {
		h++
		batch := s.NewBlockBatch()
		batch.PutBlock(certified(h, 0, 0))
		require.NoError(b, batch.Commit())
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/block")
}
