package chains

import (
	"context"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/rpc"
)

// Wire types of the registry methods, defined by node/rpc.
type (
	Member         = rpc.Member
	Identity       = rpc.Identity
	IdentityHolder = rpc.IdentityHolder
	KeyVersion     = rpc.KeyVersion
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
