package consensus

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

func TestSignGuard(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	g := NewSignGuard()
	signed := f.vote(0, attest.Prevote, 5, 1, hashX)
	g.RecordVote(&signed)
	prop := f.proposal(5, 1, NoPOLRound, blockX).Proposal
	g.RecordProposal(&prop)
	otherProp := prop
	otherProp.BlockHash = hashY

	tests := []struct {
		name  string
		check func() error
		want  error
	}{
		{"same vote again", func() error { return g.CheckVote(&signed) }, nil},
		{"conflicting vote", func() error { v := signed; v.BlockHash = hashY; return g.CheckVote(&v) }, ErrDoubleSign},
		{"nil after a block", func() error { v := signed; v.BlockHash = attest.Hash{}; return g.CheckVote(&v) }, ErrDoubleSign},
		{"other round", func() error { v := signed; v.Round = 2; v.BlockHash = hashY; return g.CheckVote(&v) }, nil},
		{"other type", func() error { v := signed; v.Type = attest.Precommit; v.BlockHash = hashY; return g.CheckVote(&v) }, nil},
		{"other signer", func() error { v := signed; v.Validator = f.addr(1); v.BlockHash = hashY; return g.CheckVote(&v) }, nil},
		{"next height", func() error { v := signed; v.Height = 6; v.BlockHash = hashY; return g.CheckVote(&v) }, nil},
		{"past height", func() error { v := signed; v.Height = 4; return g.CheckVote(&v) }, ErrStaleSign},
		{"same proposal", func() error { return g.CheckProposal(&prop) }, nil},
		{"conflicting proposal", func() error { return g.CheckProposal(&otherProp) }, ErrDoubleSign},
	}
	for _, tc := range tests {
		err := tc.check()
		if tc.want == nil {
			require.NoError(t, err, tc.name)
		} else {
			require.ErrorIs(t, err, tc.want, tc.name)
		}
	}
}

func TestSignGuardRestoreAndAdvance(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	recs := sampleRecords(f, 3)
	g := NewSignGuard()
	g.Restore(recs)
	v := recs[2].Event.(VoteReceived).Vote
	v.BlockHash = hashY
	require.ErrorIs(t, g.CheckVote(&v), ErrDoubleSign, "restored from the WAL")

	next := f.vote(0, attest.Prevote, 4, 0, hashY)
	g.RecordVote(&next)
	v.Height = 4
	v.BlockHash = hashX
	require.ErrorIs(t, g.CheckVote(&v), ErrDoubleSign)
	old := recs[2].Event.(VoteReceived).Vote
	require.ErrorIs(t, g.CheckVote(&old), ErrStaleSign, "a new height forgets and fences the old one")
}
