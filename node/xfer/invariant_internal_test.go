package xfer

import (
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/app/apptest"
	"github.com/causeway/causeway/node/bank"
)

func TestSettleTwicePanics(t *testing.T) {
	t.Parallel()
	ok := &attest.PacketReceipt{Status: attest.ReceiptOK}
	for _, first := range []TaskStatus{TaskFinished, TaskRefunded} {
		for _, second := range []TaskStatus{TaskFinished, TaskRefunded} {
			tk := &Task{Status: TaskPending}
			tk.settle(first, 2, 3, ok)
			require.Equal(t, first, tk.Status)
			require.Panics(t, func() { tk.settle(second, 4, 5, ok) }, "%s then %s", first, second)
		}
	}
}

func TestBrokenLedgerPanics(t *testing.T) {
	t.Parallel()
	p := &attest.Packet{Src: "alpha", Dst: "beta", Seq: 1, Sender: attest.Address{1}, Receiver: attest.Address{2},
		Denom: "USD", Amount: uintN(5), RelayFee: uintN(1), TimeoutHeight: 9}
	cases := []struct {
		name string
		run  func(ctx *app.Context) error
	}{
		{"escrow short on release", func(ctx *app.Context) error { return release(ctx, "beta", p.Receiver, "USD", p.Amount) }},
		{"escrow short on refund", func(ctx *app.Context) error { return refund(ctx, p) }},
		{"fee account short", func(ctx *app.Context) error { return payFee(ctx, attest.Address{3}, attest.Address{4}, p) }},
		{"pending task without commitment", func(ctx *app.Context) error { return dropCommitment(ctx.State, "beta", 1) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := &app.Context{State: apptest.NewMemState()}
			require.NoError(t, bank.Mint(ctx, EscrowAddress("beta"), "USD", uintN(4)))
			require.Panics(t, func() { _ = tc.run(ctx) })
		})
	}
}

func uintN(n uint64) *uint256.Int { return uint256.NewInt(n) }
