package node

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/block"
	"github.com/causeway/causeway/node/consensus"
	"github.com/causeway/causeway/node/mempool"
	"github.com/causeway/causeway/node/p2p"
	"github.com/causeway/causeway/node/registry"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/state"
	"github.com/causeway/causeway/node/store"
	"github.com/causeway/causeway/node/xfer"
)

// Sizes of in-memory caches and queues owned by the node.
const (
	sigCacheEntries = 1 << 18
	// DefaultStateCacheBytes sizes a validator's state caches.
	DefaultStateCacheBytes = 256 << 20
	inboundQueue           = 4096
	ingestQueue            = 256 // gossiped tx batches awaiting admission
	gossipFlushDelay       = 2 * time.Millisecond
	statusInterval         = 500 * time.Millisecond
	maxClockDriftMs        = 5_000 // a proposal may be this far ahead of the local clock
	subscriberBuffer       = 256
	syncRetryInterval      = 1 * time.Second
)

// ErrStopped is returned by calls made after Stop.
var ErrStopped = errors.New("node stopped")

// Options are the parts a caller may supply instead of building them from
// Config: an already-built transport (in-memory, for tests) and the
// decrypted validator key.
type Options struct {
	Genesis   *chains.Genesis
	Key       *ecdsa.PrivateKey // nil for a full node that does not vote
	Transport p2p.Transport     // nil: a TCP transport from Config.P2P
	Logger    *zap.Logger
	// SigCache may be shared by validators running in one process.
	SigCache *app.SigCache
	// Now is the wall clock used for block times; nil means time.Now.
	Now func() time.Time
	// Store tunes the block store; nil means store.DefaultConfig() sized by
	// Config.Storage. Many validators in one process want
	// store.SmallConfig().
	Store *store.Config
	// StateCacheBytes sizes the trie node and value caches; 0 takes
	// Config.Storage (DefaultStateCacheBytes when that is zero too).
	StateCacheBytes int
}

// Node is one validator (or full node) of a chain.
type Node struct {
	cfg         Config
	genesis     *chains.Genesis
	genesisHash attest.Hash
	key         *ecdsa.PrivateKey
	self        attest.Address
	log         *zap.Logger
	now         func() time.Time
	// stateCacheBytes sizes the state caches (Options.StateCacheBytes).
	stateCacheBytes int

	store     *store.Store
	sdb       *state.DB
	views     viewPool
	app       *app.App
	sigs      *app.SigCache
	mempool   *mempool.Mempool
	transport p2p.Transport
	rpc       *rpc.Server
	wal       *consensus.WAL
	guard     *consensus.SignGuard
	machine   *consensus.Machine
	timeouts  consensus.Timeouts

	events    chan driverEvent
	gossip    chan []byte
	ingest    chan [][]byte
	heads     *rpc.Feed[*attest.CertifiedHeader]
	blockFeed *rpc.Feed[*CommittedBlock]

	// execCostPerTx is the average wall time of executing one transaction
	// in a block, in nanoseconds; it sizes the propose-timeout allowance.
	execCostPerTx atomic.Int64

	mu           sync.RWMutex // guards chain and peerTop; taken alone, never with another lock
	chain        chainState
	peerTop      uint64        // highest height a peer reported
	genesisState *genesisNodes // genesis trie nodes awaiting block 1's batch

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// chainState is the committed tip as the RPC sees it.
type chainState struct {
	height   uint64
	tip      *block.Certified // nil at height 0
	root     attest.Hash      // state root after height
	vals     *attest.ValidatorSet
	nextVals *attest.ValidatorSet
	skips    []skipEntry
	lastTime time.Time // local time of the last commit
}

// New opens the node's stores and builds its parts. It does not start anything.
func New(cfg Config, opts Options) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	g := opts.Genesis
	if g == nil {
		var err error
		if g, err = chains.LoadGenesis(cfg.Path(cfg.Genesis)); err != nil {
			return nil, err
		}
	}
	n := &Node{
		cfg:         cfg,
		genesis:     g,
		genesisHash: g.Hash(),
		key:         opts.Key,
		log:         log.With(zap.String("chain_id", g.ChainID)),
		now:         opts.Now,
		sigs:        opts.SigCache,
		events:      make(chan driverEvent, inboundQueue),
		gossip:      make(chan []byte, inboundQueue),
		ingest:      make(chan [][]byte, ingestQueue),
		heads:       rpc.NewFeed[*attest.CertifiedHeader](),
		blockFeed:   rpc.NewFeed[*CommittedBlock](),
	}
	if n.now == nil {
		n.now = time.Now
	}
	if n.key != nil {
		n.self = attest.AddressOf(n.key)
		n.log = n.log.With(zap.String("validator", n.self.Hex()))
	}
	if n.sigs == nil {
		n.sigs = app.NewSigCache(sigCacheEntries)
	}
	storeCfg := store.DefaultConfig()
	if cfg.Storage.MemtableBytes > 0 { // zero in a Config not built by DefaultConfig
		storeCfg.CacheBytes, storeCfg.MemTableBytes = int64(cfg.Storage.CacheBytes), uint64(cfg.Storage.MemtableBytes)
	}
	if opts.Store != nil {
		storeCfg = *opts.Store
	}
	n.stateCacheBytes = cmp.Or(opts.StateCacheBytes, cfg.Storage.StateCacheBytes, DefaultStateCacheBytes)
	if err := n.open(opts.Transport, storeCfg); err != nil {
		n.closeStores()
		return nil, err
	}
	return n, nil
}

