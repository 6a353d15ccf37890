package chains_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/rpc"
)

func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(clientWait):
		t.Fatal("nothing received within deadline")
		var zero T
		return zero
	}
}

func TestClientSubscribeNewHeadsInOrder(t *testing.T) {
	t.Parallel()
	n := startClientNode(t)
	c := dialClient(t, n.url("ws"))
	ch := make(chan *chains.CertifiedHeader, 8)
	sub, err := c.SubscribeNewHeads(t.Context(), ch)
	require.NoError(t, err)
	defer sub.Unsubscribe()

	const blocks = 4
	for range blocks {
		n.b.Commit()
	}
	for h := uint64(1); h <= blocks; h++ {
		head := recv(t, ch)
		require.Equal(t, h, head.Certified.Header.Height)
		require.Equal(t, h, head.Header.Height)
		require.NoError(t, attest.VerifyCertifiedHeader(n.b.GenesisHash(), "alpha", n.b.ValidatorSet(), head.Certified))
	}
}

func TestClientSubscribeEventsFiltered(t *testing.T) {
	t.Parallel()
	n := startClientNode(t)
	c := dialClient(t, n.url("ws"))
	ch := make(chan *chains.EventsNotification, 8)
	sub, err := c.SubscribeEvents(t.Context(), ch, "xfer.timeout")
	require.NoError(t, err)
	defer sub.Unsubscribe()

	seedClientChain(t, n.b)
	for h := uint64(1); h <= 3; h++ {
		got := recv(t, ch)
		require.Equal(t, h, got.Height)
		if h == 3 {
			require.Len(t, got.Events, 1)
			require.Equal(t, "xfer.timeout", got.Events[0].Type)
			continue
		}
		require.Empty(t, got.Events)
	}
}

func TestClientSubscriptionNeedsWebSocket(t *testing.T) {
	t.Parallel()
	n := startClientNode(t)
	c := dialClient(t, n.url("http"))
	_, err := c.SubscribeNewHeads(t.Context(), make(chan *chains.CertifiedHeader))
	require.ErrorIs(t, err, chains.ErrNeedWebSocket)
	_, err = c.SubscribeEvents(t.Context(), make(chan *chains.EventsNotification))
	require.ErrorIs(t, err, chains.ErrNeedWebSocket)
}

func TestClientSubscriptionEndedByNodeCarriesCode(t *testing.T) {
	t.Parallel()
	n := startClientNode(t)
	c := dialClient(t, n.url("ws"))
	sub, err := c.SubscribeNewHeads(t.Context(), make(chan *chains.CertifiedHeader, 1))
	require.NoError(t, err)
	defer sub.Unsubscribe()

	n.b.InterruptFeeds() // the node's feed drops the server: its subscribers are ended
	err = recv(t, sub.Err())
	require.ErrorIs(t, err, rpc.ErrUnavailable)
	code, ok := chains.ErrorCode(err)
	require.True(t, ok)
	require.Equal(t, rpc.CodeUnavailable, code)
	_, open := <-sub.Err()
	require.False(t, open)
}

func TestClientSubscriptionRefusedByNode(t *testing.T) {
	t.Parallel()
	n := startClientNode(t, func(c *rpc.Config) { c.MaxSubscriptions = 1 })
	c := dialClient(t, n.url("ws"))
	first, err := c.SubscribeEvents(t.Context(), make(chan *chains.EventsNotification, 1))
	require.NoError(t, err)
	defer first.Unsubscribe()
	_, err = c.SubscribeEvents(t.Context(), make(chan *chains.EventsNotification, 1))
	require.ErrorIs(t, err, rpc.ErrLimitExceeded)
}

func TestClientUnsubscribeClosesErrWithoutError(t *testing.T) {
	t.Parallel()
	n := startClientNode(t)
	c := dialClient(t, n.url("ws"))
	// A consumer that never reads must not keep Unsubscribe from returning.
	sub, err := c.SubscribeNewHeads(t.Context(), make(chan *chains.CertifiedHeader))
	require.NoError(t, err)
	n.b.Commit()
	sub.Unsubscribe()
	sub.Unsubscribe()
	err, open := <-sub.Err()
	require.False(t, open)
	require.NoError(t, err)
}
