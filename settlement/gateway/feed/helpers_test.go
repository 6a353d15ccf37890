package feed

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/holiman/uint256"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/backend"
	"github.com/causeway/causeway/settlement/gateway/api"
	"github.com/causeway/causeway/settlement/store/postgres/pgtest"
)

// Test timings.
const (
	readWait = 10 * time.Second      // a message the test expects
	pollWait = 10 * time.Millisecond // between looks at a condition
)

// testConfig is DefaultConfig with intervals short enough for tests.
func testConfig() Config {
	cfg := DefaultConfig()
	cfg.PollInterval = Duration(5 * time.Millisecond)
	cfg.HeartbeatInterval = Duration(time.Hour) // tests that want heartbeats set it
	return cfg
}

func sqliteStore(t testing.TB) settlement.Store {
	t.Helper()
	s, err := backend.OpenStore(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "feed.db"), backend.StoreOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// pgStores opens n handles on one fresh Postgres schema, as n gateway
// instances would.
func pgStores(t testing.TB, n int) []settlement.Store {
	t.Helper()
	url := pgtest.SchemaURL(t)
	out := make([]settlement.Store, n)
	for i := range out {
		s, err := backend.OpenStore(t.Context(), url, backend.StoreOptions{Migrate: true})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		out[i] = s
	}
	return out
}

// testHub is a running hub behind an httptest server.
type testHub struct {
	*Hub
	srv  *httptest.Server
	reg  *prometheus.Registry
	stop func() error // cancels Run and returns its error
}

// startHub runs a hub behind an httptest server; wrap, when given,
// wraps the server's listener.
func startHub(t testing.TB, cfg Config, store settlement.Store, src Source, opts HubOptions,
	wrap ...func(net.Listener) net.Listener) *testHub {
	t.Helper()
	reg := prometheus.NewRegistry()
	opts.Registry = reg
	level := zap.DebugLevel
	if _, bench := t.(*testing.B); bench {
		level = zap.WarnLevel // a thousand connections' debug lines would be what the benchmark measures
	}
	h := NewHub(cfg, store, src, opts, zaptest.NewLogger(t, zaptest.Level(level)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	th := &testHub{Hub: h, reg: reg}
	var stopped bool
	var runErr error
	th.stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			runErr = <-done
		}
		return runErr
	}
	th.srv = httptest.NewUnstartedServer(h)
	for _, w := range wrap {
		th.srv.Listener = w(th.srv.Listener)
	}
	th.srv.Start()
	t.Cleanup(func() {
		require.NoError(t, th.stop())
		th.srv.Close()
	})
	return th
}

func (th *testHub) url() string {
	return "ws" + strings.TrimPrefix(th.srv.URL, "http") + api.StreamPath
}

// client is the test's side of a feed connection.
type client struct {
	t  testing.TB
	ws *websocket.Conn
}

func dial(t testing.TB, th *testHub) *client {
	t.Helper()
	return dialWith(t, th, websocket.DefaultDialer)
}

func dialWith(t testing.TB, th *testHub, d *websocket.Dialer) *client {
	t.Helper()
	ws, resp, err := d.DialContext(t.Context(), th.url(), nil)
	require.NoError(t, err)
	resp.Body.Close()
	t.Cleanup(func() { ws.Close() })
	return &client{t: t, ws: ws}
}

func (c *client) send(m any) {
	c.t.Helper()
	require.NoError(c.t, c.ws.WriteJSON(m))
}

func (c *client) sendRaw(b []byte) {
	c.t.Helper()
	require.NoError(c.t, c.ws.WriteMessage(websocket.TextMessage, b))
}

// next reads one message.
func (c *client) next() api.ServerMessage {
	c.t.Helper()
	require.NoError(c.t, c.ws.SetReadDeadline(time.Now().Add(readWait)))
	_, b, err := c.ws.ReadMessage()
	require.NoError(c.t, err)
	var m api.ServerMessage
	require.NoError(c.t, json.Unmarshal(b, &m), "%s", b)
	return m
}

// nextNot reads the next message that is not a heartbeat.
func (c *client) nextNot(skip string) api.ServerMessage {
	c.t.Helper()
	for {
		if m := c.next(); m.Type != skip {
			return m
		}
	}
}

// expect reads the next non-heartbeat message and checks its type.
func (c *client) expect(typ string) api.ServerMessage {
	c.t.Helper()
	m := c.nextNot(api.MsgHeartbeat)
	require.Equal(c.t, typ, m.Type, "%+v", m)
	return m
}

func (c *client) subscribe(m api.ClientMessage) api.ServerMessage {
	c.t.Helper()
	m.Op = api.OpSubscribe
	c.send(m)
	got := c.expect(api.MsgSubscribed)
	require.Equal(c.t, m.ID, got.ID)
	return got
}

// events reads until it has n events (skipping heartbeats and replayed).
func (c *client) events(n int) []api.ServerMessage {
	c.t.Helper()
	var out []api.ServerMessage
	for len(out) < n {
		m := c.nextNot(api.MsgHeartbeat)
		if m.Type == api.MsgReplayed {
			continue
		}
		require.Equal(c.t, api.MsgEvent, m.Type, "%+v", m)
		out = append(out, m)
	}
	return out
}

// closeCode reads until the connection closes and returns its close code.
func (c *client) closeCode() int {
	c.t.Helper()
	require.NoError(c.t, c.ws.SetReadDeadline(time.Now().Add(readWait)))
	for {
		if _, _, err := c.ws.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			require.True(c.t, errors.As(err, &ce), "want a close frame, got %v", err)
			return ce.Code
		}
	}
}

