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
