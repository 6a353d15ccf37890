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
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node"
	"github.com/causeway/causeway/node/store"
	"github.com/causeway/causeway/relay/relaytest"
	"github.com/causeway/causeway/settlement/gateway/client"
)

// The process topology of `bench e2e --processes`: two chains of
// procValidators `causeway node` each, one `causeway relay` and one
// `causeway gateway`, all children of the bench, on loopback ports from a
// free block.
const (
	procValidators = 4
	procSeed       = 1
	procClient     = "bench" // the gateway's API client
	procStartWait  = 90 * time.Second
	procStopWait   = 15 * time.Second
	procPoll       = 100 * time.Millisecond
	procLogLines   = 20 // of a process that exited, in the error

	// Ports: p2p and RPC of each chain's validators, then the relay's admin
	// listener and the gateway's two.
	procPorts     = 2*2*procValidators + 3
	portLow       = 20000 // below Linux's ephemeral range
	portHigh      = 32000
	portBlockTrys = 500

	clockTicks  = 100 // USER_HZ: /proc/<pid>/stat counts CPU time in these
	pssInterval = 250 * time.Millisecond
)

// procStateCacheBytes sizes each validator's state caches: eight share
// one machine.
const procStateCacheBytes = 16 << 20

// procStorageTOML sizes each validator's stores for eight on one machine:
// Pebble as store.SmallConfig (what the in-process devnet uses) and a small
// state cache.
func procStorageTOML() string {
	small := store.SmallConfig()
	return fmt.Sprintf("\n[storage]\ncache_bytes = %d\nmemtable_bytes = %d\nstate_cache_bytes = %d\n",
		small.CacheBytes, small.MemTableBytes, procStateCacheBytes)
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(text)
	return errors.Join(err, f.Close())
}

// processTopology is a running process topology.
type processTopology struct {
	bin, dir string
	ports    int
	senders  int
	nets     []*chains.Testnet
	procs    []*benchProc

	done context.Context
	fail context.CancelCauseFunc

	mu      sync.Mutex
	peakPSS int64
}

type benchProc struct {
	name, log string
	cmd       *exec.Cmd
	exited    chan struct{}
	stopping  bool
	mu        sync.Mutex
}

// processStarter returns the relaytest.Start that runs the topology under
// dir with senders funded accounts per chain sending the load.
func processStarter(dir string, senders int, blockMs uint64, progress func(string, ...any)) relaytest.Start {
	return func(ctx context.Context, storeURL, queueURL string) (*relaytest.Topology, error) {
		bin, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find this binary: %w", err)
		}
		ports, err := freePortRange(procPorts)
		if err != nil {
			return nil, err
		}
		t := &processTopology{bin: bin, dir: dir, ports: ports, senders: senders}
		t.done, t.fail = context.WithCancelCause(context.Background())
		topo, err := t.start(ctx, storeURL, queueURL, blockMs, progress)
		if err != nil {
			t.stop()
			return nil, err
		}
		return topo, nil
	}
}

func (t *processTopology) start(ctx context.Context, storeURL, queueURL string, blockMs uint64,
	progress func(string, ...any)) (*relaytest.Topology, error) {
	params := chains.DefaultParams()
	params.BlockIntervalMs = blockMs
	for i, id := range []string{"alpha", "beta"} {
		seed := int64(procSeed + i)
		p2p := t.ports + 2*i*procValidators
		tn, err := chains.GenerateTestnet(chains.TestnetOptions{ChainID: id, Validators: procValidators,
			Home: filepath.Join(t.dir, id), P2PBasePort: p2p, RPCBasePort: p2p + procValidators,
			DemoAccounts: t.senders + 2, LightKDF: true, Seed: &seed, Params: params})
		if err != nil {
			return nil, err
		}
		t.nets = append(t.nets, tn)
	}
	if err := chains.LinkTestnets(t.nets[0], t.nets[1]); err != nil {
		return nil, err
	}
	for _, tn := range t.nets {
		for _, v := range tn.Validators {
			if err := appendFile(filepath.Join(v.Home, node.ConfigFile), procStorageTOML()); err != nil {
				return nil, err
			}
		}
	}
	progress("starting %d `causeway node` processes (alpha and beta, %d validators each)", 2*procValidators, procValidators)
	for _, tn := range t.nets {
		for _, v := range tn.Validators {
			if err := t.spawn(tn.Genesis.ChainID+"-"+v.Name, filepath.Join(v.Home, "node.log"),
				"node", "--home", v.Home, "--log-level", "warn"); err != nil {
				return nil, err
			}
		}
	}
	rcs := make([]relaytest.RemoteChain, len(t.nets))
	for i, tn := range t.nets {
		keys := make([]*ecdsa.PrivateKey, len(tn.Accounts))
		for k, a := range tn.Accounts {
			keys[k] = a.Key
		}
		rcs[i] = relaytest.RemoteChain{ID: tn.Genesis.ChainID, GenesisHash: tn.GenesisHash,
			RPC: "ws://" + tn.Validators[0].RPCAddr, Endpoints: []string{"ws://" + tn.Validators[1].RPCAddr},
			Senders: keys[:t.senders], Relayers: keys[t.senders : t.senders+1]}
	}
	pair, err := t.connect(ctx, rcs)
	if err != nil {
		return nil, err
	}
	progress("starting `causeway relay` and `causeway gateway`")
	relayCfg, err := t.writeRelayConfig(storeURL, queueURL)
	if err != nil {
		pair.Stop()
		return nil, err
	}
	if err := t.spawn("relay", filepath.Join(t.dir, "relay.log"), "relay", "--config", relayCfg); err != nil {
		pair.Stop()
		return nil, err
	}
	gw, err := t.startGateway(ctx, storeURL)
	if err != nil {
		pair.Stop()
		return nil, err
	}
	if err := t.waitReady(ctx, "relay", t.addr(2*2*procValidators)); err != nil {
		pair.Stop()
		return nil, err
	}
	go t.samplePSS()
	return &relaytest.Topology{Pair: pair, Gateway: gw, GatewayChain: "alpha",
		GatewaySender: t.nets[0].Accounts[t.senders+1].Address, Processes: len(t.procs),
		Usage: t.usage, Done: t.done, Stop: func() { pair.Stop(); t.stop() }}, nil
}

