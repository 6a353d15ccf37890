package relay

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/internal/tomlconf"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/backend"
	"github.com/causeway/causeway/settlement/queue"
)

// Defaults of the relay process configuration that the engine does not own.
const (
	DefaultAdminListen = "127.0.0.1:9464"
	DefaultLogLevel    = "info"
	DefaultLogFormat   = "json"
	// EnvPrefix starts the environment variables that override top-level
	// keys: "store" is overridden by CAUSEWAY_RELAY_STORE, "log.level" by
	// CAUSEWAY_RELAY_LOG_LEVEL.
	EnvPrefix = "CAUSEWAY_RELAY_"
	// minChains: a relay carries transfers between chains.
	minChains = 2
	// fallbackHost names the consumer when the hostname is unknown.
	fallbackHost = "relay"
	maxTCPPort   = 65535
)

// ErrInvalidConfig wraps every error of LoadConfig and Validate; the message
// names the field, as "invalid config: chains[1].endpoints[0]: …".
var ErrInvalidConfig = errors.New("invalid config")

// logLevels and logFormats are what log.level and log.format accept (the
// node's logger takes the same).
var (
	logLevels  = []string{"debug", "info", "warn", "error"}
	logFormats = []string{"json", "console"}
)

// Config is a relay process: where it keeps state, how its engine is tuned
// and which chains it relays between. LoadConfig reads it from TOML;
// causeway devnet builds one with NewConfig.
type Config struct {
	// Dir resolves relative keystore, password and sqlite: paths; LoadConfig
	// sets it to the config file's directory.
	Dir string `toml:"-"`
	// Consumer names this process in the queue's consumer groups; relay
	// processes sharing a queue need different names.
	Consumer string `toml:"consumer"`
	// Store is the settlement store URL: postgres://… or sqlite:PATH.
	Store string `toml:"store"`
	// Queue is the stage queue URL: redis://host:port/db?prefix=cw or memory:.
	Queue string `toml:"queue"`
	// AdminListen is host:port of /metrics, /livez and /readyz; "" disables.
	AdminListen string `toml:"admin_listen"`
	// Migrate applies pending store migrations at start.
	Migrate bool           `toml:"migrate"`
	Log     LogConfig      `toml:"log"`
	Engine  EngineSettings `toml:"engine"`
	Chains  []ChainConfig  `toml:"chains"`
}

// LogConfig selects the relay's log level and encoding.
type LogConfig struct {
	Level  string `toml:"level"`  // debug, info, warn, error
	Format string `toml:"format"` // json or console
}

// EngineSettings are the engine knobs an operator tunes; EngineConfig turns
// them into an EngineConfig.
type EngineSettings struct {
	MaxBatch          int      `toml:"max_batch"`          // packets per recv or ack transaction
	BatchDelay        Duration `toml:"batch_delay"`        // wait for a batch to fill after its first job
	Workers           int      `toml:"workers"`            // batches of one stream in flight
	RetryMin          Duration `toml:"retry_min"`          // first backoff of a failed job
	RetryMax          Duration `toml:"retry_max"`          // backoff cap
	ReclaimIdle       Duration `toml:"reclaim_idle"`       // when another relay takes over an unacknowledged job
	StageDeadline     Duration `toml:"stage_deadline"`     // when the sweeper enqueues a waiting transfer again
	SweepInterval     Duration `toml:"sweep_interval"`     // how often the sweeper runs
	ReconcileInterval Duration `toml:"reconcile_interval"` // conservation checks; 0 disables
	InclusionTimeout  Duration `toml:"inclusion_timeout"`  // wait for a submitted transaction's receipt
}

// ChainConfig is one chain the relay serves.
type ChainConfig struct {
	ID string `toml:"id"`
	// GenesisHash pins the chain: an endpoint serving another genesis is
	// refused. 0x-prefixed hex.
	GenesisHash string `toml:"genesis_hash"`
	// Endpoints are ws:// or wss:// JSON-RPC URLs of the chain's nodes; the
	// first also submits, all are cross-checked.
	Endpoints []string `toml:"endpoints"`
	// StartHeight is the first height watched when the store has no cursor
	// for the chain; 0 starts at the chain's latest height.
	StartHeight uint64 `toml:"start_height"`
	// Denoms native to the chain whose conservation the reconciler checks.
	Denoms  []string       `toml:"denoms"`
	Signers []SignerConfig `toml:"signers"`
	// Keys sign besides Signers; callers that hold keys in memory
	// (causeway devnet) give them here instead of keystore files.
	Keys []*ecdsa.PrivateKey `toml:"-"`
}

