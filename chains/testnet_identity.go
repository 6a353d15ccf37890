package chains

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/causeway/causeway/attest"
)

// A testnet generated with an identity rule (TestnetOptions.Identity): its
// account tree, its CAs and regulators, and where their keys are written.
const (
	TestnetOrg         = "consortium"
	TestnetDept        = "consortium/members"
	testnetIdentityDir = "identity"
	testnetCAs         = 3
	testnetRegulators  = 3
	schnorrKeyFileMode = 0o600
)

// IdentityKey is a CA's or regulator's key generated for a testnet.
type IdentityKey struct {
	ID      string
	Key     *attest.SchnorrPrivateKey
	KeyFile string // identity/<id>.key; empty for an in-memory testnet
}

// testnetRule is the identity rule of a generated testnet: CAs ca-1 and
// ca-2 endorse every role and ca-3 users and exchanges, K = 2; regulators
// reg-1..reg-3, more than half must sign; every method; rotation allowed;
// the validators are genesis members. Demo accounts are not members: they
// register.
func testnetRule(keys keySource, validators []GenesisValidator) (*IdentityRule, []IdentityKey, error) {
	all := []attest.Role{attest.RoleUser, attest.RoleExchange, attest.RoleRelayer, attest.RoleValidator}
	r := &IdentityRule{
		Endorsements: 2,
		Threshold:    attest.Threshold{Num: 1, Den: 2},
		Methods: []attest.Method{attest.MethodBlacklist, attest.MethodRemove, attest.MethodLimit, attest.MethodDemote,
			attest.MethodUnfreeze, attest.MethodChangeRule},
		Roles:    all,
		Accounts: []string{TestnetOrg, TestnetDept},
	}
	var out []IdentityKey
	for i := range testnetCAs + testnetRegulators {
		k, err := keys.schnorr("identity", i)
		if err != nil {
			return nil, nil, err
		}
		pub := attest.SchnorrPublic(k)
		if i < testnetCAs {
			id := "ca-" + strconv.Itoa(i+1)
			roles := all
			if i == 2 {
				roles = []attest.Role{attest.RoleUser, attest.RoleExchange}
			}
			r.CAs = append(r.CAs, CA{ID: id, Key: pub, KeyVersion: 1, Roles: roles})
			out = append(out, IdentityKey{ID: id, Key: k})
			continue
		}
		id := "reg-" + strconv.Itoa(i-testnetCAs+1)
		r.Regulators = append(r.Regulators, Regulator{ID: id, Key: pub, KeyVersion: 1})
		out = append(out, IdentityKey{ID: id, Key: k})
	}
	for _, v := range validators {
		r.Members = append(r.Members, GenesisMember{Address: v.Address, Role: attest.RoleValidator, Parent: TestnetDept,
			IdentityHash: attest.Keccak([]byte("validator"), v.Address[:])})
	}
	return r, out, nil
}

// schnorr derives (or, without a seed, generates) a Schnorr key.
func (s keySource) schnorr(role string, index int) (*attest.SchnorrPrivateKey, error) {
	if s.seed == nil {
		return attest.NewSchnorrKey()
	}
	for counter := range maxKeyDerivationTries {
		sum := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%d|%d|%d", s.chainID, role, index, *s.seed, counter))
		if k, err := attest.SchnorrKeyFromBytes(sum[:]); err == nil {
			return k, nil
		}
	}
	return nil, fmt.Errorf("derive %s key %d: no valid scalar", role, index)
}

// writeIdentityKeys writes each key as 64 hex digits to identity/<id>.key.
func (t *Testnet) writeIdentityKeys() error {
	if len(t.IdentityKeys) == 0 {
		return nil
	}
	dir := filepath.Join(t.Home, testnetIdentityDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for i := range t.IdentityKeys {
		k := &t.IdentityKeys[i]
		k.KeyFile = filepath.Join(dir, k.ID+".key")
		if err := WriteSchnorrKey(k.KeyFile, k.Key); err != nil {
			return err
		}
	}
	return nil
}

// WriteSchnorrKey writes k to path as 64 hex digits (mode 0600), refusing
// to replace a file.
func WriteSchnorrKey(path string, k *attest.SchnorrPrivateKey) error {
	b := k.Key.Bytes()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, schnorrKeyFileMode)
	if err != nil {
		return fmt.Errorf("write schnorr key: %w", err)
	}
	_, werr := fmt.Fprintln(f, hex.EncodeToString(b[:]))
	return errors.Join(werr, f.Close())
}

// ReadSchnorrKey reads a key written by WriteSchnorrKey.
func ReadSchnorrKey(path string) (*attest.SchnorrPrivateKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read schnorr key: %w", err)
	}
	b, err := hex.DecodeString(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(raw)), "0x")))
	if err != nil {
		return nil, fmt.Errorf("read schnorr key %s: not hex", path)
	}
	k, err := attest.SchnorrKeyFromBytes(b)
	if err != nil {
		return nil, fmt.Errorf("read schnorr key %s: %w", path, err)
	}
	return k, nil
}
