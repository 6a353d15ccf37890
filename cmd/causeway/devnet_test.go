package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/backend"
	"github.com/causeway/causeway/settlement/queue/redis/redistest"
	"github.com/causeway/causeway/settlement/store/postgres/pgtest"
)

// devnetBaseTurn spreads the port blocks of parallel devnet tests.
var devnetBaseTurn atomic.Int64

// devnetWait caps how long the devnet test waits for anything.
const devnetWait = 2 * time.Minute

// devnetProc is one `causeway devnet` process.
type devnetProc struct {
	t    *testing.T
	bin  string
	home string
	base int
	args []string
	cmd  *exec.Cmd
	log  string
}

// Devnet test port blocks: a base in [devnetBaseLow, devnetBaseLow+
// devnetBaseSpan) and about 160 ports above it.
const (
	devnetBaseLow  = 10000
	devnetBaseSpan = 5800
)

// freeDevnetBase finds a base port whose devnet ports are all free: per
// chain k, p2p base+100k.., RPC base+100k+50.., the relay admin base+99,
// the gateway base+80 and its admin base+98.
func freeDevnetBase(t *testing.T) int {
	t.Helper()
	for range 200 {
		// Each call starts from another block, so parallel tests that check
		// before either binds do not pick the same one.
		try := int(devnetBaseTurn.Add(1))
		// Below Linux's ephemeral range (32768 and up), where the source
		// port of some test's outgoing connection could take a port between
		// this check and the devnet's bind, and apart from the ranges
		// localnet (20000–31999), the fault tests (20000–31999) and the process
		// tests (16000–19999) draw from.
		base := devnetBaseLow + (os.Getpid()*13+try*307)%devnetBaseSpan
		ports := []int{base + devnetAdminOffset, base + devnetGatewayOffset, base + devnetGwAdminOffset}
		for k := range 2 {
			for v := range 4 {
				ports = append(ports, base+k*devnetPortsPerChain+v, base+k*devnetPortsPerChain+devnetRPCOffset+v)
			}
		}
		if portsFree(ports...) {
			return base
		}
	}
	t.Fatal("no free port block for a devnet")
	return 0
}

func (d *devnetProc) start() {
	d.t.Helper()
	d.log = filepath.Join(d.home, fmt.Sprintf("devnet-%d.log", time.Now().UnixNano()))
	f, err := os.Create(d.log)
	require.NoError(d.t, err)
	args := append([]string{"devnet", "--home", d.home, "--base-port", strconv.Itoa(d.base)}, d.args...)
	d.cmd = exec.Command(d.bin, args...)
	d.cmd.Stdout, d.cmd.Stderr = f, f
	require.NoError(d.t, d.cmd.Start())
	d.t.Cleanup(func() {
		if d.cmd != nil {
			_ = d.cmd.Process.Kill()
			_ = d.cmd.Wait()
		}
	})
	d.waitReady()
}

// waitReady waits for the relay's and the gateway's /readyz, which answer
// once the chains, the relay and the gateway run.
func (d *devnetProc) waitReady() {
	d.t.Helper()
	deadline := time.Now().Add(devnetWait)
	for _, port := range []int{d.base + devnetAdminOffset, d.base + devnetGwAdminOffset} {
		d.waitOK(fmt.Sprintf("http://127.0.0.1:%d/readyz", port), deadline)
	}
}