// SignerConfig is one encrypted signer key (go-ethereum keystore JSON) and
// where its password comes from: a file or an environment variable.
type SignerConfig struct {
	Keystore     string `toml:"keystore"`
	PasswordFile string `toml:"password_file"`
	PasswordEnv  string `toml:"password_env"`
}

// Duration is a time.Duration written as a string ("300ms") in TOML.
type Duration = tomlconf.Duration

// DefaultConfig is a relay without store, queue or chains: every other key
// at its default.
func DefaultConfig() Config {
	e := DefaultEngineConfig(DefaultConsumer())
	return Config{
		Consumer:    e.Consumer,
		AdminListen: DefaultAdminListen,
		Migrate:     true,
		Log:         LogConfig{Level: DefaultLogLevel, Format: DefaultLogFormat},
		Engine: EngineSettings{
			MaxBatch:          e.Batch.MaxBatch,
			BatchDelay:        Duration(e.BatchDelay),
			Workers:           e.Workers,
			RetryMin:          Duration(e.Retry.Min),
			RetryMax:          Duration(e.Retry.Max),
			ReclaimIdle:       Duration(e.ReclaimIdle),
			StageDeadline:     Duration(e.StageDeadline),
			SweepInterval:     Duration(e.SweepInterval),
			ReconcileInterval: Duration(e.ReconcileInterval),
			InclusionTimeout:  Duration(DefaultInclusionTimeout),
		},
	}
}

// NewConfig is DefaultConfig with a store, a queue and chains, for callers
// that build a relay in code.
func NewConfig(store, queueURL string, chains ...ChainConfig) *Config {
	c := DefaultConfig()
	c.Store, c.Queue, c.Chains = store, queueURL, chains
	return &c
}

// NewChainConfig describes a chain whose signer keys are held in memory.
func NewChainConfig(id string, genesis attest.Hash, endpoints []string, keys ...*ecdsa.PrivateKey) ChainConfig {
	return ChainConfig{ID: id, GenesisHash: genesis.Hex(), Endpoints: endpoints, Keys: keys}
}

// DefaultConsumer is "<hostname>-<pid>", reduced to the characters a
// consumer name may hold.
func DefaultConsumer() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = fallbackHost
	}
	host = strings.Map(func(r rune) rune {
		if r < 0x80 && queue.CheckName("consumer", string(r)) == nil {
			return r
		}
		return '-'
	}, host)
	pid := "-" + strconv.Itoa(os.Getpid())
	if len(host)+len(pid) > queue.MaxNameLen {
		host = host[:queue.MaxNameLen-len(pid)]
	}
	return host + pid
}

// LoadConfig reads the relay configuration at path (defaults < file <
// CAUSEWAY_RELAY_* environment) and validates it. A key the file sets that
// Config does not have is an error.
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
// supplied by lookupEnv.
func ReadConfig(path string, lookupEnv func(string) (string, bool)) (*Config, error) {
	c := DefaultConfig()
	dir, err := tomlconf.DecodeFile(path, &c)
	switch {
	case errors.Is(err, tomlconf.ErrDecode):
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	case err != nil:
		return nil, fmt.Errorf("read relay config: %w", err)
	}
	c.Dir = dir
	if err := c.ApplyEnv(lookupEnv); err != nil {
		return nil, err
	}
	return &c, nil
}

