package xfer_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/xfer"
)

// recvFixture is alpha with two packets to beta committed under header h,
// and a third committed only under the next header.
type recvFixture struct {
	alpha, beta, gamma *testChain
	h, next            attest.CertifiedHeader
}

func newRecvFixture(t *testing.T) *recvFixture {
	t.Helper()
	cs := newChains(t, map[string]chainOpts{}, "alpha", "beta", "gamma")
	f := &recvFixture{alpha: cs[0], beta: cs[1], gamma: cs[2]}
	f.alpha.send(0, usd("beta", f.beta.user(1), 10))
	f.alpha.send(0, usd("beta", f.beta.user(1), 20))
	f.alpha.send(0, usd("gamma", f.gamma.user(1), 30))
	f.h = *f.alpha.commit(nil)
	f.alpha.send(0, usd("beta", f.beta.user(1), 40))
	f.next = *f.alpha.commit(nil)
	return f
}

func TestRecvAttacksFailAndChangeNothing(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		build func(f *recvFixture) (to *testChain, r xfer.Recv)
		code  app.Code
	}{
		{"unknown source", func(f *recvFixture) (*testChain, xfer.Recv) {
			r := f.recv(1, 2)
			r.Src = "delta"
			return f.beta, r
		}, xfer.CodeUnknownChain},
		{"qc signed by non-validators", func(f *recvFixture) (*testChain, xfer.Recv) {
			r := f.recv(1, 2)
			impostors := newValSet(t, "impostors", testVals)
			forged := certifyWith(t, f.alpha.gen.Hash(), f.alpha.vals, impostors.keys, r.Header.Header, nil)
			forged.QC.Signers = r.Header.QC.Signers
			for i := range impostors.keys {
				v := &attest.Vote{Type: attest.Precommit, Height: r.Header.Header.Height, BlockHash: r.Header.Header.Hash()}
				require.NoError(t, attest.SignVote(f.alpha.gen.Hash(), v, impostors.keys[i]))
				forged.QC.Sigs = append(forged.QC.Sigs, v.Sig)
			}
			r.Header = *forged
			return f.beta, r
		}, app.Code(attest.CodeBadSignature)},
		{"qc of too little power", func(f *recvFixture) (*testChain, xfer.Recv) {
			r := f.recv(1, 2)
			r.Header = *f.alpha.certifyAt(r.Header.Header, []int{0, 1})
			return f.beta, r
		}, app.Code(attest.CodeInsufficientVote)},
		{"qc signed for another chain's genesis", func(f *recvFixture) (*testChain, xfer.Recv) {
			r := f.recv(1, 2)
			r.Header = *certifyWith(t, f.gamma.gen.Hash(), f.alpha.vals, f.alpha.keys, r.Header.Header, allSigners(testVals))
			return f.beta, r
		}, app.Code(attest.CodeBadSignature)},
		{"header of another chain", func(f *recvFixture) (*testChain, xfer.Recv) {
			r := f.recv(1, 2)
			r.Header = *f.gamma.commit(nil)
			return f.beta, r
		}, app.Code(attest.CodeWrongChain)},
		{"header by another validator set", func(f *recvFixture) (*testChain, xfer.Recv) {
			r := f.recv(1, 2)
			other := newValSet(t, "other", testVals)
			h := r.Header.Header
			h.ValidatorsHash, h.NextValidatorsHash = other.set.Hash(), other.set.Hash()
			r.Header = *certifyWith(t, f.alpha.gen.Hash(), other.set, other.keys, h, allSigners(testVals))
			return f.beta, r
		}, app.Code(attest.CodeWrongValidators)},
		{"qc for another block", func(f *recvFixture) (*testChain, xfer.Recv) {
			r := f.recv(1, 2)
			r.Header.QC = f.next.QC
			return f.beta, r
		}, app.Code(attest.CodeHashMismatch)},
		{"proof against another height's root", func(f *recvFixture) (*testChain, xfer.Recv) {
			r := f.recv(1, 2)
			r.Packets = append(r.Packets, f.alpha.packetProofs(f.next.Header.Height, "beta", 3)...)
			return f.beta, r
		}, app.Code(attest.CodeBadProof)},
		{"tampered amount", func(f *recvFixture) (*testChain, xfer.Recv) {
			r := f.recv(1, 2)
			r.Packets[1].Packet.Amount = u(2000)
			return f.beta, r
		}, app.Code(attest.CodeBadProof)},
		{"packet for another key", func(f *recvFixture) (*testChain, xfer.Recv) {
			r := f.recv(1, 2)
			r.Packets[1].Proof = r.Packets[0].Proof
			return f.beta, r
		}, app.Code(attest.CodeBadProof)},
		{"packet replayed to another chain", func(f *recvFixture) (*testChain, xfer.Recv) {
			return f.gamma, f.recv(1, 2)
		}, xfer.CodeWrongRoute},
		{"packet of another route in the batch", func(f *recvFixture) (*testChain, xfer.Recv) {
			r := f.recv(1, 2)
			r.Packets = append(r.Packets, f.alpha.packetProofs(f.h.Header.Height, "gamma", 1)...)
			return f.beta, r
		}, xfer.CodeWrongRoute},
		{"packet relabelled to this route", func(f *recvFixture) (*testChain, xfer.Recv) {
			r := f.recv(1)
			g := f.alpha.packetProofs(f.h.Header.Height, "gamma", 1)[0]
			g.Packet.Dst = "beta"
			r.Packets = append(r.Packets, g)
			return f.beta, r
		}, app.Code(attest.CodeBadProof)},
		{"empty batch", func(f *recvFixture) (*testChain, xfer.Recv) {
			r := f.recv()
			return f.beta, r
		}, xfer.CodeEmptyBatch},
		{"batch too large", func(f *recvFixture) (*testChain, xfer.Recv) {
			r := f.recv(1)
			for len(r.Packets) <= xfer.MaxBatch {
				r.Packets = append(r.Packets, r.Packets[0])
			}
			return f.beta, r
		}, xfer.CodeBatchTooLarge},
		{"header below every trusted set", func(f *recvFixture) (*testChain, xfer.Recv) {
			r := f.recv(1)
			h := r.Header.Header
			h.Height = 0
			r.Header = *f.alpha.certifyAt(h, allSigners(testVals))
			return f.beta, r
		}, xfer.CodeNoTrustedSet},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newRecvFixture(t)
			to, r := tc.build(f)
			typ, p := xfer.NewRecv(r.Src, r.Header, r.Packets)
			if tc.code == xfer.CodeEmptyBatch || tc.code == xfer.CodeBatchTooLarge {
				_, err := xfer.DecodeRecv(p)
				requireCode(t, tc.code, err)
			}
			_, err := to.deliver(to.user(2), typ, p) // deliver checks that nothing changed
			requireCode(t, tc.code, err)
			_, err = xfer.GetReceipt(to.st, "alpha", 1)
			require.ErrorIs(t, err, xfer.ErrNotFound)
		})
	}
}

