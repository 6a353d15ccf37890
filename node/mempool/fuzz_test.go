package mempool_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/mempool"
)

// FuzzAdd feeds arbitrary bytes to admission: it must never panic, and a
// rejection must be coded and leave the pool as it was.
func FuzzAdd(f *testing.F) {
	e := newEnv(f, mempool.DefaultConfig())
	f.Add(e.send(1, 0, 1))
	f.Add(e.send(2, 5, 0))
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, raw []byte) {
		pool := mempool.New(mempool.DefaultConfig(), e.app, nil)
		_, err := pool.Add(raw, e.st)
		if err != nil {
			require.True(t, app.IsRejection(err), "%v", err)
			require.Zero(t, pool.Size())
			require.Zero(t, pool.Bytes())
			return
		}
		require.Equal(t, 1, pool.Size())
		require.Equal(t, len(raw), pool.Bytes())
	})
}
