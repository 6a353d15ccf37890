package attest

import (
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Hash is a 32-byte keccak256 digest.
type Hash = common.Hash

// Address is a 20-byte account or validator address, derived as Ethereum does.
type Address = common.Address

// Domain tags. Every signed digest is keccak256(len(tag) ‖ tag ‖ genesis_hash ‖
// payload) with one tag per purpose, so a signature made for one purpose or one
// chain never verifies for another.
const (
	TagTx        = "causeway/tx/v1"
	TagVote      = "causeway/vote/v1"
	TagProposal  = "causeway/proposal/v1"
	TagHandshake = "causeway/p2p-handshake/v1"
)

// Digest builds the domain-separated digest for tag on the chain identified by
// genesis. The tag is length-prefixed so that no tag can be a prefix of another.
func Digest(tag string, genesis Hash, payload []byte) Hash {
	if len(tag) > 255 {
		panic("attest: digest tag longer than 255 bytes")
	}
	return crypto.Keccak256Hash([]byte{byte(len(tag))}, []byte(tag), genesis[:], payload)
}

// Keccak is keccak256 over the concatenation of parts.
func Keccak(parts ...[]byte) Hash {
	return crypto.Keccak256Hash(parts...)
}