// waitOK polls url until it answers 200.
func (d *devnetProc) waitOK(url string, deadline time.Time) {
	d.t.Helper()
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(d.log)
			d.t.Fatalf("devnet not ready within %s (%s); log:\n%s", devnetWait, url, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stop interrupts the devnet as Ctrl-C does and waits for a clean exit.
func (d *devnetProc) stop() {
	d.t.Helper()
	require.NoError(d.t, d.cmd.Process.Signal(syscall.SIGINT))
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case err := <-done:
		out, _ := os.ReadFile(d.log)
		require.NoError(d.t, err, "devnet exit; log:\n%s", out)
	case <-time.After(devnetWait):
		d.t.Fatal("devnet did not stop")
	}
	d.cmd = nil
}

// transfer sends amount USD from alpha's demo account 0 to receiver on beta
// through `causeway tx transfer`.
func (d *devnetProc) transfer(receiver attest.Address, amount int) {
	d.t.Helper()
	dir := filepath.Join(d.home, devnetDir)
	out, err := exec.Command(d.bin, "tx", "transfer", "--rpc", fmt.Sprintf("http://127.0.0.1:%d", d.base+devnetRPCOffset),
		"--key", devnetKeyFile(dir, "alpha", 0), "--password-file", filepath.Join(dir, "accounts", "password.txt"),
		"--dst", "beta", "--to", receiver.Hex(), "--amount", strconv.Itoa(amount), "--denom", "USD", "--timeout", "10m").CombinedOutput()
	require.NoError(d.t, err, "causeway tx transfer: %s", out)
}

// waitFinished waits until the store holds n finished transfers to receiver.
func waitFinished(t *testing.T, store settlement.Store, receiver attest.Address, n int) []*settlement.Transfer {
	t.Helper()
	deadline := time.Now().Add(devnetWait)
	for {
		ts, _, err := store.List(t.Context(), settlement.ListFilter{Account: receiver, Status: settlement.StatusFinished}, "", 100)
		require.NoError(t, err)
		if len(ts) >= n {
			return ts
		}
		require.False(t, time.Now().After(deadline), "%d of %d transfers to %s finished", len(ts), n, receiver.Hex())
		time.Sleep(200 * time.Millisecond)
	}
}

func betaBalance(t *testing.T, base int, addr attest.Address, denom string) string {
	t.Helper()
	c, err := chains.Dial(t.Context(), fmt.Sprintf("http://127.0.0.1:%d", base+devnetPortsPerChain+devnetRPCOffset))
	require.NoError(t, err)
	defer c.Close()
	acct, err := c.Account(t.Context(), addr)
	require.NoError(t, err)
	for _, b := range acct.Balances {
		if b.Denom == denom {
			return b.Amount
		}
	}
	return "0"
}

// `causeway devnet` runs the chains and the relay: a transfer made with the
// CLI settles, and after a restart of the devnet the relay's store still
// holds it and the next transfer settles too.
func TestDevnetSettlesTransfersAcrossRestarts(t *testing.T) {
	t.Parallel()
	d := &devnetProc{t: t, bin: buildBinary(t), home: t.TempDir(), base: freeDevnetBase(t)}
	receiver := attest.Address{0xde, 0x0e}
	d.start()
	d.transfer(receiver, 10)
	d.stop()

	store, err := backend.OpenStore(t.Context(), "sqlite:"+filepath.Join(d.home, devnetDir, "relay", "relay.db"), backend.StoreOptions{})
	require.NoError(t, err)
	defer store.Close()
	first := waitFinished(t, store, receiver, 1)[0]
	cursor, err := store.GetCursor(t.Context(), "alpha")
	require.NoError(t, err)
	require.GreaterOrEqual(t, cursor, first.Confirm.Height, "the cursor covers the ack")

	d.start()
	d.transfer(receiver, 5)
	ts := waitFinished(t, store, receiver, 2)
	require.Equal(t, first.ID, ts[1].ID, "the first transfer is still there, unchanged")
	require.Equal(t, first.Status, ts[1].Status)
	require.Equal(t, "15", betaBalance(t, d.base, receiver, "alpha/USD"))
	after, err := store.GetCursor(t.Context(), "alpha")
	require.NoError(t, err)
	require.Greater(t, after, cursor)
	d.stop()
}

// With --postgres and --redis the devnet's relay keeps its state in the
// real services.
func TestDevnetOnPostgresAndRedis(t *testing.T) {
	t.Parallel()
	pgURL := pgtest.SchemaURL(t)
	redisURL := redistest.URL(t) + "?prefix=" + redistest.Prefix(t)
	d := &devnetProc{t: t, bin: buildBinary(t), home: t.TempDir(), base: freeDevnetBase(t),
		args: []string{"--postgres", pgURL, "--redis", redisURL}}
	receiver := attest.Address{0xde, 0x0f}
	d.start()
	d.transfer(receiver, 7)
	ctx, cancel := context.WithTimeout(t.Context(), devnetWait)
	defer cancel()
	store, err := backend.OpenStore(ctx, pgURL, backend.StoreOptions{})
	require.NoError(t, err)
	defer store.Close()
	waitFinished(t, store, receiver, 1)
	require.Equal(t, "7", betaBalance(t, d.base, receiver, "alpha/USD"))
	d.stop()
	_, err = os.Stat(filepath.Join(d.home, devnetDir, "relay", "relay.db"))
	require.True(t, os.IsNotExist(err), "no embedded store when --postgres is given")
}
