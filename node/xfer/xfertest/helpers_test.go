package xfertest_test

import (
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/node/xfer/xfertest"
)

// The standard network: alpha, beta and gamma each issue USD and EUR (their
// own, distinct assets) to users 0..3; user 3 may not receive anywhere;
// every chain caps a single packet of USD arriving from each peer.
const (
	alpha = "alpha"
	beta  = "beta"
	gamma = "gamma"
	usd   = "USD"
	eur   = "EUR"

	users       = 4
	blockedUser = 3
	packetCap   = 1_000_000
	// startBalance is each user's genesis holding of each native denom.
	startBalance = 1_000_000_000
	// defaultTimeoutBlocks is how far ahead of the destination a transfer's
	// height deadline lies unless a test wants it missed.
	defaultTimeoutBlocks = 50
	// settleRounds bounds a relay's settle loop.
	settleRounds = 20
)

// spec is the standard spec of chain id within a network of ids.
func spec(id string, ids []string) xfertest.ChainSpec {
	s := xfertest.ChainSpec{
		ID: id, Natives: []string{usd, eur}, Users: users, Balance: uint256.NewInt(startBalance).Dec(),
		Blocked: []int{blockedUser},
	}
	for _, peer := range ids {
		if peer != id {
			s.Routes = append(s.Routes, chains.RouteParams{Chain: peer, Limits: []chains.DenomLimit{
				{Denom: usd, MaxPerPacket: uint256.NewInt(packetCap).Dec()},
			}})
		}
	}
	return s
}

// newNet builds the standard network over ids, with edit applied to each
// spec when given.
func newNet(tb testing.TB, edit func(*xfertest.ChainSpec), ids ...string) *xfertest.Network {
	tb.Helper()
	specs := make([]xfertest.ChainSpec, len(ids))
	for i, id := range ids {
		specs[i] = spec(id, ids)
		if edit != nil {
			edit(&specs[i])
		}
	}
	n, err := xfertest.NewNetwork(specs...)
	require.NoError(tb, err)
	return n
}

// transferTo builds an xfer.transfer to user to on dst, due within
// defaultTimeoutBlocks of dst's current height.
func transferTo(dst *xfertest.Chain, to int, denom string, amount uint64) xfer.Transfer {
	return xfer.Transfer{
		Dst: dst.ID, Receiver: xfertest.User(to).Address, Denom: denom, Amount: uint256.NewInt(amount),
		TimeoutHeight: dst.Height() + defaultTimeoutBlocks, RelayFee: new(uint256.Int),
	}
}

// send queues an xfer.transfer from user from on c.
func send(tb testing.TB, c *xfertest.Chain, from int, t xfer.Transfer) attest.Hash {
	tb.Helper()
	txType, payload := xfer.NewTransfer(t)
	h, err := c.Send(xfertest.User(from), txType, payload)
	require.NoError(tb, err)
	return h
}

// commit commits c and fails the test on an execution error.
func commit(tb testing.TB, c *xfertest.Chain) *xfertest.Block {
	tb.Helper()
	b, err := c.Commit()
	require.NoError(tb, err)
	return b
}

// requireTx checks the committed receipt of transaction h on c.
func requireTx(tb testing.TB, c *xfertest.Chain, h attest.Hash, want app.Code) *app.Receipt {
	tb.Helper()
	r, ok := c.Receipt(h)
	require.True(tb, ok, "no receipt for %s on %s", h, c.ID)
	require.Equal(tb, want, r.Code, "%s %s: %s", c.ID, r.Type, r.Log)
	return r
}

// balance is addr's balance of denom on c.
func balance(tb testing.TB, c *xfertest.Chain, addr attest.Address, denom string) *uint256.Int {
	tb.Helper()
	b, err := c.Balance(addr, denom)
	require.NoError(tb, err)
	return b
}

// task reads the task of packet seq sent from c to dst.
func task(tb testing.TB, c *xfertest.Chain, dst string, seq uint64) *xfer.Task {
	tb.Helper()
	t, err := xfer.GetTask(c.State(), dst, seq)
	require.NoError(tb, err)
	return t
}

// zeroSend is a bank.send of nothing: rejected, so it only consumes its
// sender's nonce. It is the control an attack's state root is compared with.
func zeroSend() (string, []byte) {
	return bank.NewSend(attest.Address{1}, usd, new(uint256.Int))
}

// requireRejectedUnchanged simulates txType/payload from the relayer as the
// next block of c and checks that it is rejected with code want and changes
// nothing: the state root equals that of a block with only a rejected
// zero send from the same sender (which consumes the nonce too).
func requireRejectedUnchanged(tb testing.TB, c *xfertest.Chain, txType string, payload []byte, want app.Code) {
	tb.Helper()
	require.NotEqual(tb, app.CodeOK, want)
	requireNoEffect(tb, c, txType, payload, want)
}

// requireNoEffect is requireRejectedUnchanged for any code: with CodeOK it
// checks that an accepted transaction (a replay) changed nothing either.
func requireNoEffect(tb testing.TB, c *xfertest.Chain, txType string, payload []byte, want app.Code) {
	tb.Helper()
	relayer := xfertest.Relayer()
	nonce, err := c.Nonce(relayer.Address)
	require.NoError(tb, err)
	attack, err := c.SignTxWithNonce(relayer, nonce, txType, payload)
	require.NoError(tb, err)
	ctlType, ctlPayload := zeroSend()
	control, err := c.SignTxWithNonce(relayer, nonce, ctlType, ctlPayload)
	require.NoError(tb, err)
	got, receipts, err := c.Simulate(attack)
	require.NoError(tb, err)
	require.Len(tb, receipts, 1)
	require.Equal(tb, want, receipts[0].Code, "%s: %s", receipts[0].Type, receipts[0].Log)
	require.Empty(tb, receipts[0].Events, "events of a transaction that changed nothing")
	base, ctl, err := c.Simulate(control)
	require.NoError(tb, err)
	require.Equal(tb, app.CodeInvalidAmount, ctl[0].Code)
	require.Equal(tb, base, got, "a rejected %s changed state beyond the nonce", txType)

	// The mempool's admission check agrees with execution.
	decoded, hash, err := c.App.DecodeTx(attack)
	require.NoError(tb, err)
	checkErr := c.App.Check(c.State(), hash, relayer.Address, decoded)
	if want == app.CodeOK {
		require.NoError(tb, checkErr)
		return
	}
	require.Equal(tb, want, app.CodeOf(checkErr), "mempool check: %v", checkErr)
}

// requireAudit runs the auditor and fails with its finding.
func requireAudit(tb testing.TB, a *xfertest.Auditor) {
	tb.Helper()
	require.NoError(tb, a.Check())
}

// settle relays until the network is quiet and checks the relayer's
// transactions all passed.
func settle(tb testing.TB, r *xfertest.Relay) {
	tb.Helper()
	require.NoError(tb, r.Settle(settleRounds))
	require.Empty(tb, r.Failures, "relayer transactions rejected")
}
