package gateway

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// serviceConfig is a whole-process config over the shared chains: its own
// SQLite store, free ports, the chains dialled through their endpoints.
func serviceConfig(t *testing.T) (*Config, attest.Address) {
	t.Helper()
	key := sender(t)
	cfg := testConfig(testPair(t))
	cfg.Store = "sqlite:" + filepath.Join(t.TempDir(), "gateway.db")
	cfg.AdminListen = "127.0.0.1:0"
	cfg.Signers = []SignerConfig{{Client: testClient, Key: key}}
	return cfg, attest.AddressOf(key)
}

// A gateway process end to end: Open dials the chains and opens its store,
// Listen binds both listeners, Run serves the API, the feed and the admin
// endpoints, and cancelling Run shuts it all down cleanly, closing feed
// connections with 1001.
func TestServiceRun(t *testing.T) {
	t.Parallel()
	cfg, signer := serviceConfig(t)
	svc, err := Open(t.Context(), cfg, Options{Logger: testLogger(t)})
	require.NoError(t, err)
	defer func() { require.NoError(t, svc.Close()) }()
	require.Empty(t, svc.Addr(), "not listening before Listen")
	require.NoError(t, svc.Listen())
	require.NotEmpty(t, svc.Addr())
	require.NotEmpty(t, svc.AdminAddr())
	key, _ := createKey(t, svc.Store(), testClient, 0, 0)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	base := "http://" + svc.Addr()

	ws := dialFeed(t, svc.Addr())
	sub := api.ClientMessage{Op: api.OpSubscribe, ID: "mine", Account: signer}
	require.NoError(t, ws.WriteJSON(sub))
	require.Equal(t, api.MsgSubscribed, readFeed(t, ws).Type)

	r := doRequest(t, base, http.MethodPost, "/v1/transfers", intentBody(signer, "2"), "X-API-Key", key,
		"Content-Type", "application/json", api.HeaderIdempotencyKey, "run")
	require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
	var resp api.SubmitResponse
	r.decode(t, &resp)
	for {
		m := readFeed(t, ws)
		if m.Type != api.MsgEvent {
			continue
		}
		require.Equal(t, "mine", m.Sub)
		require.Equal(t, resp.ID, m.TransferID)
		require.Equal(t, settlement.StatusSubmitted, m.Status)
		require.Positive(t, m.Seq)
		break
	}

	admin := "http://" + svc.AdminAddr()
	metrics := doRequest(t, admin, http.MethodGet, "/metrics", nil)
	require.Contains(t, string(metrics.body), `causeway_gateway_http_requests_total{code="202",route="POST /v1/transfers"} 1`)
	require.Contains(t, string(metrics.body), `causeway_gateway_submissions_total{result="accepted"} 1`)
	require.Contains(t, string(metrics.body), "causeway_gateway_feed_connections 1")
	ready := doRequest(t, admin, http.MethodGet, "/readyz?verbose", nil)
	require.Equal(t, http.StatusOK, ready.status, "%s", ready.body)
	require.Contains(t, string(ready.body), readyChains+": ok")

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(waitFor):
		t.Fatal("Run did not return")
	}
	_, _, err = ws.ReadMessage()
	require.True(t, websocket.IsCloseError(err, api.CloseGoingAway), "closed with 1001: %v", err)
	_, err = http.Get(base + "/v1/chains")
	require.Error(t, err, "the listener is closed")
}

func dialFeed(t *testing.T, addr string) *websocket.Conn {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.DialContext(t.Context(), "ws://"+addr+api.StreamPath, nil)
	require.NoError(t, err)
	resp.Body.Close()
	t.Cleanup(func() { ws.Close() })
	return ws
}

func readFeed(t *testing.T, ws *websocket.Conn) api.ServerMessage {
	t.Helper()
	require.NoError(t, ws.SetReadDeadline(time.Now().Add(waitFor)))
	_, data, err := ws.ReadMessage()
	require.NoError(t, err)
	var m api.ServerMessage
	require.NoError(t, json.Unmarshal(data, &m))
	return m
}