func (f *recvFixture) recv(seqs ...uint64) xfer.Recv {
	return xfer.Recv{Src: "alpha", Header: f.h, Packets: f.alpha.packetProofs(f.h.Header.Height, "beta", seqs...)}
}

// certifyAt signs h with the chain's current validators at the given indexes.
func (c *testChain) certifyAt(h attest.Header, signers []int) *attest.CertifiedHeader {
	return c.certify(h, signers)
}

func TestRecvVerifiesEachHeaderOnce(t *testing.T) {
	t.Parallel()
	f := newRecvFixture(t)
	typ, p := xfer.NewRecv("alpha", f.h, f.alpha.packetProofs(f.h.Header.Height, "beta", 1))
	f.beta.mustDeliver(f.beta.user(2), typ, p)
	vh, err := xfer.GetVerifiedHeader(f.beta.st, "alpha", f.h.Header.Height)
	require.NoError(t, err)
	require.Equal(t, f.h.Header.Hash(), vh.Hash)
	require.Equal(t, f.h.Header.StateRoot, vh.StateRoot)
	c, err := xfer.GetClient(f.beta.st, "alpha")
	require.NoError(t, err)
	require.Equal(t, f.h.Header.Height, c.LatestHeight)

	// The same header again with its QC stripped: remembered, so accepted
	// without a QC check.
	stripped := f.h
	stripped.QC = attest.QC{}
	typ, p = xfer.NewRecv("alpha", stripped, f.alpha.packetProofs(f.h.Header.Height, "beta", 2))
	f.beta.mustDeliver(f.beta.user(2), typ, p)
	require.Equal(t, u(30), balance(t, f.beta, f.beta.user(1), "alpha/USD"))
}

