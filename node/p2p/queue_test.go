package p2p

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

func TestSendQueueDropsOldest(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		capacity    int
		push        []int
		wantDropped int
		want        []int
	}{
		{"empty", 3, nil, 0, nil},
		{"under capacity", 3, []int{1, 2}, 0, []int{1, 2}},
		{"at capacity", 3, []int{1, 2, 3}, 0, []int{1, 2, 3}},
		{"over capacity keeps newest", 3, []int{1, 2, 3, 4, 5}, 2, []int{3, 4, 5}},
		{"capacity one", 1, []int{1, 2, 3}, 2, []int{3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q := newSendQueue[int](tc.capacity)
			dropped := 0
			for _, v := range tc.push {
				if q.push(v) {
					dropped++
				}
			}
			require.Equal(t, tc.wantDropped, dropped)
			require.Equal(t, len(tc.want), q.len())
			require.Equal(t, tc.want, q.drain(nil))
			require.Zero(t, q.len())
		})
	}
}

func TestSendQueueSignalsReady(t *testing.T) {
	t.Parallel()
	q := newSendQueue[int](2)
	select {
	case <-q.ready:
		require.FailNow(t, "ready before any push")
	default:
	}
	q.push(1)
	q.push(2)
	<-q.ready // one token however many pushes
	select {
	case <-q.ready:
		require.FailNow(t, "second token")
	default:
	}
	require.Equal(t, []int{1, 2}, q.drain(nil))
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	const lo, hi = 100 * time.Millisecond, 800 * time.Millisecond
	b := newBackoff(lo, hi)
	base := lo
	for range 10 {
		d := b.delay()
		require.GreaterOrEqual(t, d, base/2)
		require.LessOrEqual(t, d, min(base*3/2, hi))
		base = min(base*2, hi)
	}
	b.reset()
	require.LessOrEqual(t, b.delay(), lo*3/2)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	valid := testConfig(testKey(t, "cfg"), nil, Peer{Address: attest.AddressOf(testKey(t, "cfg-peer")), Addr: "127.0.0.1:1"})
	require.NoError(t, valid.Validate())
	cases := []struct {
		name   string
		mutate func(*Config)
	}{
		{"no key", func(c *Config) { c.Key = nil }},
		{"no listen addr", func(c *Config) { c.ListenAddr = "" }},
		{"no genesis", func(c *Config) { c.Genesis = attest.Hash{} }},
		{"frame limit below overhead", func(c *Config) { c.MaxFrameBytes = frameOverhead }},
		{"frame limit above ceiling", func(c *Config) { c.MaxFrameBytes = maxFrameLimit + 1 }},
		{"zero send queue", func(c *Config) { c.SendQueue = 0 }},
		{"zero inbound queue", func(c *Config) { c.InboundQueue = 0 }},
		{"backoff max below min", func(c *Config) { c.DialBackoffMax = c.DialBackoffMin - 1 }},
		{"zero handshake timeout", func(c *Config) { c.HandshakeTimeout = 0 }},
		{"peer without addr", func(c *Config) { c.Peers = append(c.Peers, Peer{}) }},
		{"peer twice", func(c *Config) { c.Peers = append(c.Peers, c.Peers[0]) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := valid
			cfg.Peers = append([]Peer(nil), valid.Peers...)
			tc.mutate(&cfg)
			require.ErrorIs(t, cfg.Validate(), ErrInvalidConfig)
			_, err := NewTCP(cfg, nil)
			require.ErrorIs(t, err, ErrInvalidConfig)
		})
	}
}

func TestSendQueuePop(t *testing.T) {
	t.Parallel()
	q := newSendQueue[int](2)
	_, ok := q.pop()
	require.False(t, ok)
	q.push(1)
	q.push(2)
	q.push(3) // drops 1
	for _, want := range []int{2, 3} {
		v, ok := q.pop()
		require.True(t, ok)
		require.Equal(t, want, v)
	}
	_, ok = q.pop()
	require.False(t, ok)
}
