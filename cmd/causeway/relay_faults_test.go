//go:build integration

package main

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/relay/relaytest"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/backend"
)

// Shape and timing of the relay fault tests. The waits only cap waiting:
// a healthy run is far quicker.
const (
	faultValidators = 4   // per chain
	faultSenders    = 4   // funded load senders per chain
	faultRelayers   = 2   // funded relay signers per chain: relay-a, relay-b
	faultBlockMs    = 500 // block interval (and consensus timeouts) of both chains

	faultLoadRate  = 20                     // transfers per second, each way
	faultLoadTick  = 100 * time.Millisecond // how often the load tops up
	faultLoadBatch = 100                    // most transfers one top-up sends
	faultAmount    = 3
	faultTTL       = 30 * time.Minute // far past any scenario: nothing may refund
	faultMinSent   = 50               // a scenario's load sent at least this many

	faultLead   = 4 * time.Second // load before the fault
	faultOutage = 3 * time.Second // how long a killed process stays down
	faultTail   = 4 * time.Second // load after recovery

	faultStartWait  = 90 * time.Second  // chains committing, a relay ready, a validator caught up
	faultSettleWait = 150 * time.Second // every transfer of a scenario finished
	faultStopWait   = 15 * time.Second  // a process exiting after SIGTERM
	faultPoll       = 100 * time.Millisecond
	faultProbe      = 2 * time.Second // one HTTP or RPC probe

	faultLogLines  = 60 // lines of each relay log printed on failure
	faultNodeLines = 15 // lines of each validator and service log printed on failure

	faultQueuePrefix = "cwfault"
	pgUser           = "postgres"
)

// The relay's engine timings: short, so that every recovery path (sweep,
// reclaim, retry) runs within a scenario. reclaim_idle must exceed
// inclusion_timeout.
const faultEngineTOML = `[engine]
stage_deadline = "3s"
sweep_interval = "1s"
reclaim_idle = "10s"
inclusion_timeout = "5s"
retry_min = "100ms"
retry_max = "2s"
reconcile_interval = "2s"
`

// Port layout of one block: each chain's p2p and RPC ranges, then the
// services, the relays' admin listeners and each chain's link mesh.
const (
	portsPerRange  = faultValidators
	portPostgres   = 4 * portsPerRange
	portRedis      = portPostgres + 1
	portAdminFirst = portRedis + 1
	portGateway    = portAdminFirst + 2 // and its admin listener next
	portLinksFirst = portGateway + 2
	portBlock      = portLinksFirst + 2*meshPorts
)

var relayNames = []string{"relay-a", "relay-b"}

// Each scenario runs on the topology of TestFaults under steady transfer
// load both ways, applies its perturbation mid-load and recovers; then
// every transfer must finish (the TTL is far away, so none may refund),
// the store must agree with the source chains, every receiver must hold
// exactly what its finished transfers credit (nothing credited twice),
// conservation must hold on both routes, and no block may carry evidence
// of a validator that signed conflicting votes. Run one scenario with
// -run 'TestFaults/<name>'; -faults.seed=N replays its choices (which
// validator, and when).
func TestFaults(t *testing.T) {
	n := newFaultNet(t)
	rep := newReliabilityReport(*faultSeed)
	t.Logf("fault seed %d (replay with -args -faults.seed=%d)", rep.Seed, rep.Seed)
	for _, sc := range faultScenarios {
		t.Run(sc.name, func(t *testing.T) {
			n.rng = rand.New(rand.NewPCG(uint64(rep.Seed), uint64(len(sc.name))))
			n.sc = rep.start(sc.name)
			t.Cleanup(func() {
				n.sc.Passed = !t.Failed()
				if t.Failed() {
					n.dumpLogs(t)
				}
			})
			sc.run(n, t)
		})
	}
	rep.write(t)
}

// faultScenarios are TestFaults' scenarios, in the order they run.
var faultScenarios = []struct {
	name string
	run  func(*faultNet, *testing.T)
}{
	{"kill_relay", (*faultNet).killRelay},
	{"kill_one_of_two_relays", (*faultNet).killOneOfTwoRelays},
	{"flush_redis", (*faultNet).flushRedis},
	{"restart_postgres", (*faultNet).restartPostgres},
	{"kill_validators", (*faultNet).killValidators},
	{"kill_proposer", (*faultNet).killProposer},
	{"pause_validator", (*faultNet).pauseValidator},
	{"partition_validator", (*faultNet).partitionValidator},
	{"split_chain", (*faultNet).splitChain},
	{"wipe_validator", (*faultNet).wipeValidator},
	{"kill_gateway", (*faultNet).killGateway},
}

