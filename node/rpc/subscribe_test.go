package rpc_test

import (
	"context"
	"encoding/json"
	"net"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/rpc"
)

// Bounds of the slow-subscriber test.
const (
	stallBuffer     = 4       // server-side queue per subscription
	stallReadBytes  = 4096    // receive buffer of the stalled client's socket
	resumeReadBytes = 1 << 20 // its receive buffer once it reads again
	maxStallBlocks  = 20_000  // blocks committed before giving up on a drop
)

const (
	subscribeHeads  = `{"jsonrpc":"2.0","id":1,"method":"cw_subscribe","params":["newHeads"]}`
	subscribeEvents = `{"jsonrpc":"2.0","id":1,"method":"cw_subscribe","params":["events"]}`
)

// isEnd reports whether a subscription message is the server's
// SubscriptionEnd rather than a payload.
func isEnd(t *testing.T, msg json.RawMessage) (*rpc.ErrorObject, bool) {
	t.Helper()
	var end struct {
		Error *rpc.ErrorObject `json:"error"`
	}
	require.NoError(t, json.Unmarshal(msg, &end))
	return end.Error, end.Error != nil
}

func recvHead(t *testing.T, ch <-chan json.RawMessage) *rpc.CertifiedHeader {
	t.Helper()
	select {
	case msg := <-ch:
		if e, ok := isEnd(t, msg); ok {
			t.Fatalf("subscription ended: %+v", e)
		}
		var h rpc.CertifiedHeader
		require.NoError(t, json.Unmarshal(msg, &h))
		return &h
	case <-time.After(waitFor):
		t.Fatal("no head within deadline")
		return nil
	}
}

func recvHeight(t *testing.T, ch <-chan json.RawMessage) uint64 {
	t.Helper()
	select {
	case msg := <-ch:
		var h headHeight
		require.NoError(t, json.Unmarshal(msg, &h))
		return h.Header.Height
	case <-time.After(waitFor):
		t.Fatal("no head within deadline")
		return 0
	}
}

func TestNewHeadsArriveInOrder(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	c := dial(t, n.wsURL())
	ch := make(chan json.RawMessage, 16)
	sub, err := c.Subscribe(t.Context(), rpc.Namespace, ch, "newHeads")
	require.NoError(t, err)
	defer sub.Unsubscribe()

	const blocks = 5
	for range blocks {
		n.b.Commit()
	}
	for h := uint64(1); h <= blocks; h++ {
		head := recvHead(t, ch)
		require.Equal(t, h, head.Header.Height)
		dec, err := head.Decode()
		require.NoError(t, err)
		require.NoError(t, attest.VerifyCertifiedHeader(n.b.GenesisHash(), "alpha", n.b.ValidatorSet(), dec))
	}
}

func TestEventsSubscriptionFilters(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	c := dial(t, n.wsURL())
	all := make(chan rpc.EventsNotification, 16)
	subAll, err := c.Subscribe(t.Context(), rpc.Namespace, all, "events")
	require.NoError(t, err)
	defer subAll.Unsubscribe()
	timeouts := make(chan rpc.EventsNotification, 16)
	subSome, err := c.Subscribe(t.Context(), rpc.Namespace, timeouts, "events", rpc.EventFilter{Types: []string{"xfer.timeout"}})
	require.NoError(t, err)
	defer subSome.Unsubscribe()

	fx := seedChain(t, n.b) // heights: 1 funding, 2 tx, 3 xfer.timeout block event
	for h := uint64(1); h <= 3; h++ {
		a, f := <-all, <-timeouts
		require.Equal(t, h, a.Height)
		require.Equal(t, h, f.Height)
		switch h {
		case fx.txHeight:
			require.Len(t, a.Events, 1)
			require.Equal(t, fx.txHash, *a.Events[0].TxHash)
			require.Empty(t, f.Events)
		case 3:
			require.Len(t, f.Events, 1)
			require.Nil(t, f.Events[0].TxHash)
			require.Equal(t, "xfer.timeout", f.Events[0].Type)
		default:
			require.Empty(t, a.Events)
		}
	}
}

func TestSubscriptionParamsAndLimits(t *testing.T) {
	t.Parallel()
	n := startNode(t, func(c *rpc.Config) { c.MaxSubscriptions = 1 })
	c := dial(t, n.wsURL())
	ch := make(chan json.RawMessage, 1)

	_, err := c.Subscribe(t.Context(), rpc.Namespace, ch, "events", rpc.EventFilter{Types: []string{""}})
	requireCode(t, err, rpc.CodeInvalidParams, "invalid_params")

	sub, err := c.Subscribe(t.Context(), rpc.Namespace, ch, "newHeads")
	require.NoError(t, err)
	defer sub.Unsubscribe()
	_, err = c.Subscribe(t.Context(), rpc.Namespace, ch, "newHeads")
	requireCode(t, err, rpc.CodeLimitExceeded, "limit_exceeded")

	// Over HTTP there is no way to push notifications.
	status, resp := post(t, n.httpURL(), `{"jsonrpc":"2.0","id":1,"method":"cw_subscribe","params":["newHeads"]}`)
	require.Equal(t, 200, status)
	require.NotNil(t, resp.Error)
}

