package relay

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/queue"
)

// maxApplyHeights bounds how many queued heights of one chain are applied
// together.
const maxApplyHeights = 64

// Engine defaults.
const (
	DefaultGroup             = "relay"
	DefaultBatchDelay        = 20 * time.Millisecond
	DefaultConsumeBlock      = time.Second
	DefaultWorkers           = 2
	DefaultJobRetryMin       = 250 * time.Millisecond
	DefaultJobRetryMax       = 15 * time.Second
	DefaultReclaimIdle       = 2 * DefaultInclusionTimeout
	DefaultStageDeadline     = 30 * time.Second
	DefaultSweepInterval     = 5 * time.Second
	DefaultSweepLimit        = 5000
	DefaultReconcileInterval = 30 * time.Second
	DefaultMetricsInterval   = 5 * time.Second
	// prereqPoll is how often a height waiting for another chain's watcher
	// looks again.
	prereqPoll = 25 * time.Millisecond
)

// DeliverStream is the queue of transfers waiting for delivery to dst.
func DeliverStream(dst string) string { return "deliver/" + dst }

// ConfirmStream is the queue of transfers waiting for their ack on src.
func ConfirmStream(src string) string { return "confirm/" + src }

// EngineConfig tunes an Engine.
type EngineConfig struct {
	// Consumer names this process in every consumer group; it must differ
	// between the relay processes sharing a queue.
	Consumer string
	// Group is the consumer group every relay process joins.
	Group string
	Batch BatchConfig
	// BatchDelay is how long a stage worker waits for a batch to fill
	// after its first job.
	BatchDelay time.Duration
	// ConsumeBlock is how long an idle worker waits for a job.
	ConsumeBlock time.Duration
	// Workers is how many batches of one stream are in flight at once.
	Workers int
	// Retry spaces the attempts of a job that failed; the attempt count
	// persists in the store.
	Retry Backoff
	// ReclaimIdle is how long a job may stay delivered and unacknowledged
	// before another consumer takes it over. It must exceed the longest
	// submission (inclusion timeout included).
	ReclaimIdle time.Duration
	// StageDeadline is how long a transfer may wait in a stage before the
	// sweeper enqueues it again.
	StageDeadline time.Duration
	SweepInterval time.Duration
	SweepLimit    int
	// ReconcileInterval spaces conservation checks; 0 disables them.
	ReconcileInterval time.Duration
	MetricsInterval   time.Duration
}

// DefaultEngineConfig returns the defaults for a process named consumer.
func DefaultEngineConfig(consumer string) EngineConfig {
	return EngineConfig{Consumer: consumer, Group: DefaultGroup, Batch: DefaultBatchConfig(), BatchDelay: DefaultBatchDelay,
		ConsumeBlock: DefaultConsumeBlock, Workers: DefaultWorkers, Retry: Backoff{Min: DefaultJobRetryMin, Max: DefaultJobRetryMax},
		ReclaimIdle: DefaultReclaimIdle, StageDeadline: DefaultStageDeadline, SweepInterval: DefaultSweepInterval,
		SweepLimit: DefaultSweepLimit, ReconcileInterval: DefaultReconcileInterval, MetricsInterval: DefaultMetricsInterval}
}

// Validate names the first bad field.
func (c EngineConfig) Validate() error {
	if err := queue.CheckName("consumer", c.Consumer); err != nil {
		return fmt.Errorf("engine config: consumer: %w", err)
	}
	if err := queue.CheckName("group", c.Group); err != nil {
		return fmt.Errorf("engine config: group: %w", err)
	}
	switch {
	case c.BatchDelay < 0:
		return errors.New("engine config: batch_delay must be >= 0")
	case c.ConsumeBlock <= 0:
		return errors.New("engine config: consume_block must be positive")
	case c.Workers < 1:
		return errors.New("engine config: workers must be >= 1")
	case c.ReclaimIdle <= 0:
		return errors.New("engine config: reclaim_idle must be positive")
	case c.StageDeadline <= 0 || c.SweepInterval <= 0:
		return errors.New("engine config: stage_deadline and sweep_interval must be positive")
	case c.SweepLimit < 1:
		return errors.New("engine config: sweep_limit must be >= 1")
	case c.ReconcileInterval < 0:
		return errors.New("engine config: reconcile_interval must be >= 0")
	case c.MetricsInterval <= 0:
		return errors.New("engine config: metrics_interval must be positive")
	}
	if err := c.Batch.Validate(); err != nil {
		return fmt.Errorf("engine config: %w", err)
	}
	if err := c.Retry.Validate(); err != nil {
		return fmt.Errorf("engine config: retry: %w", err)
	}
	return nil
}

// EngineChain is one chain the engine relays for.
type EngineChain struct {
	ID string
	// Endpoints are nodes of the chain, tried in order and cross-checked.
	Endpoints []Chain
	// Submitter signs this chain's recv, ack and client updates.
	Submitter *Submitter
	// Watch tunes the chain's watcher; a zero value takes the defaults.
	Watch WatcherConfig
	// Denoms native to this chain whose conservation the reconciler checks
	// on every route from it; none disables the check.
	Denoms []string
}

