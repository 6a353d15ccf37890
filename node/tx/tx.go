// Package tx defines the signed transaction envelope every module's messages
// travel in: encoding, signing digest, sender recovery and hash.
package tx

import (
	"crypto/ecdsa"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/rlp"

	"github.com/causeway/causeway/attest"
)

// MaxTxBytes caps an encoded transaction. It fits a relay's recv of 100
// packets with their Merkle proofs (about 1.1 KB each) under one certified
// header; the RPC request cap (rpc.max_request_bytes) must stay above it.
const MaxTxBytes = 256 << 10

// Tx is a signed transaction. Type names the module and method ("bank.send");
// Payload is the RLP-encoded message of that method.
type Tx struct {
	ChainID string
	Nonce   uint64
	Type    string
	Payload []byte
	Sig     []byte
}

type signBytes struct {
	ChainID string
	Nonce   uint64
	Type    string
	Payload []byte
}

// ErrTooLarge is returned for an encoded transaction over MaxTxBytes.
var ErrTooLarge = errors.New("transaction too large")

// SigningDigest is the digest the sender signs.
func (t *Tx) SigningDigest(genesis attest.Hash) attest.Hash {
	b, err := rlp.EncodeToBytes(signBytes{t.ChainID, t.Nonce, t.Type, t.Payload})
	if err != nil {
		panic("tx: encode sign bytes: " + err.Error())
	}
	return attest.Digest(attest.TagTx, genesis, b)
}

// Sign sets t.Sig.
func (t *Tx) Sign(genesis attest.Hash, key *ecdsa.PrivateKey) error {
	sig, err := attest.Sign(t.SigningDigest(genesis), key)
	if err != nil {
		return fmt.Errorf("sign tx: %w", err)
	}
	t.Sig = sig
	return nil
}

// Sender recovers the signer of t.
func (t *Tx) Sender(genesis attest.Hash) (attest.Address, error) {
	return attest.Recover(t.SigningDigest(genesis), t.Sig)
}

// Encode returns the RLP encoding of t.
func (t *Tx) Encode() []byte {
	b, err := rlp.EncodeToBytes(t)
	if err != nil {
		panic("tx: encode: " + err.Error())
	}
	return b
}

// Hash is keccak256 of the encoding.
func (t *Tx) Hash() attest.Hash { return attest.Keccak(t.Encode()) }

// Decode parses an encoded transaction, refusing oversize input and trailing bytes.
func Decode(b []byte) (*Tx, error) {
	if len(b) > MaxTxBytes {
		return nil, fmt.Errorf("decode tx: %d bytes: %w", len(b), ErrTooLarge)
	}
	var t Tx
	if err := rlp.DecodeBytes(b, &t); err != nil {
		return nil, fmt.Errorf("decode tx: %w", err)
	}
	return &t, nil
}
