package rpc

import (
	"context"

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
