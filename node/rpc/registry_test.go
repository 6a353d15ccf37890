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
