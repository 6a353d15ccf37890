package localnet

import (
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/xfer"
)

// limitBeta blocks one receiver on beta and caps USD packets from alpha.
func limitBeta(g *chains.Genesis) {
	g.Xfer.Blocked = []attest.Address{blockedOnBeta}
	g.Xfer.Routes = []chains.RouteParams{{Chain: "alpha", Limits: []chains.DenomLimit{{Denom: "USD",
		MaxPerPacket: uint256.NewInt(maxUSDPerPacket).Dec(), WindowAmount: uint256.NewInt(usdWindow).Dec(), WindowMs: usdWindowMs}}}}
}

// Two chains of four validators each, linked at genesis, and a relay in
// each direction written against chains.Client. Every outcome of DESIGN
// §3.1-3.2 in turn, on the same pair of chains; conservation holds after
// each, and in flight.
func TestTwoChainTransfers(t *testing.T) {
	t.Parallel()
	nets := startLinked(t, []string{"alpha", "beta"}, map[string]func(*chains.Genesis){"beta": limitBeta})
	alpha, beta := nets[0], nets[1]
	toBeta, toAlpha := newRelay(t, alpha, beta), newRelay(t, beta, alpha)
	sender, receiver := alpha.addr(userA), beta.addr(userB)
	start := balance(t, alpha, sender, "USD")
	voucher := xfer.VoucherDenom("alpha", "USD")

	t.Run("alpha to beta finishes with the voucher on beta", func(t *testing.T) {
		relayerFees := balance(t, alpha, alpha.addr(relayer), "USD")
		s := transfer(t, alpha, beta, userA, receiver, "USD", 100, 3, 0)
		requireSendInBlockEvents(t, s)
		pending, err := alpha.c.Task(t.Context(), "beta", s.seq)
		require.NoError(t, err)
		require.Equal(t, rpc.TaskPending, pending.Status)
		requireConserved(t, alpha, beta, "USD", 100)

		task := settle(t, s, toBeta)
		require.Equal(t, rpc.TaskFinished, task.Status)
		require.Equal(t, rpc.ReceiptStatusOK, task.Receipt.Status)
		requireUint(t, 100, balance(t, beta, receiver, voucher), "voucher on beta")
		requireUint(t, 100, balance(t, alpha, xfer.EscrowAddress("beta"), "USD"), "escrow on alpha")
		fees := balance(t, alpha, alpha.addr(relayer), "USD")
		requireUint(t, 3, fees.Sub(fees, relayerFees), "relay fee paid on ack")
		r, err := beta.c.PacketReceipt(t.Context(), "alpha", s.seq)
		require.NoError(t, err)
		require.Equal(t, rpc.ReceiptStatusOK, r.Status)
		requireConserved(t, alpha, beta, "USD", 0)

		route, err := beta.c.Route(t.Context(), "alpha")
		require.NoError(t, err)
		require.True(t, route.Open)
		require.Equal(t, "100", route.Limits[0].WindowUsed)
		lc, err := beta.c.ClientState(t.Context(), "alpha")
		require.NoError(t, err)
		require.GreaterOrEqual(t, lc.LatestHeight, s.height, "beta's client of alpha verified the send's header")
		require.Equal(t, alpha.net.Genesis.Hash(), lc.GenesisHash)
		require.False(t, lc.Frozen)
		require.Len(t, lc.ValidatorSets, 1)
		require.Equal(t, mustVals(t, alpha.net).Hash(), lc.ValidatorSets[0].ValidatorsHash)
		out, err := alpha.c.Route(t.Context(), "beta")
		require.NoError(t, err)
		require.Equal(t, s.seq+1, out.NextSequence)
	})

	t.Run("voucher sent back finishes with USD released on alpha", func(t *testing.T) {
		before := balance(t, alpha, sender, "USD")
		s := transfer(t, beta, alpha, userB, sender, voucher, 40, 0, 0)
		requireUint(t, 60, supply(t, beta, voucher), "voucher burned on the way home")
		requireConserved(t, alpha, beta, "USD", 40)

		task := settle(t, s, toAlpha)
		require.Equal(t, rpc.TaskFinished, task.Status)
		after := balance(t, alpha, sender, "USD")
		requireUint(t, 40, after.Sub(after, before), "escrow released to the receiver")
		requireUint(t, 60, balance(t, beta, receiver, voucher))
		requireConserved(t, alpha, beta, "USD", 0)
	})

	for _, tc := range []struct {
		name   string
		to     attest.Address
		amount uint64
		code   uint32
	}{
		{"a blocked receiver ends refunded", blockedOnBeta, 7, uint32(xfer.CodeReceiverBlocked)},
		{"a packet over the route limit ends refunded", receiver, maxUSDPerPacket + 1, uint32(xfer.CodeOverPacketLimit)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, held := balance(t, alpha, sender, "USD"), balance(t, beta, tc.to, voucher)
			s := transfer(t, alpha, beta, userA, tc.to, "USD", tc.amount, 0, 0)
			requireConserved(t, alpha, beta, "USD", tc.amount)
			task := settle(t, s, toBeta)
			require.Equal(t, rpc.TaskRefunded, task.Status)
			require.Equal(t, rpc.ReceiptStatusFailed, task.Receipt.Status)
			require.Equal(t, tc.code, task.Receipt.Code, task.Receipt.Name)
			require.Equal(t, before.Dec(), balance(t, alpha, sender, "USD").Dec(), "sender refunded")
			require.Equal(t, held.Dec(), balance(t, beta, tc.to, voucher).Dec(), "nothing credited")
			requireConserved(t, alpha, beta, "USD", 0)
		})
	}

	t.Run("a packet delivered after its deadline ends refunded", func(t *testing.T) {
		before := balance(t, alpha, sender, "USD")
		st, err := beta.c.Status(t.Context())
		require.NoError(t, err)
		deadline := st.LatestHeight + lateBlocks
		s := transfer(t, alpha, beta, userA, receiver, "USD", 5, 0, deadline)
		// The relay holds the packet until beta is past its deadline.
		waitHeight(t, beta.net, deadline)
		task := settle(t, s, toBeta)
		require.Equal(t, rpc.TaskRefunded, task.Status)
		require.Equal(t, rpc.ReceiptStatusTimeout, task.Receipt.Status)
		require.GreaterOrEqual(t, task.Receipt.Height, deadline)
		require.Equal(t, before.Dec(), balance(t, alpha, sender, "USD").Dec(), "sender refunded")
		requireConserved(t, alpha, beta, "USD", 0)
	})

	// Overall: alpha's sender paid the 100 that stayed on beta less the 40
	// that came back, and the fee of the first transfer.
	end := balance(t, alpha, sender, "USD")
	requireUint(t, 100-40+3, start.Sub(start, end))
}

