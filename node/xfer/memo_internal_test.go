package xfer

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

func TestHeaderMemoEvictsOldest(t *testing.T) {
	t.Parallel()
	const size = 3
	m := newHeaderMemo(size)
	key := func(i byte) attest.Hash { return attest.Hash{i} }
	for i := range byte(size) {
		m.add(key(i))
		m.add(key(i)) // a repeat takes no second slot
	}
	for i := range byte(size) {
		require.True(t, m.has(key(i)))
	}
	m.add(key(size))
	require.False(t, m.has(key(0)), "oldest evicted")
	require.True(t, m.has(key(1)))
	require.True(t, m.has(key(size)))
	require.Len(t, m.seen, size)

	var none *headerMemo
	none.add(key(1))
	require.False(t, none.has(key(1)))
}

func TestMemoKeyCommitsToEveryInput(t *testing.T) {
	t.Parallel()
	set, err := attest.NewValidatorSet([]attest.Validator{{Address: attest.Address{1}, Power: 1}})
	require.NoError(t, err)
	other, err := attest.NewValidatorSet([]attest.Validator{{Address: attest.Address{2}, Power: 1}})
	require.NoError(t, err)
	qc := &attest.QC{Height: 1, BlockHash: attest.Hash{9}, Signers: []byte{1}, Sigs: [][]byte{{1}}}
	base := memoKey("alpha", attest.Hash{1}, set, attest.Hash{2}, qc)
	variants := []attest.Hash{
		memoKey("beta", attest.Hash{1}, set, attest.Hash{2}, qc),
		memoKey("alpha", attest.Hash{3}, set, attest.Hash{2}, qc),
		memoKey("alpha", attest.Hash{1}, other, attest.Hash{2}, qc),
		memoKey("alpha", attest.Hash{1}, set, attest.Hash{3}, qc),
		memoKey("alpha", attest.Hash{1}, set, attest.Hash{2}, &attest.QC{Height: 1, BlockHash: attest.Hash{9}, Signers: []byte{1}, Sigs: [][]byte{{2}}}),
	}
	for i, v := range variants {
		require.NotEqual(t, base, v, "variant %d", i)
	}
}

// A transaction's proofs verified against a root are not verified again for
// that transaction and root; any other transaction, root, genesis or chain
// is, and so is every transaction without a hash. A failure is never
// remembered.
func TestVerifyOnce(t *testing.T) {
	m := newHeaderMemo(8)
	tx, root, genesis := attest.Hash{1}, attest.Hash{2}, attest.Hash{3}
	runs := 0
	ok := func() error { runs++; return nil }
	verify := func(kind string, tx, root, genesis attest.Hash, self string) {
		t.Helper()
		key, keyed := proofsKey(kind, tx, root, genesis, self)
		require.NoError(t, m.verifyOnce(key, keyed, ok))
	}
	verify("recv", tx, root, genesis, "beta")
	verify("recv", tx, root, genesis, "beta")
	require.Equal(t, 1, runs, "the second check of the same transaction and root is free")
	verify("recv", attest.Hash{9}, root, genesis, "beta")
	verify("recv", tx, attest.Hash{9}, genesis, "beta")
	verify("recv", tx, root, attest.Hash{9}, "beta")
	verify("recv", tx, root, genesis, "gamma")
	verify("ack", tx, root, genesis, "beta")
	require.Equal(t, 6, runs, "each other input verifies")
	verify("recv", attest.Hash{}, root, genesis, "beta")
	verify("recv", attest.Hash{}, root, genesis, "beta")
	require.Equal(t, 8, runs, "no transaction hash, no memo")

	key, keyed := proofsKey("recv", attest.Hash{7}, root, genesis, "beta")
	bad := errors.New("bad proof")
	require.ErrorIs(t, m.verifyOnce(key, keyed, func() error { return bad }), bad)
	require.ErrorIs(t, m.verifyOnce(key, keyed, func() error { return bad }), bad, "a failure is checked again")
}