// Engine drives every transfer between its chains from debit to
// confirmation:
//
//   - a Watcher per chain turns each committed height into store
//     transitions (one batch per certified header) and stage jobs;
//   - deliver workers (stream deliver/<dst>) carry packets to their
//     destination in recv batches, confirm workers (confirm/<src>) carry
//     receipts back in ack batches, and both apply the transitions their
//     own transactions prove without waiting for the watchers;
//   - a sweeper enqueues again whatever stayed in a stage too long, so a
//     lost queue, a dead relay or an unreachable chain only delays a
//     transfer (an expired packet is delivered late and refunded);
//   - a reconciler checks conservation per route and denom.
//
// Several engines may share one store and queue: store transitions are
// compare-and-set, a job is held by one consumer at a time, and a stage
// worker skips packets the chain already handled.
type Engine struct {
	cfg     EngineConfig
	store   settlement.Store
	q       queue.Queue
	m       *Metrics
	log     *zap.Logger
	chains  map[string]*engineChain
	ids     []string
	recon   *Reconciler
	running atomic.Bool
}

type engineChain struct {
	EngineChain
	// node reaches the chain through whichever endpoint answers.
	node       Chain
	watcher    *Watcher
	deliverers map[string]*Deliverer // by source: packets from it to this chain
	confirmers map[string]*Confirmer // by destination: its receipts acked here
}

// NewEngine wires an engine; nothing runs until Run. metrics may be nil.
func NewEngine(cfg EngineConfig, chs []EngineChain, store settlement.Store, q queue.Queue, metrics *Metrics, log *zap.Logger) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(chs) < 2 {
		return nil, fmt.Errorf("engine: need at least two chains, have %d", len(chs))
	}
	e := &Engine{cfg: cfg, store: store, q: q, m: metrics, log: log.Named("engine"), chains: make(map[string]*engineChain)}
	for _, c := range chs {
		if !settlement.ValidChainID(c.ID) {
			return nil, fmt.Errorf("engine: chain id %q is not valid", c.ID)
		}
		if e.chains[c.ID] != nil {
			return nil, fmt.Errorf("engine: chain %q listed twice", c.ID)
		}
		if c.Submitter == nil || c.Submitter.ChainID() != c.ID {
			return nil, fmt.Errorf("engine: chain %s: no submitter for it", c.ID)
		}
		if c.Watch.ChainID == "" {
			c.Watch = DefaultWatcherConfig(c.ID)
		}
		ec := &engineChain{EngineChain: c, node: Failover(c.Endpoints...), deliverers: make(map[string]*Deliverer),
			confirmers: make(map[string]*Confirmer)}
		w, err := NewWatcher(c.Watch, c.Endpoints, storeCursors{store}, e.onMisbehaviour, log)
		if err != nil {
			return nil, err
		}
		ec.watcher = w
		c.Submitter.SetRecorder(&submissionLog{store: store, m: metrics, log: e.log})
		e.chains[c.ID] = ec
		e.ids = append(e.ids, c.ID)
	}
	rchains := make(map[string]ReconcileChain)
	var routes []ReconcileRoute
	for _, src := range e.ids {
		s := e.chains[src]
		if rc, ok := s.node.(ReconcileChain); ok {
			rchains[src] = rc
		}
		for _, dst := range e.ids {
			if dst == src {
				continue
			}
			d := e.chains[dst]
			var err error
			if d.deliverers[src], err = NewDeliverer(src, dst, s.node, d.node, d.Submitter, cfg.Batch, log); err != nil {
				return nil, err
			}
			if s.confirmers[dst], err = NewConfirmer(src, dst, s.node, d.node, s.Submitter, cfg.Batch, log); err != nil {
				return nil, err
			}
			if len(s.Denoms) > 0 {
				routes = append(routes, ReconcileRoute{Src: src, Dst: dst, Denoms: s.Denoms})
			}
		}
	}
	if cfg.ReconcileInterval > 0 && len(routes) > 0 {
		var err error
		if e.recon, err = NewReconciler(rchains, routes, store, log); err != nil {
			return nil, fmt.Errorf("engine: %w", err)
		}
		e.recon.SetFloor(func(id string) uint64 { return e.chains[id].watcher.Latest() })
	}
	return e, nil
}