// Three chains in a line, alpha-beta-gamma: USD leaves alpha, its voucher
// travels on to gamma as beta/alpha/USD, and both hops are unwound home.
// Every task finishes and every route conserves at every stop.
func TestThreeChainMultiHop(t *testing.T) {
	t.Parallel()
	nets := startLinked(t, []string{"alpha", "beta", "gamma"}, nil)
	alpha, beta, gamma := nets[0], nets[1], nets[2]
	ab, ba := newRelay(t, alpha, beta), newRelay(t, beta, alpha)
	bg, gb := newRelay(t, beta, gamma), newRelay(t, gamma, beta)
	onAlpha, onBeta, onGamma := alpha.addr(userA), beta.addr(userB), gamma.addr(userB)
	start := balance(t, alpha, onAlpha, "USD")
	alphaUSD := xfer.VoucherDenom("alpha", "USD")
	betaAlphaUSD := xfer.VoucherDenom("beta", alphaUSD)

	hops := []struct {
		name     string
		src, dst *xchain
		user     int
		to       attest.Address
		denom    string
		amount   uint64
		relay    *relay
	}{
		{"alpha to beta", alpha, beta, userA, onBeta, "USD", 100, ab},
		{"beta to gamma", beta, gamma, userB, onGamma, alphaUSD, 60, bg},
		{"gamma home to beta", gamma, beta, userB, onBeta, betaAlphaUSD, 60, gb},
		{"beta home to alpha", beta, alpha, userB, onAlpha, alphaUSD, 100, ba},
	}
	// After each hop: voucher supplies on beta and gamma.
	wantSupply := [][2]uint64{{100, 0}, {100, 60}, {100, 0}, {0, 0}}
	for i, h := range hops {
		s := transfer(t, h.src, h.dst, h.user, h.to, h.denom, h.amount, 0, 0)
		task := settle(t, s, h.relay)
		require.Equal(t, rpc.TaskFinished, task.Status, h.name)
		requireUint(t, wantSupply[i][0], supply(t, beta, alphaUSD), "%s: alpha/USD on beta", h.name)
		requireUint(t, wantSupply[i][1], supply(t, gamma, betaAlphaUSD), "%s: beta/alpha/USD on gamma", h.name)
		requireConserved(t, alpha, beta, "USD", 0)
		requireConserved(t, beta, gamma, alphaUSD, 0)
	}
	require.Equal(t, start.Dec(), balance(t, alpha, onAlpha, "USD").Dec(), "the round trip ends where it began")
	requireUint(t, 0, balance(t, alpha, xfer.EscrowAddress("beta"), "USD"))
	requireUint(t, 0, balance(t, beta, xfer.EscrowAddress("gamma"), alphaUSD))
}

// requireSendInBlockEvents checks that the send's event is served by
// cw_getBlockEvents of its height as well as by the subscription.
func requireSendInBlockEvents(t *testing.T, s sent) {
	t.Helper()
	ev, err := s.src.c.BlockEvents(t.Context(), s.height)
	require.NoError(t, err)
	for _, r := range ev.Receipts {
		for _, e := range r.Events {
			if seq, _ := e.Attr(xfer.AttrSeq); e.Type == xfer.EventSend && seq == uintString(s.seq) {
				return
			}
		}
	}
	t.Fatalf("no xfer.send for #%d in the events of %s block %d", s.seq, s.src.id, s.height)
}

func uintString(v uint64) string { return uint256.NewInt(v).Dec() }
