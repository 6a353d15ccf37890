package xfer

import (
	"bytes"
	"fmt"

	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/bank"
)

// EarnedPrefix keys what each relayer has been paid in relay fees since
// genesis: xearned/<addr>/<denom> → the running total, big-endian minimal
// bytes. It only grows; slashing burns bond, never earnings.
const EarnedPrefix = "xearned/"

func earnedPrefix(addr attest.Address) []byte {
	k := append([]byte(EarnedPrefix), app.AddressKey(addr)...)
	return append(k, '/')
}

// EarnedKey is the state key of what addr has earned in denom.
func EarnedKey(addr attest.Address, denom string) []byte {
	return append(earnedPrefix(addr), denom...)
}

// addEarned pays amt of denom from the fee account to relayer and adds it
// to relayer's earnings.
func addEarned(ctx *app.Context, relayer attest.Address, denom string, amt *uint256.Int) error {
	if err := bank.Transfer(ctx, FeeAddress(), relayer, denom, amt); err != nil {
		return err
	}
	key := EarnedKey(relayer, denom)
	total, err := bank.ReadAmount(ctx.State, key)
	if err != nil {
		return fmt.Errorf("xfer: %w", err)
	}
	if _, overflow := total.AddOverflow(total, amt); overflow {
		panic(fmt.Sprintf("xfer: invariant broken: %s earnings in %s overflow", relayer, denom))
	}
	return bank.WriteAmount(ctx.State, key, total)
}

// Earned lists what addr has been paid in relay fees, per denom in
// ascending byte order. kv must implement app.Iterable.
func Earned(kv app.KV, addr attest.Address) ([]bank.Coin, error) {
	out, err := bank.AmountsUnder(kv, earnedPrefix(addr))
	if err != nil {
		return nil, fmt.Errorf("xfer: list earnings of %s: %w", addr, err)
	}
	return out, nil
}

// Earners lists every address that has been paid a relay fee, in
// ascending address order. kv must implement app.Iterable.
func Earners(kv app.KV) ([]attest.Address, error) {
	it, ok := kv.(app.Iterable)
	if !ok {
		return nil, fmt.Errorf("xfer: list earners: %w", app.ErrNotIterable)
	}
	var out []attest.Address
	err := it.Iterate([]byte(EarnedPrefix), func(key, _ []byte) error {
		rest := key[len(EarnedPrefix):]
		i := bytes.IndexByte(rest, '/')
		if i < 0 {
			return fmt.Errorf("xfer: earnings key %q has no denom: %w", key, ErrCorruptState)
		}
		a, err := app.ParseAddressKey(rest[:i])
		if err != nil {
			return fmt.Errorf("xfer: earnings key %q: %w", key, ErrCorruptState)
		}
		if len(out) == 0 || out[len(out)-1] != a {
			out = append(out, a)
		}
		return nil
	})
	return out, err
}
