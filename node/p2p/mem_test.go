package p2p

import (
	"crypto/ecdsa"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

func TestMemCutAndHeal(t *testing.T) {
	t.Parallel()
	keys := testKeys(t, "mem-cut", 3)
	n := NewMemNetwork()
	trs := joinAll(t, n, keys, nil)
	a, b := attest.AddressOf(keys[0]), attest.AddressOf(keys[1])

	n.Cut(b, a) // either order names the same link
	require.NotContains(t, trs[0].Peers(), b)
	require.NotContains(t, trs[1].Peers(), a)
	require.ErrorIs(t, trs[0].Send(b, Message{Type: 1}), ErrNotConnected)
	trs[0].Broadcast(Message{Type: 2})
	require.Equal(t, a, receive(t, trs[2]).From)

	n.Heal(a, b)
	require.Contains(t, trs[0].Peers(), b)
	require.NoError(t, trs[0].Send(b, Message{Type: 3}))
	// The broadcast sent while cut was lost: the first thing b hears is the send.
	require.Equal(t, Message{Type: 3}, receive(t, trs[1]).Msg)
}

func TestMemAuthorization(t *testing.T) {
	t.Parallel()
	keys := testKeys(t, "mem-auth", 3)
	n := NewMemNetwork()
	members := addrSet(keys[:2])
	trs := joinAll(t, n, keys, members) // keys[2] is an outsider to the others
	outsider := attest.AddressOf(keys[2])
	require.Equal(t, []attest.Address{attest.AddressOf(keys[1])}, trs[0].Peers())
	require.NotContains(t, trs[1].Peers(), outsider)
	require.ErrorIs(t, trs[2].Send(attest.AddressOf(keys[0]), Message{Type: 1}), ErrNotConnected)
}

func TestMemRejoinReplaces(t *testing.T) {
	t.Parallel()
	keys := testKeys(t, "mem-rejoin", 2)
	n := NewMemNetwork()
	trs := joinAll(t, n, keys, nil)
	require.NoError(t, trs[1].Stop())
	require.Empty(t, trs[0].Peers())

	again := n.Join(keys[1], nil)
	require.NoError(t, again.Start(t.Context()))
	t.Cleanup(func() { require.NoError(t, again.Stop()) })
	require.Equal(t, []attest.Address{attest.AddressOf(keys[1])}, trs[0].Peers())
	require.NoError(t, trs[0].Send(attest.AddressOf(keys[1]), Message{Type: 5}))
	require.Equal(t, Message{Type: 5}, receive(t, again).Msg)
	require.ErrorIs(t, trs[1].Start(t.Context()), ErrStopped)
}

func TestMemDropsOldestWhenFull(t *testing.T) {
	t.Parallel()
	keys := testKeys(t, "mem-full", 2)
	n := NewMemNetwork()
	rx := n.Join(keys[0], nil) // never started: nothing drains it
	tx := n.Join(keys[1], nil)
	require.NoError(t, tx.Start(t.Context()))
	t.Cleanup(func() { require.NoError(t, tx.Stop()) })
	require.ErrorIs(t, tx.Send(attest.AddressOf(keys[0]), Message{}), ErrNotConnected, "stopped members are unreachable")

	// Fill a started member's queue while its consumer is absent.
	require.NoError(t, rx.Start(t.Context()))
	t.Cleanup(func() { require.NoError(t, rx.Stop()) })
	for i := range memQueueSize + 10 {
		tx.Broadcast(Message{Type: uint8(i)})
	}
	require.GreaterOrEqual(t, n.Dropped(), uint64(9), "one may sit in the pump")
	require.LessOrEqual(t, n.Dropped(), uint64(10))
}

func joinAll(t *testing.T, n *MemNetwork, keys []*ecdsa.PrivateKey, authorized func(attest.Address) bool) []Transport {
	t.Helper()
	trs := make([]Transport, len(keys))
	for i, k := range keys {
		trs[i] = n.Join(k, authorized)
		require.NoError(t, trs[i].Start(t.Context()))
		t.Cleanup(func() { require.NoError(t, trs[i].Stop()) })
	}
	return trs
}