// kill -9 of the only relay mid-load, restarted after an outage: its
// unacknowledged jobs are reclaimed, what it missed is swept.
func (n *faultNet) killRelay(t *testing.T) {
	n.run(t, nil, func(t *testing.T) outage {
		r := n.relays[0]
		down := time.Now()
		r.kill()
		n.perturbed("kill -9 relay-a, restart after %s", faultOutage)
		hold(t, faultOutage)
		up := time.Now()
		n.startRelay(t, r)
		return outage{down, up}
	}, nil)
}

// Two relays share one Postgres and Redis; kill -9 of one mid-load, and
// the other finishes everything, its signer carrying work after the kill.
func (n *faultNet) killOneOfTwoRelays(t *testing.T) {
	var down time.Time
	n.run(t, func(t *testing.T) {
		n.startRelay(t, n.relays[1])
	}, func(t *testing.T) outage {
		down = time.Now()
		n.relays[0].kill()
		n.perturbed("kill -9 relay-a while relay-b runs")
		hold(t, faultOutage)
		return outage{down, time.Now()}
	}, func(t *testing.T, sent []relaytest.Sent) {
		require.False(t, n.relays[0].running(), "relay-a was killed and must stay down until the check")
		subs, err := n.store.ListSubmissions(t.Context(), settlement.SubmissionFilter{
			Signer: n.relayerAddr(1), Status: settlement.SubmissionIncluded}, settlement.MaxPageSize)
		require.NoError(t, err)
		after := 0
		for _, s := range subs {
			if s.CreatedAt.After(down) {
				after++
			}
		}
		require.NotZero(t, after, "relay-b's signer carried nothing after relay-a died")
	})
}

// FLUSHALL of the queue's Redis mid-load: the queue is transport, rebuilt
// from the store by the sweeper.
func (n *faultNet) flushRedis(t *testing.T) {
	n.run(t, nil, func(t *testing.T) outage {
		keys, err := n.redis.DBSize(t.Context()).Result()
		require.NoError(t, err)
		require.NotZero(t, keys, "the queue holds nothing to lose")
		require.NoError(t, n.redis.FlushAll(t.Context()).Err())
		n.perturbed("FLUSHALL Redis (%d keys)", keys)
		t.Logf("flushed %d Redis keys", keys)
		return outage{}
	}, nil)
}

// Postgres stops (fast shutdown: every connection dropped) mid-load and
// starts again after an outage; the relay rides through without exiting.
func (n *faultNet) restartPostgres(t *testing.T) {
	n.run(t, nil, func(t *testing.T) outage {
		down := time.Now()
		n.pg.stop(t)
		n.perturbed("stop Postgres (fast shutdown), start after %s", faultOutage)
		hold(t, faultOutage)
		up := time.Now()
		n.pg.start(t)
		return outage{down, up}
	}, nil)
}

// kill -9 of one validator of each chain mid-load, restarted after an
// outage: alpha's validator 0 (the relay's submitting endpoint) and beta's
// validator 1 (its second endpoint). Both chains keep a quorum and commit
// without them; the restarted validators catch up with the same blocks.
// The load itself goes through these chains, so unlike the other faults
// it may pause while a chain replaces a dead proposer: progress of the
// chains is what is required during the outage.
func (n *faultNet) killValidators(t *testing.T) {
	victims := []int{0, 1} // by chain
	n.run(t, nil, func(t *testing.T) outage {
		before := make([]uint64, len(n.chains))
		for i, c := range n.chains {
			before[i] = c.height(t, faultValidators-1)
			c.nodes[victims[i]].kill()
			n.perturbed("kill -9 %s, restart after %s", c.nodes[victims[i]].name, faultOutage)
		}
		hold(t, faultOutage)
		for i, c := range n.chains {
			require.Eventually(t, func() bool { return c.height(t, faultValidators-1) > before[i] },
				faultStartWait, faultPoll, "%s stopped committing without %s", c.tn.Genesis.ChainID, c.nodes[victims[i]].name)
			c.nodes[victims[i]].start(t)
		}
		for i, c := range n.chains {
			c.waitCaughtUp(t, victims[i])
		}
		return outage{}
	}, nil)
}

// outage is when a fault had something down; zero for an instant fault.
type outage struct{ from, to time.Time }

