package store_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/state"
	"github.com/causeway/causeway/node/store"
)

var _ state.NodeStore = (*store.Store)(nil)

// reopenBlocks is more than the recent-block ring holds, so old blocks are
// read and decoded from disk.
const reopenBlocks = 40

func TestCommitAndReopen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := openStore(t, dir)
	require.Equal(t, uint64(0), s.Height())
	commitBlocks(t, s, 1, reopenBlocks)
	require.Equal(t, uint64(reopenBlocks), s.Height())
	for h := uint64(1); h <= reopenBlocks; h++ {
		requireBlock(t, s, h)
	}
	require.NoError(t, s.Close())

	s = openStore(t, dir)
	defer func() { require.NoError(t, s.Close()) }()
	require.Equal(t, uint64(reopenBlocks), s.Height())
	for h := uint64(1); h <= reopenBlocks; h++ {
		requireBlock(t, s, h)
	}
	commitBlocks(t, s, reopenBlocks+1, reopenBlocks+1)
	require.Equal(t, uint64(reopenBlocks+1), s.Height())
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	s := openStore(t, t.TempDir())
	t.Cleanup(func() { require.NoError(t, s.Close()) }) // after the parallel subtests
	commitBlocks(t, s, 1, 2)
	unknown := attest.Keccak([]byte("unknown"))
	tests := []struct {
		name string
		read func() error
	}{
		{"block 0", func() error { _, err := s.Block(0); return err }},
		{"block above height", func() error { _, err := s.Block(3); return err }},
		{"hash", func() error { _, err := s.HeightOfHash(unknown); return err }},
		{"tx", func() error { _, _, err := s.TxLocation(unknown); return err }},
		{"node", func() error { _, err := s.Node(unknown); return err }},
		{"receipts", func() error { _, err := s.Receipts(3); return err }},
		{"meta", func() error { _, err := s.Meta(0); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.ErrorIs(t, tc.read(), store.ErrNotFound)
		})
	}
}

func TestClosed(t *testing.T) {
	t.Parallel()
	s := openStore(t, t.TempDir())
	commitBlocks(t, s, 1, 1)
	b := fullBatch(s, certified(2, testTxs, testTxBytes), nil)
	require.NoError(t, s.Close())

	require.ErrorIs(t, s.Close(), store.ErrClosed)
	require.ErrorIs(t, b.Commit(), store.ErrClosed)
	_, err := s.Node(attest.Hash{})
	require.ErrorIs(t, err, store.ErrClosed)
	_, err = s.Receipts(1)
	require.ErrorIs(t, err, store.ErrClosed)
}

// TestStateOverStore runs the state trie on the store: nodes committed in a
// block batch serve a cold state.DB, and proofs verify.
func TestStateOverStore(t *testing.T) {
	t.Parallel()
	s := openStore(t, t.TempDir())
	defer func() { require.NoError(t, s.Close()) }()

	o, err := state.New(s, 0).Fork(state.EmptyRoot())
	require.NoError(t, err)
	require.NoError(t, o.Set([]byte("acct/alice"), []byte("a1")))
	require.NoError(t, o.Set([]byte("xout/beta/1"), []byte("commitment")))
	root, nodes, err := o.Commit()
	require.NoError(t, err)

	b := s.NewBlockBatch()
	b.PutStateNodes(nodes)
	b.PutBlock(certified(1, 0, 0))
	require.NoError(t, b.Commit())

	cold := state.New(s, 0)
	value, proof, err := cold.Prove(root, []byte("xout/beta/1"))
	require.NoError(t, err)
	require.Equal(t, "commitment", string(value))
	proven, err := attest.VerifyProof(root, []byte("xout/beta/1"), proof)
	require.NoError(t, err)
	require.Equal(t, "commitment", string(proven))

	_, err = cold.Fork(attest.Keccak([]byte("not a root")))
	require.ErrorIs(t, err, state.ErrMissingNode)
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(*store.Config)
		valid bool
	}{
		{"default", func(*store.Config) {}, true},
		{"negative cache", func(c *store.Config) { c.CacheBytes = -1 }, false},
		{"tiny memtable", func(c *store.Config) { c.MemTableBytes = 1 }, false},
		{"one memtable", func(c *store.Config) { c.MemTables = 1 }, false},
		{"no compactions", func(c *store.Config) { c.Compactions = 0 }, false},
		{"no bloom", func(c *store.Config) { c.BloomBitsPerKey = 0 }, false},
		{"no recent blocks", func(c *store.Config) { c.RecentBlocks = 0 }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := store.DefaultConfig()
			tc.edit(&c)
			if tc.valid {
				require.NoError(t, c.Validate())
			} else {
				require.Error(t, c.Validate())
			}
		})
	}
	require.NoError(t, store.SmallConfig().Validate())
}
