package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/chains/identitytest"
	"github.com/causeway/causeway/node/localnet"
)

// consortiumNet runs four in-process validators of a chain with the
// identitytest rule and writes its CA and regulator keys to files.
func consortiumNet(t *testing.T) (n *localnet.Net, rpcURL string, keyFiles map[string]string) {
	t.Helper()
	var keys *identitytest.Keys
	n, err := localnet.New(localnet.Options{ChainID: "alpha", Validators: 4, Accounts: 2, Seed: 11, Dir: t.TempDir(),
		Edit: func(g *chains.Genesis) {
			g.Identity, keys = identitytest.Rule(g.Validators)
			g.Identity.Bonds = &chains.BondParams{Denom: "USD", Min: "10", UnbondDelayMs: 60_000, SlashPermille: 100}
		}})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); n.Stop() })
	require.NoError(t, n.Start(ctx))
	dir := t.TempDir()
	keyFiles = map[string]string{}
	for id, k := range keys.CAs {
		keyFiles[id] = filepath.Join(dir, id+".key")
		require.NoError(t, chains.WriteSchnorrKey(keyFiles[id], k))
	}
	for id, k := range keys.Regulators {
		keyFiles[id] = filepath.Join(dir, id+".key")
		require.NoError(t, chains.WriteSchnorrKey(keyFiles[id], k))
	}
	return n, "http://" + n.Node(0).RPCAddr(), keyFiles
}

// saveOut writes a command's stdout to a file in dir and returns its path.
func saveOut(t *testing.T, dir, name string, r result) string {
	t.Helper()
	requireOK(t, r)
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(r.stdout), 0o600))
	return p
}

