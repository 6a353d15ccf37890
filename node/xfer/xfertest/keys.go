package xfertest

import (
	"crypto/ecdsa"
	"fmt"
	"sync"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/causeway/causeway/attest"
)

// keyTag domain-separates the harness's deterministic keys.
const (
	keyTag         = "causeway/xfertest/key/v1"
	maxKeyAttempts = 16 // a derived scalar is out of range with probability ~2^-128
)

// Account is a key the harness signs with and its address.
type Account struct {
	Key     *ecdsa.PrivateKey
	Address attest.Address
}

// accounts caches derived accounts: deriving a public key is a scalar
// multiplication, and tests ask for the same few accounts constantly.
var accounts sync.Map // accountID → Account

type accountID struct {
	role  string
	index int
}

// NewAccount derives the account for role and index. The same arguments give
// the same key in every run, so failures replay exactly.
func NewAccount(role string, index int) Account {
	id := accountID{role, index}
	if a, ok := accounts.Load(id); ok {
		return a.(Account)
	}
	a, _ := accounts.LoadOrStore(id, deriveAccount(role, index))
	return a.(Account)
}

func deriveAccount(role string, index int) Account {
	for attempt := range maxKeyAttempts {
		h := attest.Keccak(fmt.Appendf(nil, "%s|%s|%d|%d", keyTag, role, index, attempt))
		if key, err := crypto.ToECDSA(h[:]); err == nil {
			return Account{Key: key, Address: attest.AddressOf(key)}
		}
	}
	panic(fmt.Sprintf("xfertest: no valid key for %s %d", role, index))
}

// User is network user i: the same address on every chain.
func User(i int) Account { return NewAccount("user", i) }

// Relayer is the account relay helpers sign recv, ack and update_client
// transactions with, on every chain.
func Relayer() Account { return NewAccount("relayer", 0) }

// ValidatorKey is the key of validator i of chain.
func ValidatorKey(chain string, i int) Account { return NewAccount("validator/"+chain, i) }
