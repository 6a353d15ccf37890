package gateway

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// exampleConfig is the commented example operators start from.
const exampleConfig = "../../deploy/config/gateway.example.toml"

const minimalConfig = `
store = "sqlite:state/settlement.db"

[[chains]]
id = "alpha"
genesis_hash = "0x1111111111111111111111111111111111111111111111111111111111111111"
endpoints = ["http://127.0.0.1:8545"]

[[chains]]
id = "beta"
genesis_hash = "0x2222222222222222222222222222222222222222222222222222222222222222"
endpoints = ["ws://127.0.0.1:9545", "wss://beta.example:443"]

[[signers]]
client = "acme"
keystore = "keys/acme.json"
password_file = "keys/acme.password"
`

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gateway.toml")
	require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
	return path
}

func noEnv(string) (string, bool) { return "", false }

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	path := writeConfig(t, minimalConfig)
	c, err := ReadConfig(path, noEnv)
	require.NoError(t, err)
	require.NoError(t, c.Validate())
	require.Equal(t, DefaultListen, c.Listen)
	require.Equal(t, DefaultAdminListen, c.AdminListen)
	require.True(t, c.PublicReads)
	require.True(t, c.Tracker)
	require.True(t, c.Migrate)
	require.Equal(t, 10*time.Minute, c.DefaultTimeout.Duration())
	require.Equal(t, int64(64<<10), c.Limits.MaxBodyBytes)
	require.Equal(t, 50, c.Limits.RatePerSec)
	require.Equal(t, 100, c.Limits.Burst)
	require.Equal(t, 20, c.Limits.AnonymousRatePerSec)
	require.Equal(t, 30*time.Second, c.Idempotency.Lease.Duration())
	require.Equal(t, 24*time.Hour, c.Idempotency.Retention.Duration())
	require.Equal(t, filepath.Dir(path), c.Dir)
	require.Equal(t, filepath.Join(filepath.Dir(path), "keys/acme.json"), c.Path(c.Signers[0].Keystore))
	require.Equal(t, "/abs/k.json", c.Path("/abs/k.json"))
}

// The example parses, validates and documents the defaults it claims.
func TestConfigExample(t *testing.T) {
	t.Parallel()
	c, err := ReadConfig(exampleConfig, noEnv)
	require.NoError(t, err)
	require.NoError(t, c.Validate())
	d := DefaultConfig()
	require.Equal(t, d.Limits, c.Limits)
	require.Equal(t, d.Idempotency, c.Idempotency)
	require.Equal(t, d.Feed, c.Feed)
	require.Equal(t, d.DefaultTimeout, c.DefaultTimeout)
	require.Len(t, c.Chains, 2)
	require.Len(t, c.Signers, 2)
}

// The environment overrides the file, which overrides the defaults.
func TestConfigPrecedence(t *testing.T) {
	t.Parallel()
	path := writeConfig(t, "listen = \"0.0.0.0:1\"\n"+minimalConfig+"\n[limits]\nburst = 7\n")
	env := map[string]string{
		"CAUSEWAY_GATEWAY_LISTEN":       "0.0.0.0:2",
		"CAUSEWAY_GATEWAY_PUBLIC_READS": "false",
		"CAUSEWAY_GATEWAY_LIMITS_BURST": "9",
		"CAUSEWAY_GATEWAY_REDIS":        "redis://127.0.0.1:6379/0?prefix=gw",
		"CAUSEWAY_GATEWAY_LOG_LEVEL":    "debug",
	}
	c, err := ReadConfig(path, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err)
	require.NoError(t, c.Validate())
	require.Equal(t, "0.0.0.0:2", c.Listen)
	require.False(t, c.PublicReads)
	require.Equal(t, 9, c.Limits.Burst)
	require.Equal(t, "debug", c.Log.Level)
	require.Equal(t, "gw", redisPrefix(c.Redis))

	c, err = ReadConfig(path, noEnv)
	require.NoError(t, err)
	require.Equal(t, "0.0.0.0:1", c.Listen)
	require.Equal(t, 7, c.Limits.Burst)

	_, err = ReadConfig(path, func(k string) (string, bool) { return "maybe", k == "CAUSEWAY_GATEWAY_MIGRATE" })
	require.ErrorIs(t, err, ErrInvalidConfig)
	require.ErrorContains(t, err, "migrate (from CAUSEWAY_GATEWAY_MIGRATE)")
}

func TestConfigRefusesUnknownKeys(t *testing.T) {
	t.Parallel()
	for _, extra := range []string{"lisen = \"x\"", "[limits]\nrate = 1", "[feed]\nbuffer = 1"} {
		_, err := ReadConfig(writeConfig(t, extra+"\n"+minimalConfig), noEnv)
		require.ErrorIs(t, err, ErrInvalidConfig, extra)
		require.ErrorContains(t, err, "unknown key", extra)
	}
	_, err := ReadConfig(filepath.Join(t.TempDir(), "missing.toml"), noEnv)
	require.Error(t, err)
}

// Every invalid value is refused with the field it concerns named.
func TestConfigValidateNamesTheField(t *testing.T) {
	t.Parallel()
	for field, edit := range map[string]func(*Config){
		"listen":                        func(c *Config) { c.Listen = "" },
		"admin_listen":                  func(c *Config) { c.AdminListen = "localhost" },
		"store":                         func(c *Config) { c.Store = "mysql://x" },
		"redis":                         func(c *Config) { c.Redis = "http://redis" },
		"default_timeout":               func(c *Config) { c.DefaultTimeout = 0 },
		"log.level":                     func(c *Config) { c.Log.Level = "loud" },
		"log.format":                    func(c *Config) { c.Log.Format = "xml" },
		"limits.max_body_bytes":         func(c *Config) { c.Limits.MaxBodyBytes = 10 },
		"limits.rate_per_sec":           func(c *Config) { c.Limits.RatePerSec = 0 },
		"limits.anonymous_burst":        func(c *Config) { c.Limits.AnonymousBurst = -1 },
		"idempotency.lease":             func(c *Config) { c.Idempotency.Lease = 0 },
		"idempotency.retention":         func(c *Config) { c.Idempotency.Retention = Duration(time.Second) },
		"feed.send_buffer":              func(c *Config) { c.Feed.SendBuffer = 0 },
		"chains":                        func(c *Config) { c.Chains = c.Chains[:1] },
		"chains[1].id":                  func(c *Config) { c.Chains[1].ID = "Beta" },
		"chains[1].genesis_hash":        func(c *Config) { c.Chains[1].GenesisHash = "0x12" },
		"chains[0].endpoints":           func(c *Config) { c.Chains[0].Endpoints = nil },
		"chains[1].endpoints[1]":        func(c *Config) { c.Chains[1].Endpoints[1] = "tcp://x:1" },
		"chains[1].endpoints[1] listed": func(c *Config) { c.Chains[1].Endpoints[1] = c.Chains[1].Endpoints[0] },
		"chains[1].id listed":           func(c *Config) { c.Chains[1].ID = "alpha" },
		"signers[0].client":             func(c *Config) { c.Signers[0].Client = "" },
		"signers[0].keystore":           func(c *Config) { c.Signers[0].Keystore = " " },
		"signers[0].password_file":      func(c *Config) { c.Signers[0].PasswordFile = "" },
	} {
		c, err := ReadConfig(writeConfig(t, minimalConfig), noEnv)
		require.NoError(t, err)
		edit(c)
		err = c.Validate()
		require.ErrorIs(t, err, ErrInvalidConfig, field)
		key, _, _ := strings.Cut(field, " ")
		require.ErrorContains(t, err, key+": ", field)
	}
}
