package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
)

func itoa(i int) string { return strconv.Itoa(i) }

func writePasswordFile(t *testing.T, pw string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "password.txt")
	require.NoError(t, os.WriteFile(path, []byte(pw+"\n"), 0o600))
	return path
}

func TestKeysNewListShow(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	pw := writePasswordFile(t, "s3cret")

	r := causeway(t, "keys", "new", "--name", "alice", "--home", home, "--password-file", pw, "--light-kdf")
	requireOK(t, r)
	fields := strings.Fields(r.stdout)
	require.Len(t, fields, 3)
	addr := fields[1]

	key, err := chains.LoadKey(filepath.Join(home, "keys", "alice.json"), "s3cret")
	require.NoError(t, err)
	require.Equal(t, addr, attest.AddressOf(key).Hex())

	requireOK(t, causeway(t, "keys", "new", "--name", "bob", "--home", home, "--password-file", pw, "--light-kdf"))

	r = causeway(t, "keys", "list", "--home", home)
	requireOK(t, r)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 3)
	require.True(t, strings.HasPrefix(lines[1], "alice"))
	require.Contains(t, lines[1], addr)
	require.True(t, strings.HasPrefix(lines[2], "bob"))

	for _, q := range []string{"alice", addr, strings.ToLower(addr)} {
		r = causeway(t, "keys", "show", q, "--home", home)
		requireOK(t, r)
		require.Equal(t, addr+"\n", r.stdout)
	}

	r = causeway(t, "keys", "show", "carol", "--home", home)
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "no such key")

	r = causeway(t, "keys", "new", "--name", "alice", "--home", home, "--password-file", pw, "--light-kdf")
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "refusing to overwrite")
}

func TestKeysShowNeverPrintsSecrets(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	pw := writePasswordFile(t, "s3cret")
	requireOK(t, causeway(t, "keys", "new", "--name", "k", "--home", home, "--password-file", pw, "--light-kdf"))
	raw, err := os.ReadFile(filepath.Join(home, "keys", "k.json"))
	require.NoError(t, err)
	require.NotContains(t, string(raw), "s3cret")

	r := causeway(t, "keys", "show", "k", "--home", home)
	requireOK(t, r)
	require.Len(t, strings.TrimSpace(r.stdout), 42, "an address and nothing else")
}

func TestKeysNewRefusesToPromptWithoutTerminal(t *testing.T) {
	t.Setenv(envKeyPassword, "") // restores the variable afterwards
	require.NoError(t, os.Unsetenv(envKeyPassword))
	home := t.TempDir()
	r := causeway(t, "keys", "new", "--name", "x", "--home", home)
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "will not prompt")
	require.NoFileExists(t, filepath.Join(home, "keys", "x.json"))
}

func TestKeysNewPasswordFromEnv(t *testing.T) {
	t.Setenv(envKeyPassword, "from-env")
	home := t.TempDir()
	requireOK(t, causeway(t, "keys", "new", "--name", "e", "--home", home, "--light-kdf"))
	_, err := chains.LoadKey(filepath.Join(home, "keys", "e.json"), "from-env")
	require.NoError(t, err)
}

func TestKeysNewRejectsBadName(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "../escape", "a/b", ".hidden", strings.Repeat("n", 65)} {
		r := causeway(t, "keys", "new", "--name", name, "--home", t.TempDir(), "--password-file", "unused")
		require.Equal(t, exitError, r.code, name)
	}
}
