package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
	"github.com/causeway/causeway/settlement/gateway/client"
)

// feedServer is a scripted /v1/stream: each connection reads the subscribe
// message, records it, and runs the next script.
type feedServer struct {
	mu      sync.Mutex
	subs    []api.ClientMessage
	scripts []func(*websocket.Conn, api.ClientMessage)
}

func (f *feedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != api.StreamPath {
		http.NotFound(w, r)
		return
	}
	up := websocket.Upgrader{}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	var sub api.ClientMessage
	if err := conn.ReadJSON(&sub); err != nil {
		return
	}
	f.mu.Lock()
	f.subs = append(f.subs, sub)
	n := len(f.subs)
	f.mu.Unlock()
	if n <= len(f.scripts) {
		f.scripts[n-1](conn, sub)
	}
}

func (f *feedServer) subscriptions() []api.ClientMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]api.ClientMessage(nil), f.subs...)
}

func event(sub string, seq uint64, st settlement.Status) api.ServerMessage {
	return api.ServerMessage{Type: api.MsgEvent, Sub: sub, Seq: seq, Status: st}
}

func fastRetries(c *client.Client, n int) {
	c.Feed.RetryMin, c.Feed.RetryMax, c.Feed.MaxRetries = time.Millisecond, 5*time.Millisecond, n
}

// A dropped connection is dialled again with from_seq after the last event
// delivered; an event the new connection repeats is not handed over twice.
func TestFollowResumesAfterDrop(t *testing.T) {
	t.Parallel()
	id := settlement.PacketTransferID("alpha", "beta", 3)
	f := &feedServer{}
	f.scripts = []func(*websocket.Conn, api.ClientMessage){
		func(c *websocket.Conn, sub api.ClientMessage) {
			_ = c.WriteJSON(api.ServerMessage{Type: api.MsgSubscribed, ID: sub.ID, Seq: 40})
			_ = c.WriteJSON(event(sub.ID, 3, settlement.StatusSubmitted))
			_ = c.WriteJSON(event(sub.ID, 5, settlement.StatusSourceCommitted))
			c.UnderlyingConn().Close() // dropped, no close frame
		},
		func(c *websocket.Conn, sub api.ClientMessage) {
			_ = c.WriteJSON(api.ServerMessage{Type: api.MsgSubscribed, ID: sub.ID, Seq: 41})
			_ = c.WriteJSON(event(sub.ID, 5, settlement.StatusSourceCommitted))
			_ = c.WriteJSON(api.ServerMessage{Type: api.MsgReplayed, ID: sub.ID, Seq: 5})
			_ = c.WriteJSON(api.ServerMessage{Type: api.MsgHeartbeat, Seq: 41})
			_ = c.WriteJSON(event(sub.ID, 9, settlement.StatusDelivered))
			_ = c.WriteJSON(event(sub.ID, 12, settlement.StatusFinished))
			_, _, _ = c.ReadMessage() // until the client closes
		},
	}
	c := newClient(t, f, testKey)
	fastRetries(c, 3)
	var seqs []uint64
	var types []string
	err := c.Follow(t.Context(), id, 0, func(m api.ServerMessage) error {
		types = append(types, m.Type)
		if m.Type != api.MsgEvent {
			return nil
		}
		seqs = append(seqs, m.Seq)
		if m.Status.Terminal() {
			return client.StopFollow
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, []uint64{3, 5, 9, 12}, seqs)
	require.Equal(t, []string{"subscribed", "event", "event", "subscribed", "replayed", "heartbeat", "event", "event"}, types)
	subs := f.subscriptions()
	require.Len(t, subs, 2)
	for _, s := range subs {
		require.Equal(t, api.OpSubscribe, s.Op)
		require.Equal(t, id, s.Transfer)
		require.NotNil(t, s.FromSeq)
	}
	require.EqualValues(t, 0, *subs[0].FromSeq)
	require.EqualValues(t, 5, *subs[1].FromSeq)
}

// A replay the store could not serve is subscribed again.
func TestFollowRetriesFailedReplay(t *testing.T) {
	t.Parallel()
	f := &feedServer{}
	f.scripts = []func(*websocket.Conn, api.ClientMessage){
		func(c *websocket.Conn, sub api.ClientMessage) {
			_ = c.WriteJSON(api.ServerMessage{Type: api.MsgError, ID: sub.ID, Code: api.StreamCodeReplayFailed})
			_, _, _ = c.ReadMessage()
		},
		func(c *websocket.Conn, sub api.ClientMessage) {
			_ = c.WriteJSON(event(sub.ID, 4, settlement.StatusFinished))
			_, _, _ = c.ReadMessage()
		},
	}
	c := newClient(t, f, "")
	fastRetries(c, 2)
	var got []uint64
	err := c.Follow(t.Context(), settlement.PacketTransferID("alpha", "beta", 2), 0, func(m api.ServerMessage) error {
		got = append(got, m.Seq)
		return client.StopFollow
	})
	require.NoError(t, err)
	require.Equal(t, []uint64{4}, got)
	require.Len(t, f.subscriptions(), 2)
}

// A live-only subscription resumes from the head the gateway reported.
func TestSubscribeLiveResumesFromHead(t *testing.T) {
	t.Parallel()
	f := &feedServer{}
	f.scripts = []func(*websocket.Conn, api.ClientMessage){
		func(c *websocket.Conn, sub api.ClientMessage) {
			_ = c.WriteJSON(api.ServerMessage{Type: api.MsgSubscribed, ID: sub.ID, Seq: 77})
			_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(api.CloseGoingAway, "restart"),
				time.Now().Add(time.Second))
		},
		func(c *websocket.Conn, sub api.ClientMessage) {
			_ = c.WriteJSON(event(sub.ID, 78, settlement.StatusSourceCommitted))
			_, _, _ = c.ReadMessage()
		},
	}
	c := newClient(t, f, "")
	fastRetries(c, 2)
	var got []uint64
	err := c.Subscribe(t.Context(), api.ClientMessage{Op: api.OpSubscribe, ID: "r", Route: "alpha.beta"},
		func(m api.ServerMessage) error {
			if m.Type == api.MsgEvent {
				got = append(got, m.Seq)
				return client.StopFollow
			}
			return nil
		})
	require.NoError(t, err)
	require.Equal(t, []uint64{78}, got)
	subs := f.subscriptions()
	require.Nil(t, subs[0].FromSeq, "live only")
	require.NotNil(t, subs[1].FromSeq)
	require.EqualValues(t, 77, *subs[1].FromSeq)
}

// Closes and refusals that a reconnect cannot fix end Follow at once.
func TestFollowStopsOnFinalRefusals(t *testing.T) {
	t.Parallel()
	id := settlement.PacketTransferID("alpha", "beta", 1)
	closeWith := func(code int) func(*websocket.Conn, api.ClientMessage) {
		return func(c *websocket.Conn, _ api.ClientMessage) {
			_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, "no"), time.Now().Add(time.Second))
			_, _, _ = c.ReadMessage()
		}
	}
	for name, tc := range map[string]struct {
		script func(*websocket.Conn, api.ClientMessage)
		check  func(*testing.T, error)
	}{
		"unauthorized close": {closeWith(api.CloseUnauthorized), func(t *testing.T, err error) {
			require.ErrorIs(t, err, client.ErrFeedClosed)
			require.ErrorContains(t, err, "close 4001")
		}},
		"too many subscriptions": {closeWith(api.CloseTooManySubs), func(t *testing.T, err error) {
			require.ErrorIs(t, err, client.ErrFeedClosed)
		}},
		"error message": {func(c *websocket.Conn, sub api.ClientMessage) {
			_ = c.WriteJSON(api.ServerMessage{Type: api.MsgError, ID: sub.ID, Code: "invalid_parameter", Detail: "bad transfer id"})
			_, _, _ = c.ReadMessage()
		}, func(t *testing.T, err error) {
			var fe *client.FeedError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, "invalid_parameter", fe.Code)
		}},
		"not JSON": {func(c *websocket.Conn, _ api.ClientMessage) {
			_ = c.WriteMessage(websocket.TextMessage, []byte("hello"))
			_, _, _ = c.ReadMessage()
		}, func(t *testing.T, err error) {
			require.ErrorIs(t, err, client.ErrBadMessage)
		}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := &feedServer{scripts: []func(*websocket.Conn, api.ClientMessage){tc.script, tc.script}}
			c := newClient(t, f, "")
			fastRetries(c, 5)
			err := c.Follow(t.Context(), id, 0, func(api.ServerMessage) error { return nil })
			require.Error(t, err)
			tc.check(t, err)
			require.Len(t, f.subscriptions(), 1, "no reconnect")
		})
	}
}

