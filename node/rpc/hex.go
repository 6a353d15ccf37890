package rpc

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/causeway/causeway/attest"
)

// Key and address shapes.
const (
	// MaxKeyBytes bounds a state key passed to cw_getProof. It matches the
	// state's own bound: keys are short readable paths.
	MaxKeyBytes = 512
	// addressHexLen is the length of "0x" and 40 hex digits.
	addressHexLen = 2 + 2*common.AddressLength
	// keySeparator splits a readable state key into segments.
	keySeparator = '/'
)

// Address is an account or validator address on the wire, encoded EIP-55
// (mixed-case checksum). Decoding accepts all-lowercase or all-uppercase hex,
// and mixed case only when the checksum is right, so a mistyped address is
// refused instead of silently naming another account.
type Address common.Address

// ParseAddress parses a 0x-prefixed 40-digit hex address, checking the
// EIP-55 checksum when s is mixed case.
func ParseAddress(s string) (attest.Address, error) {
	if len(s) != addressHexLen || (s[:2] != "0x" && s[:2] != "0X") {
		return attest.Address{}, fmt.Errorf("parse address %q: want 0x and 40 hex digits", s)
	}
	var a common.Address
	if _, err := hex.Decode(a[:], []byte(s[2:])); err != nil {
		return attest.Address{}, fmt.Errorf("parse address %q: %w", s, err)
	}
	digits := s[2:]
	mixed := strings.ToLower(digits) != digits && strings.ToUpper(digits) != digits
	if mixed && a.Hex()[2:] != digits {
		return attest.Address{}, fmt.Errorf("parse address %q: EIP-55 checksum mismatch", s)
	}
	return a, nil
}

// MarshalText encodes a as EIP-55 hex.
func (a Address) MarshalText() ([]byte, error) { return []byte(common.Address(a).Hex()), nil }

// UnmarshalText decodes hex, checking the checksum of mixed-case input.
func (a *Address) UnmarshalText(b []byte) error {
	v, err := ParseAddress(string(b))
	if err != nil {
		return err
	}
	*a = Address(v)
	return nil
}

// String is the EIP-55 form.
func (a Address) String() string { return common.Address(a).Hex() }

// Attest returns a as the attest (and go-ethereum) address type.
func (a Address) Attest() attest.Address { return attest.Address(a) }

// ParseKey checks a readable state key, such as "bal/0x…/USD", and returns
// the bytes the state trie is keyed by. A key is 1..MaxKeyBytes printable
// ASCII characters without spaces, split by '/' into non-empty segments. A
// segment shaped like an address (0x and 40 hex digits) is lowercased,
// because the state writes addresses in lowercase; the proof answers for the
// returned key.
func ParseKey(s string) ([]byte, error) {
	if len(s) == 0 || len(s) > MaxKeyBytes {
		return nil, fmt.Errorf("parse key: %d bytes, want 1..%d", len(s), MaxKeyBytes)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' {
			return nil, fmt.Errorf("parse key %q: byte %#x at %d is not printable ASCII", s, c, i)
		}
	}
	segs := strings.Split(s, string(keySeparator))
	for i, seg := range segs {
		if seg == "" {
			return nil, fmt.Errorf("parse key %q: empty segment %d", s, i)
		}
		if isAddressSegment(seg) {
			segs[i] = strings.ToLower(seg)
		}
	}
	return []byte(strings.Join(segs, string(keySeparator))), nil
}

func isAddressSegment(seg string) bool {
	if len(seg) != addressHexLen || seg[0] != '0' || (seg[1] != 'x' && seg[1] != 'X') {
		return false
	}
	for i := 2; i < len(seg); i++ {
		if !isHexDigit(seg[i]) {
			return false
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}
