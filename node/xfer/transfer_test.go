package xfer_test

import (
	"strings"
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/app/apptest"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/xfer"
)

func TestTransferRejections(t *testing.T) {
	t.Parallel()
	maxTimeout := chains.DefaultParams().MaxTransferTimeoutMs
	cases := []struct {
		name   string
		edit   func(tr *xfer.Transfer, now uint64)
		code   app.Code
		frozen bool
	}{
		{"unknown chain", func(tr *xfer.Transfer, _ uint64) { tr.Dst = "gamma" }, xfer.CodeUnknownChain, false},
		{"to itself", func(tr *xfer.Transfer, _ uint64) { tr.Dst = "alpha" }, xfer.CodeWrongRoute, false},
		{"frozen client", func(*xfer.Transfer, uint64) {}, xfer.CodeClientFrozen, true},
		{"zero amount", func(tr *xfer.Transfer, _ uint64) { tr.Amount = u(0) }, app.CodeInvalidAmount, false},
		{"invalid denom", func(tr *xfer.Transfer, _ uint64) { tr.Denom = "bad denom" }, app.CodeInvalidDenom, false},
		{"voucher name too long", func(tr *xfer.Transfer, _ uint64) { tr.Denom = strings.Repeat("D", 125) }, app.CodeInvalidDenom, false},
		{"no timeout", func(tr *xfer.Transfer, _ uint64) { tr.TimeoutHeight = 0 }, xfer.CodeBadTimeout, false},
		{"timeout time passed", func(tr *xfer.Transfer, now uint64) { tr.TimeoutTimeMs = now }, xfer.CodeBadTimeout, false},
		{"timeout too long", func(tr *xfer.Transfer, now uint64) { tr.TimeoutTimeMs = now + maxTimeout + 1 }, xfer.CodeTimeoutTooLong, false},
		{"memo too large", func(tr *xfer.Transfer, _ uint64) { tr.Memo = strings.Repeat("m", attest.MaxMemoBytes+1) }, xfer.CodeMemoTooLarge, false},
		{"amount plus fee over balance", func(tr *xfer.Transfer, _ uint64) { tr.Amount, tr.RelayFee = funds(), u(1) }, app.CodeInsufficientBalance, false},
		{"amount plus fee overflows", func(tr *xfer.Transfer, _ uint64) { tr.Amount, tr.RelayFee = new(uint256.Int).SetAllOne(), u(1) }, app.CodeOverflow, false},
		{"voucher not held", func(tr *xfer.Transfer, _ uint64) { tr.Denom = "beta/USD" }, app.CodeInsufficientBalance, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alpha, beta := newPair(t, chainOpts{}, chainOpts{})
			if tc.frozen {
				freezeClient(t, alpha, beta)
			}
			tr := usd("beta", beta.user(0), 10)
			tc.edit(&tr, alpha.timeMs)
			typ, p := xfer.NewTransfer(tr)
			_, err := alpha.deliver(alpha.user(0), typ, p)
			requireCode(t, tc.code, err)
			seq, err := xfer.NextSequence(alpha.st, "beta")
			require.NoError(t, err)
			require.Equal(t, uint64(1), seq, "a rejected transfer takes no sequence")
		})
	}
}

func TestTransferTimeoutBounds(t *testing.T) {
	t.Parallel()
	alpha, beta := newPair(t, chainOpts{}, chainOpts{})
	maxTimeout := chains.DefaultParams().MaxTransferTimeoutMs
	tr := xfer.Transfer{Dst: "beta", Receiver: beta.user(0), Denom: "USD", Amount: u(1), TimeoutTimeMs: alpha.timeMs + maxTimeout}
	require.Equal(t, uint64(1), alpha.send(0, tr), "the maximum itself is allowed")

	// Once alpha has verified beta at some height, a height deadline at or
	// below it has passed already.
	relay(t, alpha, beta, 1)
	ackBack(t, alpha, beta, alpha.user(2), 1)
	c, err := xfer.GetClient(alpha.st, "beta")
	require.NoError(t, err)
	require.Positive(t, c.LatestHeight)
	tr = usd("beta", beta.user(0), 1)
	tr.TimeoutHeight = c.LatestHeight
	typ, p := xfer.NewTransfer(tr)
	_, err = alpha.deliver(alpha.user(0), typ, p)
	requireCode(t, xfer.CodeBadTimeout, err)
	tr.TimeoutHeight++
	require.Equal(t, uint64(2), alpha.send(0, tr))
}

