// Package localnet runs the validators of one chain inside one process, over
// loopback TCP or the in-memory transport. The devnet command, the chain
// benchmark and multi-node tests are built on it.
//
// Keys are derived deterministically from a seed, so a localnet restarted
// with the same options is the same chain and resumes from its data.
package localnet

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"path/filepath"
	"strconv"
	"sync"

	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/p2p"
	"github.com/causeway/causeway/node/store"
)

// Transports a localnet can use.
const (
	TransportTCP = "tcp"
	TransportMem = "mem"
)

// Options describe a local chain.
type Options struct {
	ChainID    string
	Validators int
	Accounts   int   // funded demo accounts
	Seed       int64 // key derivation seed
	Dir        string
	Transport  string // TransportTCP (default) or TransportMem
	Host       string // default 127.0.0.1
	// P2PPorts and RPCPorts fix the ports; nil picks free ones.
	P2PPorts []int
	RPCPorts []int
	Params   *chains.Params // nil: chains.DefaultParams()
	// GenesisTimeMs fixes the genesis time; 0 uses a constant so that
	// restarts produce the same genesis hash.
	GenesisTimeMs uint64
	Logger        *zap.Logger
	// ShareSigCache lets the in-process validators share one signature
	// cache, as one machine would verify each signature once.
	ShareSigCache bool
	// Edit may change the genesis document before nodes are built.
	Edit func(*chains.Genesis)
}

// stateCacheBytes sizes each in-process validator's state caches: many
// validators share one machine's memory.
const stateCacheBytes = 48 << 20

// defaultGenesisTimeMs is 2026-01-01T00:00:00Z.
const defaultGenesisTimeMs = 1767225600000

// Net is a running local chain.
type Net struct {
	Genesis  *chains.Genesis
	Keys     []*ecdsa.PrivateKey // validator keys, in genesis order
	Accounts []*ecdsa.PrivateKey // demo accounts

	opts  Options
	cfgs  []node.Config
	mem   *p2p.MemNetwork
	sigs  *app.SigCache
	mu    sync.Mutex
	nodes []*node.Node
	ctx   context.Context
}

// New builds the genesis, keys and node configurations. Nothing runs yet.
func New(opts Options) (*Net, error) {
	if opts.Validators < 1 {
		return nil, errors.New("localnet: at least one validator")
	}
	if opts.Transport == "" {
		opts.Transport = TransportTCP
	}
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	n := &Net{opts: opts}
	g, err := n.buildGenesis()
	if err != nil {
		return nil, err
	}
	n.Genesis = g
	if opts.Edit != nil {
		opts.Edit(n.Genesis)
	}
	if err := n.Genesis.Validate(); err != nil {
		return nil, err
	}
	if err := n.buildConfigs(); err != nil {
		return nil, err
	}
	if opts.Transport == TransportMem {
		n.mem = p2p.NewMemNetwork()
	}
	if opts.ShareSigCache {
		n.sigs = app.NewSigCache(1 << 20)
	}
	n.nodes = make([]*node.Node, opts.Validators)
	return n, nil
}

func (n *Net) buildGenesis() (*chains.Genesis, error) {
	o := n.opts
	params := chains.DefaultParams()
	if o.Params != nil {
		params = *o.Params
	}
	genesisTime := o.GenesisTimeMs
	if genesisTime == 0 {
		genesisTime = defaultGenesisTimeMs
	}
	seed := o.Seed
	tn, err := chains.GenerateTestnetInMemory(chains.TestnetOptions{ChainID: o.ChainID, Validators: o.Validators,
		DemoAccounts: o.Accounts, Seed: &seed, GenesisTimeMs: genesisTime, Params: params, Password: "localnet"})
	if err != nil {
		return nil, err
	}
	for _, v := range tn.Validators {
		n.Keys = append(n.Keys, v.Key)
	}
	for _, a := range tn.Accounts {
		n.Accounts = append(n.Accounts, a.Key)
	}
	return tn.Genesis, nil
}

func (n *Net) buildConfigs() error {
	o := n.opts
	p2pPorts, err := ports(o.P2PPorts, o.Validators, o.Host)
	if err != nil {
		return err
	}
	rpcPorts, err := ports(o.RPCPorts, o.Validators, o.Host)
	if err != nil {
		return err
	}
	for i := 0; i < o.Validators; i++ {
		cfg := node.DefaultConfig()
		cfg.Home = filepath.Join(o.Dir, fmt.Sprintf("v%d", i))
		cfg.Key = ""
		cfg.P2P.ListenAddr = hostPort(o.Host, p2pPorts[i])
		cfg.RPC.ListenAddr = hostPort(o.Host, rpcPorts[i])
		for j := 0; j < o.Validators; j++ {
			if j != i {
				cfg.P2P.Peers = append(cfg.P2P.Peers, fmt.Sprintf("%s@%s", attest.AddressOf(n.Keys[j]).Hex(),
					hostPort(o.Host, p2pPorts[j])))
			}
		}
		n.cfgs = append(n.cfgs, cfg)
	}
	return nil
}