// run is one scenario: reset the topology, run before (optional), start
// the load, apply fault after faultLead, keep the load going for
// faultTail, then settle and check. after (optional) adds assertions.
func (n *faultNet) run(t *testing.T, before func(*testing.T), fault func(*testing.T) outage,
	after func(*testing.T, []relaytest.Sent)) {
	n.reset(t)
	if before != nil {
		before(t)
	}
	logs := n.relayLogOffsets()
	gwAcct, err := n.pair.Alpha.RPC.Account(t.Context(), n.gatewaySigner())
	require.NoError(t, err)
	l := startLoad(t, n.pair, n.noteSent)
	gl := n.startGatewayLoad(t)
	hold(t, faultLead)
	w := fault(t)
	hold(t, faultTail)
	sent, err := l.stop()
	require.NoError(t, err)
	accepted, err := gl.Stop()
	require.NoError(t, err, "submissions through the gateway")
	require.GreaterOrEqual(t, len(sent), faultMinSent, "the load hardly ran")
	if !w.from.IsZero() {
		during := 0
		for _, s := range sent {
			if s.SentAt.After(w.from) && s.SentAt.Before(w.to) {
				during++
			}
		}
		require.NotZero(t, during, "no transfer was sent while the fault lasted")
	}

	stopped := time.Now()
	ctx, cancel := context.WithTimeout(t.Context(), faultSettleWait)
	defer cancel()
	n.cancelOnRelayExit(ctx, cancel)
	sent = append(sent, n.settledGateway(t, ctx, accepted, gwAcct.Nonce)...)
	err = relaytest.WaitSettled(ctx, n.store, sent)
	n.requireRelaysUp(t)
	require.NoError(t, err)
	rep, err := n.pair.Check(t.Context(), n.store, sent)
	require.NoError(t, err)
	n.sc.check("store matches the source chains", "nothing credited twice", "conservation on both routes (proofs)")
	require.Equal(t, len(sent), rep.Finished, "finished of %d (refunded %d): with a TTL of %s none may time out",
		len(sent), rep.Refunded, faultTTL)
	n.sc.check("every transfer finished")
	require.Len(t, rep.Reconciliations, 2)
	n.requireNoStrangers(t)
	n.sc.check("no transfer the load did not send")
	n.requireRelaysUp(t)
	n.requireRelayReconciled(t, stopped)
	n.sc.check("the relay's own reconciliation")
	n.requireNoRelayErrors(t, logs)
	n.sc.check("no relay error logged")
	n.requireNoEquivocation(t)
	if after != nil {
		after(t, sent)
	}
	n.sc.settled(sent, rep)
	t.Logf("%d transfers finished", len(sent))
}

// faultNet is the shared topology: two linked chains of four `causeway
// node` processes each, a private Postgres and Redis, and two relay
// processes (relay-a runs between scenarios, relay-b when one asks).
type faultNet struct {
	bin, dir string
	ports    int // first port of the block
	chains   []*faultChain
	pg       *privatePostgres
	redis    *goredis.Client
	redisP   *proc
	relays   []*proc
	gateway  *proc
	gwKey    string // the gateway client's API key
	pair     *relaytest.Pair
	store    settlement.Store

	sentIDs map[settlement.TransferID]bool // every transfer any scenario sent
	meshes  []*linkMesh                    // by chain
	scanned []uint64                       // by chain: the last height checked for evidence
	rng     *rand.Rand                     // the scenario's choices, from the seed
	sc      *scenarioReport                // the scenario running
}

// faultChain is one chain's testnet and validator processes.
type faultChain struct {
	tn    *chains.Testnet
	nodes []*proc
	rpcs  []*chains.Client // http clients of each validator
}

func newFaultNet(t *testing.T) *faultNet {
	pgBins := findPostgres(t)
	redisBin, err := exec.LookPath("redis-server")
	if err != nil {
		missingService(t, "redis-server is not on PATH: %v", err)
	}
	n := &faultNet{bin: buildBinary(t), dir: t.TempDir(), ports: freePortBlock(t, portBlock),
		sentIDs: make(map[settlement.TransferID]bool)}
	t.Cleanup(n.stopAll)
	n.startChains(t)
	n.pg = newPrivatePostgres(t, pgBins, n.ports+portPostgres)
	n.startRedis(t, redisBin)

	n.store, err = backend.OpenStore(t.Context(), n.pg.url(), backend.StoreOptions{Migrate: true})
	require.NoError(t, err)
	t.Cleanup(func() { n.store.Close() })

	rcs := make([]relaytest.RemoteChain, len(n.chains))
	for i, c := range n.chains {
		keys := make([]*ecdsa.PrivateKey, 0, len(c.tn.Accounts))
		for _, a := range c.tn.Accounts {
			keys = append(keys, a.Key)
		}
		rcs[i] = relaytest.RemoteChain{ID: c.tn.Genesis.ChainID, GenesisHash: c.tn.GenesisHash,
			RPC:     "http://" + c.tn.Validators[faultValidators-1].RPCAddr, // never killed
			Senders: keys[:faultSenders], Relayers: keys[faultSenders:gatewayAcct]}
	}
	n.pair, err = relaytest.NewRemotePair(t.Context(), rcs[0], rcs[1])
	require.NoError(t, err)
	t.Cleanup(n.pair.Stop)
	ctx, cancel := context.WithTimeout(t.Context(), faultStartWait)
	defer cancel()
	for _, c := range n.pair.Chains() {
		require.NoError(t, c.WaitHeight(ctx, 2), "chains did not start; logs under %s", n.dir)
	}
	for i, name := range relayNames {
		n.relays = append(n.relays, &proc{name: name, log: filepath.Join(n.dir, name+".log"),
			args: []string{n.bin, "relay", "--config", n.writeRelayConfig(t, i)}})
	}
	n.setupGateway(t)
	return n
}

