package attest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

func TestVerifyCertifiedHeader(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4, nil)
	other := newFixture(t, 5, nil) // a different validator set
	cases := []struct {
		name    string
		chainID string
		vals    *attest.ValidatorSet
		mutate  func(ch *attest.CertifiedHeader)
		want    attest.Code
	}{
		{"good", testChainID, f.vals, func(*attest.CertifiedHeader) {}, attest.CodeOK},
		{"wrong chain", "beta", f.vals, func(*attest.CertifiedHeader) {}, attest.CodeWrongChain},
		{"header claims another chain", testChainID, f.vals, func(ch *attest.CertifiedHeader) { ch.Header.ChainID = "beta" }, attest.CodeWrongChain},
		{"trusted set differs", testChainID, other.vals, func(*attest.CertifiedHeader) {}, attest.CodeWrongValidators},
		{"header names another set", testChainID, f.vals, func(ch *attest.CertifiedHeader) { ch.Header.ValidatorsHash = other.vals.Hash() }, attest.CodeWrongValidators},
		{"tampered state root", testChainID, f.vals, func(ch *attest.CertifiedHeader) { ch.Header.StateRoot[0] ^= 1 }, attest.CodeHashMismatch},
		{"tampered time", testChainID, f.vals, func(ch *attest.CertifiedHeader) { ch.Header.TimeMs++ }, attest.CodeHashMismatch},
		{"tampered next validators", testChainID, f.vals, func(ch *attest.CertifiedHeader) { ch.Header.NextValidatorsHash = other.vals.Hash() }, attest.CodeHashMismatch},
		{"tampered height", testChainID, f.vals, func(ch *attest.CertifiedHeader) { ch.Header.Height++ }, attest.CodeHashMismatch},
		{"qc for another block", testChainID, f.vals, func(ch *attest.CertifiedHeader) {
			ch.QC = *f.qc(t, testHeight, testRound, attest.Keccak([]byte("fork")), all(4)...)
		}, attest.CodeHashMismatch},
		{"qc for another height", testChainID, f.vals, func(ch *attest.CertifiedHeader) {
			ch.QC = *f.qc(t, testHeight+1, testRound, ch.Header.Hash(), all(4)...)
		}, attest.CodeHashMismatch},
		{"qc without quorum", testChainID, f.vals, func(ch *attest.CertifiedHeader) {
			ch.QC = *f.qc(t, testHeight, testRound, ch.Header.Hash(), 0, 1)
		}, attest.CodeInsufficientVote},
		{"qc committed in a later round", testChainID, f.vals, func(ch *attest.CertifiedHeader) {
			ch.QC = *f.qc(t, testHeight, testRound+2, ch.Header.Hash(), all(4)...)
		}, attest.CodeOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ch := f.certified(t)
			tc.mutate(ch)
			err := attest.VerifyCertifiedHeader(testGenesis, tc.chainID, tc.vals, ch)
			if tc.want == attest.CodeOK {
				require.NoError(t, err)
				return
			}
			requireCode(t, tc.want, err)
		})
	}
}

func TestVerifyCertifiedHeaderOnAnotherGenesis(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4, nil)
	requireCode(t, attest.CodeBadSignature, attest.VerifyCertifiedHeader(otherGenesis, testChainID, f.vals, f.certified(t)))
}

func TestHeaderHashCoversEveryField(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4, nil)
	base := f.header()
	h := base.Hash()
	mutations := map[string]func(*attest.Header){
		"ChainID":            func(x *attest.Header) { x.ChainID += "x" },
		"Height":             func(x *attest.Header) { x.Height++ },
		"Round":              func(x *attest.Header) { x.Round++ },
		"TimeMs":             func(x *attest.Header) { x.TimeMs++ },
		"ParentHash":         func(x *attest.Header) { x.ParentHash[31] ^= 1 },
		"Proposer":           func(x *attest.Header) { x.Proposer[0] ^= 1 },
		"TxRoot":             func(x *attest.Header) { x.TxRoot[0] ^= 1 },
		"StateRoot":          func(x *attest.Header) { x.StateRoot[0] ^= 1 },
		"ValidatorsHash":     func(x *attest.Header) { x.ValidatorsHash[0] ^= 1 },
		"NextValidatorsHash": func(x *attest.Header) { x.NextValidatorsHash[0] ^= 1 },
		"LastCommitHash":     func(x *attest.Header) { x.LastCommitHash[0] ^= 1 },
		"EvidenceHash":       func(x *attest.Header) { x.EvidenceHash[0] ^= 1 },
	}
	for field, mutate := range mutations {
		x := base
		mutate(&x)
		require.NotEqual(t, h, x.Hash(), field)
	}
}
