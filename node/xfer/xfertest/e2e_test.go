package xfertest_test

import (
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/node/xfer/xfertest"
)

// hop is one transfer carried to completion by an honest relay.
type hop struct {
	src, dst string
	from, to int
	denom    string
	amount   uint64
	fee      uint64
	// late is how many blocks the destination commits before the relay
	// delivers; with late > 0 the deadline is 2 blocks away (byTime: 2 block
	// steps of time), so the packet arrives after it.
	late   uint64
	byTime bool
	want   xfer.TaskStatus
	code   app.Code // the failed receipt's code
}

// holding is an expected balance: user's (or, with escrowFor, the escrow
// for that peer's) balance of denom on chain.
type holding struct {
	chain     string
	user      int
	escrowFor string
	denom     string
	amount    uint64
}

// TestEndToEnd carries transfers between in-memory chains with an honest
// relay and checks each task's outcome, the balances it leaves and, after
// every hop, the invariants.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	const start = startBalance
	cases := []struct {
		name string
		hops []hop
		want []holding
	}{
		{
			name: "alpha to beta finishes with the voucher on beta",
			hops: []hop{{src: alpha, dst: beta, from: 0, to: 1, denom: usd, amount: 100, want: xfer.TaskFinished}},
			want: []holding{
				{chain: beta, user: 1, denom: "alpha/USD", amount: 100},
				{chain: alpha, user: 0, denom: usd, amount: start - 100},
				{chain: alpha, escrowFor: beta, denom: usd, amount: 100},
			},
		},
		{
			name: "voucher sent back finishes with USD released from escrow",
			hops: []hop{
				{src: alpha, dst: beta, from: 0, to: 1, denom: usd, amount: 100, want: xfer.TaskFinished},
				{src: beta, dst: alpha, from: 1, to: 2, denom: "alpha/USD", amount: 60, want: xfer.TaskFinished},
			},
			want: []holding{
				{chain: beta, user: 1, denom: "alpha/USD", amount: 40},
				{chain: alpha, user: 2, denom: usd, amount: start + 60},
				{chain: alpha, escrowFor: beta, denom: usd, amount: 40},
				{chain: beta, user: 2, denom: "beta/alpha/USD", amount: 0},
			},
		},
		{
			name: "relay fee goes to the relayer that lands the ack",
			hops: []hop{{src: alpha, dst: beta, from: 0, to: 1, denom: eur, amount: 500, fee: 7, want: xfer.TaskFinished}},
			want: []holding{
				{chain: alpha, user: 0, denom: eur, amount: start - 507},
				{chain: beta, user: 1, denom: "alpha/EUR", amount: 500},
				{chain: alpha, escrowFor: beta, denom: eur, amount: 500},
			},
		},
		{
			name: "blocked receiver is refunded",
			hops: []hop{{src: alpha, dst: beta, from: 0, to: blockedUser, denom: usd, amount: 100, want: xfer.TaskRefunded, code: xfer.CodeReceiverBlocked}},
			want: []holding{
				{chain: alpha, user: 0, denom: usd, amount: start},
				{chain: beta, user: blockedUser, denom: "alpha/USD", amount: 0},
				{chain: alpha, escrowFor: beta, denom: usd, amount: 0},
			},
		},
		{
			name: "over the route limit is refunded",
			hops: []hop{{src: alpha, dst: beta, from: 0, to: 1, denom: usd, amount: packetCap + 1, want: xfer.TaskRefunded, code: xfer.CodeOverPacketLimit}},
			want: []holding{
				{chain: alpha, user: 0, denom: usd, amount: start},
				{chain: beta, user: 1, denom: "alpha/USD", amount: 0},
			},
		},
		{
			name: "at the route limit finishes",
			hops: []hop{{src: alpha, dst: beta, from: 0, to: 1, denom: usd, amount: packetCap, want: xfer.TaskFinished}},
			want: []holding{{chain: beta, user: 1, denom: "alpha/USD", amount: packetCap}},
		},
		{
			name: "delivered after its height deadline is refunded",
			hops: []hop{{src: alpha, dst: beta, from: 0, to: 1, denom: usd, amount: 100, late: 3, want: xfer.TaskRefunded}},
			want: []holding{
				{chain: alpha, user: 0, denom: usd, amount: start},
				{chain: beta, user: 1, denom: "alpha/USD", amount: 0},
			},
		},
		{
			name: "delivered after its time deadline is refunded",
			hops: []hop{{src: alpha, dst: beta, from: 0, to: 1, denom: usd, amount: 100, late: 3, byTime: true, want: xfer.TaskRefunded}},
			want: []holding{{chain: alpha, user: 0, denom: usd, amount: start}},
		},
		{
			name: "voucher going home refused on arrival is minted back",
			hops: []hop{
				{src: alpha, dst: beta, from: 0, to: 1, denom: usd, amount: 100, want: xfer.TaskFinished},
				{src: beta, dst: alpha, from: 1, to: blockedUser, denom: "alpha/USD", amount: 30, want: xfer.TaskRefunded, code: xfer.CodeReceiverBlocked},
			},
			want: []holding{
				{chain: beta, user: 1, denom: "alpha/USD", amount: 100},
				{chain: alpha, escrowFor: beta, denom: usd, amount: 100},
			},
		},
		{
			name: "multi-hop alpha to beta to gamma and back",
			hops: []hop{
				{src: alpha, dst: beta, from: 0, to: 1, denom: usd, amount: 1000, want: xfer.TaskFinished},
				{src: beta, dst: gamma, from: 1, to: 2, denom: "alpha/USD", amount: 400, want: xfer.TaskFinished},
				{src: gamma, dst: beta, from: 2, to: 0, denom: "beta/alpha/USD", amount: 150, want: xfer.TaskFinished},
				{src: beta, dst: alpha, from: 0, to: 2, denom: "alpha/USD", amount: 150, want: xfer.TaskFinished},
			},
			want: []holding{
				{chain: gamma, user: 2, denom: "beta/alpha/USD", amount: 250},
				{chain: beta, escrowFor: gamma, denom: "alpha/USD", amount: 250},
				{chain: beta, user: 1, denom: "alpha/USD", amount: 600},
				{chain: beta, user: 0, denom: "alpha/USD", amount: 0},
				{chain: alpha, user: 2, denom: usd, amount: start + 150},
				{chain: alpha, escrowFor: beta, denom: usd, amount: 850},
			},
		},
		{
			name: "a chain's own USD and a peer's USD stay apart",
			hops: []hop{
				{src: alpha, dst: beta, from: 0, to: 1, denom: usd, amount: 10, want: xfer.TaskFinished},
				{src: beta, dst: alpha, from: 1, to: 0, denom: usd, amount: 20, want: xfer.TaskFinished},
			},
			want: []holding{
				{chain: beta, user: 1, denom: usd, amount: start - 20},
				{chain: beta, user: 1, denom: "alpha/USD", amount: 10},
				{chain: alpha, user: 0, denom: "beta/USD", amount: 20},
				{chain: alpha, user: 0, denom: usd, amount: start - 10},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := newNet(t, nil, alpha, beta, gamma)
			audit, err := xfertest.NewAuditor(n)
			require.NoError(t, err)
			relay := xfertest.NewRelay(n)
			for i, h := range tc.hops {
				runHop(t, n, relay, h)
				require.NoError(t, audit.Check(), "after hop %d", i)
			}
			for _, w := range tc.want {
				c := n.Chain(w.chain)
				addr := xfertest.User(w.user).Address
				if w.escrowFor != "" {
					addr = xfer.EscrowAddress(w.escrowFor)
				}
				require.Equal(t, uint256.NewInt(w.amount).Dec(), balance(t, c, addr, w.denom).Dec(), "%+v", w)
			}
		})
	}
}

