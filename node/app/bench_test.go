package app_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkSenderRecovery is the baseline for the cold paths of mempool
// admission and block execution: one uncached secp256k1 recovery of a
// transaction's sender, versus a cache hit.
func BenchmarkSenderRecovery(b *testing.B) {
	txs, gen := signed(b, 1)
	t, hash := txs[0], txs[0].Hash()
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			_, err := t.Sender(gen)
			require.NoError(b, err)
		}
	})
	b.Run("cache-hit", func(b *testing.B) {
		c := newWarmCache(b, gen, t, hash)
		for b.Loop() {
			_, err := c.Sender(gen, t, hash)
			require.NoError(b, err)
		}
	})
}
