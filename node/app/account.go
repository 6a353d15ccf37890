package app

import (
	"encoding/hex"
	"fmt"

	"github.com/ethereum/go-ethereum/rlp"

	"github.com/causeway/causeway/attest"
)

// AccountPrefix is the state key prefix of accounts: acct/0x<40 lowercase hex>.
const AccountPrefix = "acct/"

// Account is the app's per-address record, stored RLP-encoded under
// AccountKey. An absent key is the zero Account.
type Account struct {
	Nonce uint64 // number of transactions from this address included so far
}

// AccountKey is the state key of addr's account.
func AccountKey(addr attest.Address) []byte {
	return append([]byte(AccountPrefix), AddressKey(addr)...)
}

// AddressKey is addr as it appears inside state keys: "0x" and 40 lowercase
// hex digits. Lowercase avoids EIP-55's keccak on every key build.
func AddressKey(addr attest.Address) []byte {
	out := make([]byte, 2+hex.EncodedLen(len(addr)))
	out[0], out[1] = '0', 'x'
	hex.Encode(out[2:], addr[:])
	return out
}

// ParseAddressKey reads an address written by AddressKey; it refuses
// anything else, uppercase digits included.
func ParseAddressKey(b []byte) (attest.Address, error) {
	var a attest.Address
	if len(b) != 2+hex.EncodedLen(len(a)) || b[0] != '0' || b[1] != 'x' {
		return a, fmt.Errorf("address key %q: want 0x and %d lowercase hex digits", b, hex.EncodedLen(len(a)))
	}
	for _, c := range b[2:] {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return a, fmt.Errorf("address key %q: want lowercase hex digits", b)
		}
	}
	if _, err := hex.Decode(a[:], b[2:]); err != nil {
		return a, fmt.Errorf("address key %q: %w", b, err)
	}
	return a, nil
}

// AccountNonce returns the next nonce addr must use.
func AccountNonce(kv KV, addr attest.Address) (uint64, error) {
	b, err := kv.Get(AccountKey(addr))
	if err != nil {
		return 0, fmt.Errorf("read account %s: %w", addr, err)
	}
	if b == nil {
		return 0, nil
	}
	var acc Account
	if err := rlp.DecodeBytes(b, &acc); err != nil {
		return 0, fmt.Errorf("decode account %s: %w", addr, err)
	}
	return acc.Nonce, nil
}

// SetAccountNonce stores addr's next nonce. Execution calls it after each
// included transaction; tests and tooling may call it to seed state.
func SetAccountNonce(kv KV, addr attest.Address, nonce uint64) error {
	b, err := rlp.EncodeToBytes(&Account{Nonce: nonce})
	if err != nil {
		panic("app: encode account: " + err.Error())
	}
	if err := kv.Set(AccountKey(addr), b); err != nil {
		return fmt.Errorf("write account %s: %w", addr, err)
	}
	return nil
}
