package xfertest_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/node/xfer/xfertest"
)

// Tests in this file pin two fixes to node/xfer that the property tests
// found; each says what it expects and why.

// TestReceiverIsAnEscrowAccount: a packet whose receiver is one of the
// destination's escrow accounts must not be credited. Crediting it parks
// money in an escrow that backs no voucher: the sender's funds are lost for
// good and the route's conservation equation (escrow = vouchers + in
// flight, DESIGN §3.4) no longer holds. The destination should refuse such a
// receiver with a failed receipt, so the sender is refunded.
func TestReceiverIsAnEscrowAccount(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		receiver func() attest.Address
		voucher  bool // send alpha/USD home from beta instead of USD from alpha
	}{
		{"voucher minted into beta's escrow for gamma", func() attest.Address { return xfer.EscrowAddress(gamma) }, false},
		{"USD released into alpha's own escrow for beta", func() attest.Address { return xfer.EscrowAddress(beta) }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := newNet(t, nil, alpha, beta, gamma)
			a, b := n.Chain(alpha), n.Chain(beta)
			relay := xfertest.NewRelay(n)
			src, dst, denom := a, b, usd
			if tc.voucher {
				send(t, a, 0, transferTo(b, 1, usd, 100))
				commit(t, a)
				settle(t, relay)
				src, dst, denom = b, a, "alpha/USD"
			}
			tr := transferTo(dst, 0, denom, 50)
			tr.Receiver = tc.receiver()
			send(t, src, 1, tr)
			commit(t, src)
			settle(t, relay)
			seq, err := xfer.NextSequence(src.State(), dst.ID)
			require.NoError(t, err)
			require.Equal(t, xfer.TaskRefunded, task(t, src, dst.ID, seq-1).Status,
				"a module account on %s was credited", dst.ID)
			require.NoError(t, xfertest.CheckConservation(n))
		})
	}
}

// TestHeightOnlyDeadlineIsBounded: DESIGN §3.2 bounds every transfer's
// timeout by the chain's maximum (default 24 h) so that a packet stuck on a
// halted or frozen route is refunded in bounded time. A transfer that names
// only a height deadline (even 2^64-1) gets the time deadline block time +
// maximum, so it still times out within the bound.
func TestHeightOnlyDeadlineIsBounded(t *testing.T) {
	t.Parallel()
	n := newNet(t, nil, alpha, beta)
	a, b := n.Chain(alpha), n.Chain(beta)
	tr := transferTo(b, 1, usd, 100)
	tr.TimeoutHeight, tr.TimeoutTimeMs = math.MaxUint64, 0
	h := send(t, a, 0, tr)
	commit(t, a)
	r, ok := a.Receipt(h)
	require.True(t, ok)
	require.Equal(t, app.CodeOK, r.Code, r.Log)
	tk := task(t, a, b.ID, 1)
	maxMs := a.Genesis.Params.MaxTransferTimeoutMs
	require.NotZero(t, tk.Packet.TimeoutTimeMs, "the packet must carry a time deadline")
	hdr, err := a.Header(tk.CreatedHeight)
	require.NoError(t, err)
	require.Equal(t, hdr.Header.TimeMs+maxMs, tk.Packet.TimeoutTimeMs, "deadline = block time + maximum transfer timeout")
}
