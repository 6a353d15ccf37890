package node

import (
	"context"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/registry"
	"github.com/causeway/causeway/node/rpc"
)

// permissionNames name the registry's permission bits on the wire.
var permissionNames = []struct {
	bit  uint64
	name string
}{{registry.PermSend, "send"}, {registry.PermTransfer, "transfer"}, {registry.PermRelay, "relay"},
	{registry.PermRegistry, "registry"}}

// Member implements rpc.RegistryReader.
func (b *backend) Member(_ context.Context, addr attest.Address, h uint64) (*rpc.Member, error) {
	var out *rpc.Member
	err := b.readAt(h, func(kv app.KV) error {
		m, err := registry.GetMember(kv, addr)
		if err != nil || m == nil {
			return err
		}
		out = &rpc.Member{Height: h, Address: m.Address, Role: m.Role, Parent: m.Parent, IdentityHash: m.IdentityHash,
			Status: m.Status.String(), Permissions: []string{}, AdmittedHeight: m.Height, Endorsers: m.Endorsers}
		for _, p := range permissionNames {
			if m.Permissions&p.bit != 0 {
				out.Permissions = append(out.Permissions, p.name)
			}
		}
		if out.Endorsers == nil {
			out.Endorsers = []string{}
		}
		bond, err := registry.GetBond(kv, addr)
		if err != nil || bond == nil {
			return err
		}
		terms, err := registry.GetBondParams(kv)
		if err != nil || terms == nil {
			return err
		}
		out.Bond = &rpc.MemberBond{Denom: terms.Denom, Amount: bond.Amount.Dec(), Slashed: bond.Slashed.Dec(),
			ReleaseMs: bond.ReleaseMs}
		return nil
	})
	return out, notFoundIsNil(err)
}

// Identity implements rpc.RegistryReader.
func (b *backend) Identity(_ context.Context, h uint64) (*rpc.Identity, error) {
	var out *rpc.Identity
	err := b.readAt(h, func(kv app.KV) error {
		v, err := registry.GetIdentity(kv)
		if err != nil || v == nil {
			return err
		}
		r := v.Rule
		out = &rpc.Identity{Height: h, Endorsements: r.Endorsements, Threshold: r.Threshold,
			Required: r.Threshold.Required(len(v.Regulators)), Methods: r.Methods, Roles: r.Roles, Accounts: r.Accounts,
			RotationOff: r.Rotation.Disabled, RotationMinMs: r.Rotation.MinIntervalMs,
			CAs: toRPCHolders(v.CAs), Regulators: toRPCHolders(v.Regulators)}
		return nil
	})
	return out, notFoundIsNil(err)
}

func toRPCHolders(hs []*registry.Holder) []rpc.IdentityHolder {
	out := make([]rpc.IdentityHolder, len(hs))
	for i, h := range hs {
		out[i] = rpc.IdentityHolder{ID: h.ID, Roles: h.Roles}
		for _, k := range h.Keys {
			out[i].Keys = append(out[i].Keys, rpc.KeyVersion{Version: k.Version, Key: k.Key, FromHeight: k.FromHeight})
		}
	}
	return out
}

// Certificate implements rpc.RegistryReader.
func (b *backend) Certificate(ctx context.Context, id attest.Hash, h uint64) (*rpc.CertificateRecord, error) {
	out := &rpc.CertificateRecord{Key: string(registry.CertKey(id)), TimeMs: b.n.genesis.GenesisTimeMs}
	if h > 0 {
		ch, err := b.CertifiedHeader(ctx, h)
		if err != nil {
			return nil, err
		}
		out.TimeMs = ch.Header.TimeMs
	}
	err := b.readAt(h, func(kv app.KV) error {
		c, err := registry.GetCertificate(kv, id)
		if err != nil || c == nil {
			return err
		}
		out.Certificate = &rpc.Certificate{ID: c.ID, Issuer: c.Issuer, Template: c.Template, Holder: c.Holder,
			Values: c.Values, IssuedHeight: c.IssuedHeight, ExpiresMs: c.ExpiresMs, Revoked: c.Revoked,
			RevokedHeight: c.RevokedHeight}
		return nil
	})
	return out, err
}