func TestTransferSequencesAndEvent(t *testing.T) {
	t.Parallel()
	alpha, beta := newPair(t, chainOpts{}, chainOpts{})
	for want := uint64(1); want <= 3; want++ {
		require.Equal(t, want, alpha.send(0, usd("beta", beta.user(0), want)))
	}
	tr := usd("beta", beta.user(1), 5)
	tr.RelayFee = u(1)
	tr.TimeoutTimeMs = alpha.timeMs + testTimeoutSpan
	typ, p := xfer.NewTransfer(tr)
	evs := alpha.mustDeliver(alpha.user(1), typ, p)
	ev, ok := findEvent(evs, xfer.EventSend)
	require.True(t, ok, "events %v", eventTypes(evs))
	want := map[string]string{
		xfer.AttrSrc: "alpha", xfer.AttrDst: "beta", xfer.AttrSeq: "4",
		xfer.AttrSender: string(app.AddressKey(alpha.user(1))), xfer.AttrReceiver: string(app.AddressKey(beta.user(1))),
		xfer.AttrDenom: "USD", xfer.AttrAmount: "5", xfer.AttrFee: "1",
		xfer.AttrTimeoutHeight: "1000000", xfer.AttrTimeoutTimeMs: "1700000061000",
	}
	for k, v := range want {
		require.Equal(t, v, ev.Attr(k), k)
	}
	// Sequences are per route.
	next, err := xfer.NextSequence(alpha.st, "gamma")
	require.NoError(t, err)
	require.Equal(t, uint64(1), next)
}

func TestMalformedAndUnknownMethod(t *testing.T) {
	t.Parallel()
	alpha, _ := newPair(t, chainOpts{}, chainOpts{})
	for _, typ := range []string{xfer.TypeTransfer, xfer.TypeRecv, xfer.TypeAck, xfer.TypeUpdateClient, xfer.TypeMisbehaviour} {
		_, err := alpha.deliver(alpha.user(0), typ, []byte{0xff, 0x00})
		requireCode(t, app.CodeMalformed, err)
	}
	err := alpha.mod.Deliver(alpha.ctx(), alpha.user(0), "mint", nil)
	requireCode(t, app.CodeUnknownTxType, err)
}

// TestThroughApp runs a transfer as a signed transaction through app.App, as
// the node does, and finds the module's events in the receipt.
func TestThroughApp(t *testing.T) {
	t.Parallel()
	alpha, beta := newPair(t, chainOpts{}, chainOpts{})
	a, err := app.New(alpha.gen, nil, bank.NewModule(), xfer.NewModule())
	require.NoError(t, err)
	typ, p := xfer.NewTransfer(usd("beta", beta.user(0), 7))
	raw := apptest.SignedTx(alpha.gen, apptest.Account{Key: alpha.tn.Accounts[0].Key, Address: alpha.user(0)}, 0, typ, p)
	info := app.BlockInfo{ChainID: "alpha", Genesis: alpha.gen.Hash(), Height: 1, TimeMs: alpha.timeMs}
	rs, _, err := a.ExecuteBlock(alpha.st, info, [][]byte{raw, raw}, alpha.vals)
	require.NoError(t, err)
	require.True(t, rs[0].OK(), "receipt %+v", rs[0])
	require.Contains(t, eventTypes(rs[0].Events), xfer.EventSend)
	require.Equal(t, app.CodeNonceTooLow, rs[1].Code)
	require.Equal(t, u(7), balance(t, alpha, xfer.EscrowAddress("beta"), "USD"))
}

// freezeClient freezes alpha's client of beta with two conflicting headers
// signed by beta's validators.
func freezeClient(tb testing.TB, alpha, beta *testChain) {
	tb.Helper()
	m := conflict(tb, beta, beta.height)
	typ, p := xfer.NewSubmitMisbehaviour(beta.id(), *m)
	alpha.mustDeliver(alpha.user(2), typ, p)
}

// conflict builds two different headers of c at height, both certified by
// c's current validators.
func conflict(tb testing.TB, c *testChain, height uint64) *attest.Misbehaviour {
	tb.Helper()
	h := attest.Header{ChainID: c.id(), Height: height, TimeMs: c.timeMs, ValidatorsHash: c.vals.Hash(),
		NextValidatorsHash: c.vals.Hash(), StateRoot: attest.Keccak([]byte("fork a"))}
	a := c.certify(h, allSigners(c.vals.Size()))
	h.StateRoot = attest.Keccak([]byte("fork b"))
	b := c.certify(h, allSigners(c.vals.Size()))
	return &attest.Misbehaviour{A: *a, B: *b}
}
