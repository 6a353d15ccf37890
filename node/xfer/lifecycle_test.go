package xfer_test

import (
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/xfer"
)

func TestTransferRecvAckFinishesWithVoucher(t *testing.T) {
	t.Parallel()
	alpha, beta := newPair(t, chainOpts{}, chainOpts{})
	sender, receiver, relayer := alpha.user(0), beta.user(1), alpha.user(2)
	tr := usd("beta", receiver, 100)
	tr.RelayFee = u(3)
	tr.Memo = "invoice 7"
	seq := alpha.send(0, tr)
	require.Equal(t, uint64(1), seq)

	// Block 1 on alpha: debited into escrow and fee account, commitment and pending task.
	require.Equal(t, sub(funds(), 103), balance(t, alpha, sender, "USD"))
	require.Equal(t, u(100), balance(t, alpha, xfer.EscrowAddress("beta"), "USD"))
	require.Equal(t, u(3), balance(t, alpha, xfer.FeeAddress(), "USD"))
	tk := task(t, alpha, "beta", 1)
	require.Equal(t, xfer.TaskPending, tk.Status)
	require.Equal(t, uint64(1), tk.CreatedHeight)
	require.Equal(t, "invoice 7", tk.Packet.Memo)
	commitment, err := alpha.st.Get(attest.PacketKey("beta", 1))
	require.NoError(t, err)
	require.Equal(t, attest.PacketCommitment(alpha.gen.Hash(), &tk.Packet), commitment)

	// Block 2 on beta: voucher minted, ok receipt.
	evs := relay(t, alpha, beta, seq)
	require.Equal(t, u(100), balance(t, beta, receiver, "alpha/USD"))
	require.Equal(t, attest.ReceiptOK, receipt(t, beta, "alpha", 1).Status)
	ev, ok := findEvent(evs, xfer.EventRecv)
	require.True(t, ok, "events %v", eventTypes(evs))
	require.Equal(t, xfer.StatusOK, ev.Attr(xfer.AttrStatus))
	require.Equal(t, "100", ev.Attr(xfer.AttrAmount))

	// Block 3 on alpha: finished, commitment gone, fee to the relayer, escrow stays.
	evs = ackBack(t, alpha, beta, relayer, seq)
	tk = task(t, alpha, "beta", 1)
	require.Equal(t, xfer.TaskFinished, tk.Status)
	require.Equal(t, alpha.height, tk.ResolvedHeight)
	require.Equal(t, beta.height-1, tk.ReceiptHeight)
	require.Equal(t, attest.ReceiptOK, tk.ReceiptStatus)
	commitment, err = alpha.st.Get(attest.PacketKey("beta", 1))
	require.NoError(t, err)
	require.Nil(t, commitment)
	require.Equal(t, u(3).Add(u(3), funds()), balance(t, alpha, relayer, "USD"))
	require.True(t, balance(t, alpha, xfer.FeeAddress(), "USD").IsZero())
	escrowed, err := xfer.Escrowed(alpha.st, "beta", "USD")
	require.NoError(t, err)
	require.Equal(t, u(100), escrowed)
	ev, ok = findEvent(evs, xfer.EventAck)
	require.True(t, ok)
	require.Equal(t, "finished", ev.Attr(xfer.AttrOutcome))
}

func TestVoucherReturnsHome(t *testing.T) {
	t.Parallel()
	alpha, beta := newPair(t, chainOpts{}, chainOpts{})
	holder := beta.user(1)
	seq := alpha.send(0, usd("beta", holder, 100))
	relay(t, alpha, beta, seq)
	ackBack(t, alpha, beta, alpha.user(2), seq)

	// beta sends 40 of the voucher home: burned on beta, released from alpha's escrow.
	back := xfer.Transfer{Dst: "alpha", Receiver: alpha.user(1), Denom: "alpha/USD", Amount: u(40), TimeoutHeight: farHeight}
	bseq := beta.send(1, back)
	require.Equal(t, u(60), balance(t, beta, holder, "alpha/USD"))
	supply := supplyOf(t, beta, "alpha/USD")
	require.Equal(t, u(60), supply)
	require.True(t, balance(t, beta, xfer.EscrowAddress("alpha"), "alpha/USD").IsZero(), "a voucher going home is burned, not escrowed")

	relay(t, beta, alpha, bseq)
	require.Equal(t, u(40).Add(u(40), funds()), balance(t, alpha, alpha.user(1), "USD"))
	escrowed, err := xfer.Escrowed(alpha.st, "beta", "USD")
	require.NoError(t, err)
	require.Equal(t, u(60), escrowed, "escrow backs exactly the vouchers still out")

	ackBack(t, beta, alpha, beta.user(2), bseq)
	require.Equal(t, xfer.TaskFinished, task(t, beta, "alpha", bseq).Status)
}