// Run starts the watchers, rebuilds the queues from the store and works
// until ctx ends. It returns an error only when it cannot start.
func (e *Engine) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var started []*Watcher
	defer func() {
		for _, w := range started {
			w.Stop()
		}
	}()
	for _, id := range e.ids {
		w := e.chains[id].watcher
		if err := w.Start(ctx); err != nil {
			return fmt.Errorf("engine: %w", err)
		}
		started = append(started, w)
	}
	// Whatever the queues lost while no relay ran is enqueued again now.
	e.sweep(ctx, time.Now().Add(time.Hour))
	var wg sync.WaitGroup
	spawn := func(f func(context.Context)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(ctx)
		}()
	}
	for _, id := range e.ids {
		c := e.chains[id]
		spawn(func(ctx context.Context) { e.follow(ctx, c) })
		for range e.cfg.Workers {
			spawn(func(ctx context.Context) {
				e.work(ctx, DeliverStream(id), func(ctx context.Context, ds []queue.Delivery) { e.deliver(ctx, c, ds) })
			})
			spawn(func(ctx context.Context) {
				e.work(ctx, ConfirmStream(id), func(ctx context.Context, ds []queue.Delivery) { e.confirm(ctx, c, ds) })
			})
		}
	}
	spawn(e.sweepLoop)
	spawn(e.metricsLoop)
	if e.recon != nil {
		spawn(e.reconcileLoop)
	}
	e.running.Store(true)
	e.log.Info("relay engine running", zap.Strings("chains", e.ids), zap.String("consumer", e.cfg.Consumer))
	<-ctx.Done()
	e.running.Store(false)
	wg.Wait()
	return nil
}

// Ready reports whether the engine runs and reaches its store and queue.
func (e *Engine) Ready(ctx context.Context) error {
	if !e.running.Load() {
		return errors.New("engine not running")
	}
	if _, err := e.store.GetCursor(ctx, e.ids[0]); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if _, err := e.q.Depth(ctx, DeliverStream(e.ids[0]), e.cfg.Group); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	return nil
}

// Cursor is the last height of chain the engine fully handled.
func (e *Engine) Cursor(chain string) uint64 {
	if c := e.chains[chain]; c != nil {
		return c.watcher.Cursor()
	}
	return 0
}

// follow applies chain c's observations in height order, confirming each
// height to the watcher once the store holds what it means.
func (e *Engine) follow(ctx context.Context, c *engineChain) {
	for {
		var first *Observation
		select {
		case first = <-c.watcher.Observations():
		case <-ctx.Done():
			return
		}
		// Heights that queued up while the last ones were applied go in
		// together: one store write of their rows, one of their
		// transitions, one of the cursor. Under load a chain commits many
		// small blocks, and a write per height falls behind.
		batch := []*Observation{first}
	drain:
		for len(batch) < maxApplyHeights {
			select {
			case obs := <-c.watcher.Observations():
				batch = append(batch, obs)
			default:
				break drain
			}
		}
		for attempt := 0; ; attempt++ {
			err := e.apply(ctx, batch)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return
			}
			e.m.Failure("observe", reasonOf(err))
			e.log.Warn("apply observations", zap.String("chain_id", first.Chain), zap.Uint64("from", first.Height),
				zap.Uint64("to", batch[len(batch)-1].Height), zap.Error(err))
			if !sleepCtx(ctx, e.cfg.Retry.Delay(attempt)) {
				return
			}
		}
		heights := make([]uint64, len(batch))
		for i, obs := range batch {
			heights[i] = obs.Height
		}
		if err := c.watcher.Confirm(ctx, heights...); err != nil && ctx.Err() == nil {
			e.log.Warn("confirm heights", zap.String("chain_id", first.Chain), zap.Uint64s("heights", heights), zap.Error(err))
		}
	}
}

// storeCursors keeps watcher cursors in the settlement store, shared by
// every relay process: a cursor says every height up to it was handled by
// some relay.
type storeCursors struct{ s settlement.Store }

func (c storeCursors) Get(ctx context.Context, chain string) (uint64, error) {
	return c.s.GetCursor(ctx, chain)
}

func (c storeCursors) Set(ctx context.Context, chain string, h uint64) error {
	return c.s.SetCursor(ctx, chain, h)
}

// onMisbehaviour reports conflicting headers of one chain to every other
// chain, whose light client freezes on the proof.
func (e *Engine) onMisbehaviour(chain string, m *attest.Misbehaviour) {
	e.m.Misbehaviour(chain)
	for _, id := range e.ids {
		if id == chain {
			continue
		}
		go func(sub *Submitter) {
			ctx, cancel := context.WithTimeout(context.Background(), DefaultInclusionTimeout)
			defer cancel()
			typ, payload := newMisbehaviour(chain, m)
			if _, err := sub.Submit(ctx, typ, payload); err != nil {
				e.log.Error("submit misbehaviour", zap.String("of", chain), zap.String("to", sub.ChainID()), zap.Error(err))
			}
		}(e.chains[id].Submitter)
	}
}

// reasonOf is a short, bounded label for a failure metric.
func reasonOf(err error) string {
	var re *RejectedError
	switch {
	case errors.As(err, &re):
		return "rejected"
	case errors.Is(err, ErrNotIncluded):
		return "not_included"
	case errors.Is(err, ErrClientFrozen):
		return "client_frozen"
	case errors.Is(err, ErrUntrustedHeader):
		return "untrusted_header"
	case errors.Is(err, errPrerequisite):
		return "waiting"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "error"
}
