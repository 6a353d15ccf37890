package xfertest_test

import (
	"crypto/ecdsa"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/node/xfer/xfertest"
)

// forkHeader is alpha's header at h with another state root, certified by
// alpha's real validators: what equivocating validators would sign.
func forkHeader(t *testing.T, c *xfertest.Chain, h uint64) attest.CertifiedHeader {
	t.Helper()
	fork := header(t, c, h).Header
	fork.StateRoot = attest.Keccak([]byte("forked state"))
	ch, err := c.SignHeader(fork)
	require.NoError(t, err)
	return ch
}

func misbehaviour(chain string, a, b attest.CertifiedHeader) (string, []byte) {
	return xfer.NewSubmitMisbehaviour(chain, attest.Misbehaviour{A: a, B: b})
}

func client(t *testing.T, c *xfertest.Chain, of string) *xfer.ClientState {
	t.Helper()
	cs, err := xfer.GetClient(c.State(), of)
	require.NoError(t, err)
	return cs
}

// TestMisbehaviourFreezesRoute: invalid evidence changes nothing; two
// conflicting certified headers of alpha freeze beta's client of alpha, and
// then every recv, ack, update and transfer over the route is refused.
func TestMisbehaviourFreezesRoute(t *testing.T) {
	t.Parallel()
	n := newNet(t, nil, alpha, beta)
	a, b := n.Chain(alpha), n.Chain(beta)
	send(t, a, 0, transferTo(b, 1, usd, 100))
	sentA := commit(t, a).Header.Header.Height
	send(t, b, 0, transferTo(a, 1, usd, 100))
	sentB := commit(t, b).Header.Header.Height
	_, err := xfertest.Deliver(b, a, sentB, mustSent(t, b, sentB))
	require.NoError(t, err)
	recvA := commit(t, a).Header.Header.Height

	real, fork := header(t, a, sentA), forkHeader(t, a, sentA)
	weak := fork
	weak.QC = partialQC(t, a, &weak.Header, 2)
	later := header(t, a, recvA)
	invalid := []struct {
		name   string
		chain  string
		ha, hb attest.CertifiedHeader
		want   app.Code
	}{
		{"same header twice", alpha, real, real, app.Code(attest.CodeBadEvidence)},
		{"headers at two heights", alpha, real, later, app.Code(attest.CodeBadEvidence)},
		{"fork without a quorum", alpha, real, weak, app.Code(attest.CodeInsufficientVote)},
		{"fork signed by outsiders", alpha, real, func() attest.CertifiedHeader {
			h := fork
			h.QC = outsiderQC(t, a.GenesisHash, a.Validators(), &h.Header)
			return h
		}(), app.Code(attest.CodeBadSignature)},
		{"evidence against an unknown chain", "delta", real, fork, xfer.CodeUnknownChain},
		{"alpha's evidence filed against beta's own id", beta, real, fork, xfer.CodeUnknownChain},
	}
	for _, tc := range invalid {
		txType, payload := misbehaviour(tc.chain, tc.ha, tc.hb)
		requireRejectedUnchanged(t, b, txType, payload, tc.want)
	}
	require.False(t, client(t, b, alpha).Frozen)

	txType, payload := misbehaviour(alpha, real, fork)
	h, err := b.Send(xfertest.Relayer(), txType, payload)
	require.NoError(t, err)
	commit(t, b)
	r := requireTx(t, b, h, app.CodeOK)
	require.Len(t, r.Events, 1)
	require.Equal(t, xfer.EventClientFrozen, r.Events[0].Type)
	require.Equal(t, xfer.ReasonMisbehaviour, r.Events[0].Attr(xfer.AttrReason))
	cs := client(t, b, alpha)
	require.True(t, cs.Frozen)
	require.Equal(t, sentA, cs.FrozenHeight)

	// The route is halted both ways on beta.
	pps, err := a.PacketProofs(sentA, mustSent(t, a, sentA))
	require.NoError(t, err)
	recvType, recvPayload := xfer.NewRecv(alpha, real, pps)
	requireRejectedUnchanged(t, b, recvType, recvPayload, xfer.CodeClientFrozen)
	rps, err := a.ReceiptProofs(recvA, beta, []uint64{1})
	require.NoError(t, err)
	ackType, ackPayload := xfer.NewAck(alpha, later, rps)
	requireRejectedUnchanged(t, b, ackType, ackPayload, xfer.CodeClientFrozen)
	trType, trPayload := xfer.NewTransfer(transferTo(a, 2, usd, 5))
	trTx, err := b.Send(xfertest.User(0), trType, trPayload)
	require.NoError(t, err)
	before := balance(t, b, xfertest.User(0).Address, usd)
	commit(t, b)
	requireTx(t, b, trTx, xfer.CodeClientFrozen)
	require.Equal(t, before, balance(t, b, xfertest.User(0).Address, usd))
	requireRejectedUnchanged(t, b, txType, payload, xfer.CodeClientFrozen)

	// The freeze is beta's view of alpha: alpha's client of beta is untouched.
	require.False(t, client(t, a, beta).Frozen)
	require.Equal(t, xfer.TaskPending, task(t, b, alpha, 1).Status)
}

