package attest_test

import (
	"crypto/ecdsa"
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

// Fixed test inputs. Keys come from fixed seeds so vectors and failures replay.
var (
	testGenesis  = attest.Keccak([]byte("causeway/attest/test-genesis"))
	otherGenesis = attest.Keccak([]byte("causeway/attest/other-genesis"))
)

const (
	testChainID   = "alpha"
	testHeight    = 42
	testRound     = 1
	keySeedPrefix = "causeway/attest/test-key/"
)

// seedKey derives the secp256k1 key for seed.
func seedKey(tb testing.TB, seed string) *ecdsa.PrivateKey {
	tb.Helper()
	k, err := crypto.ToECDSA(attest.Keccak([]byte(keySeedPrefix + seed)).Bytes())
	require.NoError(tb, err)
	return k
}

// fixture is a validator set with its keys, in set order.
type fixture struct {
	keys []*ecdsa.PrivateKey
	vals *attest.ValidatorSet
}

// newFixture builds n validators named v0..v(n-1) with the given powers
// (all 1 when powers is nil).
func newFixture(tb testing.TB, n int, powers []uint64) fixture {
	tb.Helper()
	f := fixture{keys: make([]*ecdsa.PrivateKey, n)}
	vals := make([]attest.Validator, n)
	for i := range n {
		f.keys[i] = seedKey(tb, fmt.Sprintf("v%d", i))
		vals[i] = attest.Validator{Address: attest.AddressOf(f.keys[i]), Power: 1}
		if powers != nil {
			vals[i].Power = powers[i]
		}
	}
	var err error
	f.vals, err = attest.NewValidatorSet(vals)
	require.NoError(tb, err)
	return f
}

// vote signs a vote by validator i on genesis.
func (f fixture) vote(tb testing.TB, genesis attest.Hash, i int, t attest.VoteType, height uint64, round uint32, block attest.Hash) *attest.Vote {
	tb.Helper()
	v := &attest.Vote{Type: t, Height: height, Round: round, BlockHash: block}
	require.NoError(tb, attest.SignVote(genesis, v, f.keys[i]))
	return v
}

// qc collects precommits for block from the validators in signers.
func (f fixture) qc(tb testing.TB, height uint64, round uint32, block attest.Hash, signers ...int) *attest.QC {
	tb.Helper()
	votes := make(map[attest.Address]*attest.Vote, len(signers))
	for _, i := range signers {
		votes[f.vals.Validators[i].Address] = f.vote(tb, testGenesis, i, attest.Precommit, height, round, block)
	}
	return attest.NewQC(f.vals, height, round, block, votes)
}

// all returns the indexes 0..n-1.
func all(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// header is a header at testHeight produced by f's set.
func (f fixture) header() attest.Header {
	return attest.Header{
		ChainID:            testChainID,
		Height:             testHeight,
		Round:              testRound,
		TimeMs:             1_700_000_000_000,
		ParentHash:         attest.Keccak([]byte("parent")),
		Proposer:           f.vals.Validators[0].Address,
		TxRoot:             attest.Keccak([]byte("txs")),
		StateRoot:          attest.Keccak([]byte("state")),
		ValidatorsHash:     f.vals.Hash(),
		NextValidatorsHash: f.vals.Hash(),
		LastCommitHash:     attest.Keccak([]byte("last commit")),
		EvidenceHash:       attest.EvidenceHash(nil),
	}
}

// certified is f's header with a QC from every validator.
func (f fixture) certified(tb testing.TB) *attest.CertifiedHeader {
	tb.Helper()
	h := f.header()
	return &attest.CertifiedHeader{Header: h, QC: *f.qc(tb, h.Height, h.Round, h.Hash(), all(f.vals.Size())...)}
}

// requireCode checks that err is an attest error with code want.
func requireCode(tb testing.TB, want attest.Code, err error) {
	tb.Helper()
	require.Error(tb, err)
	require.Equal(tb, want, attest.CodeOf(err), "error: %v", err)
}
