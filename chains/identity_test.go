package chains_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/chains/identitytest"
)

func identityGenesis(t *testing.T) *chains.Genesis {
	t.Helper()
	seed := int64(3)
	tn, err := chains.GenerateTestnetInMemory(chains.TestnetOptions{ChainID: "alpha", Validators: 4, Seed: &seed})
	require.NoError(t, err)
	g := tn.Genesis
	g.Identity, _ = identitytest.Rule(g.Validators)
	require.NoError(t, g.Validate())
	return g
}

// The rule round-trips through the genesis file, and a chain without one
// hashes as before: the field is left out.
func TestIdentityRuleInGenesis(t *testing.T) {
	g := identityGenesis(t)
	b, err := json.Marshal(g)
	require.NoError(t, err)
	var back chains.Genesis
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, g.Identity, back.Identity)
	require.Equal(t, g.Hash(), back.Hash())
	require.Contains(t, string(b), `"roles":["user","exchange","relayer","validator"]`)
	require.Contains(t, string(b), `"methods":["blacklist","remove","limit","demote","unfreeze","change_rule"]`)

	open := *g
	open.Identity = nil
	b, err = json.Marshal(&open)
	require.NoError(t, err)
	require.NotContains(t, string(b), `"identity"`)
	require.NotEqual(t, g.Hash(), open.Hash(), "the rule is part of the chain's identity")
}

func TestIdentityRuleRefusals(t *testing.T) {
	cases := []struct {
		name   string
		change func(r *chains.IdentityRule)
		want   string
	}{
		{"no CAs", func(r *chains.IdentityRule) { r.CAs = nil }, "identity.cas: at least one"},
		{"no regulators", func(r *chains.IdentityRule) { r.Regulators = nil }, "identity.regulators: at least one"},
		{"bad CA id", func(r *chains.IdentityRule) { r.CAs[0].ID = "CA One" }, "identity.cas[0].id"},
		{"CA id reused by a regulator", func(r *chains.IdentityRule) { r.Regulators[1].ID = "ca-2" }, `identity.regulators[1].id: "ca-2" is also cas[1]`},
		{"key version zero", func(r *chains.IdentityRule) { r.CAs[1].KeyVersion = 0 }, "identity.cas[1].key_version"},
		{"shared key", func(r *chains.IdentityRule) { r.Regulators[0].Key = r.CAs[0].Key }, "identity.regulators[0].key: also the key of cas[0]"},
		{"key off the curve", func(r *chains.IdentityRule) { r.CAs[2].Key = attest.SchnorrKey{31: 5} }, "identity.cas[2].key"},
		{"CA without roles", func(r *chains.IdentityRule) { r.CAs[0].Roles = nil }, "identity.cas[0].roles"},
		{"CA role the chain does not admit", func(r *chains.IdentityRule) { r.Roles = r.Roles[:3] }, "identity.cas[0].roles[3]: validator"},
		{"K zero", func(r *chains.IdentityRule) { r.Endorsements = 0 }, "identity.endorsements"},
		{"K above the CAs", func(r *chains.IdentityRule) { r.Endorsements = 4 }, "identity.endorsements: 4 must be in 1..3"},
		{"threshold above the regulators", func(r *chains.IdentityRule) { r.Threshold = attest.Threshold{Count: 4} }, "identity.threshold"},
		{"threshold unset", func(r *chains.IdentityRule) { r.Threshold = attest.Threshold{} }, "identity.threshold"},
		{"unknown method", func(r *chains.IdentityRule) { r.Methods = append(r.Methods, attest.Method(99)) }, "identity.methods[6]"},
		{"method twice", func(r *chains.IdentityRule) { r.Methods = append(r.Methods, attest.MethodRemove) }, "identity.methods[6]: remove listed twice"},
		{"no roles", func(r *chains.IdentityRule) {
			r.Roles, r.CAs[0].Roles, r.CAs[1].Roles, r.CAs[2].Roles = nil, nil, nil, nil
		}, "identity.cas[0].roles"},
		{"bad account path", func(r *chains.IdentityRule) { r.Accounts = append(r.Accounts, "acme/ops/team") }, "identity.accounts[2]"},
		{"department before its organisation", func(r *chains.IdentityRule) { r.Accounts = []string{"acme/ops", "acme"} }, `identity.accounts[0]: "acme/ops" comes before`},
		{"member under no account", func(r *chains.IdentityRule) { r.Members[0].Parent = "globex" }, "identity.members[0].parent"},
		{"member twice", func(r *chains.IdentityRule) { r.Members[1].Address = r.Members[0].Address }, "identity.members[1].address"},
		{"validator not a member", func(r *chains.IdentityRule) { r.Members = r.Members[1:] }, "identity.members: validator 0"},
		{"validator as a user", func(r *chains.IdentityRule) { r.Members[2].Role = attest.RoleUser }, "identity.members: validator 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := identityGenesis(t)
			c.change(g.Identity)
			err := g.Validate()
			require.ErrorIs(t, err, chains.ErrInvalidGenesis)
			require.ErrorContains(t, err, c.want)
		})
	}
}

func TestBondParams(t *testing.T) {
	good := chains.BondParams{Denom: "USD", Min: "1000", UnbondDelayMs: 60_000, SlashPermille: 100}
	g := identityGenesis(t)
	g.Identity.Bonds = &good
	require.NoError(t, g.Validate())
	for _, c := range []struct {
		change func(b *chains.BondParams)
		want   string
	}{
		{func(b *chains.BondParams) { b.Denom = "U S D" }, "identity.bonds.denom"},
		{func(b *chains.BondParams) { b.Min = "0" }, "identity.bonds.min"},
		{func(b *chains.BondParams) { b.Min = "-5" }, "identity.bonds.min"},
		{func(b *chains.BondParams) { b.UnbondDelayMs = 0 }, "identity.bonds.unbond_delay_ms"},
		{func(b *chains.BondParams) { b.SlashPermille = 0 }, "identity.bonds.slash_permille"},
		{func(b *chains.BondParams) { b.SlashPermille = 1001 }, "identity.bonds.slash_permille"},
	} {
		b := good
		c.change(&b)
		g.Identity.Bonds = &b
		require.ErrorContains(t, g.Validate(), c.want)
	}
}

func TestRecvFeeShareBounded(t *testing.T) {
	g := identityGenesis(t)
	g.Xfer.RecvFeePermille = 1000
	require.NoError(t, g.Validate())
	g.Xfer.RecvFeePermille = 1001
	require.ErrorContains(t, g.Validate(), "xfer.recv_fee_permille")
}
