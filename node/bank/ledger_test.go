package bank_test

import (
	"strings"
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/app/apptest"
	"github.com/causeway/causeway/node/bank"
)

var (
	alice     = attest.Address{0xa1}
	bob       = attest.Address{0xb0}
	maxAmount = new(uint256.Int).SetAllOne()
)

func u(n uint64) *uint256.Int { return uint256.NewInt(n) }

func newCtx() *app.Context {
	return &app.Context{State: apptest.NewMemState()}
}

// funded returns a context where alice holds 100 USD (and the supply is 100).
func funded(t *testing.T) *app.Context {
	t.Helper()
	ctx := newCtx()
	require.NoError(t, bank.Mint(ctx, alice, "USD", u(100)))
	return &app.Context{State: ctx.State}
}

func mustAmount(t *testing.T, kv app.KV, addr *attest.Address, denom string) uint64 {
	t.Helper()
	var v *uint256.Int
	var err error
	if addr == nil {
		v, err = bank.Supply(kv, denom)
	} else {
		v, err = bank.Balance(kv, *addr, denom)
	}
	require.NoError(t, err)
	require.True(t, v.IsUint64())
	return v.Uint64()
}

func TestLedgerRejectsAndWritesNothing(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		op   func(ctx *app.Context) error
		want *app.Error
	}{
		{"transfer zero", func(c *app.Context) error { return bank.Transfer(c, alice, bob, "USD", u(0)) }, app.ErrInvalidAmount},
		{"transfer nil amount", func(c *app.Context) error { return bank.Transfer(c, alice, bob, "USD", nil) }, app.ErrInvalidAmount},
		{"transfer bad denom", func(c *app.Context) error { return bank.Transfer(c, alice, bob, "US D", u(1)) }, app.ErrInvalidDenom},
		{"transfer empty denom", func(c *app.Context) error { return bank.Transfer(c, alice, bob, "", u(1)) }, app.ErrInvalidDenom},
		{"transfer insufficient", func(c *app.Context) error { return bank.Transfer(c, alice, bob, "USD", u(101)) }, app.ErrInsufficientBalance},
		{"transfer other denom", func(c *app.Context) error { return bank.Transfer(c, alice, bob, "EUR", u(1)) }, app.ErrInsufficientBalance},
		{"transfer from empty", func(c *app.Context) error { return bank.Transfer(c, bob, alice, "USD", u(1)) }, app.ErrInsufficientBalance},
		{"mint zero", func(c *app.Context) error { return bank.Mint(c, bob, "USD", u(0)) }, app.ErrInvalidAmount},
		{"mint bad denom", func(c *app.Context) error { return bank.Mint(c, bob, "/USD", u(1)) }, app.ErrInvalidDenom},
		{"mint overflow", func(c *app.Context) error { return bank.Mint(c, bob, "USD", maxAmount) }, app.ErrOverflow},
		{"burn zero", func(c *app.Context) error { return bank.Burn(c, alice, "USD", u(0)) }, app.ErrInvalidAmount},
		{"burn bad denom", func(c *app.Context) error { return bank.Burn(c, alice, "U\x00SD", u(1)) }, app.ErrInvalidDenom},
		{"burn insufficient", func(c *app.Context) error { return bank.Burn(c, alice, "USD", u(101)) }, app.ErrInsufficientBalance},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := funded(t)
			st := ctx.State.(*apptest.MemState)
			before := st.Dump()
			err := tc.op(ctx)
			require.ErrorIs(t, err, tc.want)
			require.True(t, app.IsRejection(err))
			require.Equal(t, before, st.Dump())
			require.Empty(t, ctx.Events())
		})
	}
}

func TestTransfer(t *testing.T) {
	t.Parallel()
	ctx := funded(t)
	require.NoError(t, bank.Transfer(ctx, alice, bob, "USD", u(30)))
	require.Equal(t, uint64(70), mustAmount(t, ctx.State, &alice, "USD"))
	require.Equal(t, uint64(30), mustAmount(t, ctx.State, &bob, "USD"))
	require.Equal(t, uint64(100), mustAmount(t, ctx.State, nil, "USD"))
	require.Equal(t, []app.Event{{Type: bank.EventTransfer, Attrs: []app.Attr{
		{Key: "from", Value: strings.ToLower(alice.Hex())}, {Key: "to", Value: strings.ToLower(bob.Hex())},
		{Key: "denom", Value: "USD"}, {Key: "amount", Value: "30"},
	}}}, ctx.Events())

	require.NoError(t, bank.Transfer(ctx, alice, bob, "USD", u(70)))
	v, err := ctx.State.Get(bank.BalanceKey(alice, "USD"))
	require.NoError(t, err)
	require.Nil(t, v, "a zero balance is deleted, not stored")
}

