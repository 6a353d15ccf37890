package bank

import (
	"errors"
	"fmt"

	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
)

// State key prefixes.
const (
	BalancePrefix = "bal/"
	SupplyPrefix  = "supply/"
)

// maxAmountBytes is the width of a uint256.
const maxAmountBytes = 32

// ErrCorruptState is returned when a stored amount is not a minimal
// big-endian encoding. It is an internal failure: the node halts.
var ErrCorruptState = errors.New("corrupt bank state")

// BalanceKey is the state key of addr's balance in denom.
func BalanceKey(addr attest.Address, denom string) []byte {
	k := accountPrefix(addr)
	return append(k, denom...)
}

// SupplyKey is the state key of denom's total supply.
func SupplyKey(denom string) []byte {
	return append([]byte(SupplyPrefix), denom...)
}

// accountPrefix is bal/<addr>/, the prefix of all of addr's balances.
func accountPrefix(addr attest.Address) []byte {
	k := append([]byte(BalancePrefix), app.AddressKey(addr)...)
	return append(k, '/')
}

// ReadAmount loads the amount at key, stored as the bank stores balances
// (minimal big-endian bytes); absent is zero. Other modules keep running
// totals in the same encoding.
func ReadAmount(kv app.KV, key []byte) (*uint256.Int, error) {
	b, err := kv.Get(key)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return decodeAmount(key, b)
}

func decodeAmount(key, b []byte) (*uint256.Int, error) {
	if b == nil {
		return new(uint256.Int), nil
	}
	if len(b) == 0 || len(b) > maxAmountBytes || b[0] == 0 {
		return nil, fmt.Errorf("decode %s: %x is not a minimal amount: %w", key, b, ErrCorruptState)
	}
	return new(uint256.Int).SetBytes(b), nil
}

// WriteAmount stores v at key in ReadAmount's encoding, deleting the key
// when v is zero.
func WriteAmount(kv app.KV, key []byte, v *uint256.Int) error {
	var err error
	if v.IsZero() {
		err = kv.Delete(key)
	} else {
		err = kv.Set(key, v.Bytes())
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}
