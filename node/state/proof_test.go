package state_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/state"
)

func TestProve(t *testing.T) {
	t.Parallel()
	db, nodes := newDB()
	root := buildState(t, db, nodes, baseContents)
	tests := []struct {
		key  string
		want string // "" = absent
	}{
		{"acct/alice", "a1"},
		{"xout/beta/1", "commitment-1"},
		{"xout/beta/1/suffix", "prefix-of-another-key"},
		{"xout/beta/2", ""},
		{"xout/beta/", ""},
		{"zzz", ""},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			t.Parallel()
			value, proof, err := db.Prove(root, []byte(tc.key))
			require.NoError(t, err)
			proven, err := attest.VerifyProof(root, []byte(tc.key), proof)
			require.NoError(t, err)
			if tc.want == "" {
				require.Nil(t, value)
				require.Nil(t, proven)
				return
			}
			require.Equal(t, tc.want, string(value))
			require.Equal(t, tc.want, string(proven))
		})
	}
}

func TestProofsAtOldRootsSurviveLaterCommits(t *testing.T) {
	t.Parallel()
	db, nodes := newDB()
	key := []byte("bal/alice/USD")
	roots := []attest.Hash{buildState(t, db, nodes, baseContents)}
	values := []string{"100"}
	for _, v := range []string{"90", "80", ""} {
		o, err := db.Fork(roots[len(roots)-1])
		require.NoError(t, err)
		if v == "" {
			require.NoError(t, o.Delete(key))
		} else {
			require.NoError(t, o.Set(key, []byte(v)))
		}
		roots = append(roots, commitTo(t, o, nodes))
		values = append(values, v)
	}

	cold := state.New(nodes, 0)
	for i, root := range roots {
		_, proof, err := cold.Prove(root, key)
		require.NoError(t, err)
		proven, err := attest.VerifyProof(root, key, proof)
		require.NoError(t, err)
		require.Equal(t, values[i], string(proven), "height %d", i)
	}
}

func TestProofRejectedAgainstOtherRoot(t *testing.T) {
	t.Parallel()
	db, nodes := newDB()
	root := buildState(t, db, nodes, baseContents)
	other := buildState(t, db, nodes, map[string]string{"acct/alice": "a1"})
	_, proof, err := db.Prove(root, []byte("acct/alice"))
	require.NoError(t, err)
	_, err = attest.VerifyProof(other, []byte("acct/alice"), proof)
	require.ErrorIs(t, err, attest.ErrBadProof)
}

func TestProveEmptyState(t *testing.T) {
	t.Parallel()
	db, _ := newDB()
	for _, root := range []attest.Hash{state.EmptyRoot(), {}} {
		_, _, err := db.Prove(root, []byte("acct/alice"))
		require.ErrorIs(t, err, state.ErrEmptyState)
	}
	v, err := db.Get(state.EmptyRoot(), []byte("acct/alice"))
	require.NoError(t, err)
	require.Nil(t, v)
}
