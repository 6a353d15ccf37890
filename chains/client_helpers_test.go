package chains_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/rpc/rpctest"
)

// Test pacing: how long to wait for something that should happen, and how
// often to look.
const (
	clientWait = 10 * time.Second
	clientTick = 5 * time.Millisecond
)

// clientNode is an RPC server over a fake chain.
type clientNode struct {
	srv *rpc.Server
	b   *rpctest.Backend
}

func (n *clientNode) url(scheme string) string { return scheme + "://" + n.srv.Addr() }

func startClientNode(t *testing.T, mutate ...func(*rpc.Config)) *clientNode {
	t.Helper()
	b := rpctest.New("alpha")
	return startClientNodeWith(t, b, b, mutate...)
}

func startClientNodeWith(t *testing.T, backend rpc.Backend, b *rpctest.Backend, mutate ...func(*rpc.Config)) *clientNode {
	t.Helper()
	return &clientNode{srv: rpctest.Serve(t, backend, b, mutate...), b: b}
}

func dialClient(t *testing.T, url string) *chains.Client {
	t.Helper()
	c, err := chains.Dial(t.Context(), url)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// clientFixture is what seedClientChain committed.
type clientFixture struct {
	user   attest.Address
	txHash attest.Hash
}

// seedClientChain commits a funding block (1), a block with one transaction
// (2) and a block with a block event (3).
func seedClientChain(t *testing.T, b *rpctest.Backend) clientFixture {
	t.Helper()
	key := rpctest.Key("client-user")
	user := attest.AddressOf(key)
	b.Fund(user, "USD", "250")
	b.Commit()
	h, err := b.SendRawTransaction(t.Context(), b.SignTx(key, 0, "bank.send", nil))
	require.NoError(t, err)
	b.Commit()
	b.Commit(rpc.Event{Type: "xfer.timeout"})
	return clientFixture{user: user, txHash: h}
}

var transports = []string{"http", "ws"}