// Free ports are drawn from [portLow, portLow+portSpan): below Linux's
// ephemeral range (32768 and up), so the source port of some outgoing
// connection cannot take a port between the check and the bind, and never
// handed out twice in one process, so parallel nets do not collide.
const (
	portLow  = 20000
	portSpan = 12000
	// portTries bounds the search for one free port.
	portTries = 1000
)

var handedOut struct {
	sync.Mutex
	ports map[int]bool
}

// ports returns fixed ports, or count free ones on host.
func ports(fixed []int, count int, host string) ([]int, error) {
	if fixed != nil {
		if len(fixed) != count {
			return nil, fmt.Errorf("localnet: %d ports for %d validators", len(fixed), count)
		}
		return fixed, nil
	}
	handedOut.Lock()
	defer handedOut.Unlock()
	if handedOut.ports == nil {
		handedOut.ports = map[int]bool{}
	}
	out := make([]int, 0, count)
	for len(out) < count {
		p, err := freePort(host)
		if err != nil {
			return nil, err
		}
		handedOut.ports[p] = true
		out = append(out, p)
	}
	return out, nil
}

// freePort finds a port of the range that no net of this process has and
// that host can bind now. The caller holds handedOut.
func freePort(host string) (int, error) {
	for range portTries {
		p := portLow + rand.IntN(portSpan)
		if handedOut.ports[p] {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
		if err != nil {
			continue
		}
		l.Close()
		return p, nil
	}
	return 0, fmt.Errorf("localnet: no free port in %d..%d on %s", portLow, portLow+portSpan-1, host)
}

// Start starts every validator.
func (n *Net) Start(ctx context.Context) error {
	n.ctx = ctx
	for i := range n.nodes {
		if err := n.StartNode(i); err != nil {
			n.Stop()
			return err
		}
	}
	return nil
}

// StartNode (re)starts validator i from its data directory.
func (n *Net) StartNode(i int) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.nodes[i] != nil {
		return fmt.Errorf("localnet: validator %d already running", i)
	}
	small := store.SmallConfig()
	opts := node.Options{Genesis: n.Genesis, Key: n.Keys[i], SigCache: n.sigs, Store: &small, StateCacheBytes: stateCacheBytes,
		Logger: n.opts.Logger.With(zap.Int("validator_index", i))}
	if n.mem != nil {
		vals, _ := n.Genesis.ValidatorSet()
		opts.Transport = n.mem.Join(n.Keys[i], func(a attest.Address) bool { return vals.IndexOf(a) >= 0 })
	}
	nd, err := node.New(n.cfgs[i], opts)
	if err != nil {
		return fmt.Errorf("localnet: build validator %d: %w", i, err)
	}
	if err := nd.Start(n.ctx); err != nil {
		nd.Stop()
		return fmt.Errorf("localnet: start validator %d: %w", i, err)
	}
	n.nodes[i] = nd
	return nil
}

// StopNode stops validator i, as a crash would from its peers' view.
func (n *Net) StopNode(i int) {
	n.mu.Lock()
	nd := n.nodes[i]
	n.nodes[i] = nil
	n.mu.Unlock()
	if nd != nil {
		nd.Stop()
	}
}

// Node returns validator i, or nil while it is stopped.
func (n *Net) Node(i int) *node.Node {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.nodes[i]
}

// Running returns the running validators.
func (n *Net) Running() []*node.Node {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []*node.Node
	for _, nd := range n.nodes {
		if nd != nil {
			out = append(out, nd)
		}
	}
	return out
}

// Config returns validator i's configuration.
func (n *Net) Config(i int) node.Config { return n.cfgs[i] }

// Stop stops every validator.
func (n *Net) Stop() {
	for i := range n.nodes {
		n.StopNode(i)
	}
}

func hostPort(host string, port int) string { return net.JoinHostPort(host, fmt.Sprint(port)) }

// Mem is the in-memory network of a localnet built with TransportMem, so a
// test can join it as an extra (possibly byzantine) peer; nil otherwise.
func (n *Net) Mem() *p2p.MemNetwork { return n.mem }
