package registry

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/ethereum/go-ethereum/rlp"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
)

// State keys of the identity layer, besides validatorsKey and the schedule.
const (
	ruleKey         = "registry/rule"
	caPrefix        = "registry/ca/"        // <id> → holder
	regulatorPrefix = "registry/regulator/" // <id> → holder
	caListKey       = "registry/cas"        // every CA id, in genesis order
	regulatorsKey   = "registry/regulators" // every regulator id
	memberPrefix    = "registry/member/"    // <0xaddr> → Member
	pendingPrefix   = "registry/pending/"   // <action digest> → pending
	nonceMark       = "registry/nonce/"     // <nonce> → height applied
	leavingPrefix   = "registry/leaving/"   // <0xaddr> → the validator leaves the set at the end of this block
)

// ErrCorruptState is a registry record that does not decode: the node
// halts rather than act on it.
var ErrCorruptState = errors.New("registry: corrupt state")

// Rule is the part of the chain's identity rule that is not a CA, a
// regulator or a member: what registrations and actions must satisfy.
type Rule struct {
	Endorsements uint32
	Threshold    attest.Threshold
	Methods      []attest.Method
	Rotation     chains.RotationPolicy
	Roles        []attest.Role
	Accounts     []string
}

// validate checks the terms against a chain with nCAs CAs and nRegs
// regulators, as chains.IdentityRule.Validate does at genesis.
func (r *Rule) validate(nCAs, nRegs int) error {
	rule := chains.IdentityRule{Endorsements: r.Endorsements, Threshold: r.Threshold, Methods: r.Methods,
		Rotation: r.Rotation, Roles: r.Roles, Accounts: r.Accounts}
	return rule.ValidateTerms(nCAs, nRegs)
}

// Permits reports whether the rule permits method m.
func (r *Rule) Permits(m attest.Method) bool { return slices.Contains(r.Methods, m) }

// Holder is a CA or a regulator: its roles (a CA's) and every version of
// its key, oldest first, each with the height it took effect.
type Holder struct {
	ID        string
	Roles     []attest.Role
	Keys      []KeyVersion
	RotatedMs uint64 // block time of the last rotation; 0 before any
}

// KeyVersion is one key a holder has had.
type KeyVersion struct {
	Version    uint32
	Key        attest.SchnorrKey
	FromHeight uint64
}

// Current is the holder's key now.
func (h *Holder) Current() KeyVersion { return h.Keys[len(h.Keys)-1] }

// KeyAt is version v of the holder's key, current or past: old
// endorsements and actions verify against the key that made them.
func (h *Holder) KeyAt(v uint32) (attest.SchnorrKey, bool) {
	for _, k := range h.Keys {
		if k.Version == v {
			return k.Key, true
		}
	}
	return attest.SchnorrKey{}, false
}

// Status is where a member stands.
type Status uint8

// Member statuses.
const (
	StatusActive      Status = iota + 1
	StatusRemoved            // left, or was removed; may register again
	StatusBlacklisted        // may never act or register again
)

