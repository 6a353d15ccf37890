package attest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

func TestVerifyDuplicateVote(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4, nil)
	outsider := newFixture(t, 5, nil) // validator 4 of this set is not in f
	blockA, blockB := attest.Keccak([]byte("a")), attest.Keccak([]byte("b"))
	pc := attest.Precommit
	vote := func(i int, typ attest.VoteType, h uint64, r uint32, b attest.Hash) attest.Vote {
		return *f.vote(t, testGenesis, i, typ, h, r, b)
	}
	cases := []struct {
		name string
		ev   func() attest.DuplicateVote
		want attest.Code
	}{
		{"two precommits", func() attest.DuplicateVote {
			return attest.DuplicateVote{A: vote(1, pc, 5, 0, blockA), B: vote(1, pc, 5, 0, blockB)}
		}, attest.CodeOK},
		{"block and nil prevote", func() attest.DuplicateVote {
			return attest.DuplicateVote{A: vote(1, attest.Prevote, 5, 0, blockA), B: vote(1, attest.Prevote, 5, 0, attest.Hash{})}
		}, attest.CodeOK},
		{"same block", func() attest.DuplicateVote {
			return attest.DuplicateVote{A: vote(1, pc, 5, 0, blockA), B: vote(1, pc, 5, 0, blockA)}
		}, attest.CodeBadEvidence},
		{"different validators", func() attest.DuplicateVote {
			return attest.DuplicateVote{A: vote(1, pc, 5, 0, blockA), B: vote(2, pc, 5, 0, blockB)}
		}, attest.CodeBadEvidence},
		{"different heights", func() attest.DuplicateVote {
			return attest.DuplicateVote{A: vote(1, pc, 5, 0, blockA), B: vote(1, pc, 6, 0, blockB)}
		}, attest.CodeBadEvidence},
		{"different rounds", func() attest.DuplicateVote {
			return attest.DuplicateVote{A: vote(1, pc, 5, 0, blockA), B: vote(1, pc, 5, 1, blockB)}
		}, attest.CodeBadEvidence},
		{"prevote and precommit", func() attest.DuplicateVote {
			return attest.DuplicateVote{A: vote(1, attest.Prevote, 5, 0, blockA), B: vote(1, pc, 5, 0, blockB)}
		}, attest.CodeBadEvidence},
		{"not a validator", func() attest.DuplicateVote {
			return attest.DuplicateVote{A: *outsider.vote(t, testGenesis, 4, pc, 5, 0, blockA), B: *outsider.vote(t, testGenesis, 4, pc, 5, 0, blockB)}
		}, attest.CodeUnknownSigner},
		{"second vote forged", func() attest.DuplicateVote {
			ev := attest.DuplicateVote{A: vote(1, pc, 5, 0, blockA), B: vote(2, pc, 5, 0, blockB)}
			ev.B.Validator = ev.A.Validator
			return ev
		}, attest.CodeBadSignature},
		{"signed on another chain", func() attest.DuplicateVote {
			return attest.DuplicateVote{A: vote(1, pc, 5, 0, blockA), B: *f.vote(t, otherGenesis, 1, pc, 5, 0, blockB)}
		}, attest.CodeBadSignature},
		{"unknown vote type", func() attest.DuplicateVote {
			ev := attest.DuplicateVote{A: vote(1, pc, 5, 0, blockA), B: vote(1, pc, 5, 0, blockB)}
			ev.A.Type, ev.B.Type = 3, 3
			return ev
		}, attest.CodeMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ev := tc.ev()
			err := attest.VerifyDuplicateVote(testGenesis, f.vals, &ev)
			if tc.want == attest.CodeOK {
				require.NoError(t, err)
				return
			}
			requireCode(t, tc.want, err)
		})
	}
}

func TestDuplicateVoteHash(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4, nil)
	a := *f.vote(t, testGenesis, 1, attest.Precommit, 5, 0, attest.Keccak([]byte("a")))
	b := *f.vote(t, testGenesis, 1, attest.Precommit, 5, 0, attest.Keccak([]byte("b")))
	c := *f.vote(t, testGenesis, 1, attest.Precommit, 5, 0, attest.Keccak([]byte("c")))
	ab, ba, ac := attest.DuplicateVote{A: a, B: b}, attest.DuplicateVote{A: b, B: a}, attest.DuplicateVote{A: a, B: c}
	require.Equal(t, ab.Hash(), ba.Hash(), "order of the votes does not matter")
	require.NotEqual(t, ab.Hash(), ac.Hash())
	require.NotEqual(t, attest.EvidenceHash(nil), attest.EvidenceHash([]attest.DuplicateVote{ab}))
	require.NotEqual(t, attest.EvidenceHash([]attest.DuplicateVote{ab, ac}), attest.EvidenceHash([]attest.DuplicateVote{ac, ab}), "list order is committed")
}

func TestVoteTypeString(t *testing.T) {
	t.Parallel()
	require.Equal(t, "prevote", attest.Prevote.String())
	require.Equal(t, "precommit", attest.Precommit.String())
	require.Equal(t, "unknown", attest.VoteType(9).String())
	require.True(t, (&attest.Vote{}).IsNil())
	require.False(t, (&attest.Vote{BlockHash: attest.Keccak(nil)}).IsNil())
}