// The whole membership flow through the CLI against a running consortium
// chain: an outsider is refused, two CAs endorse it offline, it registers,
// a CA rotates its key, and regulators blacklist it in two submissions.
func TestIdentityFlowThroughTheCLI(t *testing.T) {
	t.Parallel()
	n, url, keyFiles := consortiumNet(t)
	genesis := n.Genesis.Hash().Hex()
	dir := t.TempDir()
	pw := writePasswordFile(t, "pw")
	demo := filepath.Join(dir, "demo0.json")
	require.NoError(t, chains.SaveKey(demo, n.Accounts[0], "pw", true))
	member := attest.AddressOf(n.Accounts[0]).Hex()
	validator := filepath.Join(dir, "v1.json")
	require.NoError(t, chains.SaveKey(validator, n.Keys[1], "pw", true))
	tx := func(args ...string) result {
		return causeway(t, append(append([]string{"tx"}, args...), "--rpc", url, "--password-file", pw)...)
	}

	r := tx("send", "--key", demo, "--to", attest.AddressOf(n.Accounts[1]).Hex(), "--amount", "1")
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "not_member")

	expires := strconv.FormatInt(time.Now().Add(time.Hour).UnixMilli(), 10)
	regFlags := []string{"--role", "exchange", "--parent", identitytest.Dept, "--expires", expires,
		"--identity-hash", attest.Keccak([]byte("kyc file")).Hex()}
	var ends []string
	for _, ca := range []string{"ca-1", "ca-3"} {
		r := causeway(t, append([]string{"identity", "endorse", "--key", keyFiles[ca], "--signer", ca,
			"--genesis", genesis, "--member", member}, regFlags...)...)
		ends = append(ends, "--endorsement", saveOut(t, dir, ca+".endorsement", r))
	}
	r = tx(append(append([]string{"register", "--key", demo}, regFlags...), ends[:2]...)...)
	require.Equal(t, exitError, r.code, "one endorsement is too few")
	require.Contains(t, r.stderr, "too_few_endorsements")
	r = tx(append(append([]string{"register", "--key", demo}, regFlags...), ends...)...)
	requireOK(t, r)
	require.Contains(t, r.stdout, "registered in block")

	r = causeway(t, "query", "member", "--rpc", url, "--member", member)
	requireOK(t, r)
	require.Regexp(t, `status\s+active`, r.stdout)
	require.Regexp(t, `role\s+exchange`, r.stdout)
	require.Contains(t, r.stdout, "endorsed by ca-1, ca-3")
	requireOK(t, tx("send", "--key", demo, "--to", attest.AddressOf(n.Accounts[1]).Hex(), "--amount", "1"))

	newKey := filepath.Join(dir, "ca-1-v2.key")
	r = causeway(t, "identity", "key", "new", "--out", newKey)
	requireOK(t, r)
	pub := r.stdout[:len(r.stdout)-1]
	r = tx("rotate-key", "--key", validator, "--kind", "ca", "--holder", "ca-1", "--new-key", pub,
		"--signing-key", keyFiles["ca-1"])
	requireOK(t, r)
	require.Contains(t, r.stdout, "ca ca-1 is at key version 2")
	r = causeway(t, "query", "identity", "--rpc", url)
	requireOK(t, r)
	require.Regexp(t, `ca\s+ca-1\s+2\s+`+pub, r.stdout)

	actFlags := []string{"--method", "blacklist", "--target", member, "--nonce", "1", "--expires", expires}
	sign := func(reg string) string {
		r := causeway(t, append([]string{"identity", "sign-action", "--key", keyFiles[reg], "--signer", reg,
			"--genesis", genesis}, actFlags...)...)
		return saveOut(t, dir, reg+".sig", r)
	}
	r = tx(append([]string{"regulate", "--key", validator, "--sig", sign("reg-1")}, actFlags...)...)
	requireOK(t, r)
	require.Contains(t, r.stdout, "1 of 2 signatures so far (reg-1)")
	r = tx(append([]string{"regulate", "--key", validator, "--sig", sign("reg-3")}, actFlags...)...)
	requireOK(t, r)
	require.Contains(t, r.stdout, "applied in block")

	r = causeway(t, "query", "member", "--rpc", url, "--member", member, "--json")
	requireOK(t, r)
	require.Contains(t, r.stdout, `"status": "blacklisted"`)
	r = tx("send", "--key", demo, "--to", attest.AddressOf(n.Accounts[1]).Hex(), "--amount", "1")
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "blacklisted")

	// A relayer registers and bonds; its record shows the bond.
	relayer := filepath.Join(dir, "demo1.json")
	require.NoError(t, chains.SaveKey(relayer, n.Accounts[1], "pw", true))
	relayerAddr := attest.AddressOf(n.Accounts[1]).Hex()
	relFlags := []string{"--role", "relayer", "--parent", identitytest.Dept, "--expires", expires,
		"--identity-hash", attest.Keccak([]byte("relayer")).Hex()}
	ends = nil
	for _, ca := range []struct{ id, key, version string }{{"ca-1", newKey, "2"}, {"ca-2", keyFiles["ca-2"], "1"}} {
		r := causeway(t, append([]string{"identity", "endorse", "--key", ca.key, "--signer", ca.id, "--key-version",
			ca.version, "--genesis", genesis, "--member", relayerAddr}, relFlags...)...)
		ends = append(ends, "--endorsement", saveOut(t, dir, ca.id+".relayer", r))
	}
	requireOK(t, tx(append(append([]string{"register", "--key", relayer}, relFlags...), ends...)...))
	r = tx("bond", "--key", relayer, "--amount", "25")
	requireOK(t, r)
	require.Contains(t, r.stdout, "bonded in block")
	r = causeway(t, "query", "member", "--rpc", url, "--member", relayerAddr)
	requireOK(t, r)
	require.Regexp(t, `bond\s+25 USD \(bonded; slashed 0\)`, r.stdout)

	r = causeway(t, "query", "relayers", "--rpc", url)
	requireOK(t, r)
	require.Regexp(t, relayerAddr+`\s+active\s+25 USD \(bonded; slashed 0\)\s+none\s+0`, r.stdout)
	r = causeway(t, "query", "members", "--rpc", url, "--role", "relayer")
	requireOK(t, r)
	require.Contains(t, r.stdout, relayerAddr)
	require.NotContains(t, r.stdout, member, "not a relayer")
	r = causeway(t, "query", "members", "--rpc", url, "--limit", "1")
	requireOK(t, r)
	require.Contains(t, r.stdout, "more: --after 0x")
	r = causeway(t, "query", "slashes", "--rpc", url, "--relayer", relayerAddr)
	requireOK(t, r)
	require.Contains(t, r.stdout, "no slashings")
	r = causeway(t, "query", "members", "--rpc", url, "--role", "king")
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "--role")
}

func TestIdentityCommandsRefuseBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := filepath.Join(dir, "ca.key")
	requireOK(t, causeway(t, "identity", "key", "new", "--out", key))
	r := causeway(t, "identity", "key", "new", "--out", key)
	require.Equal(t, exitError, r.code, "an existing key is never replaced")
	base := []string{"identity", "endorse", "--key", key, "--signer", "ca-1", "--genesis", attest.Hash{1}.Hex(),
		"--member", attest.Address{2}.Hex(), "--identity-hash", attest.Hash{3}.Hex(), "--expires", "2030-01-01T00:00:00Z"}
	requireOK(t, causeway(t, append(base, "--role", "user")...))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--role", "admin"}, "--role"},
		{[]string{"--role", "user", "--parent", "a/b/c"}, "--parent"},
		{[]string{"--role", "user", "--expires", "tomorrow"}, "--expires"},
		{[]string{"--role", "user", "--signer", "CA 1"}, "--signer"},
		{[]string{"--role", "user", "--genesis", "0x12"}, "--genesis"},
	} {
		r := causeway(t, append(append([]string{}, base...), c.args...)...)
		require.Equal(t, exitError, r.code, "%v", c.args)
		require.Contains(t, r.stderr, c.want, "%v", c.args)
	}
	r = causeway(t, "identity", "sign-action", "--key", key, "--signer", "reg-1", "--genesis", attest.Hash{1}.Hex(),
		"--method", "limit", "--target", attest.Address{2}.Hex(), "--permissions", "send,fly", "--nonce", "1",
		"--expires", "2030-01-01T00:00:00Z")
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, `"fly" is none of`)
}

// Certificates through the CLI: a validator (a member) becomes an issuer,
// publishes a template, issues a certificate to another member and
// revokes it; `query certificate` checks the proof and answers.
func TestCertificatesThroughTheCLI(t *testing.T) {
	t.Parallel()
	n, url, _ := consortiumNet(t)
	dir := t.TempDir()
	pw := writePasswordFile(t, "pw")
	issuer := filepath.Join(dir, "v1.json")
	require.NoError(t, chains.SaveKey(issuer, n.Keys[1], "pw", true))
	holder := attest.AddressOf(n.Keys[2]).Hex()
	tx := func(args ...string) result {
		return causeway(t, append(append([]string{"tx"}, args...), "--rpc", url, "--key", issuer, "--password-file", pw)...)
	}
	requireOK(t, tx("register-issuer", "--name", "Acme KYC"))
	r := tx("publish-template", "--id", "kyc", "--field", "name", "--field", "country")
	requireOK(t, r)
	require.Contains(t, r.stdout, "template kyc published")
	r = tx("issue-certificate", "--template", "kyc", "--holder", holder, "--value", "Ada", "--value", "GB")
	requireOK(t, r)
	var id string
	for _, line := range strings.Split(r.stdout, "\n") {
		if rest, ok := strings.CutPrefix(line, "certificate "); ok {
			id = rest[:66]
		}
	}
	require.Len(t, id, 66, "the certificate id is printed: %s", r.stdout)

	r = causeway(t, "query", "certificate", "--rpc", url, "--id", id)
	requireOK(t, r)
	require.Contains(t, r.stdout, "status   valid")
	require.Contains(t, r.stdout, "Ada | GB")
	requireOK(t, tx("revoke-certificate", "--id", id))
	r = causeway(t, "query", "certificate", "--rpc", url, "--id", id)
	requireOK(t, r)
	require.Contains(t, r.stdout, "status   revoked")
	r = causeway(t, "query", "certificate", "--rpc", url, "--id", attest.Hash{7}.Hex())
	requireOK(t, r)
	require.Contains(t, r.stdout, "status   unknown")

	r = tx("revoke-certificate", "--id", id)
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "already_revoked")
}
