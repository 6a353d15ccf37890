package attest_test

import (
	"math/big"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

func TestVerifyQC(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4, nil)
	outsider := seedKey(t, "outsider")
	block := attest.Keccak([]byte("block"))
	good := func() *attest.QC { return f.qc(t, testHeight, testRound, block, 0, 1, 2) }
	// resign replaces signature i with one over another vote by validator v.
	resign := func(qc *attest.QC, i, v int, genesis attest.Hash, typ attest.VoteType, h uint64, r uint32, b attest.Hash) {
		qc.Sigs[i] = f.vote(t, genesis, v, typ, h, r, b).Sig
	}
	cases := []struct {
		name   string
		mutate func(qc *attest.QC)
		want   attest.Code
	}{
		{"three of four", func(*attest.QC) {}, attest.CodeOK},
		{"all four", func(qc *attest.QC) { *qc = *f.qc(t, testHeight, testRound, block, all(4)...) }, attest.CodeOK},
		{"two of four is too little power", func(qc *attest.QC) { *qc = *f.qc(t, testHeight, testRound, block, 0, 3) }, attest.CodeInsufficientVote},
		{"no signers", func(qc *attest.QC) { *qc = *f.qc(t, testHeight, testRound, block) }, attest.CodeInsufficientVote},
		{"nil block", func(qc *attest.QC) { qc.BlockHash = attest.Hash{} }, attest.CodeMalformed},
		{"non-validator signer", func(qc *attest.QC) {
			v := &attest.Vote{Type: attest.Precommit, Height: testHeight, Round: testRound, BlockHash: block}
			require.NoError(t, attest.SignVote(testGenesis, v, outsider))
			qc.Sigs[1] = v.Sig
		}, attest.CodeBadSignature},
		{"signatures swapped", func(qc *attest.QC) { qc.Sigs[0], qc.Sigs[1] = qc.Sigs[1], qc.Sigs[0] }, attest.CodeBadSignature},
		{"bitmap too short", func(qc *attest.QC) { qc.Signers = nil }, attest.CodeMalformed},
		{"bitmap too long", func(qc *attest.QC) { qc.Signers = append(qc.Signers, 0) }, attest.CodeMalformed},
		{"bit past the set", func(qc *attest.QC) { qc.Signers[0] |= 1 << 4 }, attest.CodeMalformed},
		{"fewer signatures than bits", func(qc *attest.QC) { qc.Sigs = qc.Sigs[:2] }, attest.CodeMalformed},
		{"more signatures than bits", func(qc *attest.QC) { qc.Sigs = append(qc.Sigs, qc.Sigs[0]) }, attest.CodeMalformed},
		{"bit cleared, signature kept", func(qc *attest.QC) { qc.Signers[0] &^= 1 << 2 }, attest.CodeMalformed},
		{"signature for another height", func(qc *attest.QC) {
			resign(qc, 1, 1, testGenesis, attest.Precommit, testHeight+1, testRound, block)
		}, attest.CodeBadSignature},
		{"signature for another round", func(qc *attest.QC) {
			resign(qc, 1, 1, testGenesis, attest.Precommit, testHeight, testRound+1, block)
		}, attest.CodeBadSignature},
		{"signature for another block", func(qc *attest.QC) {
			resign(qc, 1, 1, testGenesis, attest.Precommit, testHeight, testRound, attest.Keccak([]byte("fork")))
		}, attest.CodeBadSignature},
		{"signature on another chain", func(qc *attest.QC) {
			resign(qc, 1, 1, otherGenesis, attest.Precommit, testHeight, testRound, block)
		}, attest.CodeBadSignature},
		{"prevote instead of precommit", func(qc *attest.QC) {
			resign(qc, 1, 1, testGenesis, attest.Prevote, testHeight, testRound, block)
		}, attest.CodeBadSignature},
		{"height changed after signing", func(qc *attest.QC) { qc.Height++ }, attest.CodeBadSignature},
		{"high-S signature", func(qc *attest.QC) {
			s := new(big.Int).SetBytes(qc.Sigs[0][32:64])
			qc.Sigs[0] = withV(withS(qc.Sigs[0], new(big.Int).Sub(secp256k1N, s)), qc.Sigs[0][64]^1)
		}, attest.CodeBadSignature},
		{"truncated signature", func(qc *attest.QC) { qc.Sigs[2] = qc.Sigs[2][:64] }, attest.CodeBadSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			qc := good()
			tc.mutate(qc)
			err := attest.VerifyQC(testGenesis, f.vals, qc)
			if tc.want == attest.CodeOK {
				require.NoError(t, err)
				return
			}
			requireCode(t, tc.want, err)
		})
	}
}

