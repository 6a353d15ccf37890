package bank

import (
	"fmt"

	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
)

// Event types and attribute keys.
const (
	EventTransfer = "transfer"
	EventMint     = "mint"
	EventBurn     = "burn"

	AttrFrom   = "from"
	AttrTo     = "to"
	AttrDenom  = "denom"
	AttrAmount = "amount"
)

// Balance returns addr's balance of denom (zero when none).
func Balance(kv app.KV, addr attest.Address, denom string) (*uint256.Int, error) {
	return ReadAmount(kv, BalanceKey(addr, denom))
}

// Supply returns the total supply of denom (zero when none).
func Supply(kv app.KV, denom string) (*uint256.Int, error) {
	return ReadAmount(kv, SupplyKey(denom))
}

// Transfer moves amt of denom from one account to another and emits a
// transfer event. Rejections: InvalidAmount (zero or nil), InvalidDenom,
// InsufficientBalance. On any error nothing has been written.
func Transfer(ctx *app.Context, from, to attest.Address, denom string, amt *uint256.Int) error {
	if err := checkCoin(denom, amt); err != nil {
		return err
	}
	st := ctx.State
	fromBal, err := Balance(st, from, denom)
	if err != nil {
		return err
	}
	if fromBal.Lt(amt) {
		return insufficient(from, denom, fromBal, amt)
	}
	if err := WriteAmount(st, BalanceKey(from, denom), fromBal.Sub(fromBal, amt)); err != nil {
		return err
	}
	if err := credit(st, to, denom, amt); err != nil {
		return err
	}
	ctx.Emit(app.Event{Type: EventTransfer, Attrs: []app.Attr{
		{Key: AttrFrom, Value: hexAddr(from)},
		{Key: AttrTo, Value: hexAddr(to)},
		{Key: AttrDenom, Value: denom},
		{Key: AttrAmount, Value: amt.Dec()},
	}})
	return nil
}

// Mint creates amt of denom in to's account and emits a mint event.
// Rejections: InvalidAmount, InvalidDenom, Overflow (supply would exceed
// 2^256-1). On any error nothing has been written.
func Mint(ctx *app.Context, to attest.Address, denom string, amt *uint256.Int) error {
	if err := checkCoin(denom, amt); err != nil {
		return err
	}
	st := ctx.State
	supply, err := Supply(st, denom)
	if err != nil {
		return err
	}
	if _, overflow := new(uint256.Int).AddOverflow(supply, amt); overflow {
		return app.Errorf(app.CodeOverflow, "mint %s %s: supply %s would overflow", amt.Dec(), denom, supply.Dec())
	}
	if err := WriteAmount(st, SupplyKey(denom), supply.Add(supply, amt)); err != nil {
		return err
	}
	if err := credit(st, to, denom, amt); err != nil {
		return err
	}
	ctx.Emit(app.Event{Type: EventMint, Attrs: []app.Attr{
		{Key: AttrTo, Value: hexAddr(to)},
		{Key: AttrDenom, Value: denom},
		{Key: AttrAmount, Value: amt.Dec()},
	}})
	return nil
}

// Burn destroys amt of denom from from's account and emits a burn event.
// Rejections: InvalidAmount, InvalidDenom, InsufficientBalance. On any error
// nothing has been written.
func Burn(ctx *app.Context, from attest.Address, denom string, amt *uint256.Int) error {
	if err := checkCoin(denom, amt); err != nil {
		return err
	}
	st := ctx.State
	bal, err := Balance(st, from, denom)
	if err != nil {
		return err
	}
	if bal.Lt(amt) {
		return insufficient(from, denom, bal, amt)
	}
	supply, err := Supply(st, denom)
	if err != nil {
		return err
	}
	if supply.Lt(amt) {
		panic(fmt.Sprintf("bank: invariant broken: burn %s %s exceeds supply %s while %s holds %s",
			amt.Dec(), denom, supply.Dec(), from, bal.Dec()))
	}
	if err := WriteAmount(st, BalanceKey(from, denom), bal.Sub(bal, amt)); err != nil {
		return err
	}
	if err := WriteAmount(st, SupplyKey(denom), supply.Sub(supply, amt)); err != nil {
		return err
	}
	ctx.Emit(app.Event{Type: EventBurn, Attrs: []app.Attr{
		{Key: AttrFrom, Value: hexAddr(from)},
		{Key: AttrDenom, Value: denom},
		{Key: AttrAmount, Value: amt.Dec()},
	}})
	return nil
}

// hexAddr renders an address for event attributes: 0x and 40 lowercase hex
// digits, the form state keys use. EIP-55 checksumming would cost two keccak
// hashes per transfer; clients that display addresses apply it themselves.
func hexAddr(a attest.Address) string { return string(app.AddressKey(a)) }

// credit adds amt to addr's balance. Every balance is bounded by its supply,
// so an overflow here means the ledger is already corrupt.
func credit(st app.KV, addr attest.Address, denom string, amt *uint256.Int) error {
	bal, err := Balance(st, addr, denom)
	if err != nil {
		return err
	}
	if _, overflow := bal.AddOverflow(bal, amt); overflow {
		panic(fmt.Sprintf("bank: invariant broken: crediting %s %s to %s overflows its balance", amt.Dec(), denom, addr))
	}
	return WriteAmount(st, BalanceKey(addr, denom), bal)
}

// checkCoin validates an amount and denomination a caller wants to move.
func checkCoin(denom string, amt *uint256.Int) error {
	if !chains.ValidDenom(denom) {
		return app.Errorf(app.CodeInvalidDenom, "denom %q", denom)
	}
	if amt == nil || amt.IsZero() {
		return app.Errorf(app.CodeInvalidAmount, "amount must be positive")
	}
	return nil
}

func insufficient(addr attest.Address, denom string, have, want *uint256.Int) error {
	return app.Errorf(app.CodeInsufficientBalance, "%s holds %s %s, needs %s", addr, have.Dec(), denom, want.Dec())
}
