package feed

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// smallSocketBytes is the socket buffer of a stalled reader's connection
// on both ends, so the kernel holds few of the frames it does not read.
const smallSocketBytes = 4 << 10

func TestBadMessagesKeepTheConnection(t *testing.T) {
	t.Parallel()
	store := sqliteStore(t)
	cfg := testConfig()
	cfg.MaxSubscriptions = 2
	th := startHub(t, cfg, store, NewStoreSource(store, cfg.PollInterval.Duration()), HubOptions{})
	c := dial(t, th)
	for _, tc := range []struct {
		msg  string
		code string
	}{
		{`not json`, string(api.CodeInvalidJSON)},
		{`{"op":"subscribe","id":"a","route":"alpha.beta","x":1}`, string(api.CodeUnknownField)},
		{`{"op":"peek","id":"a"}`, api.StreamCodeUnknownOp},
		{`{"op":"subscribe","id":"a"}`, string(api.CodeInvalidField)},
		{`{"op":"subscribe","id":"a","route":"alpha.beta","account":"` + addrOf(1).Hex() + `"}`, string(api.CodeInvalidField)},
		{`{"op":"subscribe","id":"a","account":"0xnothex"}`, string(api.CodeInvalidField)},
		{`{"op":"subscribe","id":"a","route":"alpha-beta"}`, string(api.CodeInvalidField)},
		{`{"op":"subscribe","id":"a","transfer":"alpha.beta.x"}`, string(api.CodeInvalidField)},
		{`{"op":"unsubscribe","id":"nope"}`, api.StreamCodeUnknownSub},
	} {
		c.sendRaw([]byte(tc.msg))
		m := c.expect(api.MsgError)
		require.Equal(t, tc.code, m.Code, "%s: %s", tc.msg, m.Detail)
	}
	c.subscribe(api.ClientMessage{ID: "a", Route: "alpha.beta"})
	c.send(api.ClientMessage{Op: api.OpSubscribe, ID: "a", Route: "beta.alpha"})
	dup := c.expect(api.MsgError)
	require.Equal(t, api.StreamCodeDuplicateSub, dup.Code)
	require.Equal(t, "a", dup.ID)
	c.subscribe(api.ClientMessage{ID: "b", Route: "beta.alpha"})
	c.send(api.ClientMessage{Op: api.OpSubscribe, ID: "c", Route: "beta.alpha"})
	require.Equal(t, api.StreamCodeTooManySubs, c.expect(api.MsgError).Code)

	// The connection still works.
	tr := create(t, store, submitted(1, "alpha", "beta", addrOf(1), addrOf(2)))
	ev := c.events(1)[0]
	require.Equal(t, "a", ev.Sub)
	require.Equal(t, tr.ID, ev.TransferID)

	// A message over the limit closes it.
	c.sendRaw([]byte(`{"op":"subscribe","id":"` + strings.Repeat("x", MaxMessageBytes) + `"}`))
	require.Equal(t, api.CloseBadRequest, c.closeCode())
	eventually(t, func() bool { return testutil.ToFloat64(th.metrics.connections) == 0 }, "connection released")
	require.Zero(t, testutil.ToFloat64(th.metrics.subscriptions))
}

// TestStalledReaderIsClosed: a client that stops reading fills its queue
// and is closed with 4008, while another subscriber on the same hub gets
// every event.
func TestStalledReaderIsClosed(t *testing.T) {
	t.Parallel()
	store := sqliteStore(t)
	cfg := testConfig()
	cfg.SendBuffer = 64 // several commits' events, far fewer than the test sends
	th := startHub(t, cfg, store, NewStoreSource(store, cfg.PollInterval.Duration()), HubOptions{}, smallFirstSendBuffer)
	stalled := dialWith(t, th, &websocket.Dialer{NetDialContext: smallReceiveBuffer, ReadBufferSize: 1 << 10})
	route := api.ClientMessage{ID: "r", Route: "alpha.beta"}
	stalled.subscribe(route)
	healthy := dial(t, th)
	healthy.subscribe(route)

	// The healthy subscriber reads each batch before the next is
	// committed, so it never has more than a batch queued however slowly
	// the test runs; the stalled one falls further behind with each.
	const n, batch = 300, 10
	var got []api.ServerMessage
	for first := 1; first <= n; first += batch {
		require.NoError(t, createRange(t.Context(), store, first, batch))
		got = append(got, healthy.events(batch)...)
	}
	require.Equal(t, storedEvents(t, store, 0, settlement.EventFilter{}), fromMessages(got))
	eventually(t, func() bool { return testutil.ToFloat64(th.metrics.slowCloses) == 1 }, "the stalled reader is closed as slow")

	// When it reads again, it finds a prefix of the events, in order, then
	// the close.
	var seqs []uint64
	for {
		_, b, err := stalled.ws.ReadMessage()
		if err != nil {
			require.True(t, websocket.IsCloseError(err, api.CloseSlowConsumer), "%v", err)
			break
		}
		var m api.ServerMessage
		require.NoError(t, json.Unmarshal(b, &m))
		require.Equal(t, api.MsgEvent, m.Type)
		seqs = append(seqs, m.Seq)
	}
	require.NotEmpty(t, seqs)
	require.Less(t, len(seqs), n, "it did not get everything")
	for i, seq := range seqs {
		require.Equal(t, uint64(i+1), seq)
	}
	eventually(t, func() bool { return testutil.ToFloat64(th.metrics.headSeq) == n }, "head_seq at the last event")
}

