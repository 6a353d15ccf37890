package attest

import (
	"crypto/ecdsa"
	"math/big"

	"github.com/ethereum/go-ethereum/crypto"
)

// SignatureLength is the length of a recoverable secp256k1 signature [R ‖ S ‖ V].
const SignatureLength = 65

var secp256k1halfN = new(big.Int).Rsh(crypto.S256().Params().N, 1)

// Sign signs digest with key, returning a 65-byte recoverable signature.
func Sign(digest Hash, key *ecdsa.PrivateKey) ([]byte, error) {
	return crypto.Sign(digest[:], key)
}

// Recover returns the address that produced sig over digest. Signatures with a
// high S value are refused, so every signature has exactly one valid encoding.
func Recover(digest Hash, sig []byte) (Address, error) {
	if len(sig) != SignatureLength {
		return Address{}, errorf(CodeBadSignature, "signature is %d bytes, want %d", len(sig), SignatureLength)
	}
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:64])
	if sig[64] > 1 || !crypto.ValidateSignatureValues(sig[64], r, s, true) || s.Cmp(secp256k1halfN) > 0 {
		return Address{}, errorf(CodeBadSignature, "signature values out of range")
	}
	pub, err := crypto.SigToPub(digest[:], sig)
	if err != nil {
		return Address{}, errorf(CodeBadSignature, "recover: %v", err)
	}
	return crypto.PubkeyToAddress(*pub), nil
}

// AddressOf is the address of a private key.
func AddressOf(key *ecdsa.PrivateKey) Address {
	return crypto.PubkeyToAddress(key.PublicKey)
}
