package rpctest

import (
	"context"
	"slices"
	"strings"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/rpc"
)

// Keys under which the fake keeps registry records (JSON, like the xfer ones).
const (
	MemberPrefix = "fake/member/"
	IdentityKey  = "fake/identity"
)

// SetMember records m in the next block.
func (b *Backend) SetMember(m *rpc.Member) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.putJSONLocked(MemberPrefix+m.Address.Hex(), m)
}

// SetIdentity records the chain's identity rule in the next block.
func (b *Backend) SetIdentity(id *rpc.Identity) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.putJSONLocked(IdentityKey, id)
}

// Member implements rpc.RegistryReader.
func (b *Backend) Member(_ context.Context, addr attest.Address, height uint64) (*rpc.Member, error) {
	var m rpc.Member
	ok, err := b.readJSON(height, MemberPrefix+addr.Hex(), &m)
	if !ok || err != nil {
		return nil, err
	}
	m.Height = height
	return &m, nil
}

// Identity implements rpc.RegistryReader.
func (b *Backend) Identity(_ context.Context, height uint64) (*rpc.Identity, error) {
	var id rpc.Identity
	ok, err := b.readJSON(height, IdentityKey, &id)
	if !ok || err != nil {
		return nil, err
	}
	id.Height = height
	return &id, nil
}

// CertPrefix is where the fake keeps certificates, the registry's layout.
const CertPrefix = "registry/cert/"

// SetCertificate records c in the next block, under the key the registry
// uses, so proofs of it verify.
func (b *Backend) SetCertificate(c *rpc.Certificate) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.putJSONLocked(CertPrefix+c.ID.Hex(), c)
}

// Certificate implements rpc.RegistryReader.
func (b *Backend) Certificate(ctx context.Context, id attest.Hash, height uint64) (*rpc.CertificateRecord, error) {
	out := &rpc.CertificateRecord{Key: CertPrefix + id.Hex()}
	if height > 0 {
		ch, err := b.CertifiedHeader(ctx, height)
		if err != nil {
			return nil, err
		}
		out.TimeMs = ch.Header.TimeMs
	}
	var c rpc.Certificate
	ok, err := b.readJSON(height, out.Key, &c)
	if err != nil {
		return nil, err
	}
	if ok {
		out.Certificate = &c
	}
	return out, nil
}

// SlashPrefix is where the fake keeps slashings, by transaction hash.
const SlashPrefix = "fake/slash/"

// SetSlash records a slashing in the next block.
func (b *Backend) SetSlash(s *rpc.Slash) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.putJSONLocked(SlashPrefix+s.TxHash.Hex(), s)
}

// listJSON decodes the records under prefix at height whose key sorts
// after prefix+after, in key order, into fresh Ts, keeping those that match.
func listJSON[T any](b *Backend, height uint64, prefix, after string, match func(*T) bool) ([]*T, error) {
	st, err := b.stateAt(height)
	if err != nil {
		return nil, err
	}
	var keys []string
	for k := range st {
		if strings.HasPrefix(k, prefix) && (after == "" || k > prefix+after) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []*T
	for _, k := range keys {
		v := new(T)
		b.getJSON(st, k, v)
		if match == nil || match(v) {
			out = append(out, v)
		}
	}
	return out, nil
}

// Members implements rpc.RegistryLister.
func (b *Backend) Members(_ context.Context, role attest.Role, after *attest.Address, limit int, height uint64) (*rpc.MemberPage, error) {
	from := ""
	if after != nil {
		from = after.Hex()
	}
	ms, err := listJSON(b, height, MemberPrefix, from, func(m *rpc.Member) bool { return role == 0 || m.Role == role })
	if err != nil {
		return nil, err
	}
	out := &rpc.MemberPage{Height: height, Members: []*rpc.Member{}}
	for _, m := range ms {
		if len(out.Members) == limit {
			out.Next = &out.Members[limit-1].Address
			break
		}
		m.Height = height
		out.Members = append(out.Members, m)
	}
	return out, nil
}

// Relayers implements rpc.RegistryLister: the relayer members, with the
// bonds and fees their records hold and the slashings recorded.
func (b *Backend) Relayers(_ context.Context, height uint64) (*rpc.RelayerList, error) {
	ms, err := listJSON(b, height, MemberPrefix, "", func(m *rpc.Member) bool { return m.Role == attest.RoleRelayer })
	if err != nil {
		return nil, err
	}
	slashes, err := listJSON[rpc.Slash](b, height, SlashPrefix, "", nil)
	if err != nil {
		return nil, err
	}
	out := &rpc.RelayerList{Height: height, Relayers: []*rpc.Relayer{}}
	for _, m := range ms {
		r := &rpc.Relayer{Address: m.Address, Role: &m.Role, Status: m.Status, Bond: m.Bond, FeesEarned: m.FeesEarned}
		if r.FeesEarned == nil {
			r.FeesEarned = []rpc.Coin{}
		}
		for _, s := range slashes {
			if s.Relayer == m.Address {
				r.Slashes++
			}
		}
		out.Relayers = append(out.Relayers, r)
	}
	return out, nil
}

// Slashes implements rpc.RegistryLister.
func (b *Backend) Slashes(_ context.Context, relayer *attest.Address, after *attest.Hash, limit int, height uint64) (*rpc.SlashPage, error) {
	from := ""
	if after != nil {
		from = after.Hex()
	}
	ss, err := listJSON(b, height, SlashPrefix, from, func(s *rpc.Slash) bool { return relayer == nil || s.Relayer == *relayer })
	if err != nil {
		return nil, err
	}
	out := &rpc.SlashPage{Height: height, Slashes: []*rpc.Slash{}}
	for _, s := range ss {
		if len(out.Slashes) == limit {
			out.Next = &out.Slashes[limit-1].TxHash
			break
		}
		out.Slashes = append(out.Slashes, s)
	}
	return out, nil
}
