package xfer_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/xfer"
)

// ackFixture is alpha with packets 1 and 2 delivered to beta, and beta's
// header h proving both receipts: 1 ok, 2 failed (blocked receiver).
type ackFixture struct {
	alpha, beta, gamma *testChain
	h                  attest.CertifiedHeader
}

func newAckFixture(t *testing.T) *ackFixture {
	t.Helper()
	blocked := newTestnet(t, "beta", testVals).Accounts[2].Address
	cs := newChains(t, map[string]chainOpts{"beta": {tweak: func(g *chains.Genesis) {
		g.Xfer.Blocked = []attest.Address{blocked}
	}}}, "alpha", "beta", "gamma")
	f := &ackFixture{alpha: cs[0], beta: cs[1], gamma: cs[2]}
	f.alpha.send(0, usd("beta", f.beta.user(1), 10))
	f.alpha.send(0, usd("beta", blocked, 20))
	relay(t, f.alpha, f.beta, 1, 2)
	f.h = *f.beta.commit(nil)
	return f
}

func (f *ackFixture) ack(seqs ...uint64) xfer.Ack {
	return xfer.Ack{Dst: "beta", Header: f.h, Receipts: f.beta.receiptProofs(f.h.Header.Height, "alpha", seqs...)}
}

func TestAckAttacksFailAndChangeNothing(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		build func(f *ackFixture) xfer.Ack
		code  app.Code
	}{
		{"unknown destination", func(f *ackFixture) xfer.Ack { a := f.ack(1); a.Dst = "delta"; return a }, xfer.CodeUnknownChain},
		{"receipt forged for another sequence", func(f *ackFixture) xfer.Ack {
			// Packet 2's receipt differs. Were it identical, packet 1's proof
			// would prove it too: small leaves sit inside the branch node the
			// two keys share, and that proof would be true.
			a := f.ack(1)
			a.Receipts[0].Seq = 2
			return a
		}, app.Code(attest.CodeBadProof)},
		{"receipt forged from another sequence's proof", func(f *ackFixture) xfer.Ack {
			a := f.ack(1, 2)
			a.Receipts[0].Receipt = a.Receipts[1].Receipt
			return a
		}, app.Code(attest.CodeBadProof)},
		{"receipt for a packet never received", func(f *ackFixture) xfer.Ack {
			a := f.ack(1)
			a.Receipts[0].Seq = 3
			return a
		}, app.Code(attest.CodeBadProof)},
		{"receipt status flipped", func(f *ackFixture) xfer.Ack {
			a := f.ack(1)
			a.Receipts[0].Receipt = attest.PacketReceipt{Status: attest.ReceiptTimeout}
			return a
		}, app.Code(attest.CodeBadProof)},
		{"unknown receipt status", func(f *ackFixture) xfer.Ack {
			a := f.ack(1)
			a.Receipts[0].Receipt.Status = 9
			return a
		}, app.CodeMalformed},
		{"header of another chain", func(f *ackFixture) xfer.Ack {
			a := f.ack(1)
			a.Header = *f.gamma.commit(nil)
			return a
		}, app.Code(attest.CodeWrongChain)},
		{"receipt of another route", func(f *ackFixture) xfer.Ack {
			// gamma received alpha's packet 1 too; its receipt proves nothing on beta's route.
			f.alpha.send(0, usd("gamma", f.gamma.user(1), 5))
			relay(t, f.alpha, f.gamma, 1)
			h := *f.gamma.commit(nil)
			return xfer.Ack{Dst: "beta", Header: h, Receipts: f.gamma.receiptProofs(h.Header.Height, "alpha", 1)}
		}, app.Code(attest.CodeWrongChain)},
		{"qc of too little power", func(f *ackFixture) xfer.Ack {
			a := f.ack(1)
			a.Header = *f.beta.certify(a.Header.Header, []int{1, 2})
			return a
		}, app.Code(attest.CodeInsufficientVote)},
		{"empty batch", func(f *ackFixture) xfer.Ack { return f.ack() }, xfer.CodeEmptyBatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newAckFixture(t)
			a := tc.build(f)
			typ, p := xfer.NewAck(a.Dst, a.Header, a.Receipts)
			_, err := f.alpha.deliver(f.alpha.user(2), typ, p)
			requireCode(t, tc.code, err)
			require.Equal(t, xfer.TaskPending, task(t, f.alpha, "beta", 1).Status)
		})
	}
}

func TestAckFrozenClientRefuses(t *testing.T) {
	t.Parallel()
	f := newAckFixture(t)
	freezeClient(t, f.alpha, f.beta)
	a := f.ack(1, 2)
	typ, p := xfer.NewAck(a.Dst, a.Header, a.Receipts)
	_, err := f.alpha.deliver(f.alpha.user(2), typ, p)
	requireCode(t, xfer.CodeClientFrozen, err)
	require.ErrorIs(t, err, xfer.ErrClientFrozen)

	// Governance lifts the freeze: the same ack lands.
	require.NoError(t, xfer.Unfreeze(f.alpha.ctx(), "beta"))
	f.alpha.mustDeliver(f.alpha.user(2), typ, p)
	require.Equal(t, xfer.TaskRefunded, task(t, f.alpha, "beta", 2).Status)
}

func TestAckSkipsUnknownAndResolvedTasks(t *testing.T) {
	t.Parallel()
	f := newAckFixture(t)
	a := f.ack(1)
	typ, p := xfer.NewAck(a.Dst, a.Header, a.Receipts)
	evs := f.alpha.mustDeliver(f.alpha.user(2), typ, p)
	require.Contains(t, eventTypes(evs), xfer.EventAck)

	// Ack 1 again with 2: only 2 resolves, paid to the second relayer.
	a = f.ack(1, 2)
	typ, p = xfer.NewAck(a.Dst, a.Header, a.Receipts)
	evs = f.alpha.mustDeliver(f.alpha.user(1), typ, p)
	var acked []string
	for _, e := range evs {
		if e.Type == xfer.EventAck {
			acked = append(acked, e.Attr(xfer.AttrSeq))
			require.Equal(t, string(app.AddressKey(f.alpha.user(1))), e.Attr(xfer.AttrRelayer))
		}
	}
	require.Equal(t, []string{"2"}, acked)
	require.Equal(t, xfer.TaskFinished, task(t, f.alpha, "beta", 1).Status)
	require.Equal(t, xfer.TaskRefunded, task(t, f.alpha, "beta", 2).Status)
}
