package rpc_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/rpc"
)

func TestRegistryMethods(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	c := dial(t, n.httpURL())
	addr := attest.Address{7}

	var none *rpc.Identity
	require.NoError(t, c.CallContext(t.Context(), &none, "cw_getIdentity", nil))
	require.Nil(t, none, "an open chain has no rule")
	n.b.Commit()

	n.b.SetMember(&rpc.Member{Address: addr, Role: attest.RoleRelayer, Parent: "acme/ops", Status: "active",
		Permissions: []string{"relay"}, Endorsers: []string{"ca-1", "ca-2"}})
	n.b.SetIdentity(&rpc.Identity{Endorsements: 2, Threshold: attest.Threshold{Num: 1, Den: 2}, Required: 2,
		Methods: []attest.Method{attest.MethodBlacklist}, Roles: []attest.Role{attest.RoleRelayer},
		CAs: []rpc.IdentityHolder{{ID: "ca-1", Roles: []attest.Role{attest.RoleRelayer}, Keys: []rpc.KeyVersion{{Version: 1, Key: caKey(t)}}}}})
	h := n.b.Commit().Block.Header.Height

	var m *rpc.Member
	require.NoError(t, c.CallContext(t.Context(), &m, "cw_getMember", addr, nil))
	require.NotNil(t, m)
	require.Equal(t, h, m.Height)
	require.Equal(t, attest.RoleRelayer, m.Role)
	require.Equal(t, []string{"ca-1", "ca-2"}, m.Endorsers)

	var raw map[string]any
	require.NoError(t, c.CallContext(t.Context(), &raw, "cw_getMember", addr, nil))
	require.Equal(t, "relayer", raw["role"], "roles travel by name")

	m = nil
	require.NoError(t, c.CallContext(t.Context(), &m, "cw_getMember", attest.Address{8}, nil))
	require.Nil(t, m, "never registered")
	require.NoError(t, c.CallContext(t.Context(), &m, "cw_getMember", addr, h-1))
	require.Nil(t, m, "not yet registered at the height before")

	var id *rpc.Identity
	require.NoError(t, c.CallContext(t.Context(), &id, "cw_getIdentity", nil))
	require.NotNil(t, id)
	require.Equal(t, 2, id.Required)
	require.Equal(t, "ca-1", id.CAs[0].ID)

	err := c.CallContext(t.Context(), &m, "cw_getMember", "0x12", nil)
	require.Error(t, err, "not an address")
	err = c.CallContext(t.Context(), &m, "cw_getMember", addr, h+100)
	require.Error(t, err, "a height not reached")
}

func caKey(t *testing.T) attest.SchnorrKey {
	k, err := attest.NewSchnorrKey()
	require.NoError(t, err)
	return attest.SchnorrPublic(k)
}

func TestVerifyCertificate(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	c := dial(t, n.httpURL())
	n.b.Commit()
	id := attest.Hash{0xce}
	cert := &rpc.Certificate{ID: id, Issuer: attest.Address{1}, Template: "kyc", Holder: attest.Address{2},
		Values: []string{"Ada"}, IssuedHeight: 2}
	n.b.SetCertificate(cert)
	issued := n.b.Commit().Block.Header.Height

	verify := func(id attest.Hash, height uint64) *rpc.CertificateStatus {
		t.Helper()
		var out rpc.CertificateStatus
		require.NoError(t, c.CallContext(t.Context(), &out, "cw_verifyCertificate", id, height))
		ch, err := n.b.CertifiedHeader(t.Context(), height)
		require.NoError(t, err)
		require.Equal(t, ch.Header.StateRoot, out.StateRoot, "the proof is against the certified header's state")
		v, err := attest.VerifyProof(out.StateRoot, []byte(out.Proof.Key), out.Proof.Nodes())
		require.NoError(t, err)
		require.Equal(t, out.Certificate == nil, v == nil, "the proof shows the record, or its absence")
		return &out
	}
	got := verify(id, issued)
	require.Equal(t, rpc.CertValid, got.Status)
	require.Equal(t, []string{"Ada"}, got.Certificate.Values)
	require.Equal(t, rpc.CertUnknown, verify(id, issued-1).Status, "not yet issued")
	require.Equal(t, rpc.CertUnknown, verify(attest.Hash{1}, issued).Status)

	revoked := *cert
	revoked.Revoked, revoked.RevokedHeight = true, issued+1
	n.b.SetCertificate(&revoked)
	h := n.b.Commit().Block.Header.Height
	require.Equal(t, rpc.CertRevoked, verify(id, h).Status, "revoked is never presented as valid")
	require.Equal(t, rpc.CertValid, verify(id, issued).Status, "it was valid at its height")

	expiring := *cert
	expiring.ID = attest.Hash{0xee}
	ch, err := n.b.CertifiedHeader(t.Context(), h)
	require.NoError(t, err)
	expiring.ExpiresMs = ch.Header.TimeMs // block times never go back: expired from h on
	n.b.SetCertificate(&expiring)
	h2 := n.b.Commit().Block.Header.Height
	require.Equal(t, rpc.CertExpired, verify(expiring.ID, h2).Status)
}

