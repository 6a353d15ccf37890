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