// runHop sends h, lets the destination run late blocks ahead, relays until
// quiet and checks the task's outcome and the relayer's fee.
func runHop(t *testing.T, n *xfertest.Network, relay *xfertest.Relay, h hop) {
	t.Helper()
	src, dst := n.Chain(h.src), n.Chain(h.dst)
	tr := transferTo(dst, h.to, h.denom, h.amount)
	tr.RelayFee = uint256.NewInt(h.fee)
	if h.late > 0 {
		tr.TimeoutHeight = dst.Height() + 2
		if h.byTime {
			tr.TimeoutHeight, tr.TimeoutTimeMs = 0, dst.TimeMs()+2*dst.TimeStepMs
		}
	}
	seq, err := xfer.NextSequence(src.State(), h.dst)
	require.NoError(t, err)
	feesBefore := balance(t, src, xfertest.Relayer().Address, h.denom)
	tx := send(t, src, h.from, tr)
	commit(t, src)
	requireTx(t, src, tx, app.CodeOK)
	for range h.late {
		commit(t, dst)
	}
	settle(t, relay)

	got := task(t, src, h.dst, seq)
	require.Equal(t, h.want, got.Status, "task %s→%s #%d", h.src, h.dst, seq)
	r, err := xfer.GetReceipt(dst.State(), h.src, seq)
	require.NoError(t, err)
	wantReceipt := attest.ReceiptOK
	switch {
	case h.late > 0:
		wantReceipt = attest.ReceiptTimeout
	case h.want == xfer.TaskRefunded:
		wantReceipt = attest.ReceiptFailed
	}
	require.Equal(t, wantReceipt, r.Status)
	require.Equal(t, uint32(h.code), r.Code)
	require.Equal(t, r.Status, got.ReceiptStatus)
	fees := balance(t, src, xfertest.Relayer().Address, h.denom)
	require.Equal(t, feesBefore.Uint64()+h.fee, fees.Uint64(), "relay fee paid once, to the relayer")
	commitment, err := src.State().Get(attest.PacketKey(h.dst, seq))
	require.NoError(t, err)
	require.Nil(t, commitment, "the ack removes the commitment")
}