// connect waits until both chains commit and returns a pair over RPC.
func (t *processTopology) connect(ctx context.Context, rcs []relaytest.RemoteChain) (*relaytest.Pair, error) {
	ctx, cancel := context.WithTimeout(ctx, procStartWait)
	defer cancel()
	for {
		p, err := relaytest.NewRemotePair(ctx, rcs[0], rcs[1])
		if err == nil {
			for _, c := range p.Chains() {
				if err = c.WaitHeight(ctx, 2); err != nil {
					break
				}
			}
			if err == nil {
				return p, nil
			}
			p.Stop()
		}
		if cause := context.Cause(t.done); cause != nil {
			return nil, cause
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("chains not committing after %s (logs under %s): %w", procStartWait, t.dir, err)
		}
		time.Sleep(procPoll)
	}
}

// writeRelayConfig writes the relay's TOML: the bench's store and queue,
// both chains through two validators each, and signer account senders.
func (t *processTopology) writeRelayConfig(storeURL, queueURL string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "consumer = %q\nstore = %q\nqueue = %q\nadmin_listen = %q\nmigrate = true\n\n[log]\nlevel = \"warn\"\n",
		"bench-relay", storeURL, queueURL, t.addr(2*2*procValidators))
	for _, tn := range t.nets {
		fmt.Fprintf(&b, "\n[[chains]]\nid = %q\ngenesis_hash = %q\nendpoints = [%q, %q]\ndenoms = [%q]\n",
			tn.Genesis.ChainID, tn.GenesisHash.Hex(), "ws://"+tn.Validators[0].RPCAddr, "ws://"+tn.Validators[1].RPCAddr,
			relaytest.Denom)
		signer := tn.Accounts[t.senders]
		fmt.Fprintf(&b, "[[chains.signers]]\nkeystore = %q\npassword_file = %q\n",
			signer.KeyFile, filepath.Join(filepath.Dir(signer.KeyFile), accountsPasswordFile))
	}
	path := filepath.Join(t.dir, "relay.toml")
	return path, os.WriteFile(path, []byte(b.String()), 0o600)
}

// startGateway writes the gateway's TOML, makes the bench client's API key
// with `causeway gateway keys add`, starts it and waits until it is ready.
func (t *processTopology) startGateway(ctx context.Context, storeURL string) (*client.Client, error) {
	listen, admin := t.addr(2*2*procValidators+1), t.addr(2*2*procValidators+2)
	var b strings.Builder
	fmt.Fprintf(&b, "listen = %q\nadmin_listen = %q\nstore = %q\nmigrate = true\n[log]\nlevel = \"warn\"\n", listen, admin, storeURL)
	for _, tn := range t.nets {
		fmt.Fprintf(&b, "\n[[chains]]\nid = %q\ngenesis_hash = %q\nendpoints = [%q, %q]\n", tn.Genesis.ChainID,
			tn.GenesisHash.Hex(), "http://"+tn.Validators[2].RPCAddr, "http://"+tn.Validators[3].RPCAddr)
	}
	acct := t.nets[0].Accounts[t.senders+1]
	fmt.Fprintf(&b, "\n[[signers]]\nclient = %q\nkeystore = %q\npassword_file = %q\n", procClient, acct.KeyFile,
		filepath.Join(filepath.Dir(acct.KeyFile), accountsPasswordFile))
	cfg := filepath.Join(t.dir, "gateway.toml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
		return nil, err
	}
	out, err := exec.CommandContext(ctx, t.bin, "gateway", "keys", "add", "--config", cfg, "--client", procClient,
		"--rate", "10000", "--burst", "10000").Output()
	if err != nil {
		return nil, fmt.Errorf("gateway keys add: %w", exitDetail(err))
	}
	if err := t.spawn("gateway", filepath.Join(t.dir, "gateway.log"), "gateway", "--config", cfg); err != nil {
		return nil, err
	}
	if err := t.waitReady(ctx, "gateway", admin); err != nil {
		return nil, err
	}
	return client.New("http://"+listen, strings.TrimSpace(string(out)))
}