func TestRegistryListings(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	c := dial(t, n.httpURL())
	var addrs []attest.Address
	for i := range 5 {
		a := attest.Address{byte(0x10 + i)}
		addrs = append(addrs, a)
		role := attest.RoleUser
		if i%2 == 0 {
			role = attest.RoleRelayer
		}
		n.b.SetMember(&rpc.Member{Address: a, Role: role, Status: "active", Permissions: []string{}, Endorsers: []string{},
			FeesEarned: []rpc.Coin{{Denom: "USD", Amount: "5"}}})
	}
	n.b.SetSlash(&rpc.Slash{Relayer: addrs[0], TxHash: attest.Hash{1}, Type: "xfer.recv", Code: 101, Height: 1, Denom: "USD", Amount: "10"})
	n.b.SetSlash(&rpc.Slash{Relayer: addrs[2], TxHash: attest.Hash{2}, Type: "xfer.ack", Code: 101, Height: 1, Denom: "USD", Amount: "10"})
	h := n.b.Commit().Block.Header.Height

	// Paging by two walks every member once, in order.
	var got []attest.Address
	q := rpc.MemberQuery{Limit: 2}
	for {
		var page rpc.MemberPage
		require.NoError(t, c.CallContext(t.Context(), &page, "cw_listMembers", q, nil))
		require.Equal(t, h, page.Height)
		require.LessOrEqual(t, len(page.Members), 2)
		for _, m := range page.Members {
			got = append(got, m.Address)
		}
		if page.Next == nil {
			break
		}
		q.After = page.Next
	}
	require.Equal(t, addrs, got)

	var relayers rpc.MemberPage
	require.NoError(t, c.CallContext(t.Context(), &relayers, "cw_listMembers", rpc.MemberQuery{Role: "relayer"}, nil))
	require.Len(t, relayers.Members, 3)
	var empty rpc.MemberPage
	require.NoError(t, c.CallContext(t.Context(), &empty, "cw_listMembers", nil, h-1))
	require.Empty(t, empty.Members, "none before the block that added them")
	require.NotNil(t, empty.Members, "an empty list, not null")

	var rl rpc.RelayerList
	require.NoError(t, c.CallContext(t.Context(), &rl, "cw_listRelayers", nil))
	require.Len(t, rl.Relayers, 3)
	require.Equal(t, 1, rl.Relayers[0].Slashes)
	require.Equal(t, []rpc.Coin{{Denom: "USD", Amount: "5"}}, rl.Relayers[0].FeesEarned)

	var sp rpc.SlashPage
	require.NoError(t, c.CallContext(t.Context(), &sp, "cw_listSlashes", rpc.SlashQuery{Relayer: &addrs[2]}, nil))
	require.Len(t, sp.Slashes, 1)
	require.Equal(t, "xfer.ack", sp.Slashes[0].Type)
	require.NoError(t, c.CallContext(t.Context(), &sp, "cw_listSlashes", rpc.SlashQuery{Limit: 1}, nil))
	require.Len(t, sp.Slashes, 1)
	require.NotNil(t, sp.Next)

	for _, bad := range []rpc.MemberQuery{{Role: "king"}, {Limit: -1}, {Limit: rpc.MaxListLimit + 1}} {
		err := c.CallContext(t.Context(), &empty, "cw_listMembers", bad, nil)
		requireCode(t, err, rpc.CodeInvalidParams, "invalid_params")
	}
	err := c.CallContext(t.Context(), &sp, "cw_listSlashes", rpc.SlashQuery{Limit: 5000}, nil)
	requireCode(t, err, rpc.CodeInvalidParams, "invalid_params")
	err = c.CallContext(t.Context(), &rl, "cw_listRelayers", h+100)
	require.Error(t, err, "a height not reached")
}