func TestConflictingHeaderFreezesClient(t *testing.T) {
	t.Parallel()
	f := newRecvFixture(t)
	typ, p := xfer.NewRecv("alpha", f.h, f.alpha.packetProofs(f.h.Header.Height, "beta", 1))
	f.beta.mustDeliver(f.beta.user(2), typ, p)

	fork := f.h.Header
	fork.StateRoot = attest.Keccak([]byte("fork"))
	forged := certifyWith(t, f.alpha.gen.Hash(), f.alpha.vals, f.alpha.keys, fork, allSigners(testVals))
	typ, p = xfer.NewRecv("alpha", *forged, f.alpha.packetProofs(f.h.Header.Height, "beta", 2))
	evs := f.beta.mustDeliver(f.beta.user(2), typ, p)
	require.Equal(t, []string{xfer.EventClientFrozen}, eventTypes(evs))
	require.Equal(t, xfer.ReasonConflictingHead, evs[0].Attr(xfer.AttrReason))
	_, err := xfer.GetReceipt(f.beta.st, "alpha", 2)
	require.ErrorIs(t, err, xfer.ErrNotFound, "the conflicting header credits nothing")

	c, err := xfer.GetClient(f.beta.st, "alpha")
	require.NoError(t, err)
	require.True(t, c.Frozen)
	require.Equal(t, f.h.Header.Height, c.FrozenHeight)
	typ, p = xfer.NewRecv("alpha", f.h, f.alpha.packetProofs(f.h.Header.Height, "beta", 2))
	_, err = f.beta.deliver(f.beta.user(2), typ, p)
	requireCode(t, xfer.CodeClientFrozen, err)
}

func TestRecvRateLimitWindow(t *testing.T) {
	t.Parallel()
	const window = 10 * testBlockMs
	alpha, beta := newPair(t, chainOpts{}, chainOpts{tweak: func(g *chains.Genesis) {
		g.Xfer.Routes = []chains.RouteParams{{Chain: "alpha", Limits: []chains.DenomLimit{
			{Denom: "USD", MaxPerPacket: "60", WindowAmount: "100", WindowMs: window},
		}}}
	}})
	to := beta.user(1)
	for _, n := range []uint64{60, 40, 1, 60} {
		alpha.send(0, usd("beta", to, n))
	}
	beta.timeMs = testGenesisMs + 3*window // mid-window start
	relay(t, alpha, beta, 1, 2, 3)
	wantStatus := []uint8{attest.ReceiptOK, attest.ReceiptOK, attest.ReceiptFailed}
	for i, st := range wantStatus {
		require.Equal(t, st, receipt(t, beta, "alpha", uint64(i+1)).Status, "seq %d", i+1)
	}
	require.Equal(t, uint32(xfer.CodeRateLimited), receipt(t, beta, "alpha", 3).Code)
	route, err := xfer.GetRoute(beta.st, "alpha")
	require.NoError(t, err)
	require.Equal(t, u(100), route.Limits[0].WindowUsed)
	require.Equal(t, testGenesisMs+3*window-(testGenesisMs+3*window)%window, route.Limits[0].WindowStartMs)

	beta.timeMs += window // next window
	relay(t, alpha, beta, 4)
	require.Equal(t, attest.ReceiptOK, receipt(t, beta, "alpha", 4).Status)
	route, err = xfer.GetRoute(beta.st, "alpha")
	require.NoError(t, err)
	require.Equal(t, u(60), route.Limits[0].WindowUsed)
	require.Equal(t, u(160), balance(t, beta, to, "alpha/USD"))
}

func TestRecvCheckOrder(t *testing.T) {
	t.Parallel()
	// A blocked receiver of an expired, oversized packet gets a timeout: the
	// deadline is checked first, then the receiver, then the limits.
	blocked := newTestnet(t, "beta", testVals).Accounts[1].Address
	alpha, beta := newPair(t, chainOpts{}, chainOpts{tweak: func(g *chains.Genesis) {
		g.Xfer.Blocked = []attest.Address{blocked}
		g.Xfer.Routes = []chains.RouteParams{{Chain: "alpha", Limits: []chains.DenomLimit{{Denom: "USD", MaxPerPacket: "5"}}}}
	}})
	expired := usd("beta", blocked, 10)
	expired.TimeoutHeight = 2
	alpha.send(0, expired)
	alpha.send(0, usd("beta", blocked, 10))
	alpha.send(0, usd("beta", beta.user(0), 10))
	alpha.send(0, usd("beta", beta.user(0), 5))
	beta.height = 2
	evs := relay(t, alpha, beta, 1, 2, 3, 4)
	want := []struct {
		status uint8
		code   app.Code
	}{
		{attest.ReceiptTimeout, 0},
		{attest.ReceiptFailed, xfer.CodeReceiverBlocked},
		{attest.ReceiptFailed, xfer.CodeOverPacketLimit},
		{attest.ReceiptOK, 0},
	}
	for i, w := range want {
		r := receipt(t, beta, "alpha", uint64(i+1))
		require.Equal(t, w.status, r.Status, "seq %d", i+1)
		require.Equal(t, uint32(w.code), r.Code, "seq %d", i+1)
	}
	var recvs []string
	for _, e := range evs {
		if e.Type == xfer.EventRecv {
			recvs = append(recvs, e.Attr(xfer.AttrStatus)+"/"+e.Attr(xfer.AttrCode))
		}
	}
	require.Equal(t, []string{"timeout/0", "failed/305", "failed/306", "ok/0"}, recvs)
}
