package store

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLocationRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		height uint64
		index  uint32
	}{{0, 0}, {1, 2}, {1 << 40, 1<<32 - 1}}
	for _, tc := range tests {
		h, i, err := decodeLocation(encodeLocation(tc.height, tc.index))
		require.NoError(t, err)
		require.Equal(t, tc.height, h)
		require.Equal(t, tc.index, i)
	}
}

func FuzzDecodeLocation(f *testing.F) {
	f.Add(encodeLocation(7, 3))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, v []byte) {
		h, i, err := decodeLocation(v)
		if err != nil {
			require.ErrorIs(t, err, ErrCorrupt)
			return
		}
		require.Equal(t, v, encodeLocation(h, i))
	})
}

func FuzzDecodeHeight(f *testing.F) {
	f.Add(encodeHeight(42))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, v []byte) {
		h, err := decodeHeight(v)
		if err != nil {
			require.ErrorIs(t, err, ErrCorrupt)
			return
		}
		require.Equal(t, v, encodeHeight(h))
	})
}
