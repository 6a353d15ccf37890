package node

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	peerA = "0x1111111111111111111111111111111111111111@127.0.0.1:26657"
	peerB = "0x2222222222222222222222222222222222222222@10.0.0.2:26656"
)

func noEnv(string) (string, bool) { return "", false }

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func writeConfigFile(t *testing.T, home, content string) {
	t.Helper()
	path := filepath.Join(home, ConfigFile)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func TestDefaultConfigIsValid(t *testing.T) {
	t.Parallel()
	require.NoError(t, DefaultConfig().Validate())
}

func TestValidateNamesTheField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key    string
		mutate func(c *Config)
	}{
		{"genesis", func(c *Config) { c.Genesis = " " }},
		{"data_dir", func(c *Config) { c.DataDir = "" }},
		{"p2p.listen_addr", func(c *Config) { c.P2P.ListenAddr = "localhost" }},
		{"p2p.listen_addr", func(c *Config) { c.P2P.ListenAddr = "127.0.0.1:70000" }},
		{"p2p.peers[1]", func(c *Config) { c.P2P.Peers = []string{peerA, "nope"} }},
		{"p2p.peers[1]", func(c *Config) { c.P2P.Peers = []string{peerA, peerA} }},
		{"rpc.listen_addr", func(c *Config) { c.RPC.ListenAddr = ":x" }},
		{"rpc.max_request_bytes", func(c *Config) { c.RPC.MaxRequestBytes = 10 }},
		{"mempool.max_txs", func(c *Config) { c.Mempool.MaxTxs = 0 }},
		{"mempool.max_bytes", func(c *Config) { c.Mempool.MaxBytes = 1 }},
		{"mempool.nonce_window", func(c *Config) { c.Mempool.NonceWindow = 0 }},
		{"consensus.skip_window", func(c *Config) { c.Consensus.SkipWindow = maxSkipWindow + 1 }},
		{"consensus.tick_interval", func(c *Config) { c.Consensus.TickInterval = 0 }},
		{"consensus.wal_file", func(c *Config) { c.Consensus.WALFile = "" }},
		{"consensus.busy_block_gap", func(c *Config) { c.Consensus.BusyBlockGap = Duration(maxBusyBlockGap + 1) }},
		{"storage.cache_bytes", func(c *Config) { c.Storage.CacheBytes = maxStorageBytes + 1 }},
		{"storage.memtable_bytes", func(c *Config) { c.Storage.MemtableBytes = minMemtableBytes - 1 }},
		{"storage.state_cache_bytes", func(c *Config) { c.Storage.StateCacheBytes = 0 }},
		{"log.level", func(c *Config) { c.Log.Level = "loud" }},
		{"log.format", func(c *Config) { c.Log.Format = "xml" }},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			t.Parallel()
			c := DefaultConfig()
			tc.mutate(&c)
			err := c.Validate()
			require.ErrorIs(t, err, ErrInvalidConfig)
			require.Contains(t, err.Error(), ": "+tc.key+": ")
		})
	}
}

func TestValidateAcceptsVariants(t *testing.T) {
	t.Parallel()
	c := DefaultConfig()
	c.Key = "" // full node
	c.P2P.ListenAddr = "[::1]:0"
	c.P2P.Peers = []string{peerA, peerB}
	c.Log = LogConfig{Level: "debug", Format: LogFormatConsole}
	require.NoError(t, c.Validate())
}

func TestParsePeer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		wantHost string
		wantErr  bool
	}{
		{in: peerA, wantHost: "127.0.0.1:26657"},
		{in: "0xABCDEFabcdef0000000000000000000000000000@node-1.example:1", wantHost: "node-1.example:1"},
		{in: "0x1111111111111111111111111111111111111111@[::1]:26656", wantHost: "[::1]:26656"},
		{in: "1111111111111111111111111111111111111111@127.0.0.1:1", wantErr: true},
		{in: "0x11@127.0.0.1:1", wantErr: true},
		{in: "0x1111111111111111111111111111111111111111", wantErr: true},
		{in: "0x1111111111111111111111111111111111111111@127.0.0.1", wantErr: true},
		{in: "0x1111111111111111111111111111111111111111@127.0.0.1:0", wantErr: true},
		{in: "0xzz11111111111111111111111111111111111111@127.0.0.1:1", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			addr, host, err := ParsePeer(tc.in)
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantHost, host)
			require.True(t, strings.EqualFold(strings.Split(tc.in, "@")[0], addr.Hex()))
		})
	}
}

