package rpctest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/causeway/causeway/node/rpc"
)

// Bounds for Serve's wait on the server's feed subscriptions.
const (
	serveWait = 10 * time.Second
	serveTick = 5 * time.Millisecond
)

// Serve starts an RPC server for backend (which wraps the fake chain b) on a
// free loopback port, stops it when the test ends, and returns once the
// server has subscribed to b's head and event feeds.
func Serve(t testing.TB, backend rpc.Backend, b *Backend, mutate ...func(*rpc.Config)) *rpc.Server {
	t.Helper()
	cfg := rpc.DefaultConfig()
	cfg.ListenAddr = "127.0.0.1:0"
	for _, m := range mutate {
		m(&cfg)
	}
	srv := rpc.NewServer(cfg, backend, zaptest.NewLogger(t))
	require.NoError(t, srv.Start(t.Context()))
	t.Cleanup(func() { require.NoError(t, srv.Stop()) })
	require.Eventually(t, func() bool { return b.Subscribers() == 2 }, serveWait, serveTick)
	return srv
}
