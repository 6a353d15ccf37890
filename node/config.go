package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/internal/tomlconf"
	"github.com/causeway/causeway/node/state"
	"github.com/causeway/causeway/node/store"
)

// ConfigFile is where a node's configuration lives, relative to its home.
const ConfigFile = "config/config.toml"

// EnvPrefix starts every environment variable that overrides a config key:
// the key "p2p.listen_addr" is overridden by CAUSEWAY_P2P_LISTEN_ADDR.
const EnvPrefix = "CAUSEWAY_"

// Defaults and bounds of the node configuration.
const (
	DefaultP2PListenAddr      = "127.0.0.1:26656"
	DefaultRPCListenAddr      = "127.0.0.1:8545"
	DefaultRPCMaxRequest      = 1 << 20 // a 256 KiB transaction (tx.MaxTxBytes) is 512 KiB of hex
	DefaultMempoolMaxTxs      = 100_000
	DefaultMempoolMaxBytes    = 256 << 20
	DefaultMempoolNonceWindow = 1000 // highest nonce admitted ahead of an account's next one
	DefaultSkipWindow         = 16
	DefaultTickInterval       = 300 * time.Millisecond
	DefaultBusyBlockGap       = 0
	maxBusyBlockGap           = 10 * time.Second
	DefaultLogLevel           = "info"
	DefaultLogFormat          = LogFormatJSON
	minRPCMaxRequest          = 1 << 10
	maxRPCMaxRequest          = 1 << 30
	minMempoolMaxBytes        = 1 << 20
	maxMempoolMaxBytes        = 1 << 40
	maxMempoolTxs             = 100 * DefaultMempoolMaxTxs
	maxNonceWindow            = 1 << 32
	minTickInterval           = time.Millisecond
	maxTickInterval           = time.Minute
	maxSkipWindow             = 100_000
	minMemtableBytes          = 1 << 20
	maxMemtableBytes          = 4<<30 - 1 // Pebble's limit
	maxStorageBytes           = 1 << 40
	peerSeparator             = "@"
	envListSeparator          = ","
	defaultGenesisPath        = "config/genesis.json"
	defaultKeyPath            = "keys/validator.json"
	defaultPasswordFilePath   = "keys/password.txt"
	defaultDataDir            = "data"
	defaultConsensusWALPath   = "data/consensus.wal"
	maxTCPPort                = 65535
	configFileMode            = 0o644
	configDirMode             = 0o755
)

// ErrInvalidConfig wraps every configuration error; the message names the key.
var ErrInvalidConfig = errors.New("invalid config")

// Config is a node's configuration. Paths are relative to Home unless absolute.
type Config struct {
	Home         string          `toml:"-"`
	Genesis      string          `toml:"genesis"`
	Key          string          `toml:"key"` // empty: a full node that does not vote
	PasswordFile string          `toml:"password_file"`
	DataDir      string          `toml:"data_dir"`
	P2P          P2PConfig       `toml:"p2p"`
	RPC          RPCConfig       `toml:"rpc"`
	Mempool      MempoolConfig   `toml:"mempool"`
	Consensus    ConsensusConfig `toml:"consensus"`
	Storage      StorageConfig   `toml:"storage"`
	Log          LogConfig       `toml:"log"`
}

// P2PConfig configures the validator transport.
type P2PConfig struct {
	ListenAddr string   `toml:"listen_addr"`
	Peers      []string `toml:"peers"` // "0xADDRESS@host:port"
}

// RPCConfig configures the JSON-RPC server.
type RPCConfig struct {
	ListenAddr      string `toml:"listen_addr"`
	MaxRequestBytes int    `toml:"max_request_bytes"`
}

// MempoolConfig bounds the pending transaction pool.
type MempoolConfig struct {
	MaxTxs      int    `toml:"max_txs"`
	MaxBytes    int    `toml:"max_bytes"`
	NonceWindow uint64 `toml:"nonce_window"`
}

// ConsensusConfig tunes the consensus driver. Timeouts derive from the
// genesis block interval, so they are not configured here.
type ConsensusConfig struct {
	SkipWindow   uint64   `toml:"skip_window"`   // heights a timed-out proposer is skipped
	TickInterval Duration `toml:"tick_interval"` // how often the driver checks its timers
	WALFile      string   `toml:"wal_file"`      // consensus write-ahead log
	// BusyBlockGap is how long after committing a block that carried more
	// than one transaction this node, as proposer, waits before building
	// the next: under load fewer, fuller blocks cost less per transaction;
	// at light load (blocks of one transaction or none) nothing waits. Off
	// by default: with it on, transactions admitted by a validator cut off
	// from its peers were seen never to commit after the links healed.
	BusyBlockGap Duration `toml:"busy_block_gap"`
}

