package bank

import (
	"fmt"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
)

// moduleAccountPrefix marks accounts that only modules move funds in and out
// of (escrows, fee pools). Their balances back other records, so a user
// sending to one would break those records' accounting; bank.send refuses.
const moduleAccountPrefix = "bankmod/"

var moduleAccountMark = []byte{1}

func moduleAccountKey(addr attest.Address) []byte {
	return append([]byte(moduleAccountPrefix), app.AddressKey(addr)...)
}

// MarkModuleAccount records addr as a module account.
func MarkModuleAccount(kv app.KV, addr attest.Address) error {
	if err := kv.Set(moduleAccountKey(addr), moduleAccountMark); err != nil {
		return fmt.Errorf("mark module account %s: %w", addr, err)
	}
	return nil
}

// IsModuleAccount reports whether addr is a module account.
func IsModuleAccount(kv app.KV, addr attest.Address) (bool, error) {
	v, err := kv.Get(moduleAccountKey(addr))
	if err != nil {
		return false, fmt.Errorf("read module account mark %s: %w", addr, err)
	}
	return v != nil, nil
}
