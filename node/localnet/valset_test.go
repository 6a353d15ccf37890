package localnet

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
)

// A scheduled validator-set change takes effect at the next height: the
// header that schedules it names the new set, later blocks are signed by it,
// and the chain keeps committing with the removed validator gone.
func TestValidatorScheduleChangesTheSet(t *testing.T) {
	t.Parallel()
	const changeAt = 4
	ln := startNet(t, TransportMem, func(o *Options) {
		o.Edit = func(g *chains.Genesis) {
			g.ValidatorSchedule = []chains.ScheduledValidators{{Height: changeAt, Validators: []chains.GenesisValidator{
				{Name: "v0", Address: g.Validators[0].Address, Power: 5},
				{Name: "v1", Address: g.Validators[1].Address, Power: 5},
				{Name: "v2", Address: g.Validators[2].Address, Power: 5},
			}}}
		}
	})
	waitHeight(t, ln, changeAt+4)
	nd := ln.Node(0)
	first, err := ln.Genesis.ValidatorSet()
	require.NoError(t, err)
	next, err := attest.NewValidatorSet([]attest.Validator{
		{Address: first.Validators[0].Address, Power: 5},
		{Address: first.Validators[1].Address, Power: 5},
		{Address: first.Validators[2].Address, Power: 5},
	})
	require.NoError(t, err)
	gh := ln.Genesis.Hash()
	for h := uint64(1); h <= changeAt+4; h++ {
		b, err := nd.Block(h)
		require.NoError(t, err)
		hdr := b.Block.Header
		signer := first
		if h > changeAt {
			signer = next
		}
		require.Equal(t, signer.Hash(), hdr.ValidatorsHash, "height %d", h)
		if h == changeAt {
			require.Equal(t, next.Hash(), hdr.NextValidatorsHash, "the handoff header names the new set")
		} else {
			require.Equal(t, hdr.ValidatorsHash, hdr.NextValidatorsHash, "height %d", h)
		}
		require.NoError(t, attest.VerifyQC(gh, signer, &b.QC), "height %d", h)
		if h > changeAt {
			require.Error(t, attest.VerifyCertifiedHeader(gh, ln.Genesis.ChainID, first, &attest.CertifiedHeader{Header: hdr, QC: b.QC}),
				"a light client that missed the handoff must not verify height %d", h)
		}
	}
}
