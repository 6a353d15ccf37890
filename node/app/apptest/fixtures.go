package apptest

import (
	"crypto/ecdsa"
	"encoding/binary"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/tx"
)

// ChainID is the chain id fixtures use unless told otherwise.
const ChainID = "testchain"

// Account is a deterministic test key and its address.
type Account struct {
	Key     *ecdsa.PrivateKey
	Address attest.Address
}

// keySeedOffset keeps fixture keys away from the all-zero scalar, which is
// not a valid private key.
const keySeedOffset = 1

// Accounts returns n deterministic accounts; account i is the same in every
// run and every package.
func Accounts(n int) []Account {
	out := make([]Account, n)
	for i := range out {
		var seed [32]byte
		binary.BigEndian.PutUint64(seed[24:], uint64(i+keySeedOffset))
		key, err := crypto.ToECDSA(seed[:])
		if err != nil {
			panic("apptest: derive key: " + err.Error())
		}
		out[i] = Account{Key: key, Address: attest.AddressOf(key)}
	}
	return out
}

// Genesis returns a valid genesis for ChainID with one validator and every
// address in funded holding coins.
func Genesis(funded []attest.Address, coins ...chains.Coin) *chains.Genesis {
	val := Accounts(1)[0]
	g := &chains.Genesis{
		ChainID:    ChainID,
		Validators: []chains.GenesisValidator{{Name: "v0", Address: val.Address, Power: 1}},
		Params:     chains.DefaultParams(),
	}
	for _, a := range funded {
		g.Accounts = append(g.Accounts, chains.GenesisAccount{Address: a, Balances: append([]chains.Coin(nil), coins...)})
	}
	return g
}

// SignedTx builds, signs and encodes a transaction on the chain of genesis g.
func SignedTx(g *chains.Genesis, from Account, nonce uint64, txType string, payload []byte) []byte {
	return SignedTxFor(g.ChainID, g.Hash(), from, nonce, txType, payload)
}

// SignedTxFor is SignedTx with the chain id and genesis hash given
// separately, so tests can sign for the wrong chain.
func SignedTxFor(chainID string, genesis attest.Hash, from Account, nonce uint64, txType string, payload []byte) []byte {
	t := &tx.Tx{ChainID: chainID, Nonce: nonce, Type: txType, Payload: payload}
	if err := t.Sign(genesis, from.Key); err != nil {
		panic("apptest: sign tx: " + err.Error())
	}
	return t.Encode()
}
