package gateway

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/backend"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// Bounds Validate enforces.
const (
	// minChains: a transfer needs two.
	minChains  = 2
	maxTCPPort = 65535
	// maxRate bounds rates and bursts so a typo cannot disable limiting.
	maxRate = 1_000_000
	// maxBodyBytes caps limits.max_body_bytes: a signed transaction is at
	// most 256 KiB, 512 KiB of hex.
	maxBodyBytes = 4 << 20
	// minBodyBytes fits the smallest useful submission.
	minBodyBytes = 1 << 10
)

// logLevels and logFormats are what log.level and log.format accept.
var (
	logLevels  = []string{"debug", "info", "warn", "error"}
	logFormats = []string{"json", "console"}
)

// Validate checks everything that needs no network or file, and names the
// first field that is wrong.
func (c *Config) Validate() error {
	for _, check := range []func() (string, error){
		c.validateProcess, c.validateLimits, c.validateChains, c.validateSigners,
	} {
		if key, err := check(); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrInvalidConfig, key, err)
		}
	}
	if err := c.Feed.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return nil
}

func (c *Config) validateProcess() (string, error) {
	if c.Listen == "" {
		return "listen", errors.New("missing (want host:port)")
	}
	if err := checkListen(c.Listen); err != nil {
		return "listen", err
	}
	if err := checkListen(c.AdminListen); err != nil {
		return "admin_listen", err
	}
	if _, err := backend.StoreScheme(c.Store); err != nil {
		return "store", err
	}
	if c.Redis != "" {
		u, err := url.Parse(c.Redis)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			return "redis", errors.New("want a redis:// or rediss:// URL (\"\" keeps limits and the feed in process)")
		}
		if _, _, err := parseRedisURL(c.Redis); err != nil {
			return "redis", err
		}
	}
	if c.DefaultTimeout <= 0 {
		return "default_timeout", fmt.Errorf("%s: must be positive", c.DefaultTimeout)
	}
	if !slices.Contains(logLevels, c.Log.Level) {
		return "log.level", fmt.Errorf("%q is not one of %v", c.Log.Level, logLevels)
	}
	if !slices.Contains(logFormats, c.Log.Format) {
		return "log.format", fmt.Errorf("%q is not one of %v", c.Log.Format, logFormats)
	}
	return "", nil
}

func (c *Config) validateLimits() (string, error) {
	l := c.Limits
	if l.MaxBodyBytes < minBodyBytes || l.MaxBodyBytes > maxBodyBytes {
		return "limits.max_body_bytes", fmt.Errorf("%d out of range %d..%d", l.MaxBodyBytes, minBodyBytes, maxBodyBytes)
	}
	for _, r := range []struct {
		key string
		v   int
	}{
		{"limits.rate_per_sec", l.RatePerSec}, {"limits.burst", l.Burst},
		{"limits.anonymous_rate_per_sec", l.AnonymousRatePerSec}, {"limits.anonymous_burst", l.AnonymousBurst},
	} {
		if r.v < 1 || r.v > maxRate {
			return r.key, fmt.Errorf("%d out of range 1..%d", r.v, maxRate)
		}
	}
	i := c.Idempotency
	switch {
	case i.Lease <= 0:
		return "idempotency.lease", fmt.Errorf("%s: must be positive", i.Lease)
	case i.Retention < i.Lease:
		return "idempotency.retention", fmt.Errorf("%s is shorter than the lease (%s)", i.Retention, i.Lease)
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

// validate returns the failing field as a suffix of the chain's key.
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
		return ".endpoints", errors.New("missing (want at least one http(s):// or ws(s):// URL)")
	}
	for j, e := range ch.Endpoints {
		key := ".endpoints[" + strconv.Itoa(j) + "]"
		u, err := url.Parse(e)
		if err != nil || !slices.Contains([]string{"http", "https", "ws", "wss"}, u.Scheme) || u.Host == "" {
			return key, fmt.Errorf("%q is not an http(s):// or ws(s):// URL", e)
		}
		if slices.Index(ch.Endpoints, e) < j {
			return key, fmt.Errorf("%q listed twice", e)
		}
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

func (c *Config) validateSigners() (string, error) {
	for i, s := range c.Signers {
		if field, err := s.validate(); err != nil {
			return "signers[" + strconv.Itoa(i) + "]" + field, err
		}
	}
	return "", nil
}

func (s SignerConfig) validate() (string, error) {
	switch {
	case s.Client == "":
		return ".client", errors.New("missing (the API client whose intents the key signs)")
	case !api.ValidClientID(s.Client):
		return ".client", fmt.Errorf("%q: want 1 to 64 of [a-z0-9-], starting with a letter or digit", s.Client)
	case s.Key != nil:
		if s.Keystore != "" {
			return ".keystore", errors.New("set together with an in-memory key")
		}
		return "", nil
	case strings.TrimSpace(s.Keystore) == "":
		return ".keystore", errors.New("missing")
	case s.PasswordFile != "" && s.PasswordEnv != "":
		return "", errors.New("give password_file or password_env, not both")
	case s.PasswordFile == "" && s.PasswordEnv == "":
		return ".password_file", errors.New("missing (or set password_env)")
	}
	return "", nil
}

// checkListen accepts host:port (port 0 picks a free one) or "".
func checkListen(addr string) error {
	if addr == "" {
		return nil
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: want host:port: %w", addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > maxTCPPort {
		return fmt.Errorf("%q: port must be a number in 0..%d", addr, maxTCPPort)
	}
	return nil
}
