package mempool

import (
	"errors"
	"fmt"
)

// Defaults. A full default mempool holds about 20 blocks of the default
// max_block_txs; the byte cap stops large transactions from using more than
// 128 MiB of memory.
const (
	DefaultMaxTxs      = 100_000
	DefaultMaxBytes    = 128 << 20
	DefaultNonceWindow = 64
)

// ErrInvalidConfig wraps every configuration error.
var ErrInvalidConfig = errors.New("invalid mempool config")

// Config bounds the mempool.
type Config struct {
	// MaxTxs caps the number of pending transactions.
	MaxTxs int `toml:"max_txs"`
	// MaxBytes caps the total size of pending encoded transactions.
	MaxBytes int `toml:"max_bytes"`
	// NonceWindow is how far past a sender's next executable nonce (account
	// nonce plus its pending count) a transaction may be admitted, so that
	// clients can pipeline without a sender filling the pool with gaps.
	NonceWindow uint64 `toml:"nonce_window"`
}

// DefaultConfig returns the configuration a node starts with.
func DefaultConfig() Config {
	return Config{MaxTxs: DefaultMaxTxs, MaxBytes: DefaultMaxBytes, NonceWindow: DefaultNonceWindow}
}

// Validate reports the first field that is out of range.
func (c Config) Validate() error {
	if c.MaxTxs <= 0 {
		return fmt.Errorf("%w: max_txs %d must be positive", ErrInvalidConfig, c.MaxTxs)
	}
	if c.MaxBytes <= 0 {
		return fmt.Errorf("%w: max_bytes %d must be positive", ErrInvalidConfig, c.MaxBytes)
	}
	return nil
}

// withDefaults replaces unset (non-positive) caps with their defaults, so a
// zero Config is usable.
func (c Config) withDefaults() Config {
	if c.MaxTxs <= 0 {
		c.MaxTxs = DefaultMaxTxs
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	return c
}
