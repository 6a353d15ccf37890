package chains

import (
	"context"
	"fmt"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/rpc"
)

// Wire types of the registry methods, defined by node/rpc.
type (
	Member         = rpc.Member
	MemberBond     = rpc.MemberBond
	Identity       = rpc.Identity
	IdentityHolder = rpc.IdentityHolder
	KeyVersion     = rpc.KeyVersion
	BondTerms      = rpc.BondTerms
	MemberQuery    = rpc.MemberQuery
	MemberPage     = rpc.MemberPage
	Relayer        = rpc.Relayer
	RelayerList    = rpc.RelayerList
	SlashQuery     = rpc.SlashQuery
	SlashPage      = rpc.SlashPage
	Slash          = rpc.Slash
)

// Member returns the registry's record of addr at the latest height, or
// nil and no error when it never registered.
func (c *Client) Member(ctx context.Context, addr attest.Address) (*Member, error) {
	var m *Member
	if err := c.call(ctx, &m, "cw_getMember", addr); err != nil {
		return nil, err
	}
	return m, nil
}

// Identity returns the chain's identity rule with its CAs and regulators,
// or nil and no error on an open chain.
func (c *Client) Identity(ctx context.Context) (*Identity, error) {
	var id *Identity
	if err := c.call(ctx, &id, "cw_getIdentity"); err != nil {
		return nil, err
	}
	return id, nil
}

// Members returns a page of the registry's members at the latest height.
func (c *Client) Members(ctx context.Context, q MemberQuery) (*MemberPage, error) {
	var out *MemberPage
	if err := c.call(ctx, &out, "cw_listMembers", q); err != nil {
		return nil, err
	}
	if out == nil {
		return nil, fmt.Errorf("cw_listMembers: empty answer")
	}
	return out, nil
}

// Relayers returns every relayer the chain knows, with bonds, fees earned
// and slash counts, at the latest height.
func (c *Client) Relayers(ctx context.Context) (*RelayerList, error) {
	var out *RelayerList
	if err := c.call(ctx, &out, "cw_listRelayers"); err != nil {
		return nil, err
	}
	if out == nil {
		return nil, fmt.Errorf("cw_listRelayers: empty answer")
	}
	return out, nil
}

// Slashes returns a page of the slashing evidence at the latest height.
func (c *Client) Slashes(ctx context.Context, q SlashQuery) (*SlashPage, error) {
	var out *SlashPage
	if err := c.call(ctx, &out, "cw_listSlashes", q); err != nil {
		return nil, err
	}
	if out == nil {
		return nil, fmt.Errorf("cw_listSlashes: empty answer")
	}
	return out, nil
}

// Wire types of the certificate method.
type (
	Certificate       = rpc.Certificate
	CertificateStatus = rpc.CertificateStatus
)

// VerifyCertificate asks whether certificate id is valid now, with the
// proof of its record in the latest state. The proof is checked here
// against the returned state root; checking that root against a
// certified header is the caller's.
func (c *Client) VerifyCertificate(ctx context.Context, id attest.Hash) (*CertificateStatus, error) {
	var out *CertificateStatus
	if err := c.call(ctx, &out, "cw_verifyCertificate", id); err != nil {
		return nil, err
	}
	if out == nil {
		return nil, fmt.Errorf("cw_verifyCertificate: empty answer")
	}
	v, err := attest.VerifyProof(out.StateRoot, []byte(out.Proof.Key), out.Proof.Nodes())
	if err != nil {
		return nil, fmt.Errorf("cw_verifyCertificate: the proof does not verify: %w", err)
	}
	if (v == nil) != (out.Certificate == nil) {
		return nil, fmt.Errorf("cw_verifyCertificate: the proof and the record disagree")
	}
	return out, nil
}
