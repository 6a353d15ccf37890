package feed

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"
)

func TestDefaultConfigIsValid(t *testing.T) {
	t.Parallel()
	require.NoError(t, DefaultConfig().Validate())
}

func TestValidateNamesTheField(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		key    string
		change func(*Config)
	}{
		{"feed.heartbeat_interval", func(c *Config) { c.HeartbeatInterval = 0 }},
		{"feed.send_buffer", func(c *Config) { c.SendBuffer = 0 }},
		{"feed.send_buffer", func(c *Config) { c.SendBuffer = maxSendBuffer + 1 }},
		{"feed.max_subscriptions", func(c *Config) { c.MaxSubscriptions = -1 }},
		{"feed.max_connections", func(c *Config) { c.MaxConnections = 0 }},
		{"feed.poll_interval", func(c *Config) { c.PollInterval = Duration(time.Microsecond) }},
		{"feed.replay_page", func(c *Config) { c.ReplayPage = maxReplayPage + 1 }},
		{"feed.write_timeout", func(c *Config) { c.WriteTimeout = Duration(-time.Second) }},
		{"feed.ping_interval", func(c *Config) { c.PingInterval = 0 }},
	} {
		cfg := DefaultConfig()
		tc.change(&cfg)
		err := cfg.Validate()
		require.Error(t, err, tc.key)
		require.True(t, errors.Is(err, ErrInvalidConfig))
		require.Contains(t, err.Error(), tc.key+":")
	}
}

func TestConfigTOML(t *testing.T) {
	t.Parallel()
	var got struct {
		Feed Config `toml:"feed"`
	}
	got.Feed = DefaultConfig()
	_, err := toml.Decode(`[feed]
heartbeat_interval = "2s"
poll_interval = "10ms"
send_buffer = 16
`, &got)
	require.NoError(t, err)
	want := DefaultConfig()
	want.HeartbeatInterval, want.PollInterval, want.SendBuffer = Duration(2*time.Second), Duration(10*time.Millisecond), 16
	require.Equal(t, want, got.Feed)

	var b strings.Builder
	require.NoError(t, toml.NewEncoder(&b).Encode(got))
	require.Contains(t, b.String(), `heartbeat_interval = "2s"`)

	_, err = toml.Decode("[feed]\nping_interval = \"soon\"\n", &got)
	require.Error(t, err)
}

func TestRunRefusesInvalidConfig(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.SendBuffer = 0
	store := sqliteStore(t)
	h := NewHub(cfg, store, NewStoreSource(store, cfg.PollInterval.Duration()), HubOptions{}, zaptest.NewLogger(t))
	err := h.Run(t.Context())
	require.ErrorIs(t, err, ErrInvalidConfig)
	require.Contains(t, err.Error(), "feed.send_buffer")
}
