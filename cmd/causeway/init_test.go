package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node"
)

func TestInitWritesATestnet(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := causeway(t, "init", "--chain-id", "alpha", "--validators", "4", "--accounts", "2", "--home", dir, "--base-port", "36656")
	requireOK(t, r)
	require.Contains(t, r.stdout, `Testnet "alpha"`)
	require.Contains(t, r.stdout, "causeway node --home "+filepath.Join(dir, "v3"))

	g, err := chains.LoadGenesis(filepath.Join(dir, "genesis.json"))
	require.NoError(t, err)
	require.Len(t, g.Validators, 4)
	require.Len(t, g.Accounts, 2)
	require.Contains(t, r.stdout, g.Hash().Hex())

	for i, v := range g.Validators {
		home := filepath.Join(dir, v.Name)
		// The generated home is what `causeway node` loads: config, genesis, key.
		cfg, err := node.ReadConfig(home, func(string) (string, bool) { return "", false })
		require.NoError(t, err)
		require.NoError(t, cfg.Validate())
		require.Equal(t, "127.0.0.1:"+itoa(36656+i), cfg.P2P.ListenAddr)
		require.Equal(t, "127.0.0.1:"+itoa(36756+i), cfg.RPC.ListenAddr)
		require.Len(t, cfg.P2P.Peers, 3)
		for _, p := range cfg.P2P.Peers {
			require.False(t, strings.HasPrefix(p, v.Address.Hex()), "a validator does not peer with itself")
		}

		vg, err := chains.LoadGenesis(cfg.Path(cfg.Genesis))
		require.NoError(t, err)
		require.Equal(t, g.Hash(), vg.Hash())

		pw, err := chains.ReadPassword(cfg.Path(cfg.PasswordFile))
		require.NoError(t, err)
		key, err := chains.LoadKey(cfg.Path(cfg.Key), pw)
		require.NoError(t, err)
		require.Equal(t, v.Address, attest.AddressOf(key))

		requireOK(t, causeway(t, "config", "validate", "--home", home))
	}

	pw, err := chains.ReadPassword(filepath.Join(dir, "accounts", "password.txt"))
	require.NoError(t, err)
	key, err := chains.LoadKey(filepath.Join(dir, "accounts", "demo1.json"), pw)
	require.NoError(t, err)
	require.Equal(t, g.Accounts[1].Address, attest.AddressOf(key))
}

func TestInitRefusesOverwrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	args := []string{"init", "--chain-id", "beta", "--validators", "1", "--accounts", "0", "--home", dir}
	requireOK(t, causeway(t, args...))
	before, err := os.ReadFile(filepath.Join(dir, "genesis.json"))
	require.NoError(t, err)

	r := causeway(t, args...)
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "testnet already exists")
	after, err := os.ReadFile(filepath.Join(dir, "genesis.json"))
	require.NoError(t, err)
	require.Equal(t, before, after, "the refused run changed nothing")

	requireOK(t, causeway(t, append(args, "--force")...))
}

func TestInitWithSeedAndPasswordFile(t *testing.T) {
	t.Parallel()
	pwFile := filepath.Join(t.TempDir(), "pw")
	require.NoError(t, os.WriteFile(pwFile, []byte("correct horse\n"), 0o600))
	homes := []string{t.TempDir(), t.TempDir()}
	var addrs []string
	for _, h := range homes {
		requireOK(t, causeway(t, "init", "--chain-id", "gamma", "--validators", "1", "--accounts", "0",
			"--seed", "9", "--password-file", pwFile, "--home", h))
		a, err := chains.KeyFileAddress(filepath.Join(h, "v0", "keys", "validator.json"))
		require.NoError(t, err)
		addrs = append(addrs, a.Hex())
		_, err = chains.LoadKey(filepath.Join(h, "v0", "keys", "validator.json"), "correct horse")
		require.NoError(t, err)
	}
	require.Equal(t, addrs[0], addrs[1], "same seed, same validator key")
}

func TestInitRejectsBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "missing chain id", args: []string{"init"}, want: `"chain-id" not set`},
		{name: "bad chain id", args: []string{"init", "--chain-id", "Alpha"}, want: "chain id"},
		{name: "zero validators", args: []string{"init", "--chain-id", "a", "--validators", "0"}, want: "validators"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := causeway(t, append(tc.args, "--home", t.TempDir())...)
			require.Equal(t, exitError, r.code)
			require.Contains(t, r.stderr, tc.want)
		})
	}
}

// init --identity writes a consortium chain: the rule in genesis with the
// validators as members, and the CA and regulator keys that match it.
func TestInitWithIdentity(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := causeway(t, "init", "--chain-id", "alpha", "--validators", "4", "--home", dir, "--identity", "--seed", "5")
	requireOK(t, r)
	require.Contains(t, r.stdout, "registration needs 2 CA endorsements; actions need 2 of 3 regulators")
	g, err := chains.LoadGenesis(filepath.Join(dir, "genesis.json"))
	require.NoError(t, err)
	require.NotNil(t, g.Identity)
	require.Len(t, g.Identity.Members, 4, "the validators, and no demo account")
	for i, ca := range g.Identity.CAs {
		path := filepath.Join(dir, "identity", ca.ID+".key")
		info, err := os.Stat(path)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
		k, err := chains.ReadSchnorrKey(path)
		require.NoError(t, err)
		require.Equal(t, ca.Key, attest.SchnorrPublic(k), "CA %d's file holds its key", i)
		require.Contains(t, r.stdout, ca.Key.String())
	}
	_, err = os.Stat(filepath.Join(dir, "identity", "reg-3.key"))
	require.NoError(t, err)

	// The same seed gives the same keys; --force replaces the key files.
	again := causeway(t, "init", "--chain-id", "alpha", "--validators", "4", "--home", dir, "--identity", "--seed", "5", "--force")
	requireOK(t, again)
	g2, err := chains.LoadGenesis(filepath.Join(dir, "genesis.json"))
	require.NoError(t, err)
	require.Equal(t, g.Identity.CAs, g2.Identity.CAs)
	require.Equal(t, g.Identity.Regulators, g2.Identity.Regulators)
}
