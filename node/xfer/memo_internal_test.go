package xfer

import (
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
