package chains

import (
	"fmt"
	"slices"
	"strings"

	"github.com/causeway/causeway/attest"
)

// IdentityRule is a consortium chain's contract rule (DESIGN §4): who may
// certify members, how many certifications a registration needs, who
// regulates and how many regulators must agree, which regulatory methods
// exist here, how keys rotate, which member roles the chain admits and its
// account tree. A chain whose genesis has no rule is open: any funded
// account transacts. With a rule only members do, and replacing the rule
// is itself a regulatory action.
type IdentityRule struct {
	CAs []CA `json:"cas"`
	// Endorsements is K: distinct CAs, each allowed to endorse the role,
	// whose endorsements a registration carries.
	Endorsements uint32           `json:"endorsements"`
	Regulators   []Regulator      `json:"regulators"`
	Threshold    attest.Threshold `json:"threshold"`
	// Methods are the regulatory methods permitted on this chain.
	Methods  []attest.Method `json:"methods"`
	Rotation RotationPolicy  `json:"rotation"`
	// Roles are the member roles this chain admits.
	Roles []attest.Role `json:"roles"`
	// Accounts is the account tree above members: organisations ("acme")
	// and their departments ("acme/treasury"). A member hangs under one.
	Accounts []string `json:"accounts"`
	// Members are admitted at genesis; every genesis validator must be one,
	// with the validator role.
	Members []GenesisMember `json:"members"`
	// Bonds are the relayers' bonding terms; nil lets any member with the
	// relayer permission relay unbonded.
	Bonds *BondParams `json:"bonds,omitempty"`
}

// BondParams: a relayer locks at least Min of Denom to relay here; a relay
// message of its that fails cryptographic verification burns SlashPermille
// thousandths of its bond; an unbonded bond comes back UnbondDelayMs of
// block time after the relayer asked.
type BondParams struct {
	Denom         string `json:"denom"`
	Min           string `json:"min"`
	UnbondDelayMs uint64 `json:"unbond_delay_ms"`
	SlashPermille uint32 `json:"slash_permille"`
}

// Validate checks the bonding terms.
func (b *BondParams) Validate() error {
	switch {
	case !ValidDenom(b.Denom):
		return fmt.Errorf("bonds.denom: %q is not a denomination", b.Denom)
	case b.UnbondDelayMs == 0:
		return fmt.Errorf("bonds.unbond_delay_ms: must be positive (a bond must outlive the messages it backs)")
	case b.SlashPermille == 0 || b.SlashPermille > 1000:
		return fmt.Errorf("bonds.slash_permille: %d must be in 1..1000", b.SlashPermille)
	}
	if min, err := ParseAmount(b.Min); err != nil || min.IsZero() {
		return fmt.Errorf("bonds.min: %q must be a positive amount", b.Min)
	}
	return nil
}

// CA is a certification authority: its Schnorr key, the version of that
// key (1 at first; each rotation adds one) and the roles it may endorse.
type CA struct {
	ID         string            `json:"id"`
	Key        attest.SchnorrKey `json:"key"`
	KeyVersion uint32            `json:"key_version"`
	Roles      []attest.Role     `json:"roles"`
}

// Regulator is one member of the regulators' group.
type Regulator struct {
	ID         string            `json:"id"`
	Key        attest.SchnorrKey `json:"key"`
	KeyVersion uint32            `json:"key_version"`
}

// RotationPolicy says how CA and regulator keys may rotate: a rotation
// signed by the current key, at most once per MinIntervalMs of block time.
// Disabled keeps every key for the life of the rule.
type RotationPolicy struct {
	Disabled      bool   `json:"disabled,omitempty"`
	MinIntervalMs uint64 `json:"min_interval_ms,omitempty"`
}

// GenesisMember is a member admitted at genesis.
type GenesisMember struct {
	Address      attest.Address `json:"address"`
	Role         attest.Role    `json:"role"`
	Parent       string         `json:"parent"`
	IdentityHash attest.Hash    `json:"identity_hash"`
}

// Account tree limits.
const (
	MaxAccountDepth   = 2  // organisation/department
	MaxAccountSegment = 64 // bytes per path segment
	MaxHolderIDBytes  = 64 // a CA or regulator id
)

// ValidHolderID reports whether s may name a CA or regulator: 1 to 64 of
// [a-z0-9-].
func ValidHolderID(s string) bool { return len(s) <= MaxHolderIDBytes && validIDChars(s) }

