package consensus

import (
	"testing"

	"github.com/ethereum/go-ethereum/rlp"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

func TestProposalRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	tests := []struct {
		name string
		pol  int32
	}{
		{"no pol", NoPOLRound},
		{"pol round 0", 0},
		{"pol round 2", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := f.proposal(7, 3, tc.pol, blockX).Proposal
			got, err := DecodeProposal(EncodeProposal(&p))
			require.NoError(t, err)
			require.Equal(t, p, *got)
			require.NoError(t, VerifyProposalSig(f.genesis, got))
		})
	}
}

func TestProposalSignatureBindsFields(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	base := f.proposal(7, 3, 1, blockX).Proposal
	tests := []struct {
		name   string
		mutate func(p *Proposal)
	}{
		{"height", func(p *Proposal) { p.Height++ }},
		{"round", func(p *Proposal) { p.Round++ }},
		{"pol round", func(p *Proposal) { p.POLRound = NoPOLRound }},
		{"block hash", func(p *Proposal) { p.BlockHash = hashY }},
		{"proposer", func(p *Proposal) { p.Proposer = f.addr(3) }},
		{"signature", func(p *Proposal) { p.Sig = p.Sig[:10] }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := base
			p.Sig = append([]byte(nil), base.Sig...)
			tc.mutate(&p)
			require.ErrorIs(t, VerifyProposalSig(f.genesis, &p), attest.ErrBadSignature)
		})
	}
	require.Error(t, VerifyProposalSig(attest.Hash{1}, &base), "another chain's genesis")
}

func TestDecodeProposalRejects(t *testing.T) {
	t.Parallel()
	polAtRound, err := rlp.EncodeToBytes(proposalWire{Height: 1, Round: 2, POLRound: 3})
	require.NoError(t, err)
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"garbage", []byte{0xff, 0x01}},
		{"pol round not before round", polAtRound},
		{"trailing bytes", append(EncodeProposal(&Proposal{Round: 1, POLRound: NoPOLRound}), 0x80)},
	}
	for _, tc := range tests {
		_, err := DecodeProposal(tc.in)
		require.ErrorIs(t, err, ErrMalformedProposal, tc.name)
	}
}

func FuzzDecodeProposal(f *testing.F) {
	fx := newFixture(f, 4)
	p := fx.proposal(3, 2, 1, blockX).Proposal
	f.Add(EncodeProposal(&p))
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeProposal(b)
		if err != nil {
			require.ErrorIs(t, err, ErrMalformedProposal)
			return
		}
		require.GreaterOrEqual(t, p.POLRound, NoPOLRound)
		require.Less(t, int64(p.POLRound), int64(p.Round))
		again, err := DecodeProposal(EncodeProposal(p))
		require.NoError(t, err)
		require.Equal(t, p, again)
		_ = VerifyProposalSig(fx.genesis, p) // must not panic
	})
}
