// Package identitytest builds identity rules with known keys for tests:
// CAs and regulators whose private keys the test holds, so it can endorse
// registrations and sign regulatory actions.
package identitytest

import (
	"bytes"
	"fmt"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
)

// Org and Dept are the account tree of a Rule: one organisation with one
// department.
const (
	Org  = "acme"
	Dept = "acme/ops"
)

// Keys are the private keys behind a Rule.
type Keys struct {
	CAs        map[string]*attest.SchnorrPrivateKey
	Regulators map[string]*attest.SchnorrPrivateKey
}

// Key is the reproducible Schnorr key number i.
func Key(i int) *attest.SchnorrPrivateKey {
	b := bytes.Repeat([]byte{byte(i + 1)}, 32)
	b[0] = 0x42
	k, err := attest.SchnorrKeyFromBytes(b)
	if err != nil {
		panic(err)
	}
	return k
}

// Rule is a valid rule for a chain with validators: CAs ca-1 (every role),
// ca-2 (every role), ca-3 (user and exchange only), K = 2; regulators
// reg-1..reg-3 with "more than half"; every method; every role; the
// validators as members under Dept.
func Rule(validators []chains.GenesisValidator) (*chains.IdentityRule, *Keys) {
	all := []attest.Role{attest.RoleUser, attest.RoleExchange, attest.RoleRelayer, attest.RoleValidator}
	keys := &Keys{CAs: map[string]*attest.SchnorrPrivateKey{}, Regulators: map[string]*attest.SchnorrPrivateKey{}}
	r := &chains.IdentityRule{
		Endorsements: 2,
		Threshold:    attest.Threshold{Num: 1, Den: 2},
		Methods: []attest.Method{attest.MethodBlacklist, attest.MethodRemove, attest.MethodLimit, attest.MethodDemote,
			attest.MethodUnfreeze, attest.MethodChangeRule},
		Rotation: chains.RotationPolicy{MinIntervalMs: 0},
		Roles:    all,
		Accounts: []string{Org, Dept},
	}
	caRoles := [][]attest.Role{all, all, {attest.RoleUser, attest.RoleExchange}}
	for i, roles := range caRoles {
		id := fmt.Sprintf("ca-%d", i+1)
		k := Key(i)
		keys.CAs[id] = k
		r.CAs = append(r.CAs, chains.CA{ID: id, Key: attest.SchnorrPublic(k), KeyVersion: 1, Roles: roles})
	}
	for i := range 3 {
		id := fmt.Sprintf("reg-%d", i+1)
		k := Key(10 + i)
		keys.Regulators[id] = k
		r.Regulators = append(r.Regulators, chains.Regulator{ID: id, Key: attest.SchnorrPublic(k), KeyVersion: 1})
	}
	for _, v := range validators {
		r.Members = append(r.Members, chains.GenesisMember{Address: v.Address, Role: attest.RoleValidator, Parent: Dept,
			IdentityHash: attest.Keccak(v.Address[:])})
	}
	return r, keys
}

// Endorse signs reg for the chain with genesis by each named CA, with the
// key version given (1 unless rotated).
func (k *Keys) Endorse(genesis attest.Hash, reg attest.Registration, version uint32, cas ...string) []attest.Endorsement {
	d := reg.Digest(genesis)
	out := make([]attest.Endorsement, len(cas))
	for i, id := range cas {
		out[i] = groupSig(k.CAs[id], id, version, d)
	}
	return out
}

// Regulate signs a by each named regulator.
func (k *Keys) Regulate(genesis attest.Hash, a attest.RegulatoryAction, regulators ...string) []attest.GroupSig {
	d := a.Digest(genesis)
	out := make([]attest.GroupSig, len(regulators))
	for i, id := range regulators {
		out[i] = groupSig(k.Regulators[id], id, 1, d)
	}
	return out
}

func groupSig(k *attest.SchnorrPrivateKey, id string, version uint32, d attest.Hash) attest.GroupSig {
	if k == nil {
		panic("identitytest: no key for " + id)
	}
	sig, err := attest.SignSchnorr(k, d)
	if err != nil {
		panic(err)
	}
	return attest.GroupSig{Signer: id, KeyVersion: version, Sig: sig}
}