// createRange commits transfers first..first+n-1 on alpha→beta in one
// transaction.
func createRange(ctx context.Context, store settlement.Store, first, n int) error {
	ts := make([]*settlement.Transfer, n)
	for i := range ts {
		ts[i] = submitted(uint64(first+i), "alpha", "beta", addrOf(1), addrOf(2))
	}
	res, err := store.CreateTransfers(ctx, ts)
	if err != nil {
		return err
	}
	for _, r := range res {
		if r.Err != nil {
			return r.Err
		}
	}
	return nil
}

func smallReceiveBuffer(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, smallSocketBytes)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	return d.DialContext(ctx, network, addr)
}

// smallFirstSendBuffer makes the server's socket of the first connection
// (the stalled reader's) buffer little.
func smallFirstSendBuffer(l net.Listener) net.Listener { return &smallBufListener{Listener: l} }

type smallBufListener struct {
	net.Listener
	done atomic.Bool
}

func (l *smallBufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok && !l.done.Swap(true) {
		_ = tc.SetWriteBuffer(smallSocketBytes)
	}
	return c, err
}

func TestConnectionLimitAndAuthentication(t *testing.T) {
	t.Parallel()
	store := sqliteStore(t)
	cfg := testConfig()
	cfg.MaxConnections = 1
	auth := func(r *http.Request) (string, *api.Problem) {
		if r.Header.Get("Authorization") != "Bearer ok" {
			return "", api.NewProblem(api.CodeUnauthorized, "no key")
		}
		return "ex", nil
	}
	th := startHub(t, cfg, store, NewStoreSource(store, cfg.PollInterval.Duration()), HubOptions{Authenticate: auth})
	ok := http.Header{"Authorization": {"Bearer ok"}}

	_, resp, err := websocket.DefaultDialer.DialContext(t.Context(), th.url(), nil)
	require.Error(t, err)
	requireProblem(t, resp, http.StatusUnauthorized, api.CodeUnauthorized)

	ws, resp, err := websocket.DefaultDialer.DialContext(t.Context(), th.url(), ok)
	require.NoError(t, err)
	resp.Body.Close()
	defer ws.Close()

	_, resp, err = websocket.DefaultDialer.DialContext(t.Context(), th.url(), ok)
	require.Error(t, err)
	requireProblem(t, resp, http.StatusServiceUnavailable, api.CodeFeedUnavailable)
}

func requireProblem(t *testing.T, resp *http.Response, status int, code api.Code) {
	t.Helper()
	require.NotNil(t, resp)
	defer resp.Body.Close()
	require.Equal(t, status, resp.StatusCode)
	require.Equal(t, api.ContentTypeProblem, resp.Header.Get("Content-Type"))
	var p api.Problem
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&p))
	require.Equal(t, code, p.Code)
}

func TestShutdownClosesGoingAway(t *testing.T) {
	t.Parallel()
	store := sqliteStore(t)
	th := startHub(t, testConfig(), store, NewStoreSource(store, testConfig().PollInterval.Duration()), HubOptions{})
	c := dial(t, th)
	c.subscribe(api.ClientMessage{ID: "r", Route: "alpha.beta"})
	stopped := make(chan error, 1)
	go func() { stopped <- th.stop() }()
	require.Equal(t, api.CloseGoingAway, c.closeCode())
	require.NoError(t, <-stopped)

	_, resp, err := websocket.DefaultDialer.DialContext(t.Context(), th.url(), nil)
	require.Error(t, err)
	requireProblem(t, resp, http.StatusServiceUnavailable, api.CodeFeedUnavailable)
}

// TestHeartbeatsDuringReplay: a heartbeat never claims a seq the
// connection has not been sent, so from_seq = the last one seen is safe.
func TestHeartbeatsDuringReplay(t *testing.T) {
	t.Parallel()
	store := sqliteStore(t)
	gated := &gatedStore{Store: store, gate: make(chan struct{})}
	cfg := testConfig()
	cfg.HeartbeatInterval = Duration(pollWait)
	th := startHub(t, cfg, gated, NewStoreSource(store, cfg.PollInterval.Duration()), HubOptions{})
	require.NoError(t, createRange(t.Context(), store, 1, 10))
	eventually(t, func() bool { return th.Head() == 10 }, "history dispatched")

	c := dial(t, th)
	from := uint64(2)
	sub := c.subscribe(api.ClientMessage{ID: "r", Route: "alpha.beta", FromSeq: &from})
	require.Equal(t, uint64(10), sub.Seq)
	for range 3 {
		hb := c.next()
		require.Equal(t, api.MsgHeartbeat, hb.Type)
		require.Equal(t, from, hb.Seq, "the replay has sent nothing yet")
		require.False(t, hb.Time.IsZero())
	}
	close(gated.gate)
	require.Equal(t, storedEvents(t, store, from, settlement.EventFilter{}), fromMessages(c.events(8)))
	for {
		m := c.next()
		if m.Type == api.MsgHeartbeat {
			require.Equal(t, uint64(10), m.Seq)
			break
		}
		require.Equal(t, api.MsgReplayed, m.Type)
		require.Equal(t, uint64(10), m.Seq)
	}
}