// TestCheckConservationFindsUnbackedEscrow: the checker is not vacuous. An
// escrow funded at genesis backs no voucher and nothing in flight.
func TestCheckConservationFindsUnbackedEscrow(t *testing.T) {
	t.Parallel()
	n := newNet(t, func(s *xfertest.ChainSpec) {
		if s.ID != alpha {
			return
		}
		s.Edit = func(g *chains.Genesis) {
			g.Accounts = append(g.Accounts, chains.GenesisAccount{Address: xfer.EscrowAddress(beta), Balances: []chains.Coin{{Denom: usd, Amount: "5"}}})
		}
	}, alpha, beta)
	err := xfertest.CheckConservation(n)
	require.ErrorIs(t, err, xfertest.ErrInvariant)
	require.ErrorContains(t, err, `alpha escrow for beta in "USD" is 5, vouchers 0 + in flight 0 = 0`)
}

// windowPacket is a packet's amount and the receipt code it must get.
type windowPacket struct {
	amount uint64
	code   app.Code
}

// TestRouteRateLimit: beta admits at most 1,000 EUR from alpha per 10 s
// window of its block time. Packets of one batch are judged in order
// against what the window already took; a new window starts afresh.
func TestRouteRateLimit(t *testing.T) {
	t.Parallel()
	const windowMs, windowAmount = 10_000, 1000
	limited := xfer.CodeRateLimited
	cases := []struct {
		name    string
		windows [][]windowPacket
	}{
		{"fills one window exactly", [][]windowPacket{{{600, 0}, {600, limited}, {400, 0}, {1, limited}}}},
		{"next window starts afresh", [][]windowPacket{{{1000, 0}}, {{1000, 0}}, {{1001, limited}, {999, 0}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := newNet(t, func(s *xfertest.ChainSpec) {
				if s.ID == beta {
					s.Routes = append(s.Routes, chains.RouteParams{Chain: alpha, Limits: []chains.DenomLimit{
						{Denom: eur, WindowAmount: uint256.NewInt(windowAmount).Dec(), WindowMs: windowMs},
					}})
					s.Routes = s.Routes[len(s.Routes)-1:]
				}
			}, alpha, beta)
			a, b := n.Chain(alpha), n.Chain(beta)
			relay := xfertest.NewRelay(n)
			for w, packets := range tc.windows {
				for b.NextTimeMs()%windowMs > windowMs/2 { // leave room for the whole exchange in one window
					commit(t, b)
				}
				first, err := xfer.NextSequence(a.State(), beta)
				require.NoError(t, err)
				for _, p := range packets {
					send(t, a, 0, transferTo(b, 1, eur, p.amount))
				}
				commit(t, a)
				settle(t, relay)
				for i, p := range packets {
					r, err := xfer.GetReceipt(b.State(), alpha, first+uint64(i))
					require.NoError(t, err)
					require.Equal(t, uint32(p.code), r.Code, "window %d packet %d (%d EUR)", w, i, p.amount)
				}
				for b.NextTimeMs()%windowMs != 0 {
					commit(t, b)
				}
			}
		})
	}
}