// eventually polls cond until it holds or readWait passes.
func eventually(t testing.TB, cond func() bool, msg string) {
	t.Helper()
	require.Eventually(t, cond, readWait, pollWait, msg)
}

// Fixtures, as in settlement/store/storetest: values derive from small
// integers.

func hashOf(tag byte, n uint64) attest.Hash {
	var h attest.Hash
	h[0] = tag
	binary.BigEndian.PutUint64(h[24:], n)
	return h
}

func addrOf(n uint64) attest.Address {
	var a attest.Address
	a[0] = 0xac
	binary.BigEndian.PutUint64(a[12:], n)
	return a
}

// submitted is transfer n on src→dst as the gateway creates it.
func submitted(n uint64, src, dst string, sender, receiver attest.Address) *settlement.Transfer {
	return &settlement.Transfer{
		Src: src, Dst: dst, Status: settlement.StatusSubmitted,
		Sender: sender, Receiver: receiver, Denom: "USD",
		Amount: uint256.NewInt(1000 + n), Fee: uint256.NewInt(3),
		TimeoutHeight: 500, Source: settlement.StageRecord{TxHash: hashOf(0x5b, n)},
		ClientID: "ex", ClientRef: fmt.Sprintf("ref-%d", n),
	}
}

func idOf(t *settlement.Transfer) settlement.TransferID {
	return settlement.SubmittedTransferID(t.Src, t.Dst, t.Source.TxHash)
}

func create(t testing.TB, s settlement.Store, tr *settlement.Transfer) *settlement.Transfer {
	t.Helper()
	got, created, err := s.CreateTransfer(t.Context(), tr)
	require.NoError(t, err)
	require.True(t, created)
	return got
}

// stage moves tr one stage on (submitted → source_committed → delivered
// → finished), with the evidence each step needs; seq is its packet seq.
func stage(t testing.TB, s settlement.Store, tr *settlement.Transfer, seq uint64) *settlement.Transfer {
	t.Helper()
	var to settlement.Status
	var ev *settlement.Evidence
	switch tr.Status {
	case settlement.StatusSubmitted:
		to, ev = settlement.StatusSourceCommitted, &settlement.Evidence{Seq: seq, Height: 10 + seq, TxHash: tr.Source.TxHash}
	case settlement.StatusSourceCommitted:
		to, ev = settlement.StatusDelivered, &settlement.Evidence{Height: 20 + seq, TxHash: hashOf(0xd1, seq),
			Relayer: addrOf(9), Receipt: &settlement.Receipt{Status: settlement.ReceiptOK}}
	case settlement.StatusDelivered:
		to, ev = settlement.StatusFinished, &settlement.Evidence{Height: 30 + seq, TxHash: hashOf(0xc1, seq), Relayer: addrOf(9)}
	default:
		t.Fatalf("no stage after %s", tr.Status)
	}
	got, err := s.Transition(t.Context(), tr.ID, tr.Status, to, ev)
	require.NoError(t, err)
	return got
}

// lifecycle creates transfer n and moves it to finished: four events.
func lifecycle(t testing.TB, s settlement.Store, tr *settlement.Transfer, seq uint64) *settlement.Transfer {
	t.Helper()
	tr = create(t, s, tr)
	for range 3 {
		tr = stage(t, s, tr, seq)
	}
	return tr
}

// seqStatus is what the tests compare event streams by.
type seqStatus struct {
	Seq    uint64
	Status settlement.Status
	ID     settlement.TransferID
}

func fromMessages(ms []api.ServerMessage) []seqStatus {
	out := make([]seqStatus, len(ms))
	for i, m := range ms {
		out[i] = seqStatus{m.Seq, m.Status, m.TransferID}
	}
	return out
}

// storedEvents is what the store holds for f, the stream a subscriber
// must see.
func storedEvents(t testing.TB, s settlement.Store, after uint64, f settlement.EventFilter) []seqStatus {
	t.Helper()
	var out []seqStatus
	for {
		evs, err := s.Events(t.Context(), after, settlement.MaxPageSize, f)
		require.NoError(t, err)
		if len(evs) == 0 {
			return out
		}
		for _, e := range evs {
			out = append(out, seqStatus{e.Seq, e.Status, e.TransferID})
		}
		after = evs[len(evs)-1].Seq
	}
}