func TestReadConfigPrecedence(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	writeConfigFile(t, home, `
data_dir = "/var/lib/causeway"
[p2p]
listen_addr = "0.0.0.0:1000"
peers = ["`+peerA+`"]
[rpc]
listen_addr = "0.0.0.0:2000"
[consensus]
tick_interval = "50ms"
[log]
level = "debug"
`)
	c, err := ReadConfig(home, envOf(map[string]string{
		"CAUSEWAY_RPC_LISTEN_ADDR":         "0.0.0.0:3000",
		"CAUSEWAY_P2P_PEERS":               peerA + ", " + peerB + ",",
		"CAUSEWAY_MEMPOOL_MAX_TXS":         "7",
		"CAUSEWAY_CONSENSUS_TICK_INTERVAL": "1s",
	}))
	require.NoError(t, err)
	require.Equal(t, home, c.Home)
	require.Equal(t, "/var/lib/causeway", c.DataDir, "file over default")
	require.Equal(t, "0.0.0.0:1000", c.P2P.ListenAddr, "file over default")
	require.Equal(t, "0.0.0.0:3000", c.RPC.ListenAddr, "env over file")
	require.Equal(t, []string{peerA, peerB}, c.P2P.Peers, "env list, blanks dropped")
	require.Equal(t, 7, c.Mempool.MaxTxs)
	require.Equal(t, time.Second, c.Consensus.TickInterval.Duration())
	require.Equal(t, "debug", c.Log.Level)
	require.Equal(t, DefaultConfig().Genesis, c.Genesis, "untouched keys keep defaults")
	require.NoError(t, c.Validate())
}

func TestReadConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string
		env  map[string]string
		want string
	}{
		{name: "unknown top-level key", file: "genisis = \"x\"\n", want: "unknown key genisis"},
		{name: "unknown nested key", file: "[p2p]\nlisten = \"x\"\n", want: "unknown key p2p.listen"},
		{name: "wrong type", file: "[mempool]\nmax_txs = \"many\"\n", want: "max_txs"},
		{name: "bad duration", file: "[consensus]\ntick_interval = \"soon\"\n", want: "tick_interval"},
		{name: "bad env integer", env: map[string]string{"CAUSEWAY_MEMPOOL_MAX_TXS": "-1"}, want: "mempool.max_txs (from CAUSEWAY_MEMPOOL_MAX_TXS"},
		{name: "bad env duration", env: map[string]string{"CAUSEWAY_CONSENSUS_TICK_INTERVAL": "5"}, want: "consensus.tick_interval"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			if tc.file != "" {
				writeConfigFile(t, home, tc.file)
			}
			_, err := ReadConfig(home, envOf(tc.env))
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestLoadConfigWithoutFile(t *testing.T) {
	t.Parallel()
	c, err := ReadConfig(t.TempDir(), noEnv)
	require.NoError(t, err)
	want := DefaultConfig()
	want.Home = c.Home
	require.Equal(t, want, c)
}

func TestWriteTOMLRoundTrip(t *testing.T) {
	t.Parallel()
	c := DefaultConfig()
	c.Key = ""
	c.DataDir = `/data/with "quotes" and \ slash`
	c.P2P.Peers = []string{peerA, peerB}
	c.RPC.MaxRequestBytes = 12345
	c.Mempool = MempoolConfig{MaxTxs: 9, MaxBytes: 2 << 20, NonceWindow: 3}
	c.Consensus = ConsensusConfig{SkipWindow: 0, TickInterval: Duration(1500 * time.Millisecond), WALFile: "wal"}
	c.Log = LogConfig{Level: "warn", Format: LogFormatConsole}

	var buf bytes.Buffer
	require.NoError(t, c.WriteTOML(&buf))
	for _, v := range EnvVars() {
		require.Contains(t, buf.String(), "# env: "+v.Name)
	}

	home := t.TempDir()
	writeConfigFile(t, home, buf.String())
	got, err := ReadConfig(home, noEnv)
	require.NoError(t, err)
	got.Home = ""
	require.Equal(t, c, got)
}

func TestWriteFileRefusesOverwrite(t *testing.T) {
	t.Parallel()
	c := DefaultConfig()
	c.Home = t.TempDir()
	require.NoError(t, c.WriteFile(false))
	require.ErrorIs(t, c.WriteFile(false), os.ErrExist)
	c.Log.Level = "error"
	require.NoError(t, c.WriteFile(true))
	got, err := LoadConfig(c.Home)
	require.NoError(t, err)
	require.Equal(t, "error", got.Log.Level)
}

// TestSettingsCoverEveryKey keeps the settings table (env vars, WriteTOML)
// in step with the struct's toml tags.
func TestSettingsCoverEveryKey(t *testing.T) {
	t.Parallel()
	var want []string
	var walk func(typ reflect.Type, prefix string)
	walk = func(typ reflect.Type, prefix string) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			tag := f.Tag.Get("toml")
			if tag == "-" {
				continue
			}
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type, prefix+tag+".")
				continue
			}
			want = append(want, prefix+tag)
		}
	}
	walk(reflect.TypeOf(Config{}), "")

	var got []string
	for _, v := range EnvVars() {
		got = append(got, v.Key)
		require.True(t, strings.HasPrefix(v.Name, EnvPrefix))
		require.NotEmpty(t, v.Doc)
	}
	require.Equal(t, want, got)
}

