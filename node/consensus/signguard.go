package consensus

import (
	"errors"
	"fmt"

	"github.com/causeway/causeway/attest"
)

var (
	// ErrDoubleSign is returned when signing would contradict an earlier
	// signature for the same height, round and step.
	ErrDoubleSign = errors.New("refusing to sign a conflicting message")
	// ErrStaleSign is returned when asked to sign for a height below the
	// latest one signed at.
	ErrStaleSign = errors.New("refusing to sign for a past height")
)

// SignGuard is the last line against double signing: it remembers what was
// signed at the current height, per signer, round and step, and refuses a
// conflicting signature. Restore it from the WAL after a restart. Signing the
// very same message again is allowed (RFC 6979 gives identical bytes).
type SignGuard struct {
	height uint64
	signed map[guardKey]attest.Hash
}

type guardKey struct {
	signer attest.Address
	kind   uint8 // 0 proposal, else the vote type
	round  uint32
}

// NewSignGuard returns an empty guard.
func NewSignGuard() *SignGuard {
	return &SignGuard{signed: make(map[guardKey]attest.Hash)}
}

// Restore learns every signed vote and proposal in recs. Signers other than
// this validator are harmless: the guard is keyed by signer.
func (g *SignGuard) Restore(recs []Record) {
	for _, r := range recs {
		switch e := r.Event.(type) {
		case VoteReceived:
			if len(e.Vote.Sig) > 0 {
				g.RecordVote(&e.Vote)
			}
		case ProposalReceived:
			if len(e.Proposal.Sig) > 0 {
				g.RecordProposal(&e.Proposal)
			}
		}
	}
}

// CheckVote returns an error if signing v would conflict with a signed vote.
func (g *SignGuard) CheckVote(v *attest.Vote) error {
	return g.check(v.Height, guardKey{v.Validator, uint8(v.Type), v.Round}, v.BlockHash)
}

// RecordVote remembers that v was signed.
func (g *SignGuard) RecordVote(v *attest.Vote) {
	g.record(v.Height, guardKey{v.Validator, uint8(v.Type), v.Round}, v.BlockHash)
}

// CheckProposal returns an error if signing p would conflict with a signed proposal.
func (g *SignGuard) CheckProposal(p *Proposal) error {
	return g.check(p.Height, guardKey{signer: p.Proposer, round: p.Round}, p.BlockHash)
}

// RecordProposal remembers that p was signed.
func (g *SignGuard) RecordProposal(p *Proposal) {
	g.record(p.Height, guardKey{signer: p.Proposer, round: p.Round}, p.BlockHash)
}

func (g *SignGuard) check(height uint64, k guardKey, hash attest.Hash) error {
	if height < g.height {
		return fmt.Errorf("sign at height %d, already at %d: %w", height, g.height, ErrStaleSign)
	}
	if height > g.height {
		return nil
	}
	if prev, ok := g.signed[k]; ok && prev != hash {
		return fmt.Errorf("sign %d/%d kind %d for %s, signed %s before: %w", height, k.round, k.kind, hash, prev, ErrDoubleSign)
	}
	return nil
}

func (g *SignGuard) record(height uint64, k guardKey, hash attest.Hash) {
	if height < g.height {
		return
	}
	if height > g.height {
		g.height = height
		clear(g.signed)
	}
	if g.signed == nil {
		g.signed = make(map[guardKey]attest.Hash)
	}
	if _, ok := g.signed[k]; !ok {
		g.signed[k] = hash
	}
}