// waitReady waits until the admin listener at addr answers /readyz.
func (t *processTopology) waitReady(ctx context.Context, name, addr string) error {
	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(procStartWait)
	for {
		resp, err := hc.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if cause := context.Cause(t.done); cause != nil {
			return cause
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s not ready at %s after %s (log under %s)", name, addr, procStartWait, t.dir)
		}
		time.Sleep(procPoll)
	}
}

func exitDetail(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
	}
	return err
}

func (t *processTopology) addr(offset int) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(t.ports+offset))
}

// spawn starts this binary with args, its output to log. A process that
// exits before stop ends the topology's done context with its log's tail.
func (t *processTopology) spawn(name, log string, args ...string) error {
	f, err := os.Create(log)
	if err != nil {
		return err
	}
	cmd := exec.Command(t.bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the bench
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("start %s: %w", name, err)
	}
	p := &benchProc{name: name, log: log, cmd: cmd, exited: make(chan struct{})}
	t.procs = append(t.procs, p)
	go func() {
		err := cmd.Wait()
		f.Close()
		close(p.exited)
		p.mu.Lock()
		stopping := p.stopping
		p.mu.Unlock()
		if !stopping {
			t.fail(fmt.Errorf("%s exited: %v\n%s", name, err, logTail(log, procLogLines)))
		}
	}()
	return nil
}

// stop ends every process: SIGTERM, then SIGKILL after procStopWait.
func (t *processTopology) stop() {
	for _, p := range t.procs {
		p.mu.Lock()
		p.stopping = true
		p.mu.Unlock()
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	deadline := time.After(procStopWait)
	for _, p := range t.procs {
		select {
		case <-p.exited:
		case <-deadline:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	}
	t.fail(nil)
}

// samplePSS adds up the processes' proportional set sizes every
// pssInterval until the topology stops, keeping the largest sum.
func (t *processTopology) samplePSS() {
	tick := time.NewTicker(pssInterval)
	defer tick.Stop()
	for {
		var sum int64
		for _, p := range t.procs {
			sum += procKB("/proc/"+strconv.Itoa(p.cmd.Process.Pid)+"/smaps_rollup", "Pss:") << 10
		}
		t.mu.Lock()
		t.peakPSS = max(t.peakPSS, sum)
		t.mu.Unlock()
		select {
		case <-tick.C:
		case <-t.done.Done():
			return
		}
	}
}

// procKB reads the "<field> <n> kB" line of a /proc file; 0 when absent.
func procKB(path, field string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}

// usage sums the CPU time of the processes still running, with the peak
// of their summed PSS and each one's peak resident set, from /proc.
func (t *processTopology) usage() relaytest.Usage {
	u := relaytest.Usage{PeakRSS: make(map[string]int64, len(t.procs))}
	t.mu.Lock()
	u.PeakPSS = t.peakPSS
	t.mu.Unlock()
	for _, p := range t.procs {
		pid := strconv.Itoa(p.cmd.Process.Pid)
		if stat, err := os.ReadFile("/proc/" + pid + "/stat"); err == nil {
			// Fields after the parenthesised command: utime and stime are
			// the 12th and 13th.
			if i := strings.LastIndexByte(string(stat), ')'); i > 0 {
				f := strings.Fields(string(stat[i+1:]))
				if len(f) > 12 {
					user, _ := strconv.ParseInt(f[11], 10, 64)
					sys, _ := strconv.ParseInt(f[12], 10, 64)
					u.CPUSeconds += float64(user+sys) / clockTicks
				}
			}
		}
		u.PeakRSS[p.name] = procKB("/proc/"+pid+"/status", "VmHWM:") << 10
	}
	return u
}

// logTail is the last n lines of the file at path.
func logTail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// freePortRange finds n consecutive loopback ports nothing listens on.
func freePortRange(n int) (int, error) {
	for range portBlockTrys {
		base := portLow + rand.IntN(portHigh-portLow-n)
		ports := make([]int, n)
		for i := range ports {
			ports[i] = base + i
		}
		if portsFree(ports...) {
			return base, nil
		}
	}
	return 0, fmt.Errorf("no block of %d free ports in %d..%d", n, portLow, portHigh)
}

// portsFree reports whether nothing listens on any of ports on loopback.
func portsFree(ports ...int) bool {
	for _, p := range ports {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}