func TestPath(t *testing.T) {
	t.Parallel()
	c := Config{Home: "/home/n"}
	require.Equal(t, "/home/n/config/genesis.json", c.Path("config/genesis.json"))
	require.Equal(t, "/etc/genesis.json", c.Path("/etc/genesis.json"))
	require.Equal(t, "", c.Path(""))
}

func TestPeerAddrs(t *testing.T) {
	t.Parallel()
	addrs, hosts, err := P2PConfig{Peers: []string{peerA, peerB}}.PeerAddrs()
	require.NoError(t, err)
	require.Equal(t, "0x1111111111111111111111111111111111111111", strings.ToLower(addrs[0].Hex()))
	require.Equal(t, []string{"127.0.0.1:26657", "10.0.0.2:26656"}, hosts)
}

func TestSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key, value string
		wantErr    bool
		check      func(t *testing.T, c Config)
	}{
		{key: "p2p.peers", value: peerA + "," + peerB, check: func(t *testing.T, c Config) {
			require.Equal(t, []string{peerA, peerB}, c.P2P.Peers)
		}},
		{key: "consensus.tick_interval", value: "2s", check: func(t *testing.T, c Config) {
			require.Equal(t, 2*time.Second, c.Consensus.TickInterval.Duration())
		}},
		{key: "mempool.max_bytes", value: "4096", check: func(t *testing.T, c Config) {
			require.Equal(t, 4096, c.Mempool.MaxBytes)
		}},
		{key: "log.level", value: "warn", check: func(t *testing.T, c Config) {
			require.Equal(t, "warn", c.Log.Level)
		}},
		{key: "mempool.max_txs", value: "ten", wantErr: true},
		{key: "p2p.listen", value: "x", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			t.Parallel()
			c := DefaultConfig()
			err := c.Set(tc.key, tc.value)
			if tc.wantErr {
				require.ErrorIs(t, err, ErrInvalidConfig)
				require.Contains(t, err.Error(), tc.key)
				return
			}
			require.NoError(t, err)
			tc.check(t, c)
		})
	}
}

func TestWriteTOMLRoundTripDefaults(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	require.NoError(t, DefaultConfig().WriteTOML(&buf))
	home := t.TempDir()
	writeConfigFile(t, home, buf.String())
	got, err := ReadConfig(home, noEnv)
	require.NoError(t, err)
	got.Home = ""
	require.Equal(t, DefaultConfig(), got)
}
