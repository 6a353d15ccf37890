package attest

import (
	"bytes"
	"fmt"

	"github.com/ethereum/go-ethereum/rlp"
)

// Domain tags of the identity and governance messages (DESIGN §4). Each is
// signed with BIP-340 Schnorr by a certification authority or a regulator,
// over Digest(tag, genesis, rlp(message)): an endorsement or an action for
// one chain never verifies on another.
const (
	TagEndorse  = "causeway/endorse/v1"
	TagRegulate = "causeway/regulate/v1"
	TagRotate   = "causeway/rotate-key/v1"
)

// Role is what a member may do on a chain.
type Role uint8

// Member roles. Zero is no role.
const (
	RoleUser Role = iota + 1
	RoleExchange
	RoleRelayer
	RoleValidator
)

var roleNames = map[Role]string{RoleUser: "user", RoleExchange: "exchange", RoleRelayer: "relayer", RoleValidator: "validator"}

func (r Role) String() string {
	if n, ok := roleNames[r]; ok {
		return n
	}
	return fmt.Sprintf("role(%d)", uint8(r))
}

// Valid reports whether r is one of the member roles.
func (r Role) Valid() bool { _, ok := roleNames[r]; return ok }

// ParseRole reads a role name: user, exchange, relayer or validator.
func ParseRole(s string) (Role, error) {
	for r, n := range roleNames {
		if n == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("%q is not a role (user, exchange, relayer, validator)", s)
}

// MarshalText writes the role's name.
func (r Role) MarshalText() ([]byte, error) {
	if !r.Valid() {
		return nil, fmt.Errorf("no such role %d", uint8(r))
	}
	return []byte(r.String()), nil
}

// UnmarshalText reads a role's name.
func (r *Role) UnmarshalText(b []byte) error {
	v, err := ParseRole(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// Registration is what a registrant asks of the registry and what its
// certification authorities endorse: this account, in this role, under
// this node of the account tree, with these identity documents (kept off
// chain; the hash binds them), endorsements valid until ExpiresMs of the
// chain's block time.
type Registration struct {
	Member       Address
	Role         Role
	Parent       string // account tree path, e.g. "acme/treasury"
	IdentityHash Hash
	ExpiresMs    uint64
}

// Digest is what each CA signs for r on the chain with genesis.
func (r *Registration) Digest(genesis Hash) Hash { return Digest(TagEndorse, genesis, mustRLP(r)) }

// GroupSig is a signature by one member of a signing group (a CA, a
// regulator) with the version of its key that made it: keys rotate, and
// the registry keeps every version so old signatures still verify.
type GroupSig struct {
	Signer     string
	KeyVersion uint32
	Sig        SchnorrSig
}

// Endorsement is a CA's signature over a Registration digest.
type Endorsement = GroupSig

// Method is a regulatory method.
type Method uint8

// Regulatory methods. A chain's rule lists which of them its regulators
// may use.
const (
	MethodBlacklist  Method = iota + 1 // the member can never act or register again
	MethodRemove                       // the member leaves; a validator leaves the set
	MethodLimit                        // the member's permissions are narrowed (Params)
	MethodDemote                       // the member takes a lesser role (Params)
	MethodUnfreeze                     // a frozen light client is trusted again (Params: chain id)
	MethodChangeRule                   // the chain's rule is replaced (Params: the new rule)
)

var methodNames = map[Method]string{MethodBlacklist: "blacklist", MethodRemove: "remove", MethodLimit: "limit",
	MethodDemote: "demote", MethodUnfreeze: "unfreeze", MethodChangeRule: "change_rule"}

func (m Method) String() string {
	if n, ok := methodNames[m]; ok {
		return n
	}
	return fmt.Sprintf("method(%d)", uint8(m))
}

// Valid reports whether m is one of the regulatory methods.
func (m Method) Valid() bool { _, ok := methodNames[m]; return ok }

// ParseMethod reads a method name.
func ParseMethod(s string) (Method, error) {
	for m, n := range methodNames {
		if n == s {
			return m, nil
		}
	}
	return 0, fmt.Errorf("%q is not a regulatory method (blacklist, remove, limit, demote, unfreeze, change_rule)", s)
}

// MarshalText writes the method's name.
func (m Method) MarshalText() ([]byte, error) {
	if !m.Valid() {
		return nil, fmt.Errorf("no such method %d", uint8(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText reads a method's name.
func (m *Method) UnmarshalText(b []byte) error {
	v, err := ParseMethod(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// RegulatoryAction is one act of the regulators: every signer signs this
// identical content. Nonce makes each act distinct, so a collected action
// cannot be replayed; ExpiresMs bounds how long signatures may gather.
type RegulatoryAction struct {
	Method    Method
	Target    Address // the member acted on; zero for unfreeze and change_rule
	Params    []byte  // method-specific, RLP
	Nonce     uint64
	ExpiresMs uint64
}

// Digest is what each regulator signs for a on the chain with genesis.
func (a *RegulatoryAction) Digest(genesis Hash) Hash { return Digest(TagRegulate, genesis, mustRLP(a)) }

// KeyKind says whose key a rotation replaces.
type KeyKind uint8

// Holders of Schnorr keys in the registry.
const (
	KeyCA KeyKind = iota + 1
	KeyRegulator
)

// KeyRotation replaces the key of a CA or regulator: the holder signs it
// with its current key (version NewVersion-1).
type KeyRotation struct {
	Kind       KeyKind
	Holder     string
	NewVersion uint32
	NewKey     SchnorrKey
}

// Digest is what the current key signs for k on the chain with genesis.
func (k *KeyRotation) Digest(genesis Hash) Hash { return Digest(TagRotate, genesis, mustRLP(k)) }

// KeyLookup returns the key a group member held at a version, or false.
type KeyLookup func(signer string, version uint32) (SchnorrKey, bool)

// VerifyGroupSigs checks sigs over digest: each by a known key version of
// its signer, no signer twice. It returns the signers in order. The caller
// applies its own count and permission rules to them.
func VerifyGroupSigs(digest Hash, sigs []GroupSig, keys KeyLookup) ([]string, error) {
	seen := make(map[string]bool, len(sigs))
	signers := make([]string, 0, len(sigs))
	for i, s := range sigs {
		if seen[s.Signer] {
			return nil, errorf(CodeMalformed, "signature %d: %q signed twice", i, s.Signer)
		}
		seen[s.Signer] = true
		key, ok := keys(s.Signer, s.KeyVersion)
		if !ok {
			return nil, errorf(CodeUnknownSigner, "signature %d: %q has no key version %d", i, s.Signer, s.KeyVersion)
		}
		if err := VerifySchnorr(key, digest, s.Sig); err != nil {
			return nil, errorf(CodeBadSignature, "signature %d by %q (key version %d) does not verify", i, s.Signer, s.KeyVersion)
		}
		signers = append(signers, s.Signer)
	}
	return signers, nil
}

// Threshold is how many of a group must sign: a fixed Count, or more than
// the fraction Num/Den of the group ("more than half" is 1/2). Exactly one
// form is set.
type Threshold struct {
	Count uint32 `json:"count,omitempty"`
	Num   uint32 `json:"num,omitempty"`
	Den   uint32 `json:"den,omitempty"`
}

// Validate checks t against a group of n.
func (t Threshold) Validate(n int) error {
	switch {
	case t.Count > 0 && (t.Num != 0 || t.Den != 0):
		return fmt.Errorf("set count or num/den, not both")
	case t.Count > 0 && int(t.Count) > n:
		return fmt.Errorf("count %d is more than the group of %d", t.Count, n)
	case t.Count > 0:
		return nil
	case t.Den == 0:
		return fmt.Errorf("set count, or num/den with den > 0")
	case t.Num >= t.Den:
		return fmt.Errorf("more than %d/%d of the group can never sign", t.Num, t.Den)
	}
	return nil
}

// Required is how many of a group of n must sign.
func (t Threshold) Required(n int) int {
	if t.Count > 0 {
		return int(t.Count)
	}
	// The least m with m/n > Num/Den: m·Den > n·Num.
	return int(uint64(n)*uint64(t.Num)/uint64(t.Den)) + 1
}

// mustRLP encodes one of this file's messages, whose fields RLP always
// encodes.
func mustRLP(v any) []byte {
	b, err := rlp.EncodeToBytes(v)
	if err != nil {
		panic(fmt.Sprintf("attest: encode %T: %v", v, err))
	}
	return b
}

// Endorsed is a registration with its CA endorsements, as a registration
// transaction carries it.
type Endorsed struct {
	Registration Registration
	Endorsements []Endorsement
}

// SignedAction is a regulatory action with the regulators' signatures
// gathered so far.
type SignedAction struct {
	Action     RegulatoryAction
	Signatures []GroupSig
}

// SignedRotation is a key rotation signed by the holder's current key.
type SignedRotation struct {
	Rotation KeyRotation
	Sig      SchnorrSig
}

// DecodeEndorsed decodes an RLP Endorsed.
func DecodeEndorsed(b []byte) (*Endorsed, error) {
	return decodeIdentity[Endorsed](b, "endorsed registration")
}

// DecodeSignedAction decodes an RLP SignedAction.
func DecodeSignedAction(b []byte) (*SignedAction, error) {
	return decodeIdentity[SignedAction](b, "regulatory action")
}

// DecodeSignedRotation decodes an RLP SignedRotation.
func DecodeSignedRotation(b []byte) (*SignedRotation, error) {
	return decodeIdentity[SignedRotation](b, "key rotation")
}

// Encode is the RLP of e.
func (e *Endorsed) Encode() []byte { return mustRLP(e) }

// Encode is the RLP of a.
func (a *SignedAction) Encode() []byte { return mustRLP(a) }

// Encode is the RLP of r.
func (r *SignedRotation) Encode() []byte { return mustRLP(r) }

// decodeIdentity decodes one identity message, refusing any encoding but
// the canonical one: a message has exactly one byte form, so its hash
// names it.
func decodeIdentity[T any](b []byte, what string) (*T, error) {
	var v T
	if err := rlp.DecodeBytes(b, &v); err != nil {
		return nil, errorf(CodeMalformed, "decode %s: %v", what, err)
	}
	if !bytes.Equal(mustRLP(&v), b) {
		return nil, errorf(CodeMalformed, "decode %s: not in canonical form", what)
	}
	return &v, nil
}
