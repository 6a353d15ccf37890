package consensus

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

// FuzzStep feeds the machine arbitrary event sequences (decoded from the
// input, four bytes an event) and checks that it never panics, never asks
// to sign two different votes or proposals for one round and step, and
// commits at most once per height.
func FuzzStep(f *testing.F) {
	fx := newFixture(f, 4)
	f.Add([]byte{0, 0, 0, 0, 1, 1, 0, 1, 1, 2, 0, 1, 1, 3, 0, 1, 2, 1, 0, 1, 2, 2, 0, 1, 2, 3, 0, 1})
	f.Add([]byte{3, 0, 0, 0, 4, 0, 1, 0, 5, 0, 0, 0, 1, 1, 5, 2, 1, 2, 5, 2, 6, 0, 0, 0})
	hashes := []attest.Hash{{}, hashX, hashY}
	blocks := [][]byte{nil, blockX, blockY}
	f.Fuzz(func(t *testing.T, in []byte) {
		self := 0
		m := New(Config{Self: fx.addr(self), Timeouts: TimeoutsFor(testInterval)})
		asked := make(map[[3]uint64]attest.Hash)
		commits := make(map[uint64]int)
		height := uint64(1)
		check := func(actions []Action) {
			for _, a := range actions {
				switch a := a.(type) {
				case BroadcastVote:
					if !a.Rebroadcast {
						k := [3]uint64{a.Vote.Height, uint64(a.Vote.Round), uint64(a.Vote.Type)}
						if prev, ok := asked[k]; ok {
							require.Equal(t, prev, a.Vote.BlockHash, "conflicting votes asked for %v", k)
						}
						asked[k] = a.Vote.BlockHash
					}
				case BroadcastProposal:
					if !a.Rebroadcast {
						k := [3]uint64{a.Proposal.Height, uint64(a.Proposal.Round), 0}
						require.NotContains(t, asked, k, "two proposals for one round")
						asked[k] = a.Proposal.BlockHash
					}
				case Commit:
					commits[a.Height]++
					require.Equal(t, 1, commits[a.Height])
				}
			}
		}
		check(m.Step(fx.start(height)))
		for len(in) >= 4 {
			kind, who, round, pick := in[0]%7, int(in[1])%4, uint32(in[2]%6), int(in[3])%3
			in = in[4:]
			var ev Event
			switch kind {
			case 0, 1: // prevote, precommit
				ev = VoteReceived{Vote: attest.Vote{Type: attest.VoteType(kind + 1), Height: height, Round: round, BlockHash: hashes[pick], Validator: fx.addr(who)}}
			case 2: // proposal by the rightful proposer
				blk := blocks[max(pick, 1)]
				ev = ProposalReceived{Valid: pick != 0, Proposal: Proposal{
					Height: height, Round: round, POLRound: int32(who%3) - 1, BlockHash: attest.Keccak(blk), Block: blk,
					Proposer: ProposerFor(fx.vals, height, round, nil),
				}}
			case 3:
				ev = TimeoutFired{Height: height, Round: round, Step: Step(pick + 1)}
			case 4:
				ev = BlockBuilt{Height: height, Round: round, Block: blocks[max(pick, 1)], BlockHash: attest.Keccak(blocks[max(pick, 1)])}
			case 5:
				ev = Tick{}
			case 6:
				if m.Decided() {
					height++
					ev = fx.start(height)
				} else {
					ev = VoteReceived{Vote: attest.Vote{Type: attest.Prevote, Height: height + 1, Round: round, BlockHash: hashX, Validator: fx.addr(who)}}
				}
			}
			check(m.Step(ev))
		}
	})
}