// StorageConfig sizes the memory the node's stores keep. The defaults suit
// a validator with a machine of its own; several validators on one machine
// (a devnet) want smaller ones.
type StorageConfig struct {
	CacheBytes      int `toml:"cache_bytes"`       // Pebble's block cache
	MemtableBytes   int `toml:"memtable_bytes"`    // a Pebble memtable, flushed when full
	StateCacheBytes int `toml:"state_cache_bytes"` // the state's trie node and value caches
}

// LogConfig selects the log level and encoding.
type LogConfig struct {
	Level  string `toml:"level"`  // debug, info, warn, error
	Format string `toml:"format"` // json or console
}

// Duration is a time.Duration written as a string ("300ms") in TOML.
type Duration = tomlconf.Duration

// DefaultConfig is the configuration of a node whose home has no config file.
func DefaultConfig() Config {
	return Config{
		Genesis:      defaultGenesisPath,
		Key:          defaultKeyPath,
		PasswordFile: defaultPasswordFilePath,
		DataDir:      defaultDataDir,
		P2P:          P2PConfig{ListenAddr: DefaultP2PListenAddr},
		RPC:          RPCConfig{ListenAddr: DefaultRPCListenAddr, MaxRequestBytes: DefaultRPCMaxRequest},
		Mempool: MempoolConfig{
			MaxTxs:      DefaultMempoolMaxTxs,
			MaxBytes:    DefaultMempoolMaxBytes,
			NonceWindow: DefaultMempoolNonceWindow,
		},
		Consensus: ConsensusConfig{
			SkipWindow:   DefaultSkipWindow,
			TickInterval: Duration(DefaultTickInterval),
			WALFile:      defaultConsensusWALPath,
			BusyBlockGap: Duration(DefaultBusyBlockGap),
		},
		Storage: StorageConfig{
			CacheBytes:      int(store.DefaultConfig().CacheBytes),
			MemtableBytes:   int(store.DefaultConfig().MemTableBytes),
			StateCacheBytes: DefaultStateCacheBytes,
		},
		Log: LogConfig{Level: DefaultLogLevel, Format: DefaultLogFormat},
	}
}

// LoadConfig builds the configuration of the node at home: defaults, then
// HOME/config/config.toml if present, then CAUSEWAY_… environment variables,
// then Validate. Callers with command-line flags use ReadConfig, apply the
// flags, and validate themselves.
func LoadConfig(home string) (Config, error) {
	c, err := ReadConfig(home, os.LookupEnv)
	if err != nil {
		return Config{}, err
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// ReadConfig is LoadConfig without the final validation, with the
// environment supplied by lookupEnv (os.LookupEnv in production).
func ReadConfig(home string, lookupEnv func(string) (string, bool)) (Config, error) {
	c := DefaultConfig()
	c.Home = home
	if err := c.ApplyFile(c.Path(ConfigFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return Config{}, err
	}
	if err := c.ApplyEnv(lookupEnv); err != nil {
		return Config{}, err
	}
	return c, nil
}

// ApplyFile overlays the TOML file at path onto c. Keys the file does not set
// keep their values; an unknown key is an error naming it.
func (c *Config) ApplyFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	if err := c.applyTOML(string(data)); err != nil {
		return fmt.Errorf("read config %s: %w", path, err)
	}
	return nil
}

func (c *Config) applyTOML(data string) error {
	err := tomlconf.DecodeStrict(data, c)
	if len(c.P2P.Peers) == 0 {
		c.P2P.Peers = nil // `peers = []` and no peers compare equal
	}
	var unknown *tomlconf.UnknownKeysError
	switch {
	case errors.As(err, &unknown):
		return fmt.Errorf("%w: %w (`causeway config show` lists the keys)", ErrInvalidConfig, err)
	case err != nil:
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return nil
}

// ApplyEnv overlays the environment variables listed by EnvVars onto c.
func (c *Config) ApplyEnv(lookupEnv func(string) (string, bool)) error {
	for _, s := range settings {
		v, ok := lookupEnv(s.env())
		if !ok {
			continue
		}
		if err := s.set(c, v); err != nil {
			return fmt.Errorf("%w: %s (from %s=%q): %v", ErrInvalidConfig, s.key, s.env(), v, err)
		}
	}
	return nil
}

// Set assigns one key, named as in the TOML file ("p2p.listen_addr"), from
// its string form as an environment variable would give it (lists are
// comma-separated, durations like "300ms"). Command-line flags use it.
func (c *Config) Set(key, value string) error {
	for _, s := range settings {
		if s.key == key {
			if err := s.set(c, value); err != nil {
				return fmt.Errorf("%w: %s: %v", ErrInvalidConfig, key, err)
			}
			return nil
		}
	}
	return fmt.Errorf("%w: unknown key %s", ErrInvalidConfig, key)
}

// Path resolves p against Home; absolute and empty paths are returned as is.
func (c Config) Path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Home, p)
}

// WALPath is the consensus write-ahead log's path, relative to Home unless absolute.
func (c ConsensusConfig) WALPath() string { return c.WALFile }

// PeerAddrs parses P2P.Peers (Validate has checked them).
func (c P2PConfig) PeerAddrs() ([]attest.Address, []string, error) {
	addrs := make([]attest.Address, len(c.Peers))
	hosts := make([]string, len(c.Peers))
	for i, p := range c.Peers {
		a, h, err := ParsePeer(p)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: p2p.peers[%d]: %v", ErrInvalidConfig, i, err)
		}
		addrs[i], hosts[i] = a, h
	}
	return addrs, hosts, nil
}

