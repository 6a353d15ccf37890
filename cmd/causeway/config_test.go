package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/node"
)

func writeNodeConfig(t *testing.T, home, content string) {
	t.Helper()
	path := filepath.Join(home, node.ConfigFile)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func TestConfigInitWritesDefaults(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	r := causeway(t, "config", "init", "--home", home)
	requireOK(t, r)
	require.Contains(t, r.stdout, filepath.Join(home, node.ConfigFile))

	cfg, err := node.ReadConfig(home, func(string) (string, bool) { return "", false })
	require.NoError(t, err)
	want := node.DefaultConfig()
	want.Home = home
	require.Equal(t, want, cfg)

	r = causeway(t, "config", "init", "--home", home)
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "--force")
	requireOK(t, causeway(t, "config", "init", "--home", home, "--force"))
}

func TestConfigShowAppliesFlagsOverFile(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	writeNodeConfig(t, home, "[p2p]\nlisten_addr = \"0.0.0.0:1000\"\n[rpc]\nlisten_addr = \"0.0.0.0:2000\"\n")

	r := causeway(t, "config", "show", "--home", home, "--rpc-listen-addr", "127.0.0.1:3000", "--log-level", "debug")
	requireOK(t, r)
	var shown struct {
		P2P struct {
			ListenAddr string `toml:"listen_addr"`
		} `toml:"p2p"`
		RPC struct {
			ListenAddr string `toml:"listen_addr"`
		} `toml:"rpc"`
		Log struct{ Level string } `toml:"log"`
	}
	_, err := toml.Decode(r.stdout, &shown)
	require.NoError(t, err)
	require.Equal(t, "0.0.0.0:1000", shown.P2P.ListenAddr, "file over default")
	require.Equal(t, "127.0.0.1:3000", shown.RPC.ListenAddr, "flag over file")
	require.Equal(t, "debug", shown.Log.Level, "global flag over default")
}

func TestConfigValidateNamesTheBadField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string
		args []string
		want string
	}{
		{name: "bad log level in file", file: "[log]\nlevel = \"loud\"\n", want: "log.level"},
		{name: "bad peer in file", file: "[p2p]\npeers = [\"nope\"]\n", want: "p2p.peers[0]"},
		{name: "unknown key in file", file: "[rpc]\nlisten = \"x\"\n", want: "unknown key rpc.listen"},
		{name: "bad flag", args: []string{"--p2p-listen-addr", "nowhere"}, want: "p2p.listen_addr"},
		{name: "bad duration flag", args: []string{"--consensus-tick-interval", "soon"}, want: "consensus.tick_interval"},
		{name: "missing genesis", want: "genesis"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			if tc.file != "" {
				writeNodeConfig(t, home, tc.file)
			}
			r := causeway(t, append([]string{"config", "validate", "--home", home}, tc.args...)...)
			require.Equal(t, exitError, r.code)
			require.Contains(t, r.stderr, tc.want)
		})
	}
}

func TestConfigValidateEnvOverride(t *testing.T) {
	t.Setenv("CAUSEWAY_LOG_FORMAT", "yaml")
	r := causeway(t, "config", "show", "--home", t.TempDir())
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "log.format")
}

// TestExampleConfigIsCurrent keeps deploy/config/node.example.toml identical
// to what `causeway config init` writes. Regenerate it with:
//
//	go run ./cmd/causeway config show --home /nonexistent > deploy/config/node.example.toml
func TestExampleConfigIsCurrent(t *testing.T) {
	t.Parallel()
	want, err := os.ReadFile(filepath.Join("..", "..", "deploy", "config", "node.example.toml"))
	require.NoError(t, err)
	var got strings.Builder
	require.NoError(t, node.DefaultConfig().WriteTOML(&got))
	require.Equal(t, string(want), got.String())
}

// TestReadmeDocumentsEveryEnvVar keeps the README's configuration reference
// complete.
func TestReadmeDocumentsEveryEnvVar(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	for _, v := range node.EnvVars() {
		require.Contains(t, string(readme), "`"+v.Key+"` | `"+v.Name+"`", "README configuration table")
	}
}
