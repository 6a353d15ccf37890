package p2p

import "errors"

// Sentinel errors. Callers match them with errors.Is; the logged reason of a
// refused or closed connection wraps one of them.
var (
	// ErrUnauthenticated: the remote's handshake was malformed, its signature
	// did not verify, or it claimed an address it could not sign for.
	ErrUnauthenticated = errors.New("peer not authenticated")
	// ErrUnauthorized: the remote authenticated, but Config.Authorized refused it.
	ErrUnauthorized = errors.New("peer not authorized")
	// ErrWrongGenesis: the remote runs a chain with another genesis hash.
	ErrWrongGenesis = errors.New("peer is on another chain (genesis mismatch)")
	// ErrHandshakeTimeout: the handshake did not finish within HandshakeTimeout.
	ErrHandshakeTimeout = errors.New("handshake timed out")
	// ErrUnexpectedPeer: a dialed address answered with another validator's key.
	ErrUnexpectedPeer = errors.New("dialed peer answered with another identity")
	// ErrSelf: the remote is this node itself.
	ErrSelf = errors.New("connection to self")
	// ErrFrameTooLarge: a frame or message exceeds the configured maximum.
	ErrFrameTooLarge = errors.New("frame too large")
	// ErrDecrypt: a frame failed authentication (tampered, replayed or reordered).
	ErrDecrypt = errors.New("frame authentication failed")
	// ErrNonceExhausted: a direction of a session used up its nonce space.
	ErrNonceExhausted = errors.New("session nonces exhausted")
	// ErrNotConnected: Send named a peer with no live connection.
	ErrNotConnected = errors.New("peer not connected")
	// ErrStopped: the transport was stopped, or started twice.
	ErrStopped = errors.New("transport stopped")
	// ErrInvalidConfig: Config.Validate refused the configuration.
	ErrInvalidConfig = errors.New("invalid p2p config")
)
