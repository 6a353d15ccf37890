package relay_test

import (
	"crypto/ecdsa"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/relay"
)

// goodConfig is a valid two-chain relay configuration; the table below
// breaks it one edit at a time.
const goodConfig = `
store = "sqlite:data/relay.db"
queue = "memory:"

[engine]
retry_min = "250ms"
retry_max = "15s"

[[chains]]
id = "alpha"
genesis_hash = "0x1111111111111111111111111111111111111111111111111111111111111111"
endpoints = ["ws://127.0.0.1:8546", "ws://127.0.0.1:8547"]
denoms = ["USD"]

[[chains.signers]]
keystore = "keys/alpha.json"
password_file = "keys/alpha.pw"

[[chains]]
id = "beta"
genesis_hash = "0x2222222222222222222222222222222222222222222222222222222222222222"
endpoints = ["wss://beta.example:443"]

[[chains.signers]]
keystore = "keys/beta.json"
password_env = "BETA_PW"
`

// noEnv is an empty environment.
func noEnv(string) (string, bool) { return "", false }

// writeConfig writes text as relay.toml in a fresh directory.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "relay.toml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

// loadConfig is LoadConfig without the process environment.
func loadConfig(t *testing.T, text string) (*relay.Config, error) {
	t.Helper()
	c, err := relay.ReadConfig(writeConfig(t, text), noEnv)
	if err != nil {
		return nil, err
	}
	return c, c.Validate()
}

func TestConfigGood(t *testing.T) {
	t.Parallel()
	path := writeConfig(t, goodConfig)
	c, err := relay.ReadConfig(path, noEnv)
	require.NoError(t, err)
	require.NoError(t, c.Validate())
	require.NotEmpty(t, c.Consumer, "consumer defaults to hostname-pid")
	require.Equal(t, relay.DefaultAdminListen, c.AdminListen)
	require.True(t, c.Migrate)
	require.Equal(t, "info", c.Log.Level)
	require.Len(t, c.Chains, 2)
	require.Equal(t, filepath.Join(filepath.Dir(path), "keys", "alpha.json"), c.Path(c.Chains[0].Signers[0].Keystore),
		"relative paths resolve against the config file's directory")
	g, err := c.Chains[1].Genesis()
	require.NoError(t, err)
	require.Equal(t, attest.Hash{0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
		0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22}, g)

	e := c.EngineConfig()
	require.Equal(t, c.Consumer, e.Consumer)
	require.Equal(t, relay.Backoff{Min: 250 * time.Millisecond, Max: 15 * time.Second}, e.Retry)
	require.NoError(t, e.Validate())
}

func TestConfigEnvOverrides(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"CAUSEWAY_RELAY_STORE":     "postgres://relay@db:5432/causeway",
		"CAUSEWAY_RELAY_MIGRATE":   "false",
		"CAUSEWAY_RELAY_LOG_LEVEL": "debug",
	}
	c, err := relay.ReadConfig(writeConfig(t, goodConfig), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err)
	require.NoError(t, c.Validate())
	require.Equal(t, "postgres://relay@db:5432/causeway", c.Store)
	require.False(t, c.Migrate)
	require.Equal(t, "debug", c.Log.Level)

	env["CAUSEWAY_RELAY_MIGRATE"] = "maybe"
	_, err = relay.ReadConfig(writeConfig(t, goodConfig), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.ErrorIs(t, err, relay.ErrInvalidConfig)
	require.ErrorContains(t, err, "migrate (from CAUSEWAY_RELAY_MIGRATE)")
}

