package feed

import (
	"errors"
	"fmt"
	"time"

	"github.com/causeway/causeway/internal/tomlconf"
	"github.com/causeway/causeway/settlement"
)

// Defaults of Config.
const (
	DefaultHeartbeatInterval = 10 * time.Second
	DefaultSendBuffer        = 1024
	DefaultMaxSubscriptions  = 64
	DefaultMaxConnections    = 10000
	DefaultPollInterval      = 25 * time.Millisecond
	DefaultReplayPage        = 500
	DefaultWriteTimeout      = 10 * time.Second
	DefaultPingInterval      = 30 * time.Second
)

// Bounds Validate enforces, so a typo cannot make the hub useless or
// unbounded.
const (
	maxSendBuffer    = 1 << 20
	maxSubscriptions = 4096
	maxReplayPage    = settlement.MaxPageSize // what one store read returns at most
	minPollInterval  = time.Millisecond
)

// ErrInvalidConfig wraps every error of Validate; the message names the
// field ("feed.send_buffer").
var ErrInvalidConfig = errors.New("invalid feed config")

// Config is the feed's part of the gateway config ([feed] in TOML).
type Config struct {
	HeartbeatInterval Duration `toml:"heartbeat_interval"` // heartbeats carry the head seq
	SendBuffer        int      `toml:"send_buffer"`        // messages queued per connection before it is closed as slow
	MaxSubscriptions  int      `toml:"max_subscriptions"`  // per connection
	MaxConnections    int      `toml:"max_connections"`    // per instance; more are refused with 503
	PollInterval      Duration `toml:"poll_interval"`      // how often the outbox is read
	ReplayPage        int      `toml:"replay_page"`        // events per store read during replay
	WriteTimeout      Duration `toml:"write_timeout"`      // per frame
	PingInterval      Duration `toml:"ping_interval"`      // websocket ping; a peer silent for 2× this is dead
}

// DefaultConfig is the config of one gateway instance.
func DefaultConfig() Config {
	return Config{
		HeartbeatInterval: Duration(DefaultHeartbeatInterval),
		SendBuffer:        DefaultSendBuffer,
		MaxSubscriptions:  DefaultMaxSubscriptions,
		MaxConnections:    DefaultMaxConnections,
		PollInterval:      Duration(DefaultPollInterval),
		ReplayPage:        DefaultReplayPage,
		WriteTimeout:      Duration(DefaultWriteTimeout),
		PingInterval:      Duration(DefaultPingInterval),
	}
}

// Validate checks every field and names the first bad one.
func (c Config) Validate() error {
	if key, err := c.check(); err != nil {
		return fmt.Errorf("%w: feed.%s: %w", ErrInvalidConfig, key, err)
	}
	return nil
}

func (c Config) check() (string, error) {
	for _, d := range []struct {
		key string
		v   Duration
	}{
		{"heartbeat_interval", c.HeartbeatInterval},
		{"write_timeout", c.WriteTimeout},
		{"ping_interval", c.PingInterval},
	} {
		if d.v <= 0 {
			return d.key, fmt.Errorf("%s: must be positive", d.v)
		}
	}
	if c.PollInterval.Duration() < minPollInterval {
		return "poll_interval", fmt.Errorf("%s: must be at least %s", c.PollInterval, minPollInterval)
	}
	for _, n := range []struct {
		key string
		v   int
		max int
	}{
		{"send_buffer", c.SendBuffer, maxSendBuffer},
		{"max_subscriptions", c.MaxSubscriptions, maxSubscriptions},
		{"max_connections", c.MaxConnections, 1 << 30},
		{"replay_page", c.ReplayPage, maxReplayPage},
	} {
		if n.v < 1 || n.v > n.max {
			return n.key, fmt.Errorf("%d out of range 1..%d", n.v, n.max)
		}
	}
	return "", nil
}

// Duration is a time.Duration written as a string ("300ms") in TOML.
type Duration = tomlconf.Duration
