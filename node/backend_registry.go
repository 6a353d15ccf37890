package node

import (
	"bytes"
	"context"
	"slices"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/registry"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/xfer"
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
		out, err = memberView(kv, h, m)
		return err
	})
	return out, notFoundIsNil(err)
}

// memberView is m as the RPC shows it, with its bond and fees earned.
func memberView(kv app.KV, h uint64, m *registry.Member) (*rpc.Member, error) {
	out := &rpc.Member{Height: h, Address: m.Address, Role: m.Role, Parent: m.Parent, IdentityHash: m.IdentityHash,
		Status: m.Status.String(), Permissions: []string{}, AdmittedHeight: m.Height, Endorsers: m.Endorsers}
	for _, p := range permissionNames {
		if m.Permissions&p.bit != 0 {
			out.Permissions = append(out.Permissions, p.name)
		}
	}
	if out.Endorsers == nil {
		out.Endorsers = []string{}
	}
	var err error
	if out.FeesEarned, err = feesEarned(kv, m.Address); err != nil {
		return nil, err
	}
	bond, err := registry.GetBond(kv, m.Address)
	if err != nil || bond == nil {
		return out, err
	}
	terms, err := registry.GetBondParams(kv)
	if err != nil || terms == nil {
		return out, err
	}
	out.Bond = bondView(terms, bond)
	return out, nil
}

func bondView(terms *chains.BondParams, b *registry.Bond) *rpc.MemberBond {
	return &rpc.MemberBond{Denom: terms.Denom, Amount: b.Amount.Dec(), Slashed: b.Slashed.Dec(), ReleaseMs: b.ReleaseMs}
}

// bondTerms shows a chain's bonding terms; nil when it has none.
func bondTerms(p *chains.BondParams) *rpc.BondTerms {
	if p == nil {
		return nil
	}
	return &rpc.BondTerms{Denom: p.Denom, Min: p.Min, UnbondDelayMs: p.UnbondDelayMs, SlashPermille: p.SlashPermille}
}

func feesEarned(kv app.KV, addr attest.Address) ([]rpc.Coin, error) {
	coins, err := xfer.Earned(kv, addr)
	if err != nil {
		return nil, err
	}
	out := make([]rpc.Coin, len(coins))
	for i, c := range coins {
		out[i] = rpc.Coin{Denom: c.Denom, Amount: c.Amount.Dec()}
	}
	return out, nil
}

// Members implements rpc.RegistryLister.
func (b *backend) Members(_ context.Context, role attest.Role, after *attest.Address, limit int, h uint64) (*rpc.MemberPage, error) {
	out := &rpc.MemberPage{Height: h, Members: []*rpc.Member{}}
	err := b.readAt(h, func(kv app.KV) error {
		ms, more, err := registry.ListMembers(kv, registry.MemberFilter{Role: role, After: after, Limit: limit})
		if err != nil {
			return err
		}
		for _, m := range ms {
			v, err := memberView(kv, h, m)
			if err != nil {
				return err
			}
			out.Members = append(out.Members, v)
		}
		if more {
			out.Next = &ms[len(ms)-1].Address
		}
		return nil
	})
	return out, err
}

// Relayers implements rpc.RegistryLister: the union of relayer members,
// bond holders and fee earners.
func (b *backend) Relayers(_ context.Context, h uint64) (*rpc.RelayerList, error) {
	out := &rpc.RelayerList{Height: h, Relayers: []*rpc.Relayer{}}
	err := b.readAt(h, func(kv app.KV) error {
		terms, err := registry.GetBondParams(kv)
		if err != nil {
			return err
		}
		out.Terms = bondTerms(terms)
		byAddr := map[attest.Address]*rpc.Relayer{}
		get := func(a attest.Address) *rpc.Relayer {
			r := byAddr[a]
			if r == nil {
				r = &rpc.Relayer{Address: a, FeesEarned: []rpc.Coin{}}
				byAddr[a] = r
			}
			return r
		}
		relayers, _, err := registry.ListMembers(kv, registry.MemberFilter{Role: attest.RoleRelayer})
		if err != nil {
			return err
		}
		known := make(map[attest.Address]*registry.Member, len(relayers))
		for _, m := range relayers {
			get(m.Address)
			known[m.Address] = m
		}
		bonds, err := registry.ListBonds(kv)
		if err != nil {
			return err
		}
		for _, rec := range bonds {
			if terms != nil {
				get(rec.Relayer).Bond = bondView(terms, rec.Bond)
			}
		}
		earners, err := xfer.Earners(kv)
		if err != nil {
			return err
		}
		for _, a := range earners {
			if get(a).FeesEarned, err = feesEarned(kv, a); err != nil {
				return err
			}
		}
		slashes, _, err := registry.ListSlashes(kv, nil, nil, 0)
		if err != nil {
			return err
		}
		for _, s := range slashes {
			get(s.Relayer).Slashes++
		}
		for a, r := range byAddr {
			m, ok := known[a]
			if !ok { // a bond holder or fee earner listed without the relayer role
				if m, err = registry.GetMember(kv, a); err != nil {
					return err
				}
			}
			if m != nil {
				role := m.Role
				r.Role, r.Status = &role, m.Status.String()
			}
			out.Relayers = append(out.Relayers, r)
		}
		slices.SortFunc(out.Relayers, func(x, y *rpc.Relayer) int { return bytes.Compare(x.Address[:], y.Address[:]) })
		return nil
	})
	return out, err
}

// Slashes implements rpc.RegistryLister.
func (b *backend) Slashes(_ context.Context, relayer *attest.Address, after *attest.Hash, limit int, h uint64) (*rpc.SlashPage, error) {
	out := &rpc.SlashPage{Height: h, Slashes: []*rpc.Slash{}}
	err := b.readAt(h, func(kv app.KV) error {
		terms, err := registry.GetBondParams(kv)
		if err != nil || terms == nil {
			return err
		}
		ss, more, err := registry.ListSlashes(kv, relayer, after, limit)
		if err != nil {
			return err
		}
		for _, s := range ss {
			out.Slashes = append(out.Slashes, &rpc.Slash{Relayer: s.Relayer, TxHash: s.TxHash, Type: s.Type, Code: s.Code,
				Height: s.Height, Denom: terms.Denom, Amount: s.Amount.Dec()})
		}
		if more {
			out.Next = &ss[len(ss)-1].TxHash
		}
		return nil
	})
	return out, err
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
		terms, err := registry.GetBondParams(kv)
		out.BondTerms = bondTerms(terms)
		return err
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