// TestConflictingHeaderFreezesOnRecv: a recv carrying a certified header
// that conflicts with one the client remembers freezes the client and
// credits nothing, and the transaction succeeds so that the freeze stays.
func TestConflictingHeaderFreezesOnRecv(t *testing.T) {
	t.Parallel()
	n := newNet(t, nil, alpha, beta)
	a, b := n.Chain(alpha), n.Chain(beta)
	send(t, a, 0, transferTo(b, 1, usd, 100))
	send(t, a, 0, transferTo(b, 1, usd, 200))
	sent := commit(t, a).Header.Header.Height
	packets := mustSent(t, a, sent)
	_, err := xfertest.Deliver(a, b, sent, packets[:1])
	require.NoError(t, err)
	commit(t, b)
	require.False(t, client(t, b, alpha).Frozen)

	fork := forkHeader(t, a, sent)
	pps, err := a.PacketProofs(sent, packets[1:])
	require.NoError(t, err)
	txType, payload := xfer.NewRecv(alpha, fork, pps)
	h, err := b.Send(xfertest.Relayer(), txType, payload)
	require.NoError(t, err)
	commit(t, b)
	r := requireTx(t, b, h, app.CodeOK)
	require.Len(t, r.Events, 1)
	require.Equal(t, xfer.ReasonConflictingHead, r.Events[0].Attr(xfer.AttrReason))
	require.True(t, client(t, b, alpha).Frozen)
	_, err = xfer.GetReceipt(b.State(), alpha, 2)
	require.ErrorIs(t, err, xfer.ErrNotFound, "the conflicting recv credits nothing")
	require.Equal(t, "100", balance(t, b, xfertest.User(1).Address, "alpha/USD").Dec())
}

