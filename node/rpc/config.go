package rpc

import (
	"errors"
	"fmt"
	"time"
)

// Defaults of Config.
const (
	DefaultListenAddr            = "127.0.0.1:8545"
	DefaultMaxRequestBytes       = 1 << 20  // a 64 KiB transaction is 128 KiB of hex
	DefaultBatchItemLimit        = 100      // requests in one JSON-RPC batch
	DefaultBatchResponseMaxBytes = 25 << 20 // bytes of responses to one batch
	DefaultMaxProofKeys          = 64       // keys in one cw_getProof
	DefaultSubscriptionBuffer    = 256      // notifications queued per subscription
	DefaultMaxSubscriptions      = 4096     // live subscriptions of each kind, all clients
	DefaultFeedBuffer            = 256      // blocks queued between the backend and the server
	DefaultReadHeaderTimeout     = 10 * time.Second
	DefaultReadTimeout           = 30 * time.Second
	DefaultWriteTimeout          = 60 * time.Second // a full 16 MiB block is 32 MiB of hex
	DefaultIdleTimeout           = 120 * time.Second
	DefaultShutdownTimeout       = 5 * time.Second
)

// ErrInvalidConfig wraps every Config validation failure.
var ErrInvalidConfig = errors.New("invalid rpc config")

// Config configures the JSON-RPC server.
type Config struct {
	// ListenAddr is host:port for HTTP and WebSocket; port 0 picks a free one.
	ListenAddr string `toml:"listen_addr"`
	// MaxRequestBytes caps one HTTP request body or WebSocket message.
	MaxRequestBytes int `toml:"max_request_bytes"`
	// AllowedOrigins lists the browser origins allowed to open a WebSocket;
	// "*" allows all. The default is ["*"]: consortium nodes serve relays and
	// gateways rather than browsers, and non-browser clients send no Origin.
	// List your origins when browsers reach the node directly.
	AllowedOrigins []string `toml:"allowed_origins"`
	// BatchItemLimit caps requests per batch; BatchResponseMaxBytes caps the
	// bytes of a batch's responses.
	BatchItemLimit        int `toml:"batch_item_limit"`
	BatchResponseMaxBytes int `toml:"batch_response_max_bytes"`
	// MaxProofKeys caps the keys of one cw_getProof.
	MaxProofKeys int `toml:"max_proof_keys"`
	// SubscriptionBuffer is how many notifications may queue for one
	// subscription before it is ended with CodeSlowSubscriber.
	SubscriptionBuffer int `toml:"subscription_buffer"`
	// MaxSubscriptions caps live subscriptions of each kind across clients.
	MaxSubscriptions int `toml:"max_subscriptions"`
	// FeedBuffer is the capacity the server asks of the backend's feeds.
	FeedBuffer int `toml:"feed_buffer"`
	// ReadHeaderTimeout, ReadTimeout (whole request), WriteTimeout (whole
	// response; calls time out with CodeTimeout a little before it) and
	// IdleTimeout bound slow and idle HTTP clients. WebSocket connections
	// are exempt once upgraded.
	ReadHeaderTimeout time.Duration `toml:"read_header_timeout"`
	ReadTimeout       time.Duration `toml:"read_timeout"`
	WriteTimeout      time.Duration `toml:"write_timeout"`
	IdleTimeout       time.Duration `toml:"idle_timeout"`
	// ShutdownTimeout bounds how long Stop waits for in-flight HTTP requests.
	ShutdownTimeout time.Duration `toml:"shutdown_timeout"`
}

// DefaultConfig returns the configuration `causeway init` writes.
func DefaultConfig() Config {
	return Config{
		ListenAddr:            DefaultListenAddr,
		MaxRequestBytes:       DefaultMaxRequestBytes,
		AllowedOrigins:        []string{"*"},
		BatchItemLimit:        DefaultBatchItemLimit,
		BatchResponseMaxBytes: DefaultBatchResponseMaxBytes,
		MaxProofKeys:          DefaultMaxProofKeys,
		SubscriptionBuffer:    DefaultSubscriptionBuffer,
		MaxSubscriptions:      DefaultMaxSubscriptions,
		FeedBuffer:            DefaultFeedBuffer,
		ReadHeaderTimeout:     DefaultReadHeaderTimeout,
		ReadTimeout:           DefaultReadTimeout,
		WriteTimeout:          DefaultWriteTimeout,
		IdleTimeout:           DefaultIdleTimeout,
		ShutdownTimeout:       DefaultShutdownTimeout,
	}
}

// Validate names the first field that is out of range.
func (c Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...))
	}
	if c.ListenAddr == "" {
		return bad("listen_addr is empty")
	}
	positive := []struct {
		name string
		v    int
	}{
		{"max_request_bytes", c.MaxRequestBytes},
		{"batch_item_limit", c.BatchItemLimit},
		{"batch_response_max_bytes", c.BatchResponseMaxBytes},
		{"max_proof_keys", c.MaxProofKeys},
		{"subscription_buffer", c.SubscriptionBuffer},
		{"max_subscriptions", c.MaxSubscriptions},
		{"feed_buffer", c.FeedBuffer},
	}
	for _, f := range positive {
		if f.v <= 0 {
			return bad("%s %d must be positive", f.name, f.v)
		}
	}
	timeouts := []struct {
		name string
		v    time.Duration
	}{
		{"read_header_timeout", c.ReadHeaderTimeout},
		{"read_timeout", c.ReadTimeout},
		{"write_timeout", c.WriteTimeout},
		{"idle_timeout", c.IdleTimeout},
		{"shutdown_timeout", c.ShutdownTimeout},
	}
	for _, f := range timeouts {
		if f.v <= 0 {
			return bad("%s %s must be positive", f.name, f.v)
		}
	}
	return nil
}