func (n *Node) open(tr p2p.Transport, storeCfg store.Config) error {
	var err error
	if n.store, err = store.OpenConfig(n.cfg.Path(n.cfg.DataDir), storeCfg, n.log.Named("store")); err != nil {
		return fmt.Errorf("open block store: %w", err)
	}
	n.sdb = state.New(n.store, n.stateCacheBytes)
	if n.app, err = app.New(n.genesis, n.sigs, bank.NewModule(), registry.NewModule(), xfer.NewModule()); err != nil {
		return fmt.Errorf("build app: %w", err)
	}
	n.mempool = mempool.New(n.mempoolConfig(), n.app, n.sigs)
	if err := n.loadChain(); err != nil {
		return err
	}
	n.timeouts = consensus.TimeoutsFor(time.Duration(n.genesis.Params.BlockIntervalMs) * time.Millisecond)
	if n.key != nil {
		if n.wal, err = consensus.OpenWAL(n.cfg.Path(n.cfg.Consensus.WALPath())); err != nil {
			return fmt.Errorf("open consensus wal: %w", err)
		}
		n.machine = consensus.New(consensus.Config{Self: n.self, Timeouts: n.timeouts})
		n.guard = consensus.NewSignGuard()
	}
	if tr == nil {
		if tr, err = n.tcpTransport(); err != nil {
			return err
		}
	}
	n.transport = tr
	n.rpc = rpc.NewServer(n.rpcConfig(), &backend{n: n}, n.log.Named("rpc"))
	return nil
}

func (n *Node) closeStores() {
	if n.wal != nil {
		n.wal.Close()
	}
	if n.store != nil {
		n.store.Close()
	}
}

// Start runs the node until ctx is cancelled or Stop is called.
func (n *Node) Start(ctx context.Context) error {
	ctx, n.cancel = context.WithCancel(ctx)
	if err := n.transport.Start(ctx); err != nil {
		return fmt.Errorf("start transport: %w", err)
	}
	if err := n.rpc.Start(ctx); err != nil {
		n.transport.Stop()
		return fmt.Errorf("start rpc: %w", err)
	}
	n.wg.Add(3)
	for range runtime.GOMAXPROCS(0) {
		n.wg.Go(func() { n.ingestLoop(ctx) })
	}
	go func() { defer n.wg.Done(); n.pumpInbound(ctx) }()
	go func() { defer n.wg.Done(); n.gossipLoop(ctx) }()
	go func() { defer n.wg.Done(); n.run(ctx) }()
	n.log.Info("node started", zap.Uint64("height", n.Height()),
		zap.String("rpc", n.rpc.Addr()), zap.Stringer("genesis_hash", n.genesisHash))
	return nil
}

// Stop shuts the node down and waits for every goroutine.
func (n *Node) Stop() error {
	if n.cancel != nil {
		n.cancel()
	}
	n.rpc.Stop()
	n.transport.Stop()
	n.wg.Wait()
	n.heads.Close()
	n.blockFeed.Close()
	n.closeStores()
	return nil
}

// Height is the latest committed height.
func (n *Node) Height() uint64 {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.chain.height
}

// GenesisHash identifies the chain.
func (n *Node) GenesisHash() attest.Hash { return n.genesisHash }

// RPCAddr is the bound JSON-RPC address.
func (n *Node) RPCAddr() string { return n.rpc.Addr() }

// Address is the validator address (zero for a full node).
func (n *Node) Address() attest.Address { return n.self }

// SubmitTx admits a transaction to the mempool and gossips it.
func (n *Node) SubmitTx(raw []byte) (attest.Hash, error) {
	view, done, err := n.latestState()
	if err != nil {
		return attest.Hash{}, err
	}
	h, err := n.mempool.Add(raw, view)
	done()
	if err != nil {
		return attest.Hash{}, err
	}
	select {
	case n.gossip <- raw:
	default: // the gossip buffer is full; peers will learn the tx from the block
	}
	return h, nil
}

// ChainID is the chain this node runs.
func (n *Node) ChainID() string { return n.genesis.ChainID }

// Genesis is the chain's genesis document.
func (n *Node) Genesis() *chains.Genesis { return n.genesis }