// TestValidatorHandoff: alpha replaces validator 0 with validator 4 after
// height 3. Beta's client of alpha verifies alpha's later headers only once
// the handoff header (3, signed by the old set, naming the new one) is
// submitted; after that the old set can no longer sign for alpha.
func TestValidatorHandoff(t *testing.T) {
	t.Parallel()
	const changeAt, changeBackAt = 3, 6
	n := newNet(t, func(s *xfertest.ChainSpec) {
		if s.ID == alpha {
			s.Rotations = []xfertest.Rotation{
				{Height: changeAt, Validators: []int{1, 2, 3, 4}},
				{Height: changeBackAt, Validators: []int{0, 1, 2, 3}},
			}
		}
	}, alpha, beta)
	a, b := n.Chain(alpha), n.Chain(beta)
	oldSet := a.Validators()
	for a.Height() < changeAt {
		commit(t, a)
	}
	handoff := header(t, a, changeAt)
	require.NotEqual(t, handoff.Header.ValidatorsHash, handoff.Header.NextValidatorsHash)
	newSet := a.Validators()
	require.Equal(t, newSet.Hash(), handoff.Header.NextValidatorsHash)
	require.Equal(t, oldSet.Hash(), handoff.Header.ValidatorsHash)

	send(t, a, 0, transferTo(b, 1, usd, 100))
	sent := commit(t, a).Header.Header.Height
	require.Equal(t, newSet.Hash(), header(t, a, sent).Header.ValidatorsHash)
	pps, err := a.PacketProofs(sent, mustSent(t, a, sent))
	require.NoError(t, err)
	recvType, recvPayload := xfer.NewRecv(alpha, header(t, a, sent), pps)
	requireRejectedUnchanged(t, b, recvType, recvPayload, app.Code(attest.CodeWrongValidators))

	for a.Height() < changeBackAt {
		commit(t, a)
	}
	update := func(h uint64, next *attest.ValidatorSet) (string, []byte) {
		return xfer.NewUpdateClient(alpha, header(t, a, h), next.Validators)
	}
	// Sequential: the second handoff cannot jump the first.
	back, err := a.Block(changeBackAt)
	require.NoError(t, err)
	txType, payload := update(changeBackAt, back.Next)
	requireRejectedUnchanged(t, b, txType, payload, app.Code(attest.CodeWrongValidators))
	txType, payload = update(changeAt, oldSet)
	requireRejectedUnchanged(t, b, txType, payload, xfer.CodeHandoffMismatch)
	txType, payload = update(changeAt-1, newSet)
	requireRejectedUnchanged(t, b, txType, payload, xfer.CodeNotHandoff)

	txType, payload = update(changeAt, newSet)
	h, err := b.Send(xfertest.Relayer(), txType, payload)
	require.NoError(t, err)
	commit(t, b)
	r := requireTx(t, b, h, app.CodeOK)
	require.Equal(t, xfer.EventClientUpdate, r.Events[0].Type)
	cs := client(t, b, alpha)
	require.Len(t, cs.Sets, 2)
	require.Equal(t, uint64(changeAt+1), cs.Sets[1].FromHeight)
	requireNoEffect(t, b, txType, payload, app.CodeOK) // the same handoff again is a no-op

	// Now alpha's header signed by the new set verifies and the packet lands.
	hashes, err := xfertest.Deliver(a, b, sent, mustSent(t, a, sent))
	require.NoError(t, err)
	commit(t, b)
	requireTx(t, b, hashes[0], app.CodeOK)
	require.Equal(t, "100", balance(t, b, xfertest.User(1).Address, "alpha/USD").Dec())

	// The retired validator set can no longer sign alpha's headers.
	forged := header(t, a, sent+1).Header
	forged.ValidatorsHash = oldSet.Hash()
	forged.StateRoot = attest.Keccak([]byte("old set's fork"))
	var oldKeys []*ecdsa.PrivateKey
	for _, v := range oldSet.Validators {
		k, err := a.Key(v.Address)
		require.NoError(t, err)
		oldKeys = append(oldKeys, k)
	}
	qc, err := xfertest.SignQC(a.GenesisHash, oldSet, &forged, oldKeys...)
	require.NoError(t, err)
	recvType, recvPayload = xfer.NewRecv(alpha, attest.CertifiedHeader{Header: forged, QC: qc}, pps)
	requireRejectedUnchanged(t, b, recvType, recvPayload, app.Code(attest.CodeWrongValidators))

	// The second handoff now applies, and the first is stale.
	txType, payload = update(changeBackAt, back.Next)
	h, err = b.Send(xfertest.Relayer(), txType, payload)
	require.NoError(t, err)
	commit(t, b)
	requireTx(t, b, h, app.CodeOK)
	staleType, stalePayload := update(changeAt, newSet)
	requireRejectedUnchanged(t, b, staleType, stalePayload, xfer.CodeStaleHandoff)
}

// TestRelayCarriesHandoffs: with validator rotations on every chain, an
// honest relay hands each set change over before the headers that need it,
// and transfers both ways settle.
func TestRelayCarriesHandoffs(t *testing.T) {
	t.Parallel()
	n := newNet(t, func(s *xfertest.ChainSpec) {
		s.Rotations = []xfertest.Rotation{
			{Height: 2, Validators: []int{1, 2, 3, 4}},
			{Height: 4, Validators: []int{2, 3, 4, 5, 6}},
			{Height: 5, Validators: []int{0, 1, 2}},
		}
	}, alpha, beta, gamma)
	audit, err := xfertest.NewAuditor(n)
	require.NoError(t, err)
	relay := xfertest.NewRelay(n)
	for round := range 6 {
		for i, c := range n.Chains {
			dst := n.Chains[(i+1)%len(n.Chains)]
			send(t, c, round%users, transferTo(dst, (round+1)%users, usd, uint64(10+round)))
		}
		require.NoError(t, n.CommitAll())
		settle(t, relay)
		requireAudit(t, audit)
	}
	unresolved, err := xfertest.Unresolved(n)
	require.NoError(t, err)
	require.Empty(t, unresolved)
	for _, c := range n.Chains {
		for _, peer := range n.Chains {
			if peer != c {
				require.Len(t, client(t, c, peer.ID).Sets, 4, "%s's client of %s", c.ID, peer.ID)
			}
		}
	}
}

func mustSent(t *testing.T, c *xfertest.Chain, h uint64) []attest.Packet {
	t.Helper()
	p, err := c.SentPackets(h)
	require.NoError(t, err)
	require.NotEmpty(t, p)
	return p
}