// startChains generates alpha and beta, links them and starts every
// validator.
func (n *faultNet) startChains(t *testing.T) {
	params := chains.DefaultParams()
	params.BlockIntervalMs = faultBlockMs
	for i, id := range []string{"alpha", "beta"} {
		seed := int64(i + 1)
		p2p := n.ports + 2*i*portsPerRange
		tn, err := chains.GenerateTestnet(chains.TestnetOptions{ChainID: id, Validators: faultValidators,
			Home: filepath.Join(n.dir, id), P2PBasePort: p2p, RPCBasePort: p2p + portsPerRange,
			DemoAccounts: faultSenders + faultRelayers + 1, LightKDF: true, Seed: &seed, Params: params})
		require.NoError(t, err)
		n.chains = append(n.chains, &faultChain{tn: tn})
	}
	require.NoError(t, chains.LinkTestnets(n.chains[0].tn, n.chains[1].tn))
	n.scanned = make([]uint64, len(n.chains))
	for i, c := range n.chains {
		n.meshes = append(n.meshes, newLinkMesh(t, c, n.ports+portLinksFirst+i*meshPorts))
	}
	for _, c := range n.chains {
		for _, v := range c.tn.Validators {
			p := &proc{name: c.tn.Genesis.ChainID + "/" + v.Name, log: filepath.Join(v.Home, "node.log"),
				args: []string{n.bin, "node", "--home", v.Home, "--log-level", "info"}}
			p.start(t)
			c.nodes = append(c.nodes, p)
			rc, err := chains.Dial(t.Context(), "http://"+v.RPCAddr)
			require.NoError(t, err)
			t.Cleanup(rc.Close)
			c.rpcs = append(c.rpcs, rc)
		}
	}
}

func (n *faultNet) startRedis(t *testing.T, bin string) {
	port := strconv.Itoa(n.ports + portRedis)
	dir := filepath.Join(n.dir, "redis")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	n.redisP = &proc{name: "redis", log: filepath.Join(dir, "redis.log"),
		args: []string{bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir}}
	n.redisP.start(t)
	n.redis = goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:" + port})
	t.Cleanup(func() { n.redis.Close() })
	require.Eventually(t, func() bool { return n.redis.Ping(t.Context()).Err() == nil },
		faultStartWait, faultPoll, "private redis-server on port %s did not start", port)
}

// writeRelayConfig writes relay i's TOML: its own consumer name, admin
// port and signer account on each chain; the shared store and queue.
func (n *faultNet) writeRelayConfig(t *testing.T, i int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "consumer = %q\nstore = %q\nqueue = %q\nadmin_listen = %q\nmigrate = true\n\n",
		relayNames[i], n.pg.url(), fmt.Sprintf("redis://127.0.0.1:%d/0?prefix=%s", n.ports+portRedis, faultQueuePrefix),
		n.adminAddr(i))
	b.WriteString("[log]\nlevel = \"info\"\nformat = \"console\"\n\n" + faultEngineTOML)
	for _, c := range n.chains {
		tn := c.tn
		fmt.Fprintf(&b, "\n[[chains]]\nid = %q\ngenesis_hash = %q\nendpoints = [%q, %q]\ndenoms = [%q]\n",
			tn.Genesis.ChainID, tn.GenesisHash.Hex(), "ws://"+tn.Validators[0].RPCAddr, "ws://"+tn.Validators[1].RPCAddr,
			relaytest.Denom)
		signer := tn.Accounts[faultSenders+i]
		fmt.Fprintf(&b, "[[chains.signers]]\nkeystore = %q\npassword_file = %q\n",
			signer.KeyFile, filepath.Join(filepath.Dir(signer.KeyFile), accountsPasswordFile))
	}
	path := filepath.Join(n.dir, relayNames[i]+".toml")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o600))
	return path
}

