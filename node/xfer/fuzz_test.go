package xfer_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/rlp"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/xfer"
)

// fuzzSeeds are valid payloads of every method against the fuzz fixture.
type fuzzSeeds struct {
	alpha, beta *testChain
	payloads    map[string][]byte // by method
}

// newFuzzFixture: alpha sent packets 1 (ok) and 2 to beta, beta received
// both under alpha's header and committed; alpha has not acked.
func newFuzzFixture(tb testing.TB) *fuzzSeeds {
	tb.Helper()
	alpha, beta := newPair(tb, chainOpts{}, chainOpts{})
	alpha.send(0, usd("beta", beta.user(1), 10))
	tr := usd("beta", beta.user(1), 20)
	tr.RelayFee = u(1)
	alpha.send(1, tr)
	alpha.send(0, usd("beta", beta.user(1), 30))
	h := alpha.commit(nil)
	_, recvP := xfer.NewRecv("alpha", *h, alpha.packetProofs(h.Header.Height, "beta", 1, 2))
	beta.mustDeliver(beta.user(2), xfer.TypeRecv, recvP)
	bh := beta.commit(nil)
	_, ackP := xfer.NewAck("beta", *bh, beta.receiptProofs(bh.Header.Height, "alpha", 1, 2))
	_, pendingP := xfer.NewRecv("alpha", *h, alpha.packetProofs(h.Header.Height, "beta", 3))
	_, transferP := xfer.NewTransfer(usd("beta", beta.user(0), 5))
	_, misP := xfer.NewSubmitMisbehaviour("beta", *conflict(tb, beta, beta.height+1))
	v1 := newValSet(tb, "fuzz-v1", testVals)
	handoff := beta.commit(v1)
	_, updateP := xfer.NewUpdateClient("beta", *handoff, v1.set.Validators)
	return &fuzzSeeds{alpha: alpha, beta: beta, payloads: map[string][]byte{
		xfer.MethodTransfer:     transferP,
		xfer.MethodRecv:         recvP,
		xfer.MethodAck:          ackP,
		xfer.MethodUpdateClient: updateP,
		xfer.MethodMisbehaviour: misP,
		"recv_pending":          pendingP,
	}}
}

var fuzzMethods = []string{xfer.MethodTransfer, xfer.MethodRecv, xfer.MethodAck, xfer.MethodUpdateClient, xfer.MethodMisbehaviour}

// FuzzDeliver feeds arbitrary payloads to every method on both chains of the
// fixture. Nothing may panic, every error must be coded (an uncoded one
// would halt the node), Check may not accept what Deliver rejects for a
// reason other than block time, and a rejection must leave state untouched.
func FuzzDeliver(f *testing.F) {
	fx := newFuzzFixture(f)
	for i, m := range fuzzMethods {
		f.Add(uint8(i), fx.payloads[m])
	}
	f.Add(uint8(1), fx.payloads["recv_pending"])
	f.Add(uint8(2), []byte{0xc0})
	f.Fuzz(func(t *testing.T, which uint8, payload []byte) {
		method := fuzzMethods[int(which)%len(fuzzMethods)]
		for _, c := range []*testChain{fx.alpha, fx.beta} {
			fuzzOne(t, c, method, payload)
		}
	})
}

func fuzzOne(t *testing.T, c *testChain, method string, payload []byte) {
	st := c.st.Clone()
	info := app.BlockInfo{ChainID: c.id(), Genesis: c.gen.Hash(), Height: c.height, TimeMs: c.timeMs}
	sender := c.user(2)
	checkErr := c.mod.Check(&app.Context{BlockInfo: info, State: app.ReadOnly(st)}, sender, method, payload)
	require.True(t, checkErr == nil || app.IsRejection(checkErr), "check %s: uncoded %v", method, checkErr)
	before := st.Dump()
	snap := st.Snapshot()
	err := c.mod.Deliver(&app.Context{BlockInfo: info, State: st}, sender, method, payload)
	if err == nil {
		return
	}
	require.True(t, app.IsRejection(err), "deliver %s: uncoded %v", method, err)
	st.RevertToSnapshot(snap)
	require.Equal(t, before, st.Dump())
	if checkErr != nil {
		require.Equal(t, app.CodeOf(checkErr), app.CodeOf(err))
	}
}

// The decoders must round-trip whatever they accept.

func FuzzDecodeTransfer(f *testing.F) {
	_, p := xfer.NewTransfer(usd("beta", attest.Address{1}, 5))
	f.Add(p)
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := xfer.DecodeTransfer(b)
		if err != nil {
			require.Equal(t, app.CodeMalformed, app.CodeOf(err))
			return
		}
		_, again := xfer.NewTransfer(*v)
		w, err := xfer.DecodeTransfer(again)
		require.NoError(t, err)
		require.Equal(t, v, w)
	})
}

func FuzzDecodeRecv(f *testing.F) {
	fx := newFuzzFixture(f)
	f.Add(fx.payloads[xfer.MethodRecv])
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := xfer.DecodeRecv(b)
		if err != nil {
			require.True(t, app.IsRejection(err))
			return
		}
		_, again := xfer.NewRecv(v.Src, v.Header, v.Packets)
		requireSameRLP(t, v, again, func(b []byte) (any, error) { return xfer.DecodeRecv(b) })
	})
}

func FuzzDecodeAck(f *testing.F) {
	fx := newFuzzFixture(f)
	f.Add(fx.payloads[xfer.MethodAck])
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := xfer.DecodeAck(b)
		if err != nil {
			require.True(t, app.IsRejection(err))
			return
		}
		_, again := xfer.NewAck(v.Dst, v.Header, v.Receipts)
		requireSameRLP(t, v, again, func(b []byte) (any, error) { return xfer.DecodeAck(b) })
	})
}

func FuzzDecodeUpdateClient(f *testing.F) {
	fx := newFuzzFixture(f)
	f.Add(fx.payloads[xfer.MethodUpdateClient])
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := xfer.DecodeUpdateClient(b)
		if err != nil {
			require.Equal(t, app.CodeMalformed, app.CodeOf(err))
			return
		}
		_, again := xfer.NewUpdateClient(v.Chain, v.Header, v.NextValidators)
		requireSameRLP(t, v, again, func(b []byte) (any, error) { return xfer.DecodeUpdateClient(b) })
	})
}

func FuzzDecodeSubmitMisbehaviour(f *testing.F) {
	fx := newFuzzFixture(f)
	f.Add(fx.payloads[xfer.MethodMisbehaviour])
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := xfer.DecodeSubmitMisbehaviour(b)
		if err != nil {
			require.Equal(t, app.CodeMalformed, app.CodeOf(err))
			return
		}
		_, again := xfer.NewSubmitMisbehaviour(v.Chain, v.Misbehaviour)
		requireSameRLP(t, v, again, func(b []byte) (any, error) { return xfer.DecodeSubmitMisbehaviour(b) })
	})
}

// requireSameRLP decodes the re-encoding of v and requires the same
// canonical encoding (RLP cannot tell nil from empty slices, so encodings
// are compared rather than structs).
func requireSameRLP(t *testing.T, v any, again []byte, dec func([]byte) (any, error)) {
	t.Helper()
	w, err := dec(again)
	require.NoError(t, err)
	a, err := rlp.EncodeToBytes(v)
	require.NoError(t, err)
	b, err := rlp.EncodeToBytes(w)
	require.NoError(t, err)
	require.Equal(t, a, b)
}