// ParsePeer parses "0xADDRESS@host:port".
func ParsePeer(s string) (addr attest.Address, hostport string, err error) {
	a, hp, ok := strings.Cut(s, peerSeparator)
	if !ok {
		return attest.Address{}, "", fmt.Errorf("peer %q: want 0xADDRESS@host:port", s)
	}
	if !strings.HasPrefix(a, "0x") || !common.IsHexAddress(a) {
		return attest.Address{}, "", fmt.Errorf("peer %q: %q is not a 0x-prefixed 20-byte hex address", s, a)
	}
	if err := checkHostPort(hp, false); err != nil {
		return attest.Address{}, "", fmt.Errorf("peer %q: %w", s, err)
	}
	return common.HexToAddress(a), hp, nil
}

// WriteTOML writes c as a commented TOML file that ApplyFile reads back.
func (c Config) WriteTOML(w io.Writer) error {
	return writeTOML(w, &c)
}

// WriteFile writes c to HOME/config/config.toml, refusing to overwrite an
// existing file unless force is set.
func (c Config) WriteFile(force bool) error {
	path := c.Path(ConfigFile)
	if err := os.MkdirAll(filepath.Dir(path), configDirMode); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, configFileMode)
	if err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	werr := c.WriteTOML(f)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("write config %s: %w", path, werr)
	}
	return nil
}

// Validate checks every field and names the first one that is wrong, as
// "invalid config: p2p.listen_addr: …".
func (c Config) Validate() error {
	for _, check := range []func() (string, error){
		func() (string, error) { return "genesis", nonEmpty(c.Genesis) },
		func() (string, error) { return "data_dir", nonEmpty(c.DataDir) },
		func() (string, error) { return "p2p.listen_addr", checkHostPort(c.P2P.ListenAddr, true) },
		c.P2P.validatePeers,
		func() (string, error) { return "rpc.listen_addr", checkHostPort(c.RPC.ListenAddr, true) },
		func() (string, error) {
			return "rpc.max_request_bytes", inRange(c.RPC.MaxRequestBytes, minRPCMaxRequest, maxRPCMaxRequest)
		},
		func() (string, error) {
			return "mempool.max_txs", inRange(c.Mempool.MaxTxs, 1, maxMempoolTxs)
		},
		func() (string, error) {
			return "mempool.max_bytes", inRange(c.Mempool.MaxBytes, minMempoolMaxBytes, maxMempoolMaxBytes)
		},
		func() (string, error) {
			return "mempool.nonce_window", inRange(c.Mempool.NonceWindow, 1, maxNonceWindow)
		},
		func() (string, error) {
			return "consensus.skip_window", inRange(c.Consensus.SkipWindow, 0, maxSkipWindow)
		},
		func() (string, error) {
			return "consensus.tick_interval", inRange(c.Consensus.TickInterval.Duration(), minTickInterval, maxTickInterval)
		},
		func() (string, error) { return "consensus.wal_file", nonEmpty(c.Consensus.WALFile) },
		func() (string, error) {
			return "consensus.busy_block_gap", inRange(c.Consensus.BusyBlockGap.Duration(), 0, maxBusyBlockGap)
		},
		func() (string, error) {
			return "storage.cache_bytes", inRange(c.Storage.CacheBytes, 0, maxStorageBytes)
		},
		func() (string, error) {
			return "storage.memtable_bytes", inRange(c.Storage.MemtableBytes, minMemtableBytes, maxMemtableBytes)
		},
		func() (string, error) {
			return "storage.state_cache_bytes", inRange(c.Storage.StateCacheBytes, state.MinCacheBytes, maxStorageBytes)
		},
		func() (string, error) { return "log.level", checkLogLevel(c.Log.Level) },
		func() (string, error) { return "log.format", checkLogFormat(c.Log.Format) },
	} {
		if key, err := check(); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrInvalidConfig, key, err)
		}
	}
	return nil
}