func TestVerifyQCOnAnotherGenesis(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4, nil)
	qc := f.qc(t, testHeight, testRound, attest.Keccak([]byte("block")), all(4)...)
	require.NoError(t, attest.VerifyQC(testGenesis, f.vals, qc))
	requireCode(t, attest.CodeBadSignature, attest.VerifyQC(otherGenesis, f.vals, qc))
}

func TestVerifyQCWeighsPower(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4, []uint64{1, 1, 1, 7}) // total 10, quorum 7
	block := attest.Keccak([]byte("block"))
	cases := []struct {
		signers []int
		ok      bool
	}{
		{[]int{0, 1, 2}, false}, // three of four validators, 3 of 10 power
		{[]int{3}, true},        // one validator, 7 of 10 power
		{[]int{0, 3}, true},
	}
	for _, tc := range cases {
		err := attest.VerifyQC(testGenesis, f.vals, f.qc(t, testHeight, testRound, block, tc.signers...))
		if tc.ok {
			require.NoError(t, err, "signers %v", tc.signers)
		} else {
			requireCode(t, attest.CodeInsufficientVote, err)
		}
	}
}

func TestVerifyQCSetSizes(t *testing.T) {
	t.Parallel()
	// Bitmaps of 1, 2 and 3 bytes, signed by exactly a quorum.
	for _, n := range []int{1, 7, 8, 9, 16, 17} {
		f := newFixture(t, n, nil)
		q := int(f.vals.QuorumPower())
		block := attest.Keccak([]byte("block"))
		require.NoError(t, attest.VerifyQC(testGenesis, f.vals, f.qc(t, testHeight, 0, block, all(q)...)), "n=%d", n)
		requireCode(t, attest.CodeInsufficientVote, attest.VerifyQC(testGenesis, f.vals, f.qc(t, testHeight, 0, block, all(q-1)...)))
	}
}

func TestNewQCIgnoresForeignVotes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4, nil)
	block := attest.Keccak([]byte("block"))
	outsider := seedKey(t, "outsider")
	stray := &attest.Vote{Type: attest.Precommit, Height: testHeight, Round: testRound, BlockHash: block}
	require.NoError(t, attest.SignVote(testGenesis, stray, outsider))
	votes := map[attest.Address]*attest.Vote{
		f.vals.Validators[0].Address: f.vote(t, testGenesis, 0, attest.Precommit, testHeight, testRound, block),
		f.vals.Validators[1].Address: f.vote(t, testGenesis, 1, attest.Prevote, testHeight, testRound, block),
		f.vals.Validators[2].Address: f.vote(t, testGenesis, 2, attest.Precommit, testHeight, testRound, attest.Hash{}),
		f.vals.Validators[3].Address: f.vote(t, testGenesis, 3, attest.Precommit, testHeight+1, testRound, block),
		stray.Validator:              stray,
	}
	qc := attest.NewQC(f.vals, testHeight, testRound, block, votes)
	require.Equal(t, []byte{0b0001}, qc.Signers)
	require.Len(t, qc.Sigs, 1)
	for i := range 8 {
		require.Equal(t, i == 0, qc.HasSigner(i), "bit %d", i)
	}
	require.False(t, qc.HasSigner(100), "bits past the bitmap are clear")
}
