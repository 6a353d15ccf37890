package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/consensus"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/tx"
)

// Bounds for the multi-process test; they only cap waiting, the chain is
// expected to be far faster.
// procStopWait (a process exiting after SIGTERM) is the bench's.
const (
	procWait        = 60 * time.Second
	clusterPollTick = 50 * time.Millisecond
)

// cluster is four `causeway node` processes from `causeway init`.
type cluster struct {
	t     *testing.T
	bin   string
	home  string
	base  int
	procs []*exec.Cmd
	rpcs  []*chains.Client
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "causeway")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// freeBase finds a base port with p2p ports base..base+3 and RPC ports
// base+100..base+103 free on loopback.
func freeBase(t *testing.T) int {
	t.Helper()
	for try := 0; try < 200; try++ {
		// Below the ephemeral range, apart from the devnet tests'
		// (10000–16000) and localnet's and the fault tests' (20000–32000).
		base := 16000 + (os.Getpid()*7+try*211)%3800
		if portsFree(base, base+1, base+2, base+3, base+100, base+101, base+102, base+103) {
			return base
		}
	}
	t.Fatal("no free port block")
	return 0
}

func newCluster(t *testing.T) *cluster {
	c := &cluster{t: t, bin: buildBinary(t), home: t.TempDir(), base: freeBase(t), procs: make([]*exec.Cmd, 4)}
	out, err := exec.Command(c.bin, "init", "--chain-id", "alpha", "--validators", "4", "--accounts", "2",
		"--home", c.home, "--base-port", strconv.Itoa(c.base), "--seed", "11").CombinedOutput()
	require.NoError(t, err, "causeway init: %s", out)
	for i := range c.procs {
		c.start(i)
	}
	for i := range c.procs {
		rc, err := chains.Dial(t.Context(), fmt.Sprintf("http://127.0.0.1:%d", c.base+100+i))
		require.NoError(t, err)
		t.Cleanup(rc.Close)
		c.rpcs = append(c.rpcs, rc)
	}
	t.Cleanup(func() {
		for i := range c.procs {
			c.kill(i)
		}
	})
	return c
}