func (n *faultNet) adminAddr(i int) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(n.ports+portAdminFirst+i))
}

// relayerAddr is relay i's signer address (the same index on both chains).
func (n *faultNet) relayerAddr(i int) attest.Address {
	return n.chains[0].tn.Accounts[faultSenders+i].Address
}

// reset brings the topology to its resting state: every validator,
// Postgres and Redis up, relay-a running and ready, relay-b stopped
// cleanly. A scenario that failed may have left something down.
func (n *faultNet) reset(t *testing.T) {
	for _, m := range n.meshes {
		m.heal()
	}
	for _, c := range n.chains {
		for v, p := range c.nodes {
			if p.paused {
				p.resume()
			}
			if !p.running() {
				t.Logf("restarting %s, left down", p.name)
				p.start(t)
				c.waitCaughtUp(t, v)
			}
		}
	}
	if !n.pg.up {
		n.pg.start(t)
	}
	require.True(t, n.redisP.running(), "the private Redis exited; log %s", n.redisP.log)
	if n.relays[1].running() {
		n.relays[1].stop(t)
	}
	if !n.relays[0].running() {
		n.startRelay(t, n.relays[0])
	}
	if !n.gateway.running() {
		n.startGateway(t)
	}
}

// startRelay starts a relay process and waits until /readyz answers 200.
func (n *faultNet) startRelay(t *testing.T, r *proc) {
	r.start(t)
	url := "http://" + n.adminAddr(slices.Index(relayNames, r.name)) + "/readyz"
	client := &http.Client{Timeout: faultProbe}
	require.Eventually(t, func() bool {
		if !r.running() {
			return true // reported below
		}
		resp, err := client.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, faultStartWait, faultPoll, "%s not ready at %s", r.name, url)
	require.True(t, r.running(), "%s exited at start: %v\n%s", r.name, r.exitErr, logTail(r.log, faultLogLines))
}

// requireRelaysUp fails when a relay or the gateway, once started, has
// exited on its own.
func (n *faultNet) requireRelaysUp(t *testing.T) {
	if n.gateway.crashed() {
		t.Fatalf("the gateway exited on its own: %v\n%s", n.gateway.exitErr, logTail(n.gateway.log, faultLogLines))
	}
	for _, r := range n.relays {
		if r.crashed() {
			t.Fatalf("%s exited on its own: %v\n%s", r.name, r.exitErr, logTail(r.log, faultLogLines))
		}
	}
}

// cancelOnRelayExit cancels ctx as soon as a running relay exits on its
// own, so that a crash is reported at once rather than after a timeout.
func (n *faultNet) cancelOnRelayExit(ctx context.Context, cancel context.CancelFunc) {
	for _, r := range n.relays {
		if !r.running() {
			continue
		}
		go func(done <-chan struct{}) {
			select {
			case <-done:
				cancel()
			case <-ctx.Done():
			}
		}(r.done)
	}
}

// requireRelayReconciled waits for the running relay's reconciler to check
// both routes after since, and requires that conservation held.
func (n *faultNet) requireRelayReconciled(t *testing.T, since time.Time) {
	for _, rt := range [][2]*faultChain{{n.chains[0], n.chains[1]}, {n.chains[1], n.chains[0]}} {
		src, dst := rt[0].tn.Genesis.ChainID, rt[1].tn.Genesis.ChainID
		var last *settlement.Reconciliation
		require.Eventually(t, func() bool {
			r, err := n.store.LastReconciliation(t.Context(), src, dst, relaytest.Denom)
			last = r
			return err == nil && r.At.After(since)
		}, faultStartWait, faultPoll, "the relay saved no reconciliation of %s→%s", src, dst)
		require.True(t, last.OK, "the relay's reconciler saw conservation broken on %s→%s: %+v", src, dst, last)
	}
}

// relayLogOffsets are the relay logs' current sizes.
func (n *faultNet) relayLogOffsets() []int64 {
	out := make([]int64, len(n.relays))
	for i, r := range n.relays {
		if fi, err := os.Stat(r.log); err == nil {
			out[i] = fi.Size()
		}
	}
	return out
}

// requireNoRelayErrors fails on any error-level line a relay logged after
// offsets: each names a broken invariant (a conservation break, a
// transition the store refuses, conflicting headers, a bad job).
func (n *faultNet) requireNoRelayErrors(t *testing.T, offsets []int64) {
	for i, r := range n.relays {
		b, err := os.ReadFile(r.log)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		require.NoError(t, err)
		var bad []string
		for _, line := range strings.Split(string(b[min(offsets[i], int64(len(b))):]), "\n") {
			if strings.Contains(line, "\tERROR\t") {
				bad = append(bad, line)
			}
		}
		if len(bad) > 0 {
			t.Fatalf("%s logged %d errors (log %s):\n%s", r.name, len(bad), r.log, strings.Join(bad, "\n"))
		}
	}
}

func (n *faultNet) noteSent(sent []relaytest.Sent) {
	for _, s := range sent {
		n.sentIDs[settlement.TransferID(s.ID())] = true
	}
}

// requireNoStrangers checks that the store holds no transfer the load did
// not send: every row names a packet a scenario committed.
func (n *faultNet) requireNoStrangers(t *testing.T) {
	cursor := ""
	for {
		page, next, err := n.store.List(t.Context(), settlement.ListFilter{}, cursor, settlement.MaxPageSize)
		require.NoError(t, err)
		for _, tr := range page {
			require.True(t, n.sentIDs[tr.ID], "the store holds %s (%s), which no scenario sent", tr.ID, tr.Status)
		}
		if next == "" {
			return
		}
		cursor = next
	}
}

// stopAll kills every process the test started.
func (n *faultNet) stopAll() {
	if n.gateway != nil {
		n.gateway.kill()
	}
	for _, r := range n.relays {
		r.kill()
	}
	for _, c := range n.chains {
		for _, p := range c.nodes {
			p.kill()
		}
	}
	if n.redisP != nil {
		n.redisP.kill()
	}
}

// dumpLogs prints the tails of every log, for a failed scenario.
func (n *faultNet) dumpLogs(t *testing.T) {
	t.Logf("==> gateway (%s)\n%s", n.gateway.log, logTail(n.gateway.log, faultLogLines))
	for _, r := range n.relays {
		t.Logf("==> %s (%s)\n%s", r.name, r.log, logTail(r.log, faultLogLines))
	}
	for _, c := range n.chains {
		for _, p := range c.nodes {
			t.Logf("==> %s (%s)\n%s", p.name, p.log, logTail(p.log, faultNodeLines))
		}
	}
	t.Logf("==> postgres (%s)\n%s", n.pg.logFile(), logTail(n.pg.logFile(), faultNodeLines))
	t.Logf("==> redis (%s)\n%s", n.redisP.log, logTail(n.redisP.log, faultNodeLines))
}

// height is validator v's latest height, 0 when it does not answer.
func (c *faultChain) height(t *testing.T, v int) uint64 {
	ctx, cancel := context.WithTimeout(t.Context(), faultProbe)
	defer cancel()
	st, err := c.rpcs[v].Status(ctx)
	if err != nil {
		return 0
	}
	return st.LatestHeight
}

// waitCaughtUp waits until validator v and the never-killed validator are
// both two blocks past the height the latter had when the wait began (after
// a split it may be the one behind), and agree on that block.
func (c *faultChain) waitCaughtUp(t *testing.T, v int) {
	ref := c.rpcs[faultValidators-1]
	st, err := ref.Status(t.Context())
	require.NoError(t, err)
	target := st.LatestHeight + 2
	require.Eventually(t, func() bool { return c.height(t, v) >= target && c.height(t, faultValidators-1) >= target },
		faultStartWait, faultPoll, "%s did not catch up to height %d", c.nodes[v].name, target)
	want, err := ref.BlockByHeight(t.Context(), target, false)
	require.NoError(t, err)
	got, err := c.rpcs[v].BlockByHeight(t.Context(), target, false)
	require.NoError(t, err)
	require.Equal(t, want.Hash, got.Hash, "%s block %d", c.nodes[v].name, target)
}

// load sends transfers both ways at faultLoadRate each, each direction to
// one fresh receiver, until stopped.
type load struct {
	pair    *relaytest.Pair
	stopc   chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
	stopped func([]relaytest.Sent) // gets everything sent, once

	mu   sync.Mutex
	sent []relaytest.Sent
	errs []error
}

// startLoad starts the load; it stops when stop is called or t ends, and
// then hands everything it sent to stopped, even when the test failed
// midway (later scenarios must know every transfer on the chains).
func startLoad(t *testing.T, p *relaytest.Pair, stopped func([]relaytest.Sent)) *load {
	l := &load{pair: p, stopc: make(chan struct{}), stopped: stopped}
	for _, src := range p.Chains() {
		l.wg.Add(1)
		go l.drive(t.Context(), src, relaytest.FreshAddress())
	}
	t.Cleanup(l.halt)
	return l
}

// drive tops up src's transfers to the rate every tick. Send returns once
// its transfers are included, so a slow chain gets larger batches rather
// than a lower rate. A failed Send ends the direction: transfers it
// broadcast but did not see included would be missing from the record.
func (l *load) drive(ctx context.Context, src *relaytest.Chain, receiver attest.Address) {
	defer l.wg.Done()
	start, sent := time.Now(), 0
	tick := time.NewTicker(faultLoadTick)
	defer tick.Stop()
	for {
		select {
		case <-l.stopc:
			return
		case <-tick.C:
		}
		due := min(int(time.Since(start).Seconds()*faultLoadRate)-sent, faultLoadBatch)
		if due <= 0 {
			continue
		}
		s, err := l.pair.Send(ctx, src, receiver, due, faultAmount, faultTTL)
		sent += len(s)
		l.mu.Lock()
		l.sent = append(l.sent, s...)
		if err != nil {
			l.errs = append(l.errs, fmt.Errorf("load from %s: %w", src.ID, err))
		}
		l.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (l *load) halt() {
	l.once.Do(func() {
		close(l.stopc)
		l.wg.Wait()
		l.stopped(l.sent)
	})
}

// stop ends the load and returns what it sent and why it failed, if it did.
func (l *load) stop() ([]relaytest.Sent, error) {
	l.halt()
	return l.sent, errors.Join(l.errs...)
}

// hold lets the load run for d (unless the test ends first).
func hold(t *testing.T, d time.Duration) {
	select {
	case <-time.After(d):
	case <-t.Context().Done():
	}
}

// proc is one child process with its output appended to a log file.
type proc struct {
	name, log string
	args      []string
	cmd       *exec.Cmd
	done      chan struct{}
	exitErr   error // set before done closes
	stopped   bool  // the test ended it (kill or stop)
	paused    bool  // SIGSTOPped
}

func (p *proc) start(t *testing.T) {
	t.Helper()
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	defer f.Close()
	fmt.Fprintf(f, "==== %s: start %v\n", time.Now().Format(time.RFC3339Nano), p.args)
	cmd := exec.Command(p.args[0], p.args[1:]...)
	cmd.Stdout, cmd.Stderr = f, f
	require.NoError(t, cmd.Start())
	p.cmd, p.done, p.exitErr, p.stopped = cmd, make(chan struct{}), nil, false
	go func() {
		p.exitErr = cmd.Wait()
		close(p.done)
	}()
}

func (p *proc) running() bool {
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// crashed reports a process the test started that exited without being
// told to.
func (p *proc) crashed() bool { return p.cmd != nil && !p.stopped && !p.running() }

// kill sends SIGKILL and waits for the process to end.
func (p *proc) kill() {
	if p.cmd == nil {
		return
	}
	p.stopped = true
	_ = p.cmd.Process.Kill()
	<-p.done
	p.paused = false
	p.appendMark("killed (SIGKILL)")
}

// pause stops the process (SIGSTOP) where it stands; resume continues it.
func (p *proc) pause() {
	_ = p.cmd.Process.Signal(syscall.SIGSTOP)
	p.paused = true
}

func (p *proc) resume() {
	_ = p.cmd.Process.Signal(syscall.SIGCONT)
	p.paused = false
}

// stop sends SIGTERM and requires a clean exit within faultStopWait.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	p.stopped = true
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-p.done:
	case <-time.After(faultStopWait):
		p.kill()
		t.Fatalf("%s did not stop within %s of SIGTERM\n%s", p.name, faultStopWait, logTail(p.log, faultLogLines))
	}
	require.NoError(t, p.exitErr, "%s exited uncleanly after SIGTERM\n%s", p.name, logTail(p.log, faultLogLines))
	p.appendMark("stopped (SIGTERM)")
}

func (p *proc) appendMark(what string) {
	f, err := os.OpenFile(p.log, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "==== %s: %s\n", time.Now().Format(time.RFC3339Nano), what)
}

// freePortBlock finds n consecutive loopback ports nobody listens on,
// below the ephemeral range so that outgoing connections do not take them
// later.
func freePortBlock(t *testing.T, n int) int {
	t.Helper()
	base, err := freePortRange(n)
	require.NoError(t, err)
	return base
}

// missingService fails under CI=true and skips loudly otherwise.
func missingService(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("relay fault tests: %s (CI=true, so this fails)", msg)
	}
	t.Skipf("\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"+
		"!! SKIPPED: the relay fault tests need a private Postgres and Redis: %s.\n"+
		"!! Install postgresql and redis-server; under CI=true this fails.\n"+
		"!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", msg)
}

// postgresBins are the server binaries a private Postgres runs from, and
// how: as root, initdb refuses to run, so every command runs as the
// postgres user through runuser (as deploy/scripts/test-services.sh does).
type postgresBins struct {
	initdb, pgCtl string
	runuser       string // "" when not root
	owner         *user.User
}

func findPostgres(t *testing.T) postgresBins {
	t.Helper()
	var b postgresBins
	b.initdb = pgBin("initdb")
	if b.initdb == "" {
		missingService(t, "initdb is neither on PATH nor in /usr/lib/postgresql/*/bin")
	}
	if real, err := filepath.EvalSymlinks(b.initdb); err == nil {
		if _, err := os.Stat(filepath.Join(filepath.Dir(real), "pg_ctl")); err == nil {
			b.pgCtl = filepath.Join(filepath.Dir(real), "pg_ctl") // the same version as initdb
		}
	}
	if b.pgCtl == "" {
		if b.pgCtl = pgBin("pg_ctl"); b.pgCtl == "" {
			missingService(t, "pg_ctl is neither on PATH nor in /usr/lib/postgresql/*/bin")
		}
	}
	if os.Geteuid() != 0 {
		return b
	}
	var err error
	if b.owner, err = user.Lookup(pgUser); err != nil {
		missingService(t, "running as root without a %s user, so initdb cannot run: %v", pgUser, err)
	}
	if b.runuser, err = exec.LookPath("runuser"); err != nil {
		missingService(t, "running as root without runuser, so initdb cannot run as %s: %v", pgUser, err)
	}
	return b
}

// pgBin is name from PATH or from the newest /usr/lib/postgresql/*/bin.
func pgBin(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	slices.SortFunc(found, func(a, b string) int { return pgVersion(a) - pgVersion(b) })
	if len(found) == 0 {
		return ""
	}
	return found[len(found)-1]
}

func pgVersion(path string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return v
}

// privatePostgres is a throwaway cluster in a temp dir, durability off.
type privatePostgres struct {
	bins postgresBins
	dir  string
	port int
	up   bool
}

func newPrivatePostgres(t *testing.T, bins postgresBins, port int) *privatePostgres {
	t.Helper()
	// Not t.TempDir: the postgres user must reach it, and t.TempDir's
	// parent is private to the test's user.
	dir, err := os.MkdirTemp("", "causeway-faults-pg-")
	require.NoError(t, err)
	pg := &privatePostgres{bins: bins, dir: dir, port: port}
	t.Cleanup(func() {
		if pg.up {
			_ = pg.ctl("-D", pg.dataDir(), "-m", "immediate", "-w", "stop").Run()
		}
		os.RemoveAll(dir)
	})
	require.NoError(t, os.Chmod(dir, 0o755))
	if bins.owner != nil {
		uid, _ := strconv.Atoi(bins.owner.Uid)
		gid, _ := strconv.Atoi(bins.owner.Gid)
		require.NoError(t, os.Chown(dir, uid, gid))
	}
	out, err := pg.command(bins.initdb, "-D", pg.dataDir(), "-U", pgUser, "-A", "trust", "-E", "UTF8", "--no-sync").CombinedOutput()
	require.NoError(t, err, "initdb: %s", out)
	pg.start(t)
	return pg
}

func (pg *privatePostgres) dataDir() string { return filepath.Join(pg.dir, "data") }
func (pg *privatePostgres) logFile() string { return filepath.Join(pg.dir, "server.log") }

func (pg *privatePostgres) url() string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/postgres?sslmode=disable", pgUser, pg.port)
}

