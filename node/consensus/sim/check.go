package sim

import (
	"errors"
	"fmt"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/consensus"
)

// ErrInvariant wraps every invariant violation Run reports.
var ErrInvariant = errors.New("invariant violated")

// slot names what one signer may sign once: kind 0 is a proposal, else the
// vote type.
type slot struct {
	signer attest.Address
	height uint64
	round  uint32
	kind   uint8
}

// seen is a slot as observed by one validator.
type seen struct {
	by int
	slot
}

// checker holds the invariants across the whole run, crashes included.
type checker struct {
	w         *world
	err       error
	committed map[uint64]attest.Hash
	signed    map[slot]attest.Hash
	reported  map[seen]bool
	expected  []seen
	calmBase  []uint64
}

func newChecker(w *world) *checker {
	return &checker{
		w:         w,
		committed: make(map[uint64]attest.Hash),
		signed:    make(map[slot]attest.Hash),
		reported:  make(map[seen]bool),
	}
}

func (c *checker) failf(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("%w: %s", ErrInvariant, fmt.Sprintf(format, args...))
	}
}

// commit checks an honest Commit: a QC that verifies for the block, and no
// other block committed at the height by anyone honest.
func (c *checker) commit(n *node, cm *consensus.Commit) {
	if n.byzantine {
		return
	}
	c.w.res.Commits++
	if cm.QC.Height != cm.Height || cm.QC.BlockHash != cm.BlockHash || attest.Keccak(cm.Block) != cm.BlockHash {
		c.failf("validator %d committed %d with a QC or block for something else", n.id, cm.Height)
		return
	}
	if err := c.w.sigs.verifyQC(c.w.vals, &cm.QC); err != nil {
		c.failf("validator %d committed %d with a QC that does not verify: %v", n.id, cm.Height, err)
		return
	}
	if prev, ok := c.committed[cm.Height]; ok && prev != cm.BlockHash {
		c.failf("safety: validator %d committed %s at height %d, another honest validator committed %s",
			n.id, cm.BlockHash, cm.Height, prev)
		return
	}
	c.committed[cm.Height] = cm.BlockHash
}

// signedVote records an honest signature and fails on a conflicting one.
func (c *checker) signedVote(n *node, v *attest.Vote) {
	c.signedOnce(n, slot{v.Validator, v.Height, v.Round, uint8(v.Type)}, v.BlockHash)
}

func (c *checker) signedProposal(n *node, p *consensus.Proposal) {
	c.signedOnce(n, slot{p.Proposer, p.Height, p.Round, 0}, p.BlockHash)
}

func (c *checker) signedOnce(n *node, s slot, hash attest.Hash) {
	if prev, ok := c.signed[s]; ok && prev != hash {
		c.failf("validator %d signed %s and then %s for height %d round %d kind %d", n.id, prev, hash, s.height, s.round, s.kind)
		return
	}
	c.signed[s] = hash
}

// fedVote notes a vote about to be fed to an honest machine that will store
// it; a second, different vote for the same slot must produce evidence.
func (c *checker) fedVote(n *node, v *attest.Vote) {
	m := n.m
	if n.byzantine || m.Height() != v.Height || m.Decided() ||
		(v.Validator != n.addr && uint64(v.Round) > uint64(m.Round())+consensus.MaxRoundsAhead) {
		return
	}
	s := slot{v.Validator, v.Height, v.Round, uint8(v.Type)}
	prev, ok := n.fed[s]
	switch {
	case !ok:
		n.fed[s] = v.BlockHash
	case prev != v.BlockHash:
		c.expected = append(c.expected, seen{n.id, s})
	}
}

// evidence checks reported equivocation: it verifies, and accuses a
// Byzantine validator, never an honest one.
func (c *checker) evidence(n *node, e *attest.DuplicateVote) {
	if n.byzantine {
		return
	}
	c.w.res.Evidence++
	if err := c.w.sigs.verifyEvidence(c.w.vals, e); err != nil {
		c.failf("validator %d reported evidence that does not verify: %v", n.id, err)
		return
	}
	accused := c.w.nodes[c.w.vals.IndexOf(e.A.Validator)]
	if !accused.byzantine {
		c.failf("validator %d has evidence against honest validator %d", n.id, accused.id)
		return
	}
	c.reported[seen{n.id, slot{e.A.Validator, e.A.Height, e.A.Round, uint8(e.A.Type)}}] = true
}

func (c *checker) beginCalm() {
	c.calmBase = c.w.heights()
}

// calmDone reports whether every honest validator has committed
// CalmHeights heights since the calm phase began.
func (c *checker) calmDone() bool {
	if c.calmBase == nil {
		return false
	}
	for i, n := range c.w.nodes {
		if !n.byzantine && n.committed() < c.calmBase[i]+uint64(c.w.cfg.CalmHeights) {
			return false
		}
	}
	return true
}

// finalChecks runs the checks that need the whole run.
func (c *checker) finalChecks() {
	for _, e := range c.expected {
		if !c.reported[e] {
			c.failf("validator %d fed conflicting votes of %s at %d/%d type %d and reported no evidence",
				e.by, e.signer, e.height, e.round, e.kind)
			return
		}
	}
}
