package sim

import (
	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/consensus"
)

// A Byzantine validator runs an honest machine but, when it signs, sometimes
// signs a conflicting twin and sends one version to some peers and the other
// to the rest, plus both to one peer so that equivocation is seen, and
// sometimes votes in rounds ahead of everyone.

func (n *node) equivocateVote(v attest.Vote) {
	w := n.w
	if w.chance(w.cfg.EquivocateRate / 2) {
		n.voteAhead(v)
	}
	w.sigs.signVote(&v, n.key)
	if !w.chance(w.cfg.EquivocateRate) {
		w.net.broadcast(n.id, message{vote: &v})
		n.step(consensus.VoteReceived{Vote: v})
		return
	}
	twin := v
	twin.BlockHash = n.otherHash(v.BlockHash)
	w.sigs.signVote(&twin, n.key)
	n.splitSend(message{vote: &v}, message{vote: &twin})
	n.step(consensus.VoteReceived{Vote: v})
}

func (n *node) equivocateProposal(p consensus.Proposal) {
	w := n.w
	w.sigs.signProposal(&p, n.key)
	if !w.chance(w.cfg.EquivocateRate) {
		w.net.broadcast(n.id, message{proposal: &p})
		n.step(consensus.ProposalReceived{Proposal: p, Valid: true})
		return
	}
	twin := p
	twin.POLRound = consensus.NoPOLRound
	twin.Block = makeBlock(p.Height, p.Round, n.id, w.rng.Uint64())
	if w.chance(w.cfg.EquivocateRate) {
		twin.Block = twin.Block[1:] // malformed: honest validators judge it invalid
	}
	twin.BlockHash = attest.Keccak(twin.Block)
	w.sigs.signProposal(&twin, n.key)
	n.splitSend(message{proposal: &p}, message{proposal: &twin})
	n.step(consensus.ProposalReceived{Proposal: p, Valid: true})
}

// voteAhead sends a nil vote for a later round, trying to drag honest
// validators into rounds nobody else is in (f validators cannot).
func (n *node) voteAhead(v attest.Vote) {
	v.Round += 1 + uint32(n.w.rng.IntN(consensus.MaxRoundsAhead*2))
	v.BlockHash = attest.Hash{}
	n.w.sigs.signVote(&v, n.key)
	n.w.net.broadcast(n.id, message{vote: &v})
}

// splitSend sends a or b to each peer at random, and both to one peer.
func (n *node) splitSend(a, b message) {
	w := n.w
	both := w.rng.IntN(len(w.nodes))
	for to := range w.nodes {
		switch {
		case to == both:
			w.net.send(n.id, to, a)
			w.net.send(n.id, to, b)
		case w.rng.IntN(2) == 0:
			w.net.send(n.id, to, a)
		default:
			w.net.send(n.id, to, b)
		}
	}
}

// otherHash picks a conflicting vote target: nil for a block vote, a made-up
// block for a nil vote.
func (n *node) otherHash(h attest.Hash) attest.Hash {
	if h != (attest.Hash{}) && n.w.rng.IntN(2) == 0 {
		return attest.Hash{}
	}
	var b [8]byte
	for i := range b {
		b[i] = byte(n.w.rng.Uint32())
	}
	return attest.Keccak([]byte("sim-fake-block"), b[:])
}
