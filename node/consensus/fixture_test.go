package consensus

import (
	"crypto/ecdsa"
	"encoding/binary"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

// fixture is a validator set with keys, in index order, for unit tests.
type fixture struct {
	t       testing.TB
	genesis attest.Hash
	keys    []*ecdsa.PrivateKey
	vals    *attest.ValidatorSet
}

const testInterval = time.Second

func newFixture(t testing.TB, n int) *fixture {
	f := &fixture{t: t, genesis: attest.Keccak([]byte("consensus-test-genesis"))}
	var vs []attest.Validator
	for i := range n {
		var seed [8]byte
		binary.BigEndian.PutUint64(seed[:], uint64(i))
		key, err := crypto.ToECDSA(attest.Keccak([]byte("consensus-test-key"), seed[:]).Bytes())
		require.NoError(t, err)
		f.keys = append(f.keys, key)
		vs = append(vs, attest.Validator{Address: attest.AddressOf(key), Power: 1})
	}
	vals, err := attest.NewValidatorSet(vs)
	require.NoError(t, err)
	f.vals = vals
	return f
}

func (f *fixture) addr(i int) attest.Address { return f.vals.Validators[i].Address }

// machine returns validator i's machine started at height.
func (f *fixture) machine(i int, height uint64) (*Machine, []Action) {
	m := New(Config{Self: f.addr(i), Timeouts: TimeoutsFor(testInterval)})
	return m, m.Step(f.start(height))
}

func (f *fixture) start(height uint64) StartHeight {
	return StartHeight{Height: height, Validators: f.vals}
}

// proposerIndex is the index of the proposer of (height, round) with no skips.
func (f *fixture) proposerIndex(height uint64, round uint32) int {
	return f.vals.IndexOf(ProposerFor(f.vals, height, round, nil))
}

// notProposer is some validator that does not propose (height, round).
func (f *fixture) notProposer(height uint64, round uint32) int {
	return (f.proposerIndex(height, round) + 1) % f.vals.Size()
}

func (f *fixture) vote(i int, t attest.VoteType, height uint64, round uint32, hash attest.Hash) attest.Vote {
	v := attest.Vote{Type: t, Height: height, Round: round, BlockHash: hash}
	require.NoError(f.t, attest.SignVote(f.genesis, &v, f.keys[i]))
	return v
}

func (f *fixture) voteEv(i int, t attest.VoteType, height uint64, round uint32, hash attest.Hash) VoteReceived {
	return VoteReceived{Vote: f.vote(i, t, height, round, hash)}
}

// proposal is a signed proposal by the rightful proposer of (height, round).
func (f *fixture) proposal(height uint64, round uint32, pol int32, blk []byte) ProposalReceived {
	p := Proposal{
		Height: height, Round: round, POLRound: pol, BlockHash: attest.Keccak(blk), Block: blk,
		Proposer: ProposerFor(f.vals, height, round, nil),
	}
	require.NoError(f.t, SignProposal(f.genesis, &p, f.keys[f.proposerIndex(height, round)]))
	return ProposalReceived{Proposal: p, Valid: true}
}

// feedVotes feeds votes of type t from the validators in who and returns the actions.
func feedVotes(f *fixture, m *Machine, who []int, t attest.VoteType, height uint64, round uint32, hash attest.Hash) []Action {
	var out []Action
	for _, i := range who {
		out = append(out, m.Step(f.voteEv(i, t, height, round, hash))...)
	}
	return out
}

// others lists validator indexes other than self, up to count of them.
func others(n, self, count int) []int {
	var out []int
	for i := 0; i < n && len(out) < count; i++ {
		if i != self {
			out = append(out, i)
		}
	}
	return out
}

func actionsOf[T Action](actions []Action) []T {
	var out []T
	for _, a := range actions {
		if x, ok := a.(T); ok {
			out = append(out, x)
		}
	}
	return out
}

// onlyVote returns the single fresh vote among actions.
func onlyVote(t testing.TB, actions []Action) attest.Vote {
	var fresh []attest.Vote
	for _, b := range actionsOf[BroadcastVote](actions) {
		if !b.Rebroadcast {
			fresh = append(fresh, b.Vote)
		}
	}
	require.Len(t, fresh, 1, "actions: %#v", actions)
	return fresh[0]
}