func TestRefunds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		tweak    func(g *chains.Genesis, blocked attest.Address)
		transfer func(to attest.Address) xfer.Transfer
		status   uint8
		code     uint32
	}{
		{
			name:  "blocked receiver",
			tweak: func(g *chains.Genesis, blocked attest.Address) { g.Xfer.Blocked = []attest.Address{blocked} },
			transfer: func(to attest.Address) xfer.Transfer {
				return usd("beta", to, 10)
			},
			status: attest.ReceiptFailed, code: uint32(xfer.CodeReceiverBlocked),
		},
		{
			name: "over the packet limit",
			tweak: func(g *chains.Genesis, _ attest.Address) {
				g.Xfer.Routes = []chains.RouteParams{{Chain: "alpha", Limits: []chains.DenomLimit{{Denom: "USD", MaxPerPacket: "9"}}}}
			},
			transfer: func(to attest.Address) xfer.Transfer { return usd("beta", to, 10) },
			status:   attest.ReceiptFailed, code: uint32(xfer.CodeOverPacketLimit),
		},
		{
			name:     "timed out by height",
			transfer: func(to attest.Address) xfer.Transfer { t := usd("beta", to, 10); t.TimeoutHeight = 1; return t },
			status:   attest.ReceiptTimeout,
		},
		{
			name: "timed out by time",
			transfer: func(to attest.Address) xfer.Transfer {
				return xfer.Transfer{Dst: "beta", Receiver: to, Denom: "USD", Amount: u(10), TimeoutTimeMs: testGenesisMs + testBlockMs + 1}
			},
			status: attest.ReceiptTimeout,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var betaOpts chainOpts
			receiver := newTestnet(t, "beta", testVals).Accounts[1].Address
			if tc.tweak != nil {
				betaOpts.tweak = func(g *chains.Genesis) { tc.tweak(g, receiver) }
			}
			alpha, beta := newPair(t, chainOpts{}, betaOpts)
			tr := tc.transfer(receiver)
			tr.RelayFee = u(2)
			seq := alpha.send(0, tr)
			beta.height, beta.timeMs = 5, testGenesisMs+10*testBlockMs // beta is past the deadlines
			relay(t, alpha, beta, seq)
			r := receipt(t, beta, "alpha", seq)
			require.Equal(t, tc.status, r.Status)
			require.Equal(t, tc.code, r.Code)
			require.True(t, balance(t, beta, receiver, "alpha/USD").IsZero())

			ackBack(t, alpha, beta, alpha.user(2), seq)
			tk := task(t, alpha, "beta", seq)
			require.Equal(t, xfer.TaskRefunded, tk.Status)
			require.Equal(t, tc.status, tk.ReceiptStatus)
			require.Equal(t, tc.code, tk.ReceiptCode)
			require.Equal(t, sub(funds(), 2), balance(t, alpha, alpha.user(0), "USD"), "amount back, fee paid")
			require.True(t, balance(t, alpha, xfer.EscrowAddress("beta"), "USD").IsZero())
		})
	}
}

func TestRefundOfVoucherGoingHomeMintsItAgain(t *testing.T) {
	t.Parallel()
	home := newTestnet(t, "alpha", testVals).Accounts[1].Address
	alpha, beta := newPair(t, chainOpts{tweak: func(g *chains.Genesis) { g.Xfer.Blocked = []attest.Address{home} }}, chainOpts{})
	seq := alpha.send(0, usd("beta", beta.user(1), 50))
	relay(t, alpha, beta, seq)
	// beta sends part of the voucher home to a receiver alpha blocks.
	bseq := beta.send(1, xfer.Transfer{Dst: "alpha", Receiver: home, Denom: "alpha/USD", Amount: u(20), TimeoutHeight: farHeight})
	require.Equal(t, u(30), supplyOf(t, beta, "alpha/USD"))
	relay(t, beta, alpha, bseq)
	require.Equal(t, attest.ReceiptFailed, receipt(t, alpha, "beta", bseq).Status)
	require.Equal(t, u(50), balance(t, alpha, xfer.EscrowAddress("beta"), "USD"), "nothing released")
	ackBack(t, beta, alpha, beta.user(2), bseq)
	require.Equal(t, xfer.TaskRefunded, task(t, beta, "alpha", bseq).Status)
	require.Equal(t, u(50), balance(t, beta, beta.user(1), "alpha/USD"))
	require.Equal(t, u(50), supplyOf(t, beta, "alpha/USD"))
}

func TestDuplicateRecvAndSecondAckChangeNothing(t *testing.T) {
	t.Parallel()
	alpha, beta := newPair(t, chainOpts{}, chainOpts{})
	s1 := alpha.send(0, usd("beta", beta.user(1), 10))
	s2 := alpha.send(1, usd("beta", beta.user(1), 20))
	ch := alpha.commit(nil)
	proofs := alpha.packetProofs(ch.Header.Height, "beta", s1, s2)

	typ, p := xfer.NewRecv("alpha", *ch, proofs[:1])
	beta.mustDeliver(beta.user(2), typ, p)
	before := beta.st.Dump()
	evs := beta.mustDeliver(beta.user(2), typ, p)
	require.Empty(t, evs, "a duplicate delivery emits nothing")
	require.Equal(t, before, beta.st.Dump())

	// A batch repeating a received packet credits only the new one.
	typ, p = xfer.NewRecv("alpha", *ch, append(proofs, proofs...))
	evs = beta.mustDeliver(beta.user(2), typ, p)
	require.Len(t, evs, 2, "one mint and one recv: %v", eventTypes(evs))
	require.Equal(t, u(30), balance(t, beta, beta.user(1), "alpha/USD"))

	ackBack(t, alpha, beta, alpha.user(2), s1, s2)
	before = alpha.st.Dump()
	hdr := beta.header(beta.height - 1)
	typ, p = xfer.NewAck("beta", hdr, beta.receiptProofs(hdr.Header.Height, "alpha", s1, s2))
	evs = alpha.mustDeliver(alpha.user(1), typ, p)
	require.Empty(t, evs)
	require.Equal(t, before, alpha.st.Dump(), "a second ack changes nothing")
}

func supplyOf(tb testing.TB, c *testChain, denom string) *uint256.Int {
	tb.Helper()
	v, err := bank.Supply(c.st, denom)
	require.NoError(tb, err)
	return v
}
