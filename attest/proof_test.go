package attest_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum/trie"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

// proofList collects the nodes trie.Prove writes.
type proofList [][]byte

func (p *proofList) Put(_ []byte, v []byte) error { *p = append(*p, bytes.Clone(v)); return nil }
func (p *proofList) Delete([]byte) error          { return nil }

// stateTrie is an in-memory Merkle Patricia trie with readable keys like the
// chain's state.
type stateTrie struct {
	tr   *trie.Trie
	root attest.Hash
}

func stateKey(i int) []byte { return fmt.Appendf(nil, "xout/beta/%d", i) }

func stateValue(i int) []byte { return attest.Keccak(fmt.Appendf(nil, "packet %d", i)).Bytes() }

// newStateTrie holds stateKey(i) → stateValue(i) for i < n, plus a few keys
// of other shapes.
func newStateTrie(tb testing.TB, n int) *stateTrie {
	tb.Helper()
	tr := trie.NewEmpty(nil)
	for i := range n {
		require.NoError(tb, tr.Update(stateKey(i), stateValue(i)))
	}
	require.NoError(tb, tr.Update([]byte("acct/0x01"), []byte{1}))                      // short value, embedded node
	require.NoError(tb, tr.Update([]byte("client/beta"), bytes.Repeat([]byte{7}, 200))) // long value
	return &stateTrie{tr: tr, root: tr.Hash()}
}

func (s *stateTrie) prove(tb testing.TB, key []byte) [][]byte {
	tb.Helper()
	var p proofList
	require.NoError(tb, s.tr.Prove(key, &p))
	return p
}

func (s *stateTrie) get(tb testing.TB, key []byte) []byte {
	tb.Helper()
	v, err := s.tr.Get(key)
	require.NoError(tb, err)
	return v
}

func TestVerifyProof(t *testing.T) {
	t.Parallel()
	st := newStateTrie(t, 100)
	member := stateKey(7)
	absent := stateKey(1000)
	cases := []struct {
		name  string
		root  attest.Hash
		key   []byte
		proof func() [][]byte
		want  []byte // nil with wantErr false: proven absent
		fails bool
	}{
		{"membership", st.root, member, func() [][]byte { return st.prove(t, member) }, stateValue(7), false},
		{"short value", st.root, []byte("acct/0x01"), func() [][]byte { return st.prove(t, []byte("acct/0x01")) }, []byte{1}, false},
		{"long value", st.root, []byte("client/beta"), func() [][]byte { return st.prove(t, []byte("client/beta")) }, bytes.Repeat([]byte{7}, 200), false},
		{"non-membership", st.root, absent, func() [][]byte { return st.prove(t, absent) }, nil, false},
		{"non-membership of a prefix", st.root, []byte("xout/beta/"), func() [][]byte { return st.prove(t, []byte("xout/beta/")) }, nil, false},
		{"extra node is ignored", st.root, member, func() [][]byte { return append(st.prove(t, member), st.prove(t, absent)...) }, stateValue(7), false},
		{"tampered leaf", st.root, member, func() [][]byte {
			p := st.prove(t, member)
			p[len(p)-1][len(p[len(p)-1])-1] ^= 1
			return p
		}, nil, true},
		{"tampered root node", st.root, member, func() [][]byte {
			p := st.prove(t, member)
			p[0][5] ^= 1
			return p
		}, nil, true},
		{"node missing", st.root, member, func() [][]byte { p := st.prove(t, member); return p[:len(p)-1] }, nil, true},
		{"wrong root", attest.Keccak([]byte("other root")), member, func() [][]byte { return st.prove(t, member) }, nil, true},
		{"empty proof", st.root, member, func() [][]byte { return nil }, nil, true},
		{"too many nodes", st.root, member, func() [][]byte {
			p := st.prove(t, member)
			for len(p) <= attest.MaxProofNodes {
				p = append(p, p[0])
			}
			return p
		}, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := attest.VerifyProof(tc.root, tc.key, tc.proof())
			if tc.fails {
				requireCode(t, attest.CodeBadProof, err)
				require.ErrorIs(t, err, attest.ErrBadProof)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// TestVerifyProofWrongKey uses one key's proof for other keys: it may prove
// their absence or fail, but never yields a value the trie does not hold.
func TestVerifyProofWrongKey(t *testing.T) {
	t.Parallel()
	st := newStateTrie(t, 100)
	proof := st.prove(t, stateKey(7))
	for _, key := range [][]byte{stateKey(8), stateKey(70), stateKey(1000), []byte("acct/0x01"), []byte("x")} {
		got, err := attest.VerifyProof(st.root, key, proof)
		if err != nil {
			requireCode(t, attest.CodeBadProof, err)
			continue
		}
		require.NotEqual(t, stateValue(7), got, "key %q", key)
		require.Equal(t, st.get(t, key), got, "key %q", key)
	}
}

// TestVerifyProofStaleRoot checks a proof against the root after the value changed.
func TestVerifyProofStaleRoot(t *testing.T) {
	t.Parallel()
	st := newStateTrie(t, 10)
	old := st.prove(t, stateKey(3))
	require.NoError(t, st.tr.Update(stateKey(3), []byte("changed")))
	_, err := attest.VerifyProof(st.tr.Hash(), stateKey(3), old)
	requireCode(t, attest.CodeBadProof, err)
}