func (c *cluster) start(i int) {
	home := filepath.Join(c.home, fmt.Sprintf("v%d", i))
	logf, err := os.OpenFile(filepath.Join(home, "node.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(c.t, err)
	cmd := exec.Command(c.bin, "node", "--home", home, "--log-level", "info")
	cmd.Stdout, cmd.Stderr = logf, logf
	require.NoError(c.t, cmd.Start())
	c.procs[i] = cmd
}

func (c *cluster) kill(i int) {
	if p := c.procs[i]; p != nil {
		_ = p.Process.Kill()
		_ = p.Wait()
		c.procs[i] = nil
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (c *cluster) stop(i int) {
	p := c.procs[i]
	require.NoError(c.t, p.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- p.Wait() }()
	select {
	case err := <-done:
		require.NoError(c.t, err, "validator %d exited uncleanly; log in %s", i, c.home)
	case <-time.After(procStopWait):
		c.t.Fatalf("validator %d did not stop within %s", i, procStopWait)
	}
	c.procs[i] = nil
}

func (c *cluster) height(i int) uint64 {
	ctx, cancel := context.WithTimeout(c.t.Context(), time.Second)
	defer cancel()
	s, err := c.rpcs[i].Status(ctx)
	if err != nil {
		return 0
	}
	return s.LatestHeight
}

// waitHeight waits until every listed validator reports at least h.
func (c *cluster) waitHeight(h uint64, idx ...int) {
	c.t.Helper()
	require.Eventually(c.t, func() bool {
		for _, i := range idx {
			if c.height(i) < h {
				return false
			}
		}
		return true
	}, procWait, clusterPollTick, "validators %v did not reach height %d (logs under %s)", idx, h, c.home)
}

func (c *cluster) blockHash(i int, h uint64) attest.Hash {
	b, err := c.rpcs[i].BlockByHeight(c.t.Context(), h, false)
	require.NoError(c.t, err)
	return b.Hash
}

func (c *cluster) demoKeyTx(nonce uint64, to attest.Address) []byte {
	pw, err := chains.ReadPassword(filepath.Join(c.home, "accounts", "password.txt"))
	require.NoError(c.t, err)
	key, err := chains.LoadKey(filepath.Join(c.home, "accounts", "demo0.json"), pw)
	require.NoError(c.t, err)
	g, err := chains.LoadGenesis(filepath.Join(c.home, "genesis.json"))
	require.NoError(c.t, err)
	typ, payload := bank.NewSend(to, "USD", uint256.NewInt(3))
	tr := &tx.Tx{ChainID: g.ChainID, Nonce: nonce, Type: typ, Payload: payload}
	require.NoError(c.t, tr.Sign(g.Hash(), key))
	return tr.Encode()
}

func (c *cluster) nextProposer() int {
	vs, err := c.rpcs[0].Validators(c.t.Context())
	require.NoError(c.t, err)
	set, err := vs.Set()
	require.NoError(c.t, err)
	p := consensus.ProposerFor(set, c.height(0)+1, 0, nil)
	return set.IndexOf(p)
}

// Four validator processes: transfers commit; kill -9 of the next proposer
// does not stop the chain; the killed validator catches up with identical
// blocks; a full stop and start resumes from disk.
func TestValidatorProcesses(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	all := []int{0, 1, 2, 3}
	c.waitHeight(2, all...)

	to := attest.Address{0x42}
	var nonce uint64
	for ; nonce < 10; nonce++ {
		h, err := c.rpcs[int(nonce)%4].SendRawTransaction(t.Context(), c.demoKeyTx(nonce, to))
		require.NoError(t, err)
		if nonce == 9 {
			r, err := c.rpcs[0].WaitReceipt(t.Context(), h)
			require.NoError(t, err)
			require.Equal(t, uint32(app.CodeOK), r.Code, r.Log)
		}
	}

	// The CLI signs and submits a transfer, and refuses bad input up front.
	send := func(args ...string) (string, error) {
		base := []string{"tx", "send", "--rpc", fmt.Sprintf("http://127.0.0.1:%d", c.base+101),
			"--key", filepath.Join(c.home, "accounts", "demo1.json"),
			"--password-file", filepath.Join(c.home, "accounts", "password.txt")}
		out, err := exec.Command(c.bin, append(base, args...)...).CombinedOutput()
		return string(out), err
	}
	out, err := send("--to", to.Hex(), "--amount", "4", "--denom", "EUR")
	require.NoError(t, err, out)
	require.Contains(t, out, "committed in block")
	for _, bad := range [][]string{
		{"--to", to.Hex(), "--amount", "0"},
		{"--to", to.Hex(), "--amount", "1.5"},
		{"--to", to.Hex(), "--amount", "-3"},
		{"--to", "0x1234", "--amount", "1"},
		{"--to", to.Hex(), "--amount", "999999999999999999999999999"},
	} {
		out, err := send(bad...)
		require.Error(t, err, "tx send %v should fail: %s", bad, out)
	}

	victim := c.nextProposer()
	var survivors []int
	for _, i := range all {
		if i != victim {
			survivors = append(survivors, i)
		}
	}
	before := c.height(survivors[0])
	c.kill(victim)
	h, err := c.rpcs[survivors[0]].SendRawTransaction(t.Context(), c.demoKeyTx(nonce, to))
	require.NoError(t, err)
	nonce++
	r, err := c.rpcs[survivors[0]].WaitReceipt(t.Context(), h)
	require.NoError(t, err)
	require.Greater(t, r.Height, before)
	c.waitHeight(before+3, survivors...)

	c.start(victim)
	top := c.height(survivors[0]) + 2
	c.waitHeight(top, all...)
	for height := uint64(1); height <= top; height++ {
		want := c.blockHash(survivors[0], height)
		for _, i := range all {
			require.Equal(t, want, c.blockHash(i, height), "validator %d block %d", i, height)
		}
	}

	for _, i := range all {
		c.stop(i)
	}
	var stopped uint64
	for _, i := range all {
		c.start(i)
	}
	require.Eventually(t, func() bool {
		stopped = c.height(0)
		return stopped >= top
	}, procWait, clusterPollTick, "restarted validator 0 did not resume from disk at height >= %d", top)
	c.waitHeight(stopped+2, all...)
	for height := uint64(1); height <= stopped+2; height++ {
		want := c.blockHash(0, height)
		for _, i := range all[1:] {
			require.Equal(t, want, c.blockHash(i, height))
		}
	}
	acct, err := c.rpcs[2].Account(t.Context(), to)
	require.NoError(t, err)
	require.Equal(t, []rpc.Coin{{Denom: "EUR", Amount: "4"}, {Denom: "USD", Amount: strconv.Itoa(3 * int(nonce))}}, acct.Balances)
}