func (pg *privatePostgres) start(t *testing.T) {
	t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
		pg.port, pg.dir)
	out, err := pg.ctl("-D", pg.dataDir(), "-l", pg.logFile(), "-w", "-t", strconv.Itoa(int(faultStartWait.Seconds())),
		"-o", opts, "start").CombinedOutput()
	require.NoError(t, err, "pg_ctl start: %s\n%s", out, logTail(pg.logFile(), faultNodeLines))
	pg.up = true
}

// stop is a fast shutdown: sessions are cut, the server stops cleanly.
func (pg *privatePostgres) stop(t *testing.T) {
	t.Helper()
	out, err := pg.ctl("-D", pg.dataDir(), "-m", "fast", "-w", "stop").CombinedOutput()
	require.NoError(t, err, "pg_ctl stop: %s", out)
	pg.up = false
}

func (pg *privatePostgres) ctl(args ...string) *exec.Cmd { return pg.command(pg.bins.pgCtl, args...) }

// command runs bin as the postgres user when the test runs as root.
func (pg *privatePostgres) command(bin string, args ...string) *exec.Cmd {
	var cmd *exec.Cmd
	if pg.bins.runuser != "" {
		cmd = exec.Command(pg.bins.runuser, append([]string{"-u", pgUser, "--", bin}, args...)...)
	} else {
		cmd = exec.Command(bin, args...)
	}
	cmd.Dir = pg.dir
	return cmd
}
