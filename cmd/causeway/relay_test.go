package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/chains"
)

// relayTOML is a relay config over two chains whose endpoints are
// endpoint, with one signer each from keystore and password files in dir.
func relayTOML(t *testing.T, dir, endpoint string) string {
	t.Helper()
	const password = "relay-cli-test"
	key, err := crypto.GenerateKey()
	require.NoError(t, err)
	require.NoError(t, chains.SaveKey(filepath.Join(dir, "relayer.json"), key, password, true))
	require.NoError(t, chains.WritePassword(filepath.Join(dir, "relayer.password"), password))
	var b strings.Builder
	b.WriteString("store = \"sqlite:relay.db\"\nqueue = \"memory:\"\n")
	for i, id := range []string{"alpha", "beta"} {
		b.WriteString("\n[[chains]]\nid = \"" + id + "\"\n")
		b.WriteString("genesis_hash = \"0x" + strings.Repeat(string(rune('1'+i)), 64) + "\"\n")
		b.WriteString("endpoints = [\"" + endpoint + "\"]\n")
		b.WriteString("[[chains.signers]]\nkeystore = \"relayer.json\"\npassword_file = \"relayer.password\"\n")
	}
	return b.String()
}

func writeRelayConfig(t *testing.T, dir, text string) string {
	t.Helper()
	path := filepath.Join(dir, "relay.toml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

func TestRelayRefusesBadConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := relayTOML(t, dir, "ws://127.0.0.1:1")
	for _, tc := range []struct {
		name, text, want string
	}{
		{"missing genesis hash", strings.Replace(good, `genesis_hash = "0x`+strings.Repeat("2", 64)+`"`, "", 1),
			"chains[1].genesis_hash: missing"},
		{"unknown key", strings.Replace(good, `genesis_hash = "0x2222`, `genesis = "0x2222`, 1),
			"unknown key chains.genesis"},
		{"bad endpoint", strings.Replace(good, `["ws://127.0.0.1:1"]`, `["http://x"]`, 1),
			`chains[0].endpoints[0]: "http://x" is not a ws:// or wss:// URL`},
		{"one chain", good[:strings.Index(good, "\n[[chains]]\nid = \"beta\"")], "chains: need at least 2, have 1"},
		{"bad store", strings.Replace(good, `"sqlite:relay.db"`, `"mysql://db"`, 1), `store: unsupported scheme "mysql"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, args := range [][]string{{}, {"--check"}} {
				path := writeRelayConfig(t, t.TempDir(), tc.text)
				r := causeway(t, append([]string{"relay", "--config", path}, args...)...)
				require.Equal(t, exitError, r.code, "stdout: %s", r.stdout)
				require.Contains(t, r.stderr, "causeway: invalid config")
				require.Contains(t, r.stderr, tc.want)
			}
		})
	}
}

func TestRelayNeedsConfig(t *testing.T) {
	t.Parallel()
	r := causeway(t, "relay")
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "--config FILE is required")

	r = causeway(t, "relay", "--config", filepath.Join(t.TempDir(), "nope.toml"))
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "read relay config")
}

// The dynamic checks run under --check too: an endpoint nobody serves is
// named, and nothing is left behind.
func TestRelayCheckUnreachableEndpoint(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	dir := t.TempDir()
	path := writeRelayConfig(t, dir, relayTOML(t, dir, "ws://"+addr))
	r := causeway(t, "--log-level", "error", "relay", "--config", path, "--check")
	require.Equal(t, exitError, r.code, "stdout: %s", r.stdout)
	require.Contains(t, r.stderr, "chains[0].endpoints[0] ws://"+addr+": unreachable")
	require.NoFileExists(t, filepath.Join(dir, "relay.db"))
}
