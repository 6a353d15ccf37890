package rpc

import (
	"context"
	"fmt"

	"github.com/causeway/causeway/attest"
)

// Member is the result of cw_getMember: the registry's record of an
// account as of Height.
type Member struct {
	Height       uint64         `json:"height"`
	Address      attest.Address `json:"address"`
	Role         attest.Role    `json:"role"`
	Parent       string         `json:"parent"`
	IdentityHash attest.Hash    `json:"identity_hash"`
	// Status is "active", "removed" or "blacklisted".
	Status string `json:"status"`
	// Permissions are the kinds of transaction it may send: any of
	// "send", "transfer", "relay", "registry".
	Permissions []string `json:"permissions"`
	// AdmittedHeight is where its registration landed (0: genesis).
	AdmittedHeight uint64   `json:"admitted_height"`
	Endorsers      []string `json:"endorsers"`
	// Bond is a relayer's stake on this chain; null when it never bonded.
	Bond *MemberBond `json:"bond"`
	// FeesEarned are the relay fees paid to it since genesis, per denom.
	FeesEarned []Coin `json:"fees_earned"`
}

// MemberBond is a relayer's bond: what is locked, what slashing burned,
// and, once it unbonds, the block time it comes back (0 while bonded).
type MemberBond struct {
	Denom     string `json:"denom"`
	Amount    string `json:"amount"`
	Slashed   string `json:"slashed"`
	ReleaseMs uint64 `json:"release_ms"`
}

// Identity is the result of cw_getIdentity: the chain's identity rule as of
// Height, with every CA and regulator and the versions of their keys.
type Identity struct {
	Height       uint64           `json:"height"`
	Endorsements uint32           `json:"endorsements"`
	Threshold    attest.Threshold `json:"threshold"`
	// Required is how many regulators must sign an action now.
	Required      int              `json:"required"`
	Methods       []attest.Method  `json:"methods"`
	Roles         []attest.Role    `json:"roles"`
	Accounts      []string         `json:"accounts"`
	RotationOff   bool             `json:"rotation_disabled"`
	RotationMinMs uint64           `json:"rotation_min_interval_ms"`
	CAs           []IdentityHolder `json:"cas"`
	Regulators    []IdentityHolder `json:"regulators"`
	// BondTerms are what relayers must lock; null when they need no bond.
	BondTerms *BondTerms `json:"bond_terms"`
}

// IdentityHolder is a CA or regulator with its key history, oldest first;
// the last key is current.
type IdentityHolder struct {
	ID    string        `json:"id"`
	Roles []attest.Role `json:"roles,omitempty"`
	Keys  []KeyVersion  `json:"keys"`
}

// KeyVersion is one key a holder has had, from the height it took effect.
type KeyVersion struct {
	Version    uint32            `json:"version"`
	Key        attest.SchnorrKey `json:"key"`
	FromHeight uint64            `json:"from_height"`
}

// RegistryReader reads the registry's identity state as of a committed
// height. Each returns nil and no error when there is no such record (an
// open chain has no rule and no members).
type RegistryReader interface {
	Member(ctx context.Context, addr attest.Address, height uint64) (*Member, error)
	Identity(ctx context.Context, height uint64) (*Identity, error)
	// Certificate returns certificate id with its state key and the block
	// time of height; Certificate is nil when none was issued.
	Certificate(ctx context.Context, id attest.Hash, height uint64) (*CertificateRecord, error)
}

// GetMember returns the registry's record of addr, or null when it never
// registered (cw_getMember). A null height means the latest.
func (s *service) GetMember(ctx context.Context, addr attest.Address, height *uint64) (*Member, error) {
	h, err := s.resolveHeight(height)
	if err != nil {
		return nil, err
	}
	m, err := s.b.Member(ctx, addr, h)
	if err != nil {
		return nil, s.fail("cw_getMember", err)
	}
	return m, nil
}

// GetIdentity returns the chain's identity rule with its CAs and
// regulators, or null on an open chain (cw_getIdentity).
func (s *service) GetIdentity(ctx context.Context, height *uint64) (*Identity, error) {
	h, err := s.resolveHeight(height)
	if err != nil {
		return nil, err
	}
	id, err := s.b.Identity(ctx, h)
	if err != nil {
		return nil, s.fail("cw_getIdentity", err)
	}
	return id, nil
}

// Certificate is an issued certificate as the registry holds it.
type Certificate struct {
	ID            attest.Hash    `json:"id"`
	Issuer        attest.Address `json:"issuer"`
	Template      string         `json:"template"`
	Holder        attest.Address `json:"holder"`
	Values        []string       `json:"values"`
	IssuedHeight  uint64         `json:"issued_height"`
	ExpiresMs     uint64         `json:"expires_ms"`
	Revoked       bool           `json:"revoked"`
	RevokedHeight uint64         `json:"revoked_height"`
}

// CertificateRecord is what a backend returns for a certificate: the
// record (nil when none was issued), the state key that holds it, and the
// block time of the height read.
type CertificateRecord struct {
	Certificate *Certificate
	Key         string
	TimeMs      uint64
}

// CertificateStatus is the result of cw_verifyCertificate: what the
// certificate is at Height (by that block's time), the record, and the
// proof of the record (or of its absence) in that height's state, which
// verifies against the state root of the certified header at Height.
type CertificateStatus struct {
	Height uint64 `json:"height"`
	// Status is "valid", "revoked", "expired" or "unknown".
	Status      string       `json:"status"`
	Certificate *Certificate `json:"certificate"`
	StateRoot   attest.Hash  `json:"state_root"`
	Proof       KeyProof     `json:"proof"`
}

// Certificate statuses.
const (
	CertValid   = "valid"
	CertRevoked = "revoked"
	CertExpired = "expired"
	CertUnknown = "unknown"
)

// VerifyCertificate answers whether certificate id is valid at a height,
// with the proof (cw_verifyCertificate). A null height means the latest.
func (s *service) VerifyCertificate(ctx context.Context, id attest.Hash, height *uint64) (*CertificateStatus, error) {
	const method = "cw_verifyCertificate"
	h, err := s.resolveHeight(height)
	if err != nil {
		return nil, err
	}
	rec, err := s.b.Certificate(ctx, id, h)
	if err != nil {
		return nil, s.fail(method, err)
	}
	root, proofs, err := s.b.Prove(ctx, h, [][]byte{[]byte(rec.Key)})
	if err != nil {
		return nil, s.fail(method, err)
	}
	if len(proofs) != 1 || (proofs[0].Value == nil) != (rec.Certificate == nil) {
		return nil, s.fail(method, fmt.Errorf("certificate %s: the proof and the record disagree", id))
	}
	out := &CertificateStatus{Height: h, Certificate: rec.Certificate, StateRoot: root, Proof: newKeyProof(rec.Key, proofs[0])}
	c := rec.Certificate
	switch {
	case c == nil:
		out.Status = CertUnknown
	case c.Revoked:
		out.Status = CertRevoked
	case c.ExpiresMs != 0 && rec.TimeMs >= c.ExpiresMs:
		out.Status = CertExpired
	default:
		out.Status = CertValid
	}
	return out, nil
}