// rawSubscribe subscribes over a raw WebSocket whose socket receive buffer
// is readBuffer bytes (0: the system's), reads the subscription id and
// returns the connection, from which the test reads the notifications.
func rawSubscribe(t *testing.T, url, request string, readBuffer int) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		var nd net.Dialer
		conn, err := nd.DialContext(ctx, network, addr)
		if err != nil || readBuffer == 0 {
			return conn, err
		}
		return conn, conn.(*net.TCPConn).SetReadBuffer(readBuffer)
	}}
	conn, resp, err := d.DialContext(t.Context(), url, nil)
	require.NoError(t, err)
	resp.Body.Close()
	t.Cleanup(func() { conn.Close() })
	require.NoError(t, conn.WriteMessage(websocket.TextMessage, []byte(request)))
	var ok rawResponse
	require.NoError(t, conn.ReadJSON(&ok))
	require.Nil(t, ok.Error)
	return conn
}

// headHeight decodes only the height of a head, which is all the
// slow-subscriber test needs from thousands of them.
type headHeight struct {
	Header struct {
		Height uint64 `json:"height"`
	} `json:"header"`
}

// readUntilEnd reads notifications until the server's SubscriptionEnd and
// returns the heights delivered before it.
func readUntilEnd(t *testing.T, conn *websocket.Conn) ([]uint64, *rpc.ErrorObject) {
	t.Helper()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(waitFor)))
	var heights []uint64
	for {
		var msg struct {
			Params struct {
				Result json.RawMessage `json:"result"`
			} `json:"params"`
		}
		require.NoError(t, conn.ReadJSON(&msg))
		if e, ok := isEnd(t, msg.Params.Result); ok {
			return heights, e
		}
		var h headHeight
		require.NoError(t, json.Unmarshal(msg.Params.Result, &h))
		heights = append(heights, h.Header.Height)
	}
}

func TestStalledSubscriberIsDroppedWhileOthersContinue(t *testing.T) {
	t.Parallel()
	n := startNode(t, func(c *rpc.Config) { c.SubscriptionBuffer = stallBuffer })
	// The stalled client's socket buffer is tiny and it reads nothing.
	stalled := rawSubscribe(t, n.wsURL(), subscribeHeads, stallReadBytes)
	ch := make(chan json.RawMessage, 16)
	sub, err := dial(t, n.wsURL()).Subscribe(t.Context(), rpc.Namespace, ch, "newHeads")
	require.NoError(t, err)
	defer sub.Unsubscribe()

	// Commit in step with the healthy subscriber until the stalled one,
	// whose socket is full, overflows its queue and is dropped.
	var height uint64
	for dropped := false; !dropped; {
		require.Less(t, height, uint64(maxStallBlocks), "stalled subscriber never dropped")
		n.b.Commit()
		height++
		require.Equal(t, height, recvHeight(t, ch))
		heads, _ := rpc.Subscribers(n.srv)
		dropped = heads == 1
	}
	t.Logf("stalled subscriber dropped after %d blocks", height)

	for range 3 {
		n.b.Commit()
		height++
		require.Equal(t, height, recvHeight(t, ch))
	}

	// Once it reads again, the stalled client finds an unbroken prefix of
	// heads and then the reason its stream ended.
	// A roomy buffer lets the kernel reopen the window at once rather than
	// at the sender's next zero-window probe.
	require.NoError(t, stalled.UnderlyingConn().(*net.TCPConn).SetReadBuffer(resumeReadBytes))
	got, end := readUntilEnd(t, stalled)
	require.NotEmpty(t, got)
	for i, h := range got {
		require.Equal(t, uint64(i+1), h)
	}
	require.Less(t, uint64(len(got)), height)
	require.Equal(t, rpc.CodeSlowSubscriber, end.Code)
	require.Equal(t, &rpc.ErrorData{Code: rpc.CodeSlowSubscriber, Name: "slow_subscriber"}, end.Data)
}

func TestFeedInterruptionEndsSubscriptions(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	c := dial(t, n.wsURL())
	ch := make(chan json.RawMessage, 4)
	sub, err := c.Subscribe(t.Context(), rpc.Namespace, ch, "newHeads")
	require.NoError(t, err)
	defer sub.Unsubscribe()

	n.b.InterruptFeeds()
	select {
	case msg := <-ch:
		end, ok := isEnd(t, msg)
		require.True(t, ok)
		require.Equal(t, &rpc.ErrorData{Code: rpc.CodeUnavailable, Name: "unavailable"}, end.Data)
	case <-time.After(waitFor):
		t.Fatal("subscription not ended")
	}

	// The server subscribes to the feeds again; new subscriptions work.
	require.Eventually(t, func() bool { return n.b.Subscribers() == 2 }, waitFor, tick)
	again := make(chan json.RawMessage, 4)
	sub2, err := c.Subscribe(t.Context(), rpc.Namespace, again, "newHeads")
	require.NoError(t, err)
	defer sub2.Unsubscribe()
	n.b.Commit()
	require.Equal(t, uint64(1), recvHead(t, again).Header.Height)
}

func TestStopEndsSubscriptions(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	conn := rawSubscribe(t, n.wsURL(), subscribeEvents, 0)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(waitFor)))
	n.b.Commit()
	var first struct {
		Params struct {
			Result rpc.EventsNotification `json:"result"`
		} `json:"params"`
	}
	require.NoError(t, conn.ReadJSON(&first))
	require.Equal(t, uint64(1), first.Params.Result.Height)

	require.NoError(t, n.srv.Stop())
	var last struct {
		Params struct {
			Result json.RawMessage `json:"result"`
		} `json:"params"`
	}
	require.NoError(t, conn.ReadJSON(&last))
	end, ok := isEnd(t, last.Params.Result)
	require.True(t, ok, "notification after stop: %s", last.Params.Result)
	require.Equal(t, rpc.CodeUnavailable, end.Code)
}
