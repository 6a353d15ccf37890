package xfertest_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/rlp"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/tx"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/node/xfer/xfertest"
)

// TestChainCertifiesRealHeaders: every committed header links to its
// parent, names the set that signed it and the next one, carries a QC that
// verifies against that set, and commits the state the proofs come from.
func TestChainCertifiesRealHeaders(t *testing.T) {
	t.Parallel()
	n := newNet(t, func(s *xfertest.ChainSpec) {
		s.Rotations = []xfertest.Rotation{{Height: 2, Validators: []int{2, 3, 4, 5, 6}}}
	}, alpha, beta)
	a := n.Chain(alpha)
	genesisSet, err := a.Genesis.ValidatorSet()
	require.NoError(t, err)
	send(t, a, 0, transferTo(n.Chain(beta), 1, usd, 5))
	for range 4 {
		commit(t, a)
	}
	var parent attest.Hash
	for h := uint64(1); h <= a.Height(); h++ {
		b, err := a.Block(h)
		require.NoError(t, err)
		hdr := &b.Header.Header
		require.Equal(t, h, hdr.Height)
		require.Equal(t, parent, hdr.ParentHash, "height %d", h)
		require.Equal(t, a.Genesis.GenesisTimeMs+h*a.TimeStepMs, hdr.TimeMs)
		require.Equal(t, b.Signers.Hash(), hdr.ValidatorsHash)
		require.Equal(t, b.Next.Hash(), hdr.NextValidatorsHash)
		require.Equal(t, h == 2, b.Handoff(), "height %d", h)
		require.NoError(t, attest.VerifyCertifiedHeader(a.GenesisHash, alpha, b.Signers, &b.Header), "height %d", h)
		if h <= 2 {
			require.Equal(t, genesisSet.Hash(), hdr.ValidatorsHash)
		} else {
			require.Equal(t, 5, b.Signers.Size())
		}
		parent = hdr.Hash()
	}
	packets := mustSent(t, a, 1)
	pps, err := a.PacketProofs(1, packets)
	require.NoError(t, err)
	root, err := a.Root(1)
	require.NoError(t, err)
	require.NoError(t, attest.VerifyPacketProof(a.GenesisHash, root, &pps[0]))
	_, err = a.Block(a.Height() + 1)
	require.ErrorIs(t, err, xfertest.ErrNoBlock)
}

// TestNetworkIsDeterministic: the same calls give the same blocks.
func TestNetworkIsDeterministic(t *testing.T) {
	t.Parallel()
	run := func() []attest.Hash {
		n := newNet(t, nil, alpha, beta, gamma)
		relay := xfertest.NewRelay(n)
		send(t, n.Chain(alpha), 0, transferTo(n.Chain(beta), 1, usd, 10))
		send(t, n.Chain(beta), 1, transferTo(n.Chain(gamma), 2, eur, 20))
		require.NoError(t, n.CommitAll())
		settle(t, relay)
		var out []attest.Hash
		for _, c := range n.Chains {
			out = append(out, c.GenesisHash)
			for h := uint64(1); h <= c.Height(); h++ {
				ch, err := c.Header(h)
				require.NoError(t, err)
				out = append(out, ch.Header.Hash(), ch.QC.Hash())
			}
		}
		return out
	}
	require.Equal(t, run(), run())
}

// TestSimulateLeavesStateAlone: Simulate neither commits nor consumes the queue.
func TestSimulateLeavesStateAlone(t *testing.T) {
	t.Parallel()
	n := newNet(t, nil, alpha, beta)
	a := n.Chain(alpha)
	txType, payload := xfer.NewTransfer(transferTo(n.Chain(beta), 1, usd, 10))
	raw, err := a.SignTx(xfertest.User(0), txType, payload)
	require.NoError(t, err)
	before := a.LatestRoot()
	root, receipts, err := a.Simulate(raw)
	require.NoError(t, err)
	require.NotEqual(t, before, root)
	require.True(t, receipts[0].OK(), receipts[0].Log)
	require.Equal(t, before, a.LatestRoot())
	require.Zero(t, a.Height())
	a.Submit(raw)
	b := commit(t, a)
	require.Equal(t, root, b.Header.Header.StateRoot, "simulation and commit agree")
}

// TestRecvPayloadsFitTransactions: a batch too big for one transaction is
// split in order into payloads that each fit, losing nothing.
func TestRecvPayloadsFitTransactions(t *testing.T) {
	t.Parallel()
	n := newNet(t, nil, alpha, beta)
	a, b := n.Chain(alpha), n.Chain(beta)
	// A packet proof is a packet (~150 bytes) and at least a branch node and
	// a leaf of the trie, so this many cannot fit one payload.
	const minProofBytes = 300
	batch := xfertest.MaxPayloadBytes/minProofBytes + 1
	for range batch {
		send(t, a, 0, transferTo(b, 1, usd, 1))
	}
	sent := commit(t, a).Header.Header.Height
	packets := mustSent(t, a, sent)
	require.Len(t, packets, batch)
	pps, err := a.PacketProofs(sent, packets)
	require.NoError(t, err)
	payloads, err := xfertest.RecvPayloads(alpha, header(t, a, sent), pps)
	require.NoError(t, err)
	require.Greater(t, len(payloads), 1, "%d packets should not fit one transaction", batch)
	var got []attest.Packet
	for _, p := range payloads {
		require.LessOrEqual(t, len(p), xfertest.MaxPayloadBytes)
		raw, err := b.SignTx(xfertest.Relayer(), xfer.TypeRecv, p)
		require.NoError(t, err)
		require.LessOrEqual(t, len(raw), tx.MaxTxBytes)
		var r xfer.Recv
		require.NoError(t, rlp.DecodeBytes(p, &r))
		for _, pp := range r.Packets {
			got = append(got, pp.Packet)
		}
		b.Submit(raw)
	}
	require.Equal(t, packets, got)
	blk := commit(t, b)
	for _, r := range blk.Receipts {
		require.True(t, r.OK(), r.Log)
	}
	require.Equal(t, uint64(batch), balance(t, b, xfertest.User(1).Address, "alpha/USD").Uint64())
}