func (c P2PConfig) validatePeers() (string, error) {
	seen := make(map[attest.Address]bool, len(c.Peers))
	for i, p := range c.Peers {
		key := "p2p.peers[" + strconv.Itoa(i) + "]"
		a, _, err := ParsePeer(p)
		if err != nil {
			return key, err
		}
		if seen[a] {
			return key, fmt.Errorf("address %s listed twice", a.Hex())
		}
		seen[a] = true
	}
	return "", nil
}

func nonEmpty(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("must not be empty")
	}
	return nil
}

func inRange[T int | uint64 | time.Duration](v, lo, hi T) error {
	if v < lo || v > hi {
		return fmt.Errorf("%v out of range %v..%v", v, lo, hi)
	}
	return nil
}

// checkHostPort accepts host:port; port 0 ("any free port") only if listen.
func checkHostPort(s string, listen bool) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q: %w", s, err)
	}
	n, err := strconv.Atoi(port)
	lo := 1
	if listen {
		lo = 0
	}
	if err != nil || n < lo || n > maxTCPPort {
		return fmt.Errorf("%q: port must be a number in %d..%d", s, lo, maxTCPPort)
	}
	return nil
}

// setting ties one TOML key to its environment variable, its documentation
// and its accessors. The table drives ApplyEnv, EnvVars and WriteTOML.
type setting struct {
	key string // dotted TOML key: "p2p.listen_addr"
	doc string
	get func(c *Config) any
	set func(c *Config, v string) error
}

// env is the key's environment variable: CAUSEWAY_ + upper-cased key with
// dots as underscores.
func (s setting) env() string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(s.key, ".", "_"))
}

// settings lists every key in file order; a test checks it against the
// struct's toml tags.
var settings = []setting{
	stringSetting("genesis", "Genesis document.", func(c *Config) *string { return &c.Genesis }),
	stringSetting("key", "Validator keystore (go-ethereum JSON); empty runs a full node that does not vote.",
		func(c *Config) *string { return &c.Key }),
	stringSetting("password_file", "File holding the keystore password.", func(c *Config) *string { return &c.PasswordFile }),
	stringSetting("data_dir", "Block store and state.", func(c *Config) *string { return &c.DataDir }),
	stringSetting("p2p.listen_addr", "host:port the validator transport listens on.",
		func(c *Config) *string { return &c.P2P.ListenAddr }),
	listSetting("p2p.peers", "Validators to dial, as 0xADDRESS@host:port (comma-separated in env and flags).",
		func(c *Config) *[]string { return &c.P2P.Peers }),
	stringSetting("rpc.listen_addr", "host:port of the JSON-RPC server (HTTP and WebSocket).",
		func(c *Config) *string { return &c.RPC.ListenAddr }),
	intSetting("rpc.max_request_bytes", "Largest JSON-RPC request body.", func(c *Config) *int { return &c.RPC.MaxRequestBytes }),
	intSetting("mempool.max_txs", "Most pending transactions held.", func(c *Config) *int { return &c.Mempool.MaxTxs }),
	intSetting("mempool.max_bytes", "Most bytes of pending transactions held.", func(c *Config) *int { return &c.Mempool.MaxBytes }),
	intSetting("mempool.nonce_window", "How far ahead of an account's next nonce a transaction may be.",
		func(c *Config) *uint64 { return &c.Mempool.NonceWindow }),
	intSetting("consensus.skip_window", "Heights a proposer that timed out is skipped in the rotation.",
		func(c *Config) *uint64 { return &c.Consensus.SkipWindow }),
	durationSetting("consensus.tick_interval", "How often the consensus driver checks its timers.",
		func(c *Config) *Duration { return &c.Consensus.TickInterval }),
	stringSetting("consensus.wal_file", "Consensus write-ahead log.", func(c *Config) *string { return &c.Consensus.WALFile }),
	durationSetting("consensus.busy_block_gap",
		"After a block of more than one transaction, how long this node as proposer waits before building the next (0: never; held under half the block interval).",
		func(c *Config) *Duration { return &c.Consensus.BusyBlockGap }),
	intSetting("storage.cache_bytes", "Pebble's block cache, in bytes.", func(c *Config) *int { return &c.Storage.CacheBytes }),
	intSetting("storage.memtable_bytes", "Size a Pebble memtable grows to before it is flushed, in bytes.",
		func(c *Config) *int { return &c.Storage.MemtableBytes }),
	intSetting("storage.state_cache_bytes", "The state's trie node and value caches, in bytes.",
		func(c *Config) *int { return &c.Storage.StateCacheBytes }),
	stringSetting("log.level", "debug, info, warn or error.", func(c *Config) *string { return &c.Log.Level }),
	stringSetting("log.format", "json or console.", func(c *Config) *string { return &c.Log.Format }),
}

