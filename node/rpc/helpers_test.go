package rpc_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	gethrpc "github.com/ethereum/go-ethereum/rpc"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/rpc/rpctest"
)

// Test pacing: how long to wait for something that should happen, and how
// often to look.
const (
	waitFor = 10 * time.Second
	tick    = 5 * time.Millisecond
)

// node is a server on 127.0.0.1:0 over a fake chain.
type node struct {
	srv *rpc.Server
	b   *rpctest.Backend
}

func (n *node) httpURL() string { return "http://" + n.srv.Addr() }
func (n *node) wsURL() string   { return "ws://" + n.srv.Addr() }

func startNode(t *testing.T, mutate ...func(*rpc.Config)) *node {
	t.Helper()
	b := rpctest.New("alpha")
	return startNodeWith(t, b, b, mutate...)
}

// startNodeWith serves backend, which wraps the fake chain b.
func startNodeWith(t *testing.T, backend rpc.Backend, b *rpctest.Backend, mutate ...func(*rpc.Config)) *node {
	t.Helper()
	return &node{srv: rpctest.Serve(t, backend, b, mutate...), b: b}
}

// fixture is what seedChain put on the chain.
type fixture struct {
	user     attest.Address
	txHash   attest.Hash
	txHeight uint64
	evidence attest.DuplicateVote
}

// seedChain commits three blocks: a funding block, one with a transaction
// and evidence, and an empty one with a block event.
func seedChain(t *testing.T, b *rpctest.Backend) fixture {
	t.Helper()
	key := rpctest.Key("user")
	user := attest.AddressOf(key)
	b.Fund(user, "USD", "1000000000000000000000")
	b.Commit()
	h, err := b.SendRawTransaction(t.Context(), b.SignTx(key, 0, "bank.send", []byte{1}))
	require.NoError(t, err)
	ev := b.Equivocate(1)
	b.Commit()
	b.Commit(rpc.Event{Type: "xfer.timeout", Attrs: []rpc.Attr{{Key: "seq", Value: "1"}}})
	return fixture{user: user, txHash: h, txHeight: 2, evidence: ev}
}

func dial(t *testing.T, url string) *gethrpc.Client {
	t.Helper()
	c, err := gethrpc.DialContext(t.Context(), url)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// rawResponse is a JSON-RPC response as it is on the wire.
type rawResponse struct {
	Result json.RawMessage  `json:"result"`
	Error  *rpc.ErrorObject `json:"error"`
}

// post sends body to url and returns the status and, when OK, the response.
func post(t *testing.T, url, body string) (int, rawResponse) {
	t.Helper()
	status, raw := postBody(t, url, body)
	var out rawResponse
	if status == http.StatusOK {
		require.NoError(t, json.Unmarshal(raw, &out))
	}
	return status, out
}

// postBody sends body to url as JSON and returns the status and response body.
func postBody(t *testing.T, url, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewBufferString(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, raw
}
