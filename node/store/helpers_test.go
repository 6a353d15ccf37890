package store_test

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/block"
	"github.com/causeway/causeway/node/state"
	"github.com/causeway/causeway/node/store"
)

// Test block shape.
const (
	testTxs      = 3
	testNodes    = 4
	testTxBytes  = 120
	testNodeSize = 200
)

func openStore(t testing.TB, dir string) *store.Store {
	t.Helper()
	s, err := store.OpenConfig(dir, store.SmallConfig(), zaptest.NewLogger(t))
	require.NoError(t, err)
	return s
}

// certified builds a certified block at height h with ntx transactions.
func certified(h uint64, ntx, txBytes int) *block.Certified {
	b := block.Block{Header: attest.Header{ChainID: "alpha", Height: h, TimeMs: 1000 * h}}
	for i := range ntx {
		tx := make([]byte, txBytes)
		binary.BigEndian.PutUint64(tx, h)
		binary.BigEndian.PutUint32(tx[8:], uint32(i))
		b.Txs = append(b.Txs, tx)
	}
	b.Seal()
	return &block.Certified{Block: b, QC: attest.QC{Height: h, BlockHash: b.Hash(), Signers: []byte{1}, Sigs: [][]byte{{1}}}}
}

// nodesFor makes n distinct node blobs for height h, hashed as the trie would.
func nodesFor(h uint64, n, size int) []state.Node {
	out := make([]state.Node, n)
	for i := range out {
		blob := make([]byte, size)
		binary.BigEndian.PutUint64(blob, h)
		binary.BigEndian.PutUint32(blob[8:], uint32(i))
		out[i] = state.Node{Hash: attest.Keccak(blob), Blob: blob}
	}
	return out
}

func receiptsFor(h uint64) []byte { return []byte{'r', byte(h)} }
func metaFor(h uint64) []byte     { return []byte{'m', byte(h)} }

// fullBatch fills a batch with everything a block at height h writes.
func fullBatch(s *store.Store, c *block.Certified, nodes []state.Node) *store.BlockBatch {
	h := c.Block.Header.Height
	b := s.NewBlockBatch()
	b.PutStateNodes(nodes)
	b.PutBlock(c)
	for i, tx := range c.Block.Txs {
		b.PutTxIndex(attest.Keccak(tx), h, uint32(i))
	}
	b.PutReceipts(h, receiptsFor(h))
	b.PutMeta(h, metaFor(h))
	return b
}

// commitBlocks commits blocks from..to (inclusive) with full contents.
func commitBlocks(t testing.TB, s *store.Store, from, to uint64) {
	t.Helper()
	for h := from; h <= to; h++ {
		require.NoError(t, fullBatch(s, certified(h, testTxs, testTxBytes), nodesFor(h, testNodes, testNodeSize)).Commit())
	}
}

// requireBlock checks that everything block h wrote reads back.
func requireBlock(t testing.TB, s *store.Store, h uint64) {
	t.Helper()
	want := certified(h, testTxs, testTxBytes)
	got, err := s.Block(h)
	require.NoError(t, err)
	require.Equal(t, want.Block.Hash(), got.Block.Hash())
	require.Equal(t, want.QC.BlockHash, got.QC.BlockHash)

	at, err := s.HeightOfHash(want.Block.Hash())
	require.NoError(t, err)
	require.Equal(t, h, at)
	for i, tx := range want.Block.Txs {
		th, ti, err := s.TxLocation(attest.Keccak(tx))
		require.NoError(t, err)
		require.Equal(t, h, th)
		require.Equal(t, uint32(i), ti)
	}
	for _, n := range nodesFor(h, testNodes, testNodeSize) {
		blob, err := s.Node(n.Hash)
		require.NoError(t, err)
		require.Equal(t, n.Blob, blob)
	}
	r, err := s.Receipts(h)
	require.NoError(t, err)
	require.Equal(t, receiptsFor(h), r)
	m, err := s.Meta(h)
	require.NoError(t, err)
	require.Equal(t, metaFor(h), m)
}

// requireAbsent checks that nothing block h would write is stored.
func requireAbsent(t testing.TB, s *store.Store, h uint64) {
	t.Helper()
	c := certified(h, testTxs, testTxBytes)
	_, err := s.Block(h)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.HeightOfHash(c.Block.Hash())
	require.ErrorIs(t, err, store.ErrNotFound)
	_, _, err = s.TxLocation(attest.Keccak(c.Block.Txs[0]))
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.Node(nodesFor(h, testNodes, testNodeSize)[0].Hash)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.Receipts(h)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.Meta(h)
	require.ErrorIs(t, err, store.ErrNotFound)
}