// EnvVar documents one environment override.
type EnvVar struct {
	Name string // CAUSEWAY_P2P_LISTEN_ADDR
	Key  string // p2p.listen_addr
	Doc  string
}

// EnvVars lists every environment variable ApplyEnv reads, in file order.
func EnvVars() []EnvVar {
	out := make([]EnvVar, len(settings))
	for i, s := range settings {
		out[i] = EnvVar{Name: s.env(), Key: s.key, Doc: s.doc}
	}
	return out
}

func stringSetting(key, doc string, field func(*Config) *string) setting {
	return setting{key: key, doc: doc,
		get: func(c *Config) any { return *field(c) },
		set: func(c *Config, v string) error { *field(c) = v; return nil },
	}
}

func listSetting(key, doc string, field func(*Config) *[]string) setting {
	return setting{key: key, doc: doc,
		get: func(c *Config) any { return *field(c) },
		set: func(c *Config, v string) error { *field(c) = splitList(v); return nil },
	}
}

func intSetting[T int | uint64](key, doc string, field func(*Config) *T) setting {
	return setting{key: key, doc: doc,
		get: func(c *Config) any { return *field(c) },
		set: func(c *Config, v string) error {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 63)
			if err != nil {
				return fmt.Errorf("want a non-negative integer: %w", err)
			}
			*field(c) = T(n)
			return nil
		},
	}
}

func durationSetting(key, doc string, field func(*Config) *Duration) setting {
	return setting{key: key, doc: doc,
		get: func(c *Config) any { return *field(c) },
		set: func(c *Config, v string) error { return field(c).UnmarshalText([]byte(strings.TrimSpace(v))) },
	}
}

// splitList splits a comma-separated environment value, dropping blanks.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, envListSeparator) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// writeTOML renders c key by key from the settings table, each preceded by
// its documentation and environment variable.
func writeTOML(w io.Writer, c *Config) error {
	var b strings.Builder
	b.WriteString("# Causeway node configuration. Relative paths are resolved against the node's home.\n")
	b.WriteString("# Precedence: defaults < this file < CAUSEWAY_* environment variables < command-line flags.\n")
	section := ""
	for _, s := range settings {
		sec, name, nested := strings.Cut(s.key, ".")
		if !nested {
			sec, name = "", s.key
		}
		if sec != section {
			fmt.Fprintf(&b, "\n[%s]\n", sec)
			section = sec
		}
		val, err := tomlValue(s.get(c))
		if err != nil {
			return fmt.Errorf("encode %s: %w", s.key, err)
		}
		fmt.Fprintf(&b, "\n# %s\n# env: %s\n%s = %s\n", s.doc, s.env(), name, val)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func tomlValue(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return quoteTOML(v), nil
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = quoteTOML(s)
		}
		if len(q) <= 1 {
			return "[" + strings.Join(q, "") + "]", nil
		}
		return "[\n  " + strings.Join(q, ",\n  ") + ",\n]", nil
	case int, uint64:
		return fmt.Sprint(v), nil
	case Duration:
		return quoteTOML(v.String()), nil
	default:
		return "", fmt.Errorf("unsupported type %T", v)
	}
}

// quoteTOML writes a TOML basic string. JSON string escapes are a subset of
// TOML's, so encoding/json does the escaping.
func quoteTOML(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic("node: marshal string: " + err.Error())
	}
	return string(b)
}