// envSettings are the keys the environment may override: the ones that
// differ between hosts or hold secrets (a Postgres password in the URL).
var envSettings = []struct {
	key string
	set func(c *Config, v string) error
}{
	{"consumer", func(c *Config, v string) error { c.Consumer = v; return nil }},
	{"store", func(c *Config, v string) error { c.Store = v; return nil }},
	{"queue", func(c *Config, v string) error { c.Queue = v; return nil }},
	{"admin_listen", func(c *Config, v string) error { c.AdminListen = v; return nil }},
	{"migrate", func(c *Config, v string) (err error) { c.Migrate, err = strconv.ParseBool(v); return err }},
	{"log.level", func(c *Config, v string) error { c.Log.Level = v; return nil }},
	{"log.format", func(c *Config, v string) error { c.Log.Format = v; return nil }},
}

// EnvVar is the environment variable that overrides key.
func EnvVar(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// ApplyEnv overlays the CAUSEWAY_RELAY_* variables lookupEnv knows onto c.
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

// EngineConfig is the engine configuration the settings describe.
func (c *Config) EngineConfig() EngineConfig {
	e := DefaultEngineConfig(c.Consumer)
	s := c.Engine
	e.Batch.MaxBatch = s.MaxBatch
	e.BatchDelay = s.BatchDelay.Duration()
	e.Workers = s.Workers
	e.Retry = Backoff{Min: s.RetryMin.Duration(), Max: s.RetryMax.Duration()}
	e.ReclaimIdle = s.ReclaimIdle.Duration()
	e.StageDeadline = s.StageDeadline.Duration()
	e.SweepInterval = s.SweepInterval.Duration()
	e.ReconcileInterval = s.ReconcileInterval.Duration()
	return e
}

// Validate checks everything that needs no network or file, and names the
// first field that is wrong.
func (c *Config) Validate() error {
	for _, check := range []func() (string, error){
		c.validateProcess,
		c.Engine.validate,
		c.validateChains,
		func() (string, error) { return "engine", c.EngineConfig().Validate() },
	} {
		if key, err := check(); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrInvalidConfig, key, err)
		}
	}
	return nil
}

func (c *Config) validateProcess() (string, error) {
	if err := queue.CheckName("consumer", c.Consumer); err != nil {
		return "consumer", err
	}
	if _, err := backend.StoreScheme(c.Store); err != nil {
		return "store", err
	}
	if _, err := backend.QueueScheme(c.Queue); err != nil {
		return "queue", err
	}
	if err := checkListen(c.AdminListen); err != nil {
		return "admin_listen", err
	}
	if !slices.Contains(logLevels, c.Log.Level) {
		return "log.level", fmt.Errorf("%q is not one of %v", c.Log.Level, logLevels)
	}
	if !slices.Contains(logFormats, c.Log.Format) {
		return "log.format", fmt.Errorf("%q is not one of %v", c.Log.Format, logFormats)
	}
	return "", nil
}

func (s EngineSettings) validate() (string, error) {
	positive := []struct {
		key string
		d   Duration
	}{
		{"engine.retry_min", s.RetryMin}, {"engine.reclaim_idle", s.ReclaimIdle},
		{"engine.stage_deadline", s.StageDeadline}, {"engine.sweep_interval", s.SweepInterval},
		{"engine.inclusion_timeout", s.InclusionTimeout},
	}
	for _, p := range positive {
		if p.d <= 0 {
			return p.key, fmt.Errorf("%s: must be positive", p.d)
		}
	}
	switch {
	case s.MaxBatch < 1 || s.MaxBatch > settlement.MaxBatch:
		return "engine.max_batch", fmt.Errorf("%d out of range 1..%d", s.MaxBatch, settlement.MaxBatch)
	case s.Workers < 1:
		return "engine.workers", fmt.Errorf("%d: must be at least 1", s.Workers)
	case s.BatchDelay < 0:
		return "engine.batch_delay", fmt.Errorf("%s: must not be negative", s.BatchDelay)
	case s.ReconcileInterval < 0:
		return "engine.reconcile_interval", fmt.Errorf("%s: must not be negative (0 disables)", s.ReconcileInterval)
	case s.RetryMax < s.RetryMin:
		return "engine.retry_max", fmt.Errorf("below retry_min (%s < %s)", s.RetryMax, s.RetryMin)
	case s.ReclaimIdle <= s.InclusionTimeout:
		// A job reclaimed while its transaction is still awaited is worked
		// twice; harmless, but it doubles the fees of every slow inclusion.
		return "engine.reclaim_idle", fmt.Errorf("%s must exceed inclusion_timeout (%s)", s.ReclaimIdle, s.InclusionTimeout)
	}
	return "", nil
}

