package attest

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
)

// Lengths of BIP-340 keys and signatures.
const (
	SchnorrKeyLength = 32 // x-only public key
	SchnorrSigLength = 64
)

// SchnorrKey is a BIP-340 x-only public key: what the registry holds for a
// certification authority or a regulator.
type SchnorrKey [SchnorrKeyLength]byte

// SchnorrSig is a BIP-340 signature.
type SchnorrSig [SchnorrSigLength]byte

// SchnorrPrivateKey is a secp256k1 private key used for BIP-340 signatures.
type SchnorrPrivateKey = btcec.PrivateKey

// NewSchnorrKey generates a private key.
func NewSchnorrKey() (*SchnorrPrivateKey, error) { return btcec.NewPrivateKey() }

// SchnorrKeyFromBytes is the private key with scalar b (32 bytes, big
// endian), for keys kept elsewhere and for reproducible test keys.
func SchnorrKeyFromBytes(b []byte) (*SchnorrPrivateKey, error) {
	if len(b) != 32 {
		return nil, fmt.Errorf("schnorr private key is %d bytes, want 32", len(b))
	}
	k, _ := btcec.PrivKeyFromBytes(b)
	if k.Key.IsZero() {
		return nil, fmt.Errorf("schnorr private key is zero modulo the group order")
	}
	return k, nil
}

// SchnorrPublic is the x-only public key of k.
func SchnorrPublic(k *SchnorrPrivateKey) SchnorrKey {
	var out SchnorrKey
	copy(out[:], schnorr.SerializePubKey(k.PubKey()))
	return out
}

// SignSchnorr signs digest with k (BIP-340, deterministic nonce).
func SignSchnorr(k *SchnorrPrivateKey, digest Hash) (SchnorrSig, error) {
	sig, err := schnorr.Sign(k, digest[:])
	if err != nil {
		return SchnorrSig{}, fmt.Errorf("schnorr sign: %w", err)
	}
	var out SchnorrSig
	copy(out[:], sig.Serialize())
	return out, nil
}

// VerifySchnorr checks sig over digest by key. A key that is not on the
// curve or a signature out of range fails as a bad signature, like one
// that does not match.
func VerifySchnorr(key SchnorrKey, digest Hash, sig SchnorrSig) error {
	pub, err := schnorr.ParsePubKey(key[:])
	if err != nil {
		return errorf(CodeBadSignature, "schnorr key: %v", err)
	}
	s, err := schnorr.ParseSignature(sig[:])
	if err != nil {
		return errorf(CodeBadSignature, "schnorr signature: %v", err)
	}
	if !s.Verify(digest[:], pub) {
		return errorf(CodeBadSignature, "schnorr signature does not verify")
	}
	return nil
}

// ParseSchnorrKey reads a key written as 64 hex digits, with or without 0x,
// and checks that it is on the curve.
func ParseSchnorrKey(s string) (SchnorrKey, error) {
	var k SchnorrKey
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(b) != SchnorrKeyLength {
		return k, fmt.Errorf("%q is not a 32-byte hex schnorr key", s)
	}
	copy(k[:], b)
	if _, err := schnorr.ParsePubKey(b); err != nil {
		return k, fmt.Errorf("%q is not a key on secp256k1: %w", s, err)
	}
	return k, nil
}

// String is the key as 0x-prefixed hex.
func (k SchnorrKey) String() string { return "0x" + hex.EncodeToString(k[:]) }

// MarshalText writes the key as 0x-prefixed hex.
func (k SchnorrKey) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a key written by MarshalText and checks it.
func (k *SchnorrKey) UnmarshalText(b []byte) error {
	v, err := ParseSchnorrKey(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}
