package gateway

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/causeway/causeway/internal/tomlconf"
	"github.com/causeway/causeway/settlement/gateway/feed"
)

// Defaults of Config.
const (
	DefaultListen      = "127.0.0.1:8080"
	DefaultAdminListen = "127.0.0.1:9180"
	// DefaultIntentTimeout is an intent's deadline when it names none.
	DefaultIntentTimeout = 10 * time.Minute
	DefaultMaxBodyBytes  = 64 << 10
	DefaultRatePerSec    = 50
	DefaultBurst         = 100
	// DefaultAnonymousRatePerSec limits each client IP without a key; its
	// burst is DefaultAnonymousBurst.
	DefaultAnonymousRatePerSec = 20
	DefaultAnonymousBurst      = 40
	// DefaultIdempotencyLease is how long a submission holds its
	// Idempotency-Key before another gateway may resume it.
	DefaultIdempotencyLease = 30 * time.Second
	// DefaultIdempotencyRetention is how long a finished submission is
	// replayed for its key.
	DefaultIdempotencyRetention = 24 * time.Hour
	DefaultLogLevel             = "info"
	DefaultLogFormat            = "json"

	// EnvPrefix starts the environment variables that override keys:
	// "store" by CAUSEWAY_GATEWAY_STORE, "limits.burst" by
	// CAUSEWAY_GATEWAY_LIMITS_BURST.
	EnvPrefix = "CAUSEWAY_GATEWAY_"
)

// ErrInvalidConfig wraps every error of ReadConfig and Validate; the message
// names the field, as "invalid config: chains[1].endpoints[0]: …".
var ErrInvalidConfig = errors.New("invalid config")

// Config is a gateway process: where it listens, where it keeps state,
// which chains it serves, the keys it signs intents with and its limits.
// LoadConfig reads it from TOML; causeway devnet builds one in code.
type Config struct {
	// Listen is host:port of the API, the feed and the tracker page.
	Listen string `toml:"listen"`
	// AdminListen is host:port of /metrics, /livez and /readyz; "" disables.
	AdminListen string `toml:"admin_listen"`
	// Store is the settlement store URL: postgres://… or sqlite:PATH.
	Store string `toml:"store"`
	// Redis is a redis:// URL (?prefix= namespaces the keys) for rate
	// limits and the feed's fan-out across gateway instances; "" keeps
	// both in process, which is right for one instance only.
	Redis string `toml:"redis"`
	// Migrate applies pending store migrations at start.
	Migrate bool `toml:"migrate"`
	// PublicReads serves GET endpoints and the feed without an API key (the
	// tracker page needs it).
	PublicReads bool `toml:"public_reads"`
	// Tracker serves the tracker page at /.
	Tracker bool `toml:"tracker"`
	// DefaultTimeout is an intent's deadline after the source chain's
	// latest block time when the intent names none.
	DefaultTimeout Duration          `toml:"default_timeout"`
	Limits         LimitsConfig      `toml:"limits"`
	Idempotency    IdempotencyConfig `toml:"idempotency"`
	Feed           feed.Config       `toml:"feed"`
	Chains         []ChainConfig     `toml:"chains"`
	Signers        []SignerConfig    `toml:"signers"`
	Log            LogConfig         `toml:"log"`
	// Dir resolves relative keystore, password and sqlite: paths;
	// LoadConfig sets it to the config file's directory.
	Dir string `toml:"-"`
}

// LimitsConfig bounds what one caller may send.
type LimitsConfig struct {
	MaxBodyBytes int64 `toml:"max_body_bytes"` // request body cap
	// RatePerSec and Burst limit each API key that does not carry its own.
	RatePerSec int `toml:"rate_per_sec"`
	Burst      int `toml:"burst"`
	// AnonymousRatePerSec and AnonymousBurst limit each client IP that
	// presents no key.
	AnonymousRatePerSec int `toml:"anonymous_rate_per_sec"`
	AnonymousBurst      int `toml:"anonymous_burst"`
}

// IdempotencyConfig tunes Idempotency-Key records.
type IdempotencyConfig struct {
	// Lease is how long a submission in progress holds its key; past it,
	// a retry (or another gateway) resumes the submission.
	Lease Duration `toml:"lease"`
	// Retention is how long a finished submission is kept for replay.
	Retention Duration `toml:"retention"`
}

// ChainConfig is one chain the gateway serves.
type ChainConfig struct {
	ID string `toml:"id"`
	// GenesisHash pins the chain: an endpoint serving another genesis is
	// refused. 0x-prefixed hex.
	GenesisHash string `toml:"genesis_hash"`
	// Endpoints are http(s):// or ws(s):// JSON-RPC URLs of the chain's
	// nodes, tried in order: a call moves to the next when one does not
	// answer.
	Endpoints []string `toml:"endpoints"`
}

// SignerConfig is a key the gateway holds for an API client: intents of
// that client from the key's address (on any chain) are signed with it.
// The key is an encrypted keystore file with its password from a file or
// an environment variable, or, for callers that build the config in code
// (causeway devnet), Key.
type SignerConfig struct {
	Client       string            `toml:"client"`
	Keystore     string            `toml:"keystore"`
	PasswordFile string            `toml:"password_file"`
	PasswordEnv  string            `toml:"password_env"`
	Key          *ecdsa.PrivateKey `toml:"-"`
}