func (c *Config) validateChains() (string, error) {
	if len(c.Chains) < minChains {
		return "chains", fmt.Errorf("need at least %d, have %d", minChains, len(c.Chains))
	}
	seen := make(map[string]bool, len(c.Chains))
	for i, ch := range c.Chains {
		key := "chains[" + strconv.Itoa(i) + "]"
		if field, err := ch.validate(); err != nil {
			return key + field, err
		}
		if seen[ch.ID] {
			return key + ".id", fmt.Errorf("%q listed twice", ch.ID)
		}
		seen[ch.ID] = true
	}
	return "", nil
}

// validate returns the failing field as a suffix of the chain's key
// (".genesis_hash", ".signers[1].keystore").
func (ch ChainConfig) validate() (string, error) {
	switch {
	case ch.ID == "":
		return ".id", errors.New("missing")
	case !settlement.ValidChainID(ch.ID):
		return ".id", fmt.Errorf("%q: want 1 to 32 of [a-z0-9-]", ch.ID)
	}
	if _, err := ch.Genesis(); err != nil {
		return ".genesis_hash", err
	}
	if len(ch.Endpoints) == 0 {
		return ".endpoints", errors.New("missing (want at least one ws:// or wss:// URL)")
	}
	for j, e := range ch.Endpoints {
		key := ".endpoints[" + strconv.Itoa(j) + "]"
		if u, err := url.Parse(e); err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
			return key, fmt.Errorf("%q is not a ws:// or wss:// URL", e)
		}
		if slices.Index(ch.Endpoints, e) < j {
			return key, fmt.Errorf("%q listed twice", e)
		}
	}
	for j, d := range ch.Denoms {
		key := ".denoms[" + strconv.Itoa(j) + "]"
		if strings.TrimSpace(d) == "" {
			return key, errors.New("empty")
		}
		if slices.Index(ch.Denoms, d) < j {
			return key, fmt.Errorf("%q listed twice", d)
		}
	}
	if len(ch.Signers) == 0 && len(ch.Keys) == 0 {
		return ".signers", errors.New("missing (want at least one [[chains.signers]] keystore)")
	}
	for j, s := range ch.Signers {
		if field, err := s.validate(); err != nil {
			return ".signers[" + strconv.Itoa(j) + "]" + field, err
		}
	}
	for j, k := range ch.Keys {
		if k == nil {
			return ".keys[" + strconv.Itoa(j) + "]", errors.New("nil key")
		}
	}
	return "", nil
}

func (s SignerConfig) validate() (string, error) {
	switch {
	case strings.TrimSpace(s.Keystore) == "":
		return ".keystore", errors.New("missing")
	case s.PasswordFile != "" && s.PasswordEnv != "":
		return "", errors.New("give password_file or password_env, not both")
	case s.PasswordFile == "" && s.PasswordEnv == "":
		return ".password_file", errors.New("missing (or set password_env)")
	}
	return "", nil
}

// Genesis parses GenesisHash.
func (ch ChainConfig) Genesis() (attest.Hash, error) {
	if ch.GenesisHash == "" {
		return attest.Hash{}, errors.New("missing")
	}
	b, err := hexutil.Decode(ch.GenesisHash)
	if err != nil || len(b) != len(attest.Hash{}) {
		return attest.Hash{}, fmt.Errorf("%q is not a 0x-prefixed 32-byte hex hash", ch.GenesisHash)
	}
	h := attest.Hash(b)
	if h == (attest.Hash{}) {
		return attest.Hash{}, errors.New("is zero")
	}
	return h, nil
}

// checkListen accepts host:port (port 0 picks a free one) or "" (disabled).
func checkListen(addr string) error {
	if addr == "" {
		return nil
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: want host:port, or \"\" to disable: %w", addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > maxTCPPort {
		return fmt.Errorf("%q: port must be a number in 0..%d", addr, maxTCPPort)
	}
	return nil
}
