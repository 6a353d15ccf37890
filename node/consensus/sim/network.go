package sim

import (
	"time"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/consensus"
)

// message is what travels between validators. Exactly one field is set.
type message struct {
	proposal  *consensus.Proposal
	vote      *attest.Vote
	request   uint64 // height whose certified block the sender wants
	certified *certified
}

// certified is a committed block with its QC, as served to a laggard.
type certified struct {
	height uint64
	block  []byte
	hash   attest.Hash
	qc     attest.QC
}

// network delivers messages with the faults of the current phase.
type network struct {
	w    *world
	side []int // partition side of each validator; all equal when healed
}

// send schedules delivery of msg from one validator to another.
func (n *network) send(from, to int, msg message) {
	w := n.w
	if from == to || n.side[from] != n.side[to] {
		return
	}
	if !w.calm && w.chance(w.cfg.LossRate) {
		return
	}
	copies := 1
	if !w.calm && w.chance(w.cfg.DupRate) {
		copies = 2
	}
	for range copies {
		w.q.after(n.delay(), func() {
			w.res.Deliveries++
			w.nodes[to].receive(from, msg)
		})
	}
}

// broadcast sends msg to every other validator.
func (n *network) broadcast(from int, msg message) {
	for to := range n.w.nodes {
		n.send(from, to, msg)
	}
}

// delay is uniform in [MinDelay, MaxDelay], sometimes much longer, which
// reorders messages.
func (n *network) delay() time.Duration {
	w := n.w
	d := w.cfg.MinDelay + w.jitter(w.cfg.MaxDelay-w.cfg.MinDelay+1)
	if w.chance(w.cfg.LateRate) {
		d += w.jitter(time.Duration(w.cfg.LateFactor) * w.cfg.MaxDelay)
	}
	return d
}

// split cuts the validators into two random non-empty sides.
func (n *network) split() {
	w := n.w
	if w.calm || len(n.side) < 2 {
		return
	}
	perm := w.rng.Perm(len(n.side))
	cut := 1 + w.rng.IntN(len(n.side)-1)
	for i, v := range perm {
		n.side[v] = 0
		if i >= cut {
			n.side[v] = 1
		}
	}
	w.trace.note("split", n.side)
}

// heal reconnects everyone.
func (n *network) heal() {
	clear(n.side)
	n.w.trace.note("heal", nil)
}