// The feed refuses an unknown key, and anonymous callers without public
// reads, with a problem before upgrading.
func TestFeedAuthentication(t *testing.T) {
	t.Parallel()
	cfg, _ := serviceConfig(t)
	cfg.PublicReads = false
	svc, err := Open(t.Context(), cfg, Options{Logger: testLogger(t)})
	require.NoError(t, err)
	defer func() { require.NoError(t, svc.Close()) }()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	defer func() { cancel(); require.NoError(t, <-done) }()
	require.Eventually(t, func() bool { return svc.Addr() != "" }, waitFor, pollEvery)
	key, _ := createKey(t, svc.Store(), testClient, 0, 0)

	for name, hdr := range map[string]http.Header{"anonymous": nil, "unknown key": {"X-Api-Key": {"cwk_000000000000_" + strings.Repeat("0", 48)}}} {
		_, resp, err := websocket.DefaultDialer.DialContext(t.Context(), "ws://"+svc.Addr()+api.StreamPath, hdr)
		require.Error(t, err, name)
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, name)
		require.Equal(t, api.ContentTypeProblem, resp.Header.Get("Content-Type"), name)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Contains(t, string(body), string(api.CodeUnauthorized), name)
	}
	ws, resp, err := websocket.DefaultDialer.DialContext(t.Context(), "ws://"+svc.Addr()+api.StreamPath,
		http.Header{"Authorization": {"Bearer " + key}})
	require.NoError(t, err)
	resp.Body.Close()
	require.NoError(t, ws.WriteJSON(api.ClientMessage{Op: api.OpSubscribe, ID: "a", Route: "alpha.beta"}))
	require.Equal(t, api.MsgSubscribed, readFeed(t, ws).Type)
	ws.Close()
}

// Check reports what it found and closes everything; it refuses an
// endpoint of another chain and a chain with no endpoint up, which Open
// only warns about.
func TestCheck(t *testing.T) {
	t.Parallel()
	cfg, signer := serviceConfig(t)
	sum, err := Check(t.Context(), cfg, Options{Logger: testLogger(t)})
	require.NoError(t, err)
	require.Equal(t, "sqlite", sum.Store)
	require.False(t, sum.Redis)
	require.Equal(t, []SignerSummary{{Client: testClient, Address: signer}}, sum.Signers)
	require.Len(t, sum.Chains, 2)
	for _, c := range sum.Chains {
		require.Positive(t, c.Height)
		require.Equal(t, 2, c.Endpoints)
		require.Equal(t, 2, c.EndpointsUp)
	}

	wrong, _ := serviceConfig(t)
	wrong.Chains[1].Endpoints[0] = wrong.Chains[0].Endpoints[0]
	_, err = Check(t.Context(), wrong, Options{Logger: testLogger(t)})
	require.ErrorIs(t, err, ErrWrongChain)
	require.ErrorContains(t, err, "chains[1].endpoints[0]")
	_, err = Open(t.Context(), wrong, Options{Logger: testLogger(t)})
	require.ErrorIs(t, err, ErrWrongChain)

	down, _ := serviceConfig(t)
	down.Chains[1].Endpoints = []string{"http://127.0.0.1:1"}
	_, err = Check(t.Context(), down, Options{Logger: testLogger(t)})
	require.ErrorContains(t, err, "no endpoint of beta answers")
	svc, err := Open(t.Context(), down, Options{Logger: testLogger(t)})
	require.NoError(t, err, "a chain that is down does not stop the gateway")
	require.Equal(t, 0, svc.Summary().Chains[1].EndpointsUp)
	require.NoError(t, svc.Close())

	bad, _ := serviceConfig(t)
	bad.Signers = []SignerConfig{{Client: testClient, Keystore: "missing.json", PasswordFile: "missing.txt"}}
	_, err = Open(t.Context(), bad, Options{Logger: testLogger(t)})
	require.ErrorContains(t, err, "signers[0].password_file")
}
