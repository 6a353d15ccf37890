package consensus

import (
	"testing"

	"github.com/causeway/causeway/attest"
)

// heightEvents is one full height as a non-proposer sees it: a proposal,
// a quorum of prevotes and of precommits. The machine does not check
// signatures, so the votes carry none.
func heightEvents(f *fixture, self int, h uint64) []Event {
	p := Proposal{Height: h, POLRound: NoPOLRound, BlockHash: hashX, Block: blockX, Proposer: ProposerFor(f.vals, h, 0, nil)}
	evs := []Event{f.start(h), ProposalReceived{Proposal: p, Valid: true}}
	for _, t := range []attest.VoteType{attest.Prevote, attest.Precommit} {
		for i := range f.vals.Size() {
			if i != self {
				evs = append(evs, VoteReceived{Vote: attest.Vote{Type: t, Height: h, BlockHash: hashX, Validator: f.addr(i)}})
			}
		}
	}
	return evs
}

// BenchmarkStep measures Step throughput over whole heights of a
// 4-validator and a 100-validator set; one op is one Step.
func BenchmarkStep(b *testing.B) {
	for _, n := range []int{4, 100} {
		b.Run(map[int]string{4: "validators=4", 100: "validators=100"}[n], func(b *testing.B) {
			f := newFixture(b, n)
			self := n - 1
			m := New(Config{Self: f.addr(self), Timeouts: TimeoutsFor(testInterval)})
			var evs []Event
			for h := uint64(1); len(evs) < b.N; h++ {
				evs = append(evs, heightEvents(f, self, h)...)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				m.Step(evs[i])
			}
		})
	}
}