// LogConfig selects the log level and encoding.
type LogConfig struct {
	Level  string `toml:"level"`  // debug, info, warn, error
	Format string `toml:"format"` // json or console
}

// Duration is a time.Duration written as a string ("300ms") in TOML.
type Duration = tomlconf.Duration

// DefaultConfig is a gateway without store or chains: every other key at
// its default.
func DefaultConfig() Config {
	return Config{
		Listen:         DefaultListen,
		AdminListen:    DefaultAdminListen,
		Migrate:        true,
		PublicReads:    true,
		Tracker:        true,
		DefaultTimeout: Duration(DefaultIntentTimeout),
		Limits: LimitsConfig{
			MaxBodyBytes: DefaultMaxBodyBytes, RatePerSec: DefaultRatePerSec, Burst: DefaultBurst,
			AnonymousRatePerSec: DefaultAnonymousRatePerSec, AnonymousBurst: DefaultAnonymousBurst,
		},
		Idempotency: IdempotencyConfig{
			Lease: Duration(DefaultIdempotencyLease), Retention: Duration(DefaultIdempotencyRetention),
		},
		Feed: feed.DefaultConfig(),
		Log:  LogConfig{Level: DefaultLogLevel, Format: DefaultLogFormat},
	}
}

// LoadConfig reads the gateway configuration at path (defaults < file <
// CAUSEWAY_GATEWAY_* environment) and validates it.
func LoadConfig(path string) (*Config, error) {
	c, err := ReadConfig(path, os.LookupEnv)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// ReadConfig is LoadConfig without the validation, with the environment
// supplied by lookupEnv. A key the file sets that Config does not have is
// an error.
func ReadConfig(path string, lookupEnv func(string) (string, bool)) (*Config, error) {
	c := DefaultConfig()
	dir, err := tomlconf.DecodeFile(path, &c)
	switch {
	case errors.Is(err, tomlconf.ErrDecode):
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	case err != nil:
		return nil, fmt.Errorf("read gateway config: %w", err)
	}
	c.Dir = dir
	if err := c.ApplyEnv(lookupEnv); err != nil {
		return nil, err
	}
	return &c, nil
}

// envSettings are the keys the environment may override: the ones that
// differ between hosts or deployments, or hold secrets (a password in the
// store or Redis URL).
var envSettings = []struct {
	key string
	set func(c *Config, v string) error
}{
	{"listen", func(c *Config, v string) error { c.Listen = v; return nil }},
	{"admin_listen", func(c *Config, v string) error { c.AdminListen = v; return nil }},
	{"store", func(c *Config, v string) error { c.Store = v; return nil }},
	{"redis", func(c *Config, v string) error { c.Redis = v; return nil }},
	{"migrate", func(c *Config, v string) (err error) { c.Migrate, err = strconv.ParseBool(v); return err }},
	{"public_reads", func(c *Config, v string) (err error) { c.PublicReads, err = strconv.ParseBool(v); return err }},
	{"tracker", func(c *Config, v string) (err error) { c.Tracker, err = strconv.ParseBool(v); return err }},
	{"default_timeout", func(c *Config, v string) error { return c.DefaultTimeout.UnmarshalText([]byte(v)) }},
	{"limits.max_body_bytes", func(c *Config, v string) (err error) {
		c.Limits.MaxBodyBytes, err = strconv.ParseInt(v, 10, 64)
		return err
	}},
	{"limits.rate_per_sec", func(c *Config, v string) (err error) { c.Limits.RatePerSec, err = strconv.Atoi(v); return err }},
	{"limits.burst", func(c *Config, v string) (err error) { c.Limits.Burst, err = strconv.Atoi(v); return err }},
	{"limits.anonymous_rate_per_sec", func(c *Config, v string) (err error) {
		c.Limits.AnonymousRatePerSec, err = strconv.Atoi(v)
		return err
	}},
	{"limits.anonymous_burst", func(c *Config, v string) (err error) {
		c.Limits.AnonymousBurst, err = strconv.Atoi(v)
		return err
	}},
	{"log.level", func(c *Config, v string) error { c.Log.Level = v; return nil }},
	{"log.format", func(c *Config, v string) error { c.Log.Format = v; return nil }},
}

// EnvVar is the environment variable that overrides key.
func EnvVar(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// ApplyEnv overlays the CAUSEWAY_GATEWAY_* variables lookupEnv knows onto c.
func (c *Config) ApplyEnv(lookupEnv func(string) (string, bool)) error {
	for _, s := range envSettings {
		v, ok := lookupEnv(EnvVar(s.key))
		if !ok {
			continue
		}
		if err := s.set(c, v); err != nil {
			return fmt.Errorf("%w: %s (from %s): %v", ErrInvalidConfig, s.key, EnvVar(s.key), err)
		}
	}
	return nil
}

// Path resolves p against Dir; absolute and empty paths are returned as is.
func (c *Config) Path(p string) string {
	if p == "" || filepath.IsAbs(p) || c.Dir == "" {
		return p
	}
	return filepath.Join(c.Dir, p)
}