// Every bad config is refused with an error naming the field.
func TestConfigRefused(t *testing.T) {
	t.Parallel()
	const alphaGenesis = `genesis_hash = "0x1111111111111111111111111111111111111111111111111111111111111111"`
	betaChain := goodConfig[strings.Index(goodConfig, "[[chains]]\nid = \"beta\""):]
	for _, tc := range []struct {
		name     string
		old, new string // edit of goodConfig
		want     string
	}{
		{"missing genesis hash", alphaGenesis, "", "chains[0].genesis_hash: missing"},
		{"malformed genesis hash", alphaGenesis, `genesis_hash = "0x12"`,
			`chains[0].genesis_hash: "0x12" is not a 0x-prefixed 32-byte hex hash`},
		{"bad endpoint scheme", `["wss://beta.example:443"]`, `["http://x"]`,
			`chains[1].endpoints[0]: "http://x" is not a ws:// or wss:// URL`},
		{"no endpoints", `["wss://beta.example:443"]`, `[]`, "chains[1].endpoints: missing"},
		{"endpoint twice", `"ws://127.0.0.1:8547"`, `"ws://127.0.0.1:8546"`,
			`chains[0].endpoints[1]: "ws://127.0.0.1:8546" listed twice`},
		{"duplicate chain", `id = "beta"`, `id = "alpha"`, `chains[1].id: "alpha" listed twice`},
		{"bad chain id", `id = "beta"`, `id = "Beta"`, `chains[1].id: "Beta": want 1 to 32 of [a-z0-9-]`},
		{"one chain only", betaChain, "", "chains: need at least 2, have 1"},
		{"missing signers", betaChain[strings.Index(betaChain, "[[chains.signers]]"):], "", "chains[1].signers: missing"},
		{"signer without keystore", `keystore = "keys/beta.json"`, "", "chains[1].signers[0].keystore: missing"},
		{"signer without password", `password_file = "keys/alpha.pw"`, "", "chains[0].signers[0].password_file: missing (or set password_env)"},
		{"signer with two passwords", `password_env = "BETA_PW"`, "password_env = \"BETA_PW\"\npassword_file = \"pw\"",
			"chains[1].signers[0]: give password_file or password_env, not both"},
		{"bad duration", `retry_min = "250ms"`, `retry_min = "fast"`, `(last key "engine.retry_min"): time: invalid duration "fast"`},
		{"negative duration", `retry_min = "250ms"`, `retry_min = "250ms"` + "\nbatch_delay = \"-1s\"", "engine.batch_delay: -1s: must not be negative"},
		{"unknown key", "[engine]\n", "[engine]\ncolour = \"blue\"\n", "unknown key engine.colour"},
		{"unknown chain key", `denoms = ["USD"]`, `denom = "USD"`, "unknown key chains.denom"},
		{"retry_max below retry_min", `retry_max = "15s"`, `retry_max = "100ms"`, "engine.retry_max: below retry_min"},
		{"reclaim within inclusion", "[engine]\n", "[engine]\ninclusion_timeout = \"2m\"\n",
			"engine.reclaim_idle: 1m0s must exceed inclusion_timeout (2m0s)"},
		{"zero max batch", "[engine]\n", "[engine]\nmax_batch = 0\n", "engine.max_batch: 0 out of range 1..1000"},
		{"zero workers", "[engine]\n", "[engine]\nworkers = 0\n", "engine.workers: 0: must be at least 1"},
		{"bad store scheme", `store = "sqlite:data/relay.db"`, `store = "mysql://u@h/db"`,
			`store: unsupported scheme "mysql" (want postgres://, sqlite:)`},
		{"missing store", `store = "sqlite:data/relay.db"`, "", "store: bad url: missing"},
		{"bad queue scheme", `queue = "memory:"`, `queue = "kafka://k:9092"`,
			`queue: unsupported scheme "kafka" (want redis://, rediss://, memory:)`},
		{"bad admin address", `queue = "memory:"`, "queue = \"memory:\"\nadmin_listen = \"9464\"", `admin_listen: "9464": want host:port`},
		{"bad consumer", `queue = "memory:"`, "queue = \"memory:\"\nconsumer = \"relay {1}\"", `consumer: consumer name "relay {1}"`},
		{"bad log level", `queue = "memory:"`, "queue = \"memory:\"\n[log]\nlevel = \"loud\"", `log.level: "loud" is not one of`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			text := strings.Replace(goodConfig, tc.old, tc.new, 1)
			require.NotEqual(t, goodConfig, text, "the edit must change the config")
			_, err := loadConfig(t, text)
			require.ErrorIs(t, err, relay.ErrInvalidConfig)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	t.Parallel()
	_, err := relay.LoadConfig(filepath.Join(t.TempDir(), "nope.toml"))
	require.ErrorContains(t, err, "read relay config")
}

// NewConfig builds a valid config in code, keys held in memory.
func TestNewConfigWithKeys(t *testing.T) {
	t.Parallel()
	key, err := crypto.GenerateKey()
	require.NoError(t, err)
	c := relay.NewConfig("sqlite:relay.db", "memory:",
		relay.NewChainConfig("alpha", attest.Hash{1}, []string{"ws://127.0.0.1:1"}, key),
		relay.NewChainConfig("beta", attest.Hash{2}, []string{"ws://127.0.0.1:2"}, key))
	require.NoError(t, c.Validate())
	c.Chains[1].Keys = []*ecdsa.PrivateKey{nil}
	require.ErrorContains(t, c.Validate(), "chains[1].keys[0]: nil key")
}

// The example in deploy/ stays a valid configuration.
func TestExampleConfig(t *testing.T) {
	t.Parallel()
	c, err := relay.ReadConfig(filepath.Join("..", "deploy", "config", "relay.example.toml"), noEnv)
	require.NoError(t, err)
	require.NoError(t, c.Validate())
	require.Len(t, c.Chains, 2)
}
