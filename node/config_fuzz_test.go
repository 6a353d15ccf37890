package node

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func FuzzParsePeer(f *testing.F) {
	for _, s := range []string{peerA, peerB, "0x1111111111111111111111111111111111111111@[::1]:1", "@:", "0x@h:1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		addr, host, err := ParsePeer(s)
		if err != nil {
			return
		}
		// An accepted peer re-formats to a string that parses to the same peer.
		addr2, host2, err := ParsePeer(addr.Hex() + "@" + host)
		require.NoError(t, err)
		require.Equal(t, addr, addr2)
		require.Equal(t, host, host2)
	})
}

// FuzzConfigTOML feeds arbitrary config files: decoding never panics, and a
// file that decodes to a valid config survives WriteTOML and a re-read intact.
func FuzzConfigTOML(f *testing.F) {
	var def strings.Builder
	require.NoError(f, DefaultConfig().WriteTOML(&def))
	f.Add(def.String())
	f.Add("[p2p]\npeers = [\"" + peerA + "\"]\n[consensus]\ntick_interval = \"1s\"\n")
	f.Add("data_dir = \"\\u0000\"\n[log]\nlevel = 3\n")
	f.Fuzz(func(t *testing.T, data string) {
		c := DefaultConfig()
		if err := c.applyTOML(data); err != nil || c.Validate() != nil {
			return
		}
		var out strings.Builder
		require.NoError(t, c.WriteTOML(&out))
		again := DefaultConfig()
		require.NoError(t, again.applyTOML(out.String()), out.String())
		require.Equal(t, c, again)
	})
}
