package attest_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/rlp"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

// The decoders must accept only canonical encodings: whatever decodes
// re-encodes to the same bytes, so a hash of the input is a hash of the value.

func FuzzDecodeVote(f *testing.F) {
	fx := newFixture(f, 4, nil)
	block := attest.Keccak([]byte("block"))
	for _, v := range []*attest.Vote{
		fx.vote(f, testGenesis, 0, attest.Prevote, testHeight, testRound, block),
		fx.vote(f, testGenesis, 1, attest.Precommit, 1<<40, 0, block),
		fx.vote(f, testGenesis, 2, attest.Precommit, 1, 7, attest.Hash{}),
		{},
	} {
		f.Add(encode(f, v))
	}
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := attest.DecodeVote(data)
		if err != nil {
			requireCode(t, attest.CodeMalformed, err)
			return
		}
		require.Equal(t, data, encode(t, v))
		_ = attest.VerifyVote(testGenesis, fx.vals, v)
	})
}

func FuzzDecodeQC(f *testing.F) {
	fx := newFixture(f, 4, nil)
	block := attest.Keccak([]byte("block"))
	f.Add(encode(f, fx.qc(f, testHeight, testRound, block, all(4)...)))
	f.Add(encode(f, fx.qc(f, testHeight, testRound, block, 1, 3)))
	f.Add(encode(f, &attest.QC{}))
	f.Fuzz(func(t *testing.T, data []byte) {
		qc, err := attest.DecodeQC(data)
		if err != nil {
			requireCode(t, attest.CodeMalformed, err)
			return
		}
		require.Equal(t, data, encode(t, qc))
	})
}

func FuzzDecodeHeader(f *testing.F) {
	fx := newFixture(f, 4, nil)
	h := fx.header()
	f.Add(encode(f, &h))
	f.Add(encode(f, &attest.Header{}))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := attest.DecodeHeader(data)
		if err != nil {
			requireCode(t, attest.CodeMalformed, err)
			return
		}
		require.Equal(t, data, encode(t, h))
		require.Equal(t, attest.Keccak(data), h.Hash(), "hash is keccak of the encoding")
	})
}

func FuzzDecodeCertifiedHeader(f *testing.F) {
	fx := newFixture(f, 4, nil)
	f.Add(encode(f, fx.certified(f)))
	f.Add(encode(f, &attest.CertifiedHeader{}))
	f.Fuzz(func(t *testing.T, data []byte) {
		ch, err := attest.DecodeCertifiedHeader(data)
		if err != nil {
			requireCode(t, attest.CodeMalformed, err)
			return
		}
		require.Equal(t, data, encode(t, ch))
	})
}

func FuzzDecodeDuplicateVote(f *testing.F) {
	fx := newFixture(f, 4, nil)
	a := fx.vote(f, testGenesis, 1, attest.Precommit, testHeight, testRound, attest.Keccak([]byte("a")))
	b := fx.vote(f, testGenesis, 1, attest.Precommit, testHeight, testRound, attest.Hash{})
	f.Add(encode(f, &attest.DuplicateVote{A: *a, B: *b}))
	f.Add(encode(f, &attest.DuplicateVote{}))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := attest.DecodeDuplicateVote(data)
		if err != nil {
			requireCode(t, attest.CodeMalformed, err)
			return
		}
		require.Equal(t, data, encode(t, ev))
		if attest.VerifyDuplicateVote(testGenesis, fx.vals, ev) == nil {
			require.Equal(t, ev.A.Validator, ev.B.Validator)
			require.NotEqual(t, ev.A.BlockHash, ev.B.BlockHash)
		}
	})
}

// FuzzVerifyQC: the seeds hold the only precommits ever signed, all for one
// block at one height and round, so no input may verify for anything else.
func FuzzVerifyQC(f *testing.F) {
	fx := newFixture(f, 4, nil)
	block := attest.Keccak([]byte("block"))
	for _, signers := range [][]int{all(4), {0, 1, 2}, {1, 2, 3}, {0, 3}} {
		f.Add(encode(f, fx.qc(f, testHeight, testRound, block, signers...)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		qc, err := attest.DecodeQC(data)
		if err != nil {
			return
		}
		if err := attest.VerifyQC(testGenesis, fx.vals, qc); err != nil {
			require.NotEqual(t, attest.CodeOK, attest.CodeOf(err))
			return
		}
		require.Equal(t, block, qc.BlockHash, "forged qc")
		require.Equal(t, uint64(testHeight), qc.Height, "forged qc")
		require.Equal(t, uint32(testRound), qc.Round, "forged qc")
	})
}

// FuzzVerifyCertifiedHeader: only the seeded header was ever signed.
func FuzzVerifyCertifiedHeader(f *testing.F) {
	fx := newFixture(f, 4, nil)
	ch := fx.certified(f)
	want := ch.Header.Hash()
	f.Add(encode(f, ch))
	partial := *ch
	partial.QC = *fx.qc(f, testHeight, testRound, want, 0, 1, 3)
	f.Add(encode(f, &partial))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := attest.DecodeCertifiedHeader(data)
		if err != nil {
			return
		}
		if attest.VerifyCertifiedHeader(testGenesis, testChainID, fx.vals, got) != nil {
			return
		}
		require.Equal(t, want, got.Header.Hash(), "forged certified header")
	})
}

// FuzzVerifyProof: a proof that verifies must yield exactly what the trie
// holds for the key (nil when absent).
func FuzzVerifyProof(f *testing.F) {
	const keys = 64
	st := newStateTrie(f, keys)
	held := map[string][]byte{"acct/0x01": st.get(f, []byte("acct/0x01")), "client/beta": st.get(f, []byte("client/beta"))}
	for i := range keys {
		held[string(stateKey(i))] = stateValue(i)
	}
	for _, key := range [][]byte{stateKey(3), stateKey(1000), []byte("acct/0x01"), []byte("client/beta"), nil} {
		f.Add(key, encode(f, st.prove(f, key)))
	}
	f.Fuzz(func(t *testing.T, key, proofRLP []byte) {
		var proof [][]byte
		if rlp.DecodeBytes(proofRLP, &proof) != nil {
			return
		}
		got, err := attest.VerifyProof(st.root, key, proof)
		if err != nil {
			requireCode(t, attest.CodeBadProof, err)
			return
		}
		require.Equal(t, held[string(key)], got, "key %q", key)
	})
}
