package bank

import (
	"bytes"
	"fmt"

	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
)

// Coin is an amount of one denomination.
type Coin struct {
	Denom  string
	Amount *uint256.Int
}

// Balances lists every non-zero balance of addr in ascending denom byte
// order. kv must implement app.Iterable, else the error wraps
// app.ErrNotIterable.
func Balances(kv app.KV, addr attest.Address) ([]Coin, error) {
	out, err := AmountsUnder(kv, accountPrefix(addr))
	if err != nil {
		return nil, fmt.Errorf("list balances of %s: %w", addr, err)
	}
	return out, nil
}

// AmountsUnder lists the amounts stored under prefix+<denom> keys (in the
// bank's encoding, see ReadAmount), in ascending denom byte order. kv must
// implement app.Iterable, else the error wraps app.ErrNotIterable.
func AmountsUnder(kv app.KV, prefix []byte) ([]Coin, error) {
	it, ok := kv.(app.Iterable)
	if !ok {
		return nil, app.ErrNotIterable
	}
	var out []Coin
	err := it.Iterate(prefix, func(key, value []byte) error {
		amt, err := decodeAmount(key, value)
		if err != nil {
			return err
		}
		out = append(out, Coin{Denom: string(bytes.TrimPrefix(key, prefix)), Amount: amt})
		return nil
	})
	return out, err
}
