package rpctest

import (
	"context"

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
