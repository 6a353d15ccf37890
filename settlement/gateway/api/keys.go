package api

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"regexp"
	"strings"

	"github.com/causeway/causeway/attest"
)

// API key format: "cwk_" + id + "_" + secret, where id is 12 lowercase hex
// characters (public, shown in lists and logs) and secret 48 (never stored:
// only its SHA-256 is).
const (
	keyPrefix      = "cwk_"
	keyIDBytes     = 6
	keySecretBytes = 24
)

// ErrMalformedKey: the string is not an API key.
var ErrMalformedKey = errors.New("malformed API key")

var (
	keyRe      = regexp.MustCompile(`^cwk_([0-9a-f]{12})_([0-9a-f]{48})$`)
	clientIDRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
)

// ValidClientID reports whether s is a well-formed API client id.
func ValidClientID(s string) bool { return clientIDRe.MatchString(s) }

// NewAPIKey generates a key: the full key to hand to the client once, its
// public id, and the hash to store.
func NewAPIKey() (key, id string, hash attest.Hash, err error) {
	b := make([]byte, keyIDBytes+keySecretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", "", attest.Hash{}, err
	}
	id, secret := hex.EncodeToString(b[:keyIDBytes]), hex.EncodeToString(b[keyIDBytes:])
	return keyPrefix + id + "_" + secret, id, HashSecret(secret), nil
}

// ParseAPIKey splits a key into its id and secret.
func ParseAPIKey(key string) (id, secret string, err error) {
	m := keyRe.FindStringSubmatch(strings.TrimSpace(key))
	if m == nil {
		return "", "", ErrMalformedKey
	}
	return m[1], m[2], nil
}

// HashSecret is what the store keeps of a secret.
func HashSecret(secret string) attest.Hash { return attest.Hash(sha256.Sum256([]byte(secret))) }

// SecretMatches compares a presented secret with a stored hash in constant
// time.
func SecretMatches(secret string, stored attest.Hash) bool {
	h := HashSecret(secret)
	return subtle.ConstantTimeCompare(h[:], stored[:]) == 1
}