// A handshake refused with a problem is final and carries the problem.
func TestFollowHandshakeProblem(t *testing.T) {
	t.Parallel()
	var calls int
	var mu sync.Mutex
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer cwk_") {
			writeProblem(w, api.CodeUnauthorized, "an API key is required")
			return
		}
		http.Error(w, "unexpected", http.StatusTeapot)
	})
	c := newClient(t, h, "")
	fastRetries(c, 5)
	err := c.Follow(t.Context(), settlement.PacketTransferID("alpha", "beta", 1), 0, func(api.ServerMessage) error { return nil })
	require.ErrorIs(t, err, client.ErrFeedClosed)
	require.Equal(t, api.CodeUnauthorized, client.ProblemCode(err))
	require.Equal(t, 1, calls)
}

// An unreachable gateway is tried MaxRetries+1 times, then Follow gives up;
// a callback error ends Follow with that error; a cancelled context ends it.
func TestFollowGivesUpAndStops(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	c, err := client.New("http://"+addr, "")
	require.NoError(t, err)
	fastRetries(c, 2)
	err = c.Follow(t.Context(), settlement.PacketTransferID("alpha", "beta", 1), 0, func(api.ServerMessage) error { return nil })
	require.ErrorContains(t, err, "gave up after 3 connection attempts")

	boom := errors.New("boom")
	f := &feedServer{scripts: []func(*websocket.Conn, api.ClientMessage){func(c *websocket.Conn, sub api.ClientMessage) {
		_ = c.WriteJSON(api.ServerMessage{Type: api.MsgSubscribed, ID: sub.ID})
		_, _, _ = c.ReadMessage()
	}}}
	fc := newClient(t, f, "")
	err = fc.Follow(t.Context(), settlement.PacketTransferID("alpha", "beta", 1), 0, func(api.ServerMessage) error { return boom })
	require.ErrorIs(t, err, boom)

	ctx, cancel := context.WithCancel(t.Context())
	f2 := &feedServer{scripts: []func(*websocket.Conn, api.ClientMessage){func(c *websocket.Conn, sub api.ClientMessage) {
		_ = c.WriteJSON(api.ServerMessage{Type: api.MsgSubscribed, ID: sub.ID})
		_, _, _ = c.ReadMessage()
	}}}
	c2 := newClient(t, f2, "")
	err = c2.Follow(ctx, settlement.PacketTransferID("alpha", "beta", 1), 0, func(m api.ServerMessage) error {
		cancel() // the read that follows must return
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
}