func (s Status) String() string {
	switch s {
	case StatusActive:
		return "active"
	case StatusRemoved:
		return "removed"
	case StatusBlacklisted:
		return "blacklisted"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// Permission bits: what kinds of transaction a member may send. A limit
// action narrows them; new members hold them all.
const (
	PermSend     uint64 = 1 << iota // bank transfers
	PermTransfer                    // cross-chain transfers (xfer.transfer)
	PermRelay                       // relay messages (xfer.recv, ack, update_client, misbehaviour)
	PermRegistry                    // registry transactions (submitting actions, rotations)

	PermAll = PermSend | PermTransfer | PermRelay | PermRegistry
)

// Member is an account the registry admitted.
type Member struct {
	Address      attest.Address
	Role         attest.Role
	Parent       string
	IdentityHash attest.Hash
	Status       Status
	Permissions  uint64
	Height       uint64   // admitted at
	Endorsers    []string // the CAs whose endorsements admitted it; none for genesis members
}

// pending is a regulatory action whose signatures are still gathering.
type pending struct {
	Action  attest.RegulatoryAction
	Signers []string
}

func holderKey(kind attest.KeyKind, id string) []byte {
	if kind == attest.KeyCA {
		return []byte(caPrefix + id)
	}
	return []byte(regulatorPrefix + id)
}

func memberKey(a attest.Address) []byte {
	return append([]byte(memberPrefix), app.AddressKey(a)...)
}

func leavingKey(a attest.Address) []byte {
	return append([]byte(leavingPrefix), app.AddressKey(a)...)
}

func pendingKey(d attest.Hash) []byte { return []byte(pendingPrefix + d.Hex()) }

func nonceKey(n uint64) []byte { return fmt.Appendf([]byte(nonceMark), "%d", n) }

func read(kv app.KV, key []byte, v any) (bool, error) {
	b, err := kv.Get(key)
	if err != nil {
		return false, fmt.Errorf("registry: read %s: %w", key, err)
	}
	if b == nil {
		return false, nil
	}
	if err := rlp.DecodeBytes(b, v); err != nil {
		return false, fmt.Errorf("%w: %s: %w", ErrCorruptState, key, err)
	}
	return true, nil
}

func write(kv app.KV, key []byte, v any) error {
	b, err := rlp.EncodeToBytes(v)
	if err != nil {
		return fmt.Errorf("registry: encode %s: %w", key, err)
	}
	if err := kv.Set(key, b); err != nil {
		return fmt.Errorf("registry: write %s: %w", key, err)
	}
	return nil
}

func del(kv app.KV, key []byte) error {
	if err := kv.Delete(key); err != nil {
		return fmt.Errorf("registry: delete %s: %w", key, err)
	}
	return nil
}

// GetRule returns the chain's rule, nil on an open chain.
func GetRule(kv app.KV) (*Rule, error) {
	var r Rule
	ok, err := read(kv, []byte(ruleKey), &r)
	if !ok || err != nil {
		return nil, err
	}
	return &r, nil
}

// GetMember returns addr's record, nil when it never registered.
func GetMember(kv app.KV, addr attest.Address) (*Member, error) {
	var m Member
	ok, err := read(kv, memberKey(addr), &m)
	if !ok || err != nil {
		return nil, err
	}
	return &m, nil
}

// GetHolder returns a CA's or a regulator's record, nil when none.
func GetHolder(kv app.KV, kind attest.KeyKind, id string) (*Holder, error) {
	var h Holder
	ok, err := read(kv, holderKey(kind, id), &h)
	if !ok || err != nil {
		return nil, err
	}
	return &h, nil
}

func holderIDs(kv app.KV, kind attest.KeyKind) ([]string, error) {
	key := caListKey
	if kind == attest.KeyRegulator {
		key = regulatorsKey
	}
	var ids []string
	_, err := read(kv, []byte(key), &ids)
	return ids, err
}

// keyring is the KeyLookup of new submissions: only a holder's current key
// version signs anything new. It keeps the holders it read, and the first
// failure to read one (which is not an unknown signer).
type keyring struct {
	kv      app.KV
	kind    attest.KeyKind
	holders map[string]*Holder
	err     error
}

func newKeyring(kv app.KV, kind attest.KeyKind) *keyring {
	return &keyring{kv: kv, kind: kind, holders: map[string]*Holder{}}
}

func (k *keyring) current(id string, version uint32) (attest.SchnorrKey, bool) {
	h, ok := k.holders[id]
	if !ok {
		var err error
		if h, err = GetHolder(k.kv, k.kind, id); err != nil {
			k.err = cmp.Or(k.err, err)
			return attest.SchnorrKey{}, false
		}
		if h == nil {
			return attest.SchnorrKey{}, false
		}
		k.holders[id] = h
	}
	if cur := h.Current(); cur.Version == version {
		return cur.Key, true
	}
	return attest.SchnorrKey{}, false
}

// verify checks sigs over d by current keys; code is the rejection for a
// signature that fails.
func (k *keyring) verify(d attest.Hash, sigs []attest.GroupSig, code app.Code) ([]string, error) {
	signers, err := attest.VerifyGroupSigs(d, sigs, k.current)
	switch {
	case k.err != nil:
		return nil, k.err
	case err != nil:
		return nil, rejectf(code, "%v", err)
	}
	return signers, nil
}

// initIdentity writes the rule, its holders and its genesis members.
func initIdentity(kv app.KV, r *chains.IdentityRule) error {
	if err := write(kv, []byte(ruleKey), &Rule{Endorsements: r.Endorsements, Threshold: r.Threshold, Methods: r.Methods,
		Rotation: r.Rotation, Roles: r.Roles, Accounts: r.Accounts}); err != nil {
		return err
	}
	var ids []string
	for _, ca := range r.CAs {
		h := &Holder{ID: ca.ID, Roles: ca.Roles, Keys: []KeyVersion{{Version: ca.KeyVersion, Key: ca.Key}}}
		if err := write(kv, holderKey(attest.KeyCA, ca.ID), h); err != nil {
			return err
		}
		ids = append(ids, ca.ID)
	}
	if err := write(kv, []byte(caListKey), ids); err != nil {
		return err
	}
	ids = nil
	for _, reg := range r.Regulators {
		h := &Holder{ID: reg.ID, Keys: []KeyVersion{{Version: reg.KeyVersion, Key: reg.Key}}}
		if err := write(kv, holderKey(attest.KeyRegulator, reg.ID), h); err != nil {
			return err
		}
		ids = append(ids, reg.ID)
	}
	if err := write(kv, []byte(regulatorsKey), ids); err != nil {
		return err
	}
	for _, m := range r.Members {
		rec := &Member{Address: m.Address, Role: m.Role, Parent: m.Parent, IdentityHash: m.IdentityHash,
			Status: StatusActive, Permissions: PermAll}
		if err := write(kv, memberKey(m.Address), rec); err != nil {
			return err
		}
	}
	return nil
}

// Identity is the whole identity layer of a chain: its rule, CAs and
// regulators.
type Identity struct {
	Rule       *Rule
	CAs        []*Holder
	Regulators []*Holder
}

// GetIdentity reads the chain's rule with every CA and regulator; nil on
// an open chain.
func GetIdentity(kv app.KV) (*Identity, error) {
	rule, err := GetRule(kv)
	if err != nil || rule == nil {
		return nil, err
	}
	out := &Identity{Rule: rule}
	for _, kind := range []attest.KeyKind{attest.KeyCA, attest.KeyRegulator} {
		ids, err := holderIDs(kv, kind)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			h, err := GetHolder(kv, kind, id)
			if err != nil {
				return nil, err
			}
			if h == nil {
				return nil, fmt.Errorf("%w: %s %q is listed but has no record", ErrCorruptState, kindName(kind), id)
			}
			if kind == attest.KeyCA {
				out.CAs = append(out.CAs, h)
			} else {
				out.Regulators = append(out.Regulators, h)
			}
		}
	}
	return out, nil
}
