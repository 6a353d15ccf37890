package store_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/store"
)

func TestCommitRefusals(t *testing.T) {
	t.Parallel()
	const at = 2 // store height before each case
	tests := []struct {
		name   string
		build  func(s *store.Store) *store.BlockBatch
		absent uint64 // a height whose contents must not appear
		want   error
	}{
		{"height gap", func(s *store.Store) *store.BlockBatch {
			return fullBatch(s, certified(at+2, testTxs, testTxBytes), nodesFor(at+2, testNodes, testNodeSize))
		}, at + 2, store.ErrHeightGap},
		{"repeated height", func(s *store.Store) *store.BlockBatch {
			return fullBatch(s, certified(at, testTxs, testTxBytes), nodesFor(at+1, testNodes, testNodeSize))
		}, 0, store.ErrHeightGap},
		{"no block", func(s *store.Store) *store.BlockBatch {
			b := s.NewBlockBatch()
			b.PutStateNodes(nodesFor(at+1, testNodes, testNodeSize))
			b.PutReceipts(at+1, receiptsFor(at+1))
			return b
		}, at + 1, store.ErrBadBatch},
		{"two blocks", func(s *store.Store) *store.BlockBatch {
			b := fullBatch(s, certified(at+1, testTxs, testTxBytes), nodesFor(at+1, testNodes, testNodeSize))
			b.PutBlock(certified(at+2, testTxs, testTxBytes))
			return b
		}, at + 1, store.ErrBadBatch},
		{"receipts for another height", func(s *store.Store) *store.BlockBatch {
			b := fullBatch(s, certified(at+1, testTxs, testTxBytes), nodesFor(at+1, testNodes, testNodeSize))
			b.PutMeta(at+5, metaFor(at+5))
			return b
		}, at + 1, store.ErrBadBatch},
		{"all entries for another height", func(s *store.Store) *store.BlockBatch {
			b := s.NewBlockBatch()
			b.PutReceipts(at+5, receiptsFor(at+5))
			b.PutBlock(certified(at+1, testTxs, testTxBytes))
			return b
		}, at + 1, store.ErrBadBatch},
		{"qc for another block", func(s *store.Store) *store.BlockBatch {
			c := certified(at+1, testTxs, testTxBytes)
			c.QC.BlockHash = attest.Keccak([]byte("other"))
			return fullBatch(s, c, nodesFor(at+1, testNodes, testNodeSize))
		}, at + 1, store.ErrBadBatch},
		{"discarded", func(s *store.Store) *store.BlockBatch {
			b := fullBatch(s, certified(at+1, testTxs, testTxBytes), nodesFor(at+1, testNodes, testNodeSize))
			b.Discard()
			return b
		}, at + 1, store.ErrBadBatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, t.TempDir())
			defer func() { require.NoError(t, s.Close()) }()
			commitBlocks(t, s, 1, at)

			require.ErrorIs(t, tc.build(s).Commit(), tc.want)
			require.Equal(t, uint64(at), s.Height())
			if tc.absent != 0 {
				requireAbsent(t, s, tc.absent)
			}
			commitBlocks(t, s, at+1, at+1) // the store still takes the right block
			requireBlock(t, s, at+1)
		})
	}
}

func TestCommitTwiceRefused(t *testing.T) {
	t.Parallel()
	s := openStore(t, t.TempDir())
	defer func() { require.NoError(t, s.Close()) }()
	b := fullBatch(s, certified(1, testTxs, testTxBytes), nil)
	require.NoError(t, b.Commit())
	b.PutMeta(1, []byte("late"))
	require.ErrorIs(t, b.Commit(), store.ErrBadBatch)
	m, err := s.Meta(1)
	require.NoError(t, err)
	require.Equal(t, metaFor(1), m, "a put after commit writes nothing")
}

func TestUncommittedBatchLeavesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := openStore(t, dir)
	commitBlocks(t, s, 1, 1)
	fullBatch(s, certified(2, testTxs, testTxBytes), nodesFor(2, testNodes, testNodeSize)) // never committed
	discarded := fullBatch(s, certified(2, testTxs, testTxBytes), nodesFor(2, testNodes, testNodeSize))
	discarded.Discard()
	requireAbsent(t, s, 2)
	require.NoError(t, s.Close())

	s = openStore(t, dir)
	defer func() { require.NoError(t, s.Close()) }()
	require.Equal(t, uint64(1), s.Height())
	requireAbsent(t, s, 2)
}

func TestEmptyBlockAndReceipts(t *testing.T) {
	t.Parallel()
	s := openStore(t, t.TempDir())
	defer func() { require.NoError(t, s.Close()) }()
	b := s.NewBlockBatch()
	b.PutBlock(certified(1, 0, 0))
	b.PutReceipts(1, nil)
	require.NoError(t, b.Commit())
	r, err := s.Receipts(1)
	require.NoError(t, err)
	require.Empty(t, r)
	_, err = s.Meta(1)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, _, err = s.TxLocation(attest.Hash{})
	require.ErrorIs(t, err, store.ErrNotFound)
}
