package registry_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/registry"
)

// Members list in address order, filtered by role and paged with a cursor
// that resumes exactly where the last page stopped.
func TestListMembers(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	c.register(4, attest.RoleExchange)
	c.register(5, attest.RoleRelayer)
	c.register(6, attest.RoleRelayer)
	c.register(7, attest.RoleUser)

	all, more, err := registry.ListMembers(c.st, registry.MemberFilter{})
	require.NoError(t, err)
	require.False(t, more)
	require.Len(t, all, nValidators+4)
	addrs := func(ms []*registry.Member) []attest.Address {
		out := make([]attest.Address, len(ms))
		for i, m := range ms {
			out[i] = m.Address
		}
		return out
	}
	require.True(t, slices.IsSortedFunc(addrs(all), func(x, y attest.Address) int { return bytes.Compare(x[:], y[:]) }))

	// Paging by threes walks the same list.
	var paged []*registry.Member
	f := registry.MemberFilter{Limit: 3}
	for {
		page, more, err := registry.ListMembers(c.st, f)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), 3)
		paged = append(paged, page...)
		if !more {
			break
		}
		last := page[len(page)-1].Address
		f.After = &last
	}
	require.Equal(t, all, paged)

	relayers, more, err := registry.ListMembers(c.st, registry.MemberFilter{Role: attest.RoleRelayer})
	require.NoError(t, err)
	require.False(t, more)
	require.ElementsMatch(t, []attest.Address{c.addr(5), c.addr(6)}, addrs(relayers))
	one, more, err := registry.ListMembers(c.st, registry.MemberFilter{Role: attest.RoleRelayer, Limit: 1})
	require.NoError(t, err)
	require.True(t, more, "a second relayer follows")
	require.Len(t, one, 1)
	vals, _, err := registry.ListMembers(c.st, registry.MemberFilter{Role: attest.RoleValidator})
	require.NoError(t, err)
	require.Len(t, vals, nValidators)

	bonds, err := registry.ListBonds(c.st)
	require.NoError(t, err)
	require.Empty(t, bonds, "nobody bonded")
}