func TestTransferToSelf(t *testing.T) {
	t.Parallel()
	ctx := funded(t)
	require.NoError(t, bank.Transfer(ctx, alice, alice, "USD", u(100)))
	require.Equal(t, uint64(100), mustAmount(t, ctx.State, &alice, "USD"))
	require.ErrorIs(t, bank.Transfer(ctx, alice, alice, "USD", u(101)), app.ErrInsufficientBalance)
}

func TestMintBurn(t *testing.T) {
	t.Parallel()
	ctx := funded(t)
	require.NoError(t, bank.Mint(ctx, bob, "alpha/USD", u(5)))
	require.NoError(t, bank.Burn(ctx, alice, "USD", u(40)))
	require.Equal(t, uint64(5), mustAmount(t, ctx.State, &bob, "alpha/USD"))
	require.Equal(t, uint64(5), mustAmount(t, ctx.State, nil, "alpha/USD"))
	require.Equal(t, uint64(60), mustAmount(t, ctx.State, &alice, "USD"))
	require.Equal(t, uint64(60), mustAmount(t, ctx.State, nil, "USD"))
	require.Equal(t, []string{bank.EventMint, bank.EventBurn}, []string{ctx.Events()[0].Type, ctx.Events()[1].Type})

	require.NoError(t, bank.Burn(ctx, bob, "alpha/USD", u(5)))
	v, err := ctx.State.Get(bank.SupplyKey("alpha/USD"))
	require.NoError(t, err)
	require.Nil(t, v, "a zero supply is deleted")
}

func TestMintUpToMax(t *testing.T) {
	t.Parallel()
	ctx := newCtx()
	require.NoError(t, bank.Mint(ctx, alice, "USD", maxAmount))
	require.ErrorIs(t, bank.Mint(ctx, bob, "USD", u(1)), app.ErrOverflow)
	require.NoError(t, bank.Transfer(ctx, alice, bob, "USD", maxAmount))
	got, err := bank.Balance(ctx.State, bob, "USD")
	require.NoError(t, err)
	require.True(t, got.Eq(maxAmount))
}

func TestBrokenInvariantsPanic(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		corrupt func(st app.KV)
		op      func(ctx *app.Context) error
	}{
		{"burn beyond supply", func(st app.KV) {
			_ = st.Delete(bank.SupplyKey("USD")) // balance 100, supply 0
		}, func(c *app.Context) error { return bank.Burn(c, alice, "USD", u(1)) }},
		{"credit overflows a balance", func(st app.KV) {
			_ = st.Set(bank.BalanceKey(bob, "USD"), maxAmount.Bytes())
		}, func(c *app.Context) error { return bank.Transfer(c, alice, bob, "USD", u(1)) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := funded(t)
			tc.corrupt(ctx.State)
			require.Panics(t, func() { _ = tc.op(ctx) })
		})
	}
}

func TestCorruptAmountIsInternal(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		value []byte
	}{
		{"empty", []byte{}},
		{"leading zero", []byte{0x00, 0x01}},
		{"33 bytes", append([]byte{0x01}, make([]byte, 32)...)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := funded(t)
			require.NoError(t, ctx.State.Set(bank.BalanceKey(alice, "USD"), tc.value))
			_, err := bank.Balance(ctx.State, alice, "USD")
			require.ErrorIs(t, err, bank.ErrCorruptState)
			err = bank.Transfer(ctx, alice, bob, "USD", u(1))
			require.ErrorIs(t, err, bank.ErrCorruptState)
			require.False(t, app.IsRejection(err), "corruption halts, it is not a receipt")
		})
	}
}

func TestBalances(t *testing.T) {
	t.Parallel()
	ctx := funded(t)
	require.NoError(t, bank.Mint(ctx, alice, "alpha/USD", u(7)))
	require.NoError(t, bank.Mint(ctx, bob, "EUR", u(9)))
	got, err := bank.Balances(ctx.State, alice)
	require.NoError(t, err)
	require.Equal(t, []bank.Coin{{Denom: "USD", Amount: u(100)}, {Denom: "alpha/USD", Amount: u(7)}}, got)

	_, err = bank.Balances(struct{ app.KV }{ctx.State}, alice)
	require.ErrorIs(t, err, app.ErrNotIterable)
}

func TestKeyLayout(t *testing.T) {
	t.Parallel()
	require.Equal(t, "bal/0xa100000000000000000000000000000000000000/alpha/USD", string(bank.BalanceKey(alice, "alpha/USD")))
	require.Equal(t, "supply/alpha/USD", string(bank.SupplyKey("alpha/USD")))
	ctx := newCtx()
	require.NoError(t, bank.Mint(ctx, alice, "USD", u(258)))
	v, err := ctx.State.Get(bank.BalanceKey(alice, "USD"))
	require.NoError(t, err)
	require.Equal(t, []byte{0x01, 0x02}, v, "minimal big-endian")
}