func validIDChars(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// ValidAccountPath reports whether p is an account tree path: one or two
// segments of [a-z0-9-] joined by "/".
func ValidAccountPath(p string) bool {
	segs := strings.Split(p, "/")
	if len(segs) > MaxAccountDepth {
		return false
	}
	for _, s := range segs {
		if len(s) > MaxAccountSegment || !validIDChars(s) {
			return false
		}
	}
	return true
}

// Validate checks the rule against the chain's genesis validators and
// names the field that is wrong ("identity.cas[1].roles[0]: …").
func (r *IdentityRule) Validate(validators []GenesisValidator) error {
	if err := r.validateHolders(); err != nil {
		return err
	}
	if err := r.ValidateTerms(len(r.CAs), len(r.Regulators)); err != nil {
		return err
	}
	for i, ca := range r.CAs {
		for j, role := range ca.Roles {
			if !slices.Contains(r.Roles, role) {
				return fmt.Errorf("cas[%d].roles[%d]: %s is not a role this chain admits", i, j, role)
			}
		}
	}
	if r.Bonds != nil {
		if err := r.Bonds.Validate(); err != nil {
			return err
		}
	}
	return r.validateMembers(validators)
}

// ValidateTerms checks what a rule demands of registrations and actions
// (K, threshold, methods, roles, account tree) for a chain with nCAs CAs
// and nRegs regulators; the registry checks a replacement rule with it.
func (r *IdentityRule) ValidateTerms(nCAs, nRegs int) error {
	if r.Endorsements == 0 || int(r.Endorsements) > nCAs {
		return fmt.Errorf("endorsements: %d must be in 1..%d (the CAs)", r.Endorsements, nCAs)
	}
	if err := r.Threshold.Validate(nRegs); err != nil {
		return fmt.Errorf("threshold: %w", err)
	}
	if err := uniqueValid("methods", r.Methods); err != nil {
		return err
	}
	if err := uniqueValid("roles", r.Roles); err != nil {
		return err
	}
	if len(r.Roles) == 0 {
		return fmt.Errorf("roles: admit at least one")
	}
	return r.validateAccounts()
}

func (r *IdentityRule) validateHolders() error {
	if len(r.CAs) == 0 {
		return fmt.Errorf("cas: at least one")
	}
	if len(r.Regulators) == 0 {
		return fmt.Errorf("regulators: at least one")
	}
	ids := map[string]string{}
	keys := map[attest.SchnorrKey]string{}
	check := func(field, id string, key attest.SchnorrKey, version uint32) error {
		switch {
		case !ValidHolderID(id):
			return fmt.Errorf("%s.id: %q must be 1 to 64 of [a-z0-9-]", field, id)
		case ids[id] != "":
			return fmt.Errorf("%s.id: %q is also %s", field, id, ids[id])
		case version == 0:
			return fmt.Errorf("%s.key_version: must be at least 1", field)
		case keys[key] != "":
			return fmt.Errorf("%s.key: also the key of %s", field, keys[key])
		}
		if _, err := attest.ParseSchnorrKey(key.String()); err != nil {
			return fmt.Errorf("%s.key: %w", field, err)
		}
		ids[id], keys[key] = field, field
		return nil
	}
	for i, ca := range r.CAs {
		field := fmt.Sprintf("cas[%d]", i)
		if err := check(field, ca.ID, ca.Key, ca.KeyVersion); err != nil {
			return err
		}
		if len(ca.Roles) == 0 {
			return fmt.Errorf("%s.roles: a CA endorses at least one role", field)
		}
		if err := uniqueValid(field+".roles", ca.Roles); err != nil {
			return err
		}
	}
	for i, reg := range r.Regulators {
		if err := check(fmt.Sprintf("regulators[%d]", i), reg.ID, reg.Key, reg.KeyVersion); err != nil {
			return err
		}
	}
	return nil
}

func (r *IdentityRule) validateAccounts() error {
	seen := map[string]bool{}
	for i, p := range r.Accounts {
		switch {
		case !ValidAccountPath(p):
			return fmt.Errorf("accounts[%d]: %q is not org or org/department of [a-z0-9-]", i, p)
		case seen[p]:
			return fmt.Errorf("accounts[%d]: %q listed twice", i, p)
		}
		if parent, _, nested := strings.Cut(p, "/"); nested && !seen[parent] {
			return fmt.Errorf("accounts[%d]: %q comes before its organisation %q", i, p, parent)
		}
		seen[p] = true
	}
	return nil
}

func (r *IdentityRule) validateMembers(validators []GenesisValidator) error {
	members := map[attest.Address]attest.Role{}
	for i, m := range r.Members {
		field := fmt.Sprintf("members[%d]", i)
		switch {
		case m.Address == (attest.Address{}):
			return fmt.Errorf("%s.address: missing", field)
		case members[m.Address] != 0:
			return fmt.Errorf("%s.address: %s listed twice", field, m.Address)
		case !slices.Contains(r.Roles, m.Role):
			return fmt.Errorf("%s.role: %s is not a role this chain admits", field, m.Role)
		case !slices.Contains(r.Accounts, m.Parent):
			return fmt.Errorf("%s.parent: %q is not in accounts", field, m.Parent)
		}
		members[m.Address] = m.Role
	}
	for i, v := range validators {
		if members[v.Address] != attest.RoleValidator {
			return fmt.Errorf("members: validator %d (%s) must be a member with the validator role", i, v.Address)
		}
	}
	return nil
}

// uniqueValid checks a list of roles or methods: each known, none twice.
func uniqueValid[T interface {
	comparable
	Valid() bool
	String() string
}](field string, list []T) error {
	seen := map[T]bool{}
	for i, v := range list {
		switch {
		case !v.Valid():
			return fmt.Errorf("%s[%d]: %s is unknown", field, i, v)
		case seen[v]:
			return fmt.Errorf("%s[%d]: %s listed twice", field, i, v)
		}
		seen[v] = true
	}
	return nil
}
