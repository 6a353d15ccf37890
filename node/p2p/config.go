package p2p

import (
	"crypto/ecdsa"
	"fmt"
	"time"

	"github.com/causeway/causeway/attest"
)

// Defaults for Config. Each names a limit an operator may need to tune.
const (
	// DefaultMaxFrameBytes is the largest encrypted frame body accepted. It is
	// above block.MaxBlockBytes so a certified block fits in one message.
	DefaultMaxFrameBytes = 20 << 20
	// DefaultSendQueue is how many messages wait per peer before the oldest is dropped.
	DefaultSendQueue = 1024
	// DefaultInboundQueue is the capacity of the Inbound channel shared by all peers.
	DefaultInboundQueue = 4096
	// DefaultDialBackoffMin is the first wait after a failed dial.
	DefaultDialBackoffMin = 100 * time.Millisecond
	// DefaultDialBackoffMax caps the wait between dials of one peer.
	DefaultDialBackoffMax = 10 * time.Second
	// DefaultHandshakeTimeout bounds a dial, and then separately the handshake on it.
	DefaultHandshakeTimeout = 5 * time.Second
	// DefaultWriteTimeout bounds one batch of writes to a peer; a peer that
	// does not drain its socket for this long is disconnected.
	DefaultWriteTimeout = 10 * time.Second
	// DefaultMaxPendingHandshakes bounds concurrent inbound handshakes; further
	// connections are closed at once.
	DefaultMaxPendingHandshakes = 64
)

// Peer is a validator to keep a connection to.
type Peer struct {
	Address attest.Address
	Addr    string // host:port
}

// Config configures a TCP transport.
type Config struct {
	ListenAddr string // host:port; port 0 picks a free one (see TCP.Addr)
	Peers      []Peer // dialed and redialed; others may still connect inbound
	Key        *ecdsa.PrivateKey
	Genesis    attest.Hash
	// Authorized decides, after the handshake, whether an authenticated
	// address may stay connected (e.g. validator-set membership). Nil admits
	// exactly the addresses in Peers.
	Authorized func(attest.Address) bool

	MaxFrameBytes        int // largest encrypted frame body; larger closes the connection
	SendQueue            int // per-peer queued messages before the oldest is dropped
	InboundQueue         int // capacity of the Inbound channel
	DialBackoffMin       time.Duration
	DialBackoffMax       time.Duration
	HandshakeTimeout     time.Duration
	WriteTimeout         time.Duration
	MaxPendingHandshakes int
}

// DefaultConfig returns a Config with every limit at its default; the caller
// fills in ListenAddr, Peers, Key, Genesis and Authorized.
func DefaultConfig() Config {
	return Config{
		MaxFrameBytes:        DefaultMaxFrameBytes,
		SendQueue:            DefaultSendQueue,
		InboundQueue:         DefaultInboundQueue,
		DialBackoffMin:       DefaultDialBackoffMin,
		DialBackoffMax:       DefaultDialBackoffMax,
		HandshakeTimeout:     DefaultHandshakeTimeout,
		WriteTimeout:         DefaultWriteTimeout,
		MaxPendingHandshakes: DefaultMaxPendingHandshakes,
	}
}

// Validate names the first field that is wrong.
func (c *Config) Validate() error {
	switch {
	case c.Key == nil:
		return fmt.Errorf("%w: Key is required", ErrInvalidConfig)
	case c.ListenAddr == "":
		return fmt.Errorf("%w: ListenAddr is required", ErrInvalidConfig)
	case c.Genesis == (attest.Hash{}):
		return fmt.Errorf("%w: Genesis is required", ErrInvalidConfig)
	case c.MaxFrameBytes <= frameOverhead:
		return fmt.Errorf("%w: MaxFrameBytes %d must exceed %d", ErrInvalidConfig, c.MaxFrameBytes, frameOverhead)
	case c.MaxFrameBytes > maxFrameLimit:
		return fmt.Errorf("%w: MaxFrameBytes %d exceeds %d", ErrInvalidConfig, c.MaxFrameBytes, maxFrameLimit)
	case c.SendQueue <= 0, c.InboundQueue <= 0, c.MaxPendingHandshakes <= 0:
		return fmt.Errorf("%w: SendQueue, InboundQueue and MaxPendingHandshakes must be positive", ErrInvalidConfig)
	case c.DialBackoffMin <= 0 || c.DialBackoffMax < c.DialBackoffMin:
		return fmt.Errorf("%w: need 0 < DialBackoffMin <= DialBackoffMax", ErrInvalidConfig)
	case c.HandshakeTimeout <= 0 || c.WriteTimeout <= 0:
		return fmt.Errorf("%w: HandshakeTimeout and WriteTimeout must be positive", ErrInvalidConfig)
	}
	return c.validatePeers()
}

func (c *Config) validatePeers() error {
	seen := make(map[attest.Address]bool, len(c.Peers))
	for i, p := range c.Peers {
		if p.Addr == "" {
			return fmt.Errorf("%w: Peers[%d] has no Addr", ErrInvalidConfig, i)
		}
		if seen[p.Address] {
			return fmt.Errorf("%w: Peers[%d] %s listed twice", ErrInvalidConfig, i, p.Address)
		}
		seen[p.Address] = true
	}
	return nil
}

// authorizer returns Authorized, or membership of Peers when it is nil.
func (c *Config) authorizer() func(attest.Address) bool {
	if c.Authorized != nil {
		return c.Authorized
	}
	allowed := make(map[attest.Address]bool, len(c.Peers))
	for _, p := range c.Peers {
		allowed[p.Address] = true
	}
	return func(a attest.Address) bool { return allowed[a] }
}
