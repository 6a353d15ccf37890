package relaytest

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/holiman/uint256"
	_ "github.com/lib/pq" // the "postgres" driver, for the bench's schema
	"github.com/prometheus/client_golang/prometheus"
	goredis "github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/localnet"
	"github.com/causeway/causeway/node/tx"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/relay"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/backend"
	"github.com/causeway/causeway/settlement/gateway/api"
	"github.com/causeway/causeway/settlement/queue"
)

// End-to-end benchmark defaults and pacing.
const (
	DefaultE2ETransfers    = 4000
	DefaultE2ELightSamples = 50
	// DefaultE2ESenders funds enough senders per chain that the load is
	// not capped by the mempool: each sender keeps at most nonceWindow
	// transfers uncommitted, 960 per chain with 16.
	DefaultE2ESenders = 16

	e2eValidators     = 4
	e2eSeed           = 1
	e2eWarmupEachWay  = 20
	e2eAmount         = 1
	e2eTTL            = time.Hour // far past any phase: nothing should refund
	e2eTailPoll       = 100 * time.Millisecond
	e2eSendWorkers    = 4                      // concurrent broadcasters per chain
	e2eNonceRefresh   = 250 * time.Millisecond // nonce re-read when no head arrives
	e2eHeadBuffer     = 64                     // new-head notifications buffered per chain
	e2eLightPoll      = 5 * time.Millisecond
	e2eProgressEvery  = 2 * time.Second
	e2eSettleTimeout  = 10 * time.Minute // after the last broadcast
	e2eLightTimeout   = time.Minute      // per light-load sample
	e2eCleanupTimeout = 30 * time.Second
	e2eConsumer       = "bench"
	e2eRelayer        = 0 // relayer account index the engine signs with
	e2eSQLiteFile     = "settlement.db"
	e2eSchemaPrefix   = "cw_bench_"
	e2eQueuePrefix    = "cw-bench-"
	e2eRandBytes      = 6 // random bytes in a schema name or key prefix
	searchPathParam   = "search_path"
	redisPrefixParam  = "prefix" // as backend.OpenQueue reads it
	redisScanCount    = 1000
)

// E2EOptions configure RunE2EBench.
type E2EOptions struct {
	// Dir holds the chains' data and the embedded store.
	Dir string
	// StoreURL is a postgres:// URL or "" for SQLite in Dir. The bench
	// creates a schema of its own in that database, migrates it and drops
	// it at the end, so existing rows neither mix in nor get touched.
	StoreURL string
	// QueueURL is a redis:// URL or "" for the in-process queue. Unless the
	// URL sets ?prefix=, the bench uses a fresh key prefix and deletes its
	// keys at the end.
	QueueURL string
	// Transfers is the throughput phase's total, split evenly between the
	// two directions. Ignored when Duration is set.
	Transfers int
	// Duration, when set, makes the throughput phase send for that long
	// instead of a fixed number of transfers.
	Duration time.Duration
	// Rate, when set, makes the throughput phase open-loop: transfers are
	// offered at this many per second in all (half each way) whatever
	// settles, instead of as fast as the chains take them.
	Rate            float64
	LightSamples    int
	Senders         int    // funded sender accounts per chain
	BlockIntervalMs uint64 // idle block interval; 0 takes the chains' default
	Transport       string // localnet.TransportTCP (default) or TransportMem
	// Start, when set, runs the chains, the relay and the gateway outside
	// this process (`bench e2e --processes`); StoreURL and QueueURL must
	// name servers they can share. GatewayRate intents per second go
	// through its gateway during the throughput phase.
	Start       Start
	GatewayRate float64
	// CPUProfile, when set, receives a CPU profile of the throughput
	// phase alone (the figures' CPU window).
	CPUProfile io.Writer
	Logger     *zap.Logger
	Progress   func(format string, args ...any)
}

// E2EResult.MemoryMeasure values.
const (
	MemoryProcessRSS = "process peak RSS"
	MemorySummedPSS  = "peak of the processes' summed PSS"
)

// Latency is the median and 99th percentile of a set of durations.
type Latency struct {
	P50 time.Duration `json:"p50_ns"`
	P99 time.Duration `json:"p99_ns"`
}

// E2EResult is what RunE2EBench measured.
type E2EResult struct {
	Store           string `json:"store"`
	Queue           string `json:"queue"`
	Transport       string `json:"transport"`
	Validators      int    `json:"validators_per_chain"`
	BlockIntervalMs uint64 `json:"block_interval_ms"`
	Senders         int    `json:"senders_per_chain"`
	Warmup          int    `json:"warmup_transfers"`

	// LightLatency is submit (broadcast) → finished in the store, one
	// transfer at a time.
	LightSamples int     `json:"light_samples"`
	LightLatency Latency `json:"light_latency"`

	// Mode is "closed-loop" (send as fast as the chains take transfers) or
	// "open-loop" (offer OfferedRate per second).
	Mode        string  `json:"mode"`
	OfferedRate float64 `json:"offered_rate,omitempty"`

	Transfers int `json:"transfers"`
	Refunded  int `json:"refunded"`
	// SendSeconds runs from the first broadcast to the last debit committed
	// on its source (block time); Seconds to the last transfer finished in
	// the store (store time).
	SendSeconds     float64 `json:"send_seconds"`
	Seconds         float64 `json:"seconds"`
	TransfersPerSec float64 `json:"transfers_per_sec"`
	// Stage latencies of the throughput phase, from the stored rows:
	// broadcast → debit committed, → credited on the destination, → ack
	// committed on the source, and broadcast → ack.
	Source   Latency `json:"source_latency"`
	Delivery Latency `json:"delivery_latency"`
	Confirm  Latency `json:"confirm_latency"`
	EndToEnd Latency `json:"end_to_end_latency"`
	// Gateway intents submitted during the throughput phase (separate
	// processes only), and their latency from submission to finished.
	GatewayIntents int     `json:"gateway_intents,omitempty"`
	GatewayLatency Latency `json:"gateway_latency,omitzero"`

	// Processes is 1 when everything runs in the bench's process, else the
	// topology's process count (the load generator not counted).
	Processes int `json:"processes"`
	// CPU over the throughput phase of the whole process (chains, relay,
	// store client, load generator), or of the topology's processes and the
	// load generator.
	CPUSeconds     float64       `json:"cpu_seconds"`
	CPUPerTransfer time.Duration `json:"cpu_per_transfer_ns"`
	// PeakRSSBytes is the memory of the whole topology at its peak: the
	// process's peak resident set, or for separate processes the largest
	// sum of their proportional set sizes (shared pages, such as the
	// binary's text, counted once) sampled while they ran. MemoryMeasure
	// says which.
	PeakRSSBytes  int64  `json:"peak_rss_bytes"`
	MemoryMeasure string `json:"memory_measure"`
	// PeakRSSByProcess is each topology process's own peak resident set
	// (separate processes only); each counts the shared pages in full.
	PeakRSSByProcess map[string]int64 `json:"peak_rss_by_process,omitempty"`

	// Crypto is the signature and proof work one transfer needs, measured
	// in this run, and the throughput it would cap the machine at.
	Crypto CryptoCeiling `json:"crypto_ceiling"`

	// Check covers every transfer of the run (warm-up and light load too).
	Checked    int    `json:"checked_transfers"`
	CheckOK    bool   `json:"check_ok"`
	CheckError string `json:"check_error,omitempty"`
}

// RunE2EBench runs the devnet topology in this process (two linked chains
// of four validators, one relay engine, a store and a queue) and measures
// settlement end to end: latency at light load, then settled transfers per
// second under load with per-stage latencies, CPU and memory. It finishes
// with Pair.Check; a failed check is reported in the result, not as an
// error. Errors mean the run itself could not complete.
func RunE2EBench(ctx context.Context, o E2EOptions) (*E2EResult, error) {
	o = o.withDefaults()
	res := &E2EResult{Transport: o.Transport, Validators: e2eValidators, BlockIntervalMs: o.BlockIntervalMs,
		Senders: o.Senders, LightSamples: o.LightSamples, Mode: "closed-loop", Processes: 1}
	if o.Rate > 0 {
		res.Mode, res.OfferedRate = "open-loop", o.Rate
	}
	if o.Start != nil && (o.StoreURL == "" || o.QueueURL == "") {
		return nil, errors.New("separate processes share the store and the queue: name a Postgres and a Redis")
	}
	store, q, urls, cleanup, err := openE2EBackends(ctx, o, res)
	if err != nil {
		return nil, err
	}
	defer func() {
		q.Close()
		store.Close()
		if err := cleanup(); err != nil {
			o.Logger.Warn("bench cleanup", zap.Error(err))
		}
	}()

	b := &e2eBench{o: o, store: store, tail: newSettleTail(store), res: res}
	if o.Start != nil {
		topo, err := o.Start(ctx, urls[0], urls[1])
		if err != nil {
			return nil, err
		}
		defer topo.Stop()
		b.p, b.topo, res.Processes, res.Transport = topo.Pair, topo, topo.Processes, localnet.TransportTCP
		var cancel context.CancelFunc
		ctx, cancel = mergeCause(ctx, topo.Done)
		defer cancel()
	} else {
		o.Progress("starting alpha and beta (%d validators each, %s transport, %d senders each)",
			e2eValidators, o.Transport, o.Senders)
		p, err := StartPair(ctx, PairOptions{Dir: o.Dir, Validators: e2eValidators, Senders: o.Senders,
			BlockIntervalMs: o.BlockIntervalMs, Transport: o.Transport, Seed: e2eSeed, Logger: o.Logger})
		if err != nil {
			return nil, err
		}
		defer p.Stop()
		var stopEngine func()
		ctx, stopEngine, err = runEngine(ctx, p, store, q, o.Logger)
		if err != nil {
			return nil, err
		}
		defer stopEngine()
		b.p = p
	}
	if err := b.run(ctx); err != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			return nil, cause
		}
		return nil, err
	}
	return res, nil
}

func (o E2EOptions) withDefaults() E2EOptions {
	if o.Transfers <= 0 {
		o.Transfers = DefaultE2ETransfers
	}
	if o.LightSamples <= 0 {
		o.LightSamples = DefaultE2ELightSamples
	}
	if o.Senders <= 0 {
		o.Senders = DefaultE2ESenders
	}
	if o.Transport == "" {
		o.Transport = localnet.TransportTCP
	}
	if o.BlockIntervalMs == 0 {
		o.BlockIntervalMs = chains.DefaultParams().BlockIntervalMs // as the devnet runs
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Progress == nil {
		o.Progress = func(string, ...any) {}
	}
	return o
}

// mergeCause is ctx, also ended with done's cause when done ends.
func mergeCause(ctx, done context.Context) (context.Context, context.CancelFunc) {
	out, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(done, func() { cancel(context.Cause(done)) })
	return out, func() {
		stop()
		cancel(nil)
	}
}

// openE2EBackends opens the store and queue the options name, each in a
// namespace of its own, and returns their URLs and what removes those
// namespaces.
func openE2EBackends(ctx context.Context, o E2EOptions, res *E2EResult) (settlement.Store, queue.Queue, [2]string, func() error, error) {
	var cleanups []func() error
	cleanup := func() error {
		var errs []error
		for i := len(cleanups) - 1; i >= 0; i-- {
			errs = append(errs, cleanups[i]())
		}
		return errors.Join(errs...)
	}
	storeURL := "sqlite:" + filepath.Join(o.Dir, e2eSQLiteFile)
	if o.StoreURL != "" {
		u, drop, err := freshSchema(ctx, o.StoreURL)
		if err != nil {
			return nil, nil, [2]string{}, nil, err
		}
		storeURL = u
		cleanups = append(cleanups, drop)
	}
	queueURL := backend.SchemeMemory + ":"
	if o.QueueURL != "" {
		u, drop, err := freshPrefix(o.QueueURL)
		if err != nil {
			_ = cleanup()
			return nil, nil, [2]string{}, nil, err
		}
		queueURL = u
		cleanups = append(cleanups, drop)
	}
	res.Store, _ = backend.StoreScheme(storeURL)
	res.Queue, _ = backend.QueueScheme(queueURL)
	store, err := backend.OpenStore(ctx, storeURL, backend.StoreOptions{Migrate: true})
	if err != nil {
		_ = cleanup()
		return nil, nil, [2]string{}, nil, err
	}
	q, err := backend.OpenQueue(ctx, queueURL)
	if err != nil {
		store.Close()
		_ = cleanup()
		return nil, nil, [2]string{}, nil, err
	}
	return store, q, [2]string{storeURL, queueURL}, cleanup, nil
}

// runEngine starts a relay engine over p in the background. The returned
// context ends, with the engine's error as its cause, if the engine stops
// on its own; stop ends the engine and waits for it.
func runEngine(ctx context.Context, p *Pair, store settlement.Store, q queue.Queue, log *zap.Logger) (context.Context, func(), error) {
	log = log.Named("relay")
	chs, err := p.EngineChains(e2eRelayer, log)
	if err != nil {
		return nil, nil, err
	}
	e, err := relay.NewEngine(relay.DefaultEngineConfig(e2eConsumer), chs, store, q,
		relay.NewMetrics(prometheus.NewRegistry()), log)
	if err != nil {
		return nil, nil, err
	}
	runCtx, fail := context.WithCancelCause(ctx)
	engCtx, cancel := context.WithCancel(runCtx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := e.Run(engCtx); err != nil {
			fail(fmt.Errorf("relay engine: %w", err))
		}
	}()
	return runCtx, func() {
		cancel()
		<-done
		fail(nil)
	}, nil
}

// e2eBench is one run's state.
type e2eBench struct {
	o     E2EOptions
	p     *Pair
	topo  *Topology // nil when everything runs in this process
	store settlement.Store
	tail  *settleTail
	res   *E2EResult
	all   []Sent // every transfer of the run, for the final check
}

func (b *e2eBench) run(ctx context.Context) error {
	if err := b.warmup(ctx); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	if err := b.lightLoad(ctx); err != nil {
		return fmt.Errorf("light load: %w", err)
	}
	b.o.Progress("light load: p50 %s, p99 %s over %d transfers", b.res.LightLatency.P50, b.res.LightLatency.P99,
		b.o.LightSamples)
	if err := b.throughput(ctx); err != nil {
		return fmt.Errorf("throughput: %w", err)
	}
	b.o.Progress("throughput: %d transfers settled in %.1f s: %.0f/s", b.res.Transfers, b.res.Seconds,
		b.res.TransfersPerSec)
	if err := b.cryptoCeiling(ctx); err != nil {
		return fmt.Errorf("crypto ceiling: %w", err)
	}
	b.o.Progress("crypto ceiling: %s of signature and proof work per transfer, %.0f/s on %d cores; measured %.0f%% of it",
		b.res.Crypto.PerTransfer, b.res.Crypto.TransfersPerSec, b.res.Crypto.Cores, 100*b.res.Crypto.Fraction)
	b.o.Progress("checking %d transfers against both chains", len(b.all))
	b.res.Checked = len(b.all)
	if _, err := b.p.Check(ctx, b.store, b.all); err != nil {
		if ctx.Err() != nil {
			return err
		}
		b.res.CheckError = err.Error()
		return nil
	}
	b.res.CheckOK = true
	return nil
}

// warmup sends a few transfers each way and waits until they settle, so
// connections, clients and queues exist before anything is timed.
func (b *e2eBench) warmup(ctx context.Context) error {
	b.o.Progress("warm-up: %d transfers each way", e2eWarmupEachWay)
	sent, err := b.load(ctx, 2*e2eWarmupEachWay, time.Time{}, 0)
	b.res.Warmup = len(sent)
	return err
}

// lightLoad sends one transfer at a time, alternating directions, and
// times each from its broadcast to the moment the store recorded it
// finished (the terminal event's time, so polling adds nothing).
func (b *e2eBench) lightLoad(ctx context.Context) error {
	var ws []*loadWorker
	var accts []*loadAccount
	for _, src := range b.p.Chains() {
		w, err := b.newWorker(ctx, src, nil, &sentLog{})
		if err != nil {
			return err
		}
		ws, accts = append(ws, w), append(accts, &loadAccount{key: src.Senders[0], addr: attest.AddressOf(src.Senders[0])})
	}
	lat := make([]time.Duration, 0, b.o.LightSamples)
	for i := range b.o.LightSamples {
		w, a := ws[i%2], accts[i%2]
		if err := w.refresh(ctx, []*loadAccount{a}); err != nil {
			return err
		}
		s, err := w.broadcast(ctx, a)
		if err != nil {
			return err
		}
		end, err := b.tail.waitTx(ctx, s)
		if err != nil {
			return err
		}
		s.Seq = end.seq
		b.all = append(b.all, s)
		lat = append(lat, end.at.Sub(s.SentAt))
	}
	b.res.LightLatency = latencyOf(lat)
	return nil
}

// throughput sends the load in both directions at once, as fast as the
// chains take it, waits until every transfer settled and reads the rows.
func (b *e2eBench) throughput(ctx context.Context) error {
	var until time.Time
	switch {
	case b.o.Rate > 0 && b.o.Duration > 0:
		until = time.Now().Add(b.o.Duration)
		b.o.Progress("throughput: offering %.0f transfers/s, half each way, for %s", b.o.Rate, b.o.Duration)
	case b.o.Rate > 0:
		b.o.Progress("throughput: offering %d transfers at %.0f/s, half each way", b.o.Transfers, b.o.Rate)
	case b.o.Duration > 0:
		until = time.Now().Add(b.o.Duration)
		b.o.Progress("throughput: sending both ways for %s", b.o.Duration)
	default:
		b.o.Progress("throughput: sending %d transfers, half each way", b.o.Transfers)
	}
	if b.o.CPUProfile != nil {
		if err := pprof.StartCPUProfile(b.o.CPUProfile); err != nil {
			return err
		}
	}
	var gw *GatewayLoad
	var gwo GatewayLoadOptions
	if b.topo != nil && b.topo.Gateway != nil && b.o.GatewayRate > 0 {
		b.o.Progress("throughput: %.0f intents/s through the gateway beside it", b.o.GatewayRate)
		other := b.p.Beta.ID
		if b.topo.GatewayChain == other {
			other = b.p.Alpha.ID
		}
		gwo = GatewayLoadOptions{Client: b.topo.Gateway, Rate: b.o.GatewayRate, Amount: e2eAmount,
			From:           api.Endpoint{Chain: b.topo.GatewayChain, Address: b.topo.GatewaySender},
			To:             api.Endpoint{Chain: other, Address: FreshAddress()},
			TimeoutSeconds: e2eGatewayTimeout}
		gw = StartGatewayLoad(ctx, gwo)
	}
	cpu0 := b.cpuSeconds()
	sent, err := b.load(ctx, b.o.Transfers, until, b.o.Rate)
	if gw != nil {
		accepted, gerr := gw.Stop()
		err = errors.Join(err, gerr)
		if err == nil {
			var viaGateway []Sent
			var lat []time.Duration
			viaGateway, lat, err = b.settleGateway(ctx, gwo, accepted)
			b.all = append(b.all, viaGateway...)
			b.res.GatewayIntents, b.res.GatewayLatency = len(viaGateway), latencyOf(lat)
		}
	}
	b.res.CPUSeconds = b.cpuSeconds() - cpu0
	if b.o.CPUProfile != nil {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	b.res.PeakRSSBytes, b.res.MemoryMeasure = localnet.PeakRSS(), MemoryProcessRSS
	if b.topo != nil {
		u := b.topo.Usage()
		b.res.PeakRSSBytes, b.res.PeakRSSByProcess, b.res.MemoryMeasure = u.PeakPSS, u.PeakRSS, MemorySummedPSS
	}
	if len(sent) == 0 {
		return errors.New("nothing sent")
	}
	rows, err := b.rows(ctx, sent)
	if err != nil {
		return err
	}
	b.measure(sent, rows)
	return nil
}

// cpuSeconds is the CPU time used so far by this process and the
// topology's processes.
func (b *e2eBench) cpuSeconds() float64 {
	cpu := localnet.CPUSeconds()
	if b.topo != nil {
		cpu += b.topo.Usage().CPUSeconds
	}
	return cpu
}

// load broadcasts n transfers, half each way (or, when until is set, as
// many as the chains take until then), offered at rate per second in all
// when rate is set, waits until all have ended in the store and returns
// them.
func (b *e2eBench) load(ctx context.Context, n int, until time.Time, rate float64) ([]Sent, error) {
	ctx, fail := context.WithCancelCause(ctx) // a sender's error stops the load
	defer fail(nil)
	log := &sentLog{}
	var wg sync.WaitGroup
	for i, src := range b.p.Chains() {
		k := n / 2
		if i == 0 {
			k += n % 2
		}
		wg.Go(func() {
			if err := b.sendLoad(ctx, src, k, until, rate/2, log); err != nil {
				fail(fmt.Errorf("send from %s: %w", src.ID, err))
			}
		})
	}
	sendDone := make(chan struct{})
	go func() { wg.Wait(); close(sendDone) }()
	err := b.waitLoad(ctx, log, sendDone)
	if err != nil {
		fail(err)
	}
	<-sendDone
	if err != nil {
		return nil, context.Cause(ctx)
	}
	sent := log.snapshot()
	for i := range sent {
		sent[i].Seq = b.tail.ended[sent[i].TxHash].seq
	}
	b.all = append(b.all, sent...)
	return sent, nil
}

// sendLoad broadcasts transfers from src to one fresh receiver until n
// are sent or, when until is set, until then. Several workers share src's
// senders; each keeps at most nonceWindow transactions of a sender
// uncommitted and reads the sender's nonce again when the chain commits a
// block, so the load is bounded by what the chain includes, not by
// waiting for receipts. With rate set, broadcasts also keep to that many
// per second.
func (b *e2eBench) sendLoad(ctx context.Context, src *Chain, n int, until time.Time, rate float64, log *sentLog) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	heads, stopHeads, err := watchHeads(ctx, src)
	if err != nil {
		return err
	}
	defer stopHeads()
	var left atomic.Int64
	left.Store(int64(n))
	var pace *pacer
	if rate > 0 {
		pace = newPacer(rate)
	}
	quota := func() bool {
		if pace != nil && !pace.wait(ctx) {
			return false
		}
		if !until.IsZero() {
			return time.Now().Before(until)
		}
		return left.Add(-1) >= 0
	}
	w, err := b.newWorker(ctx, src, quota, log)
	if err != nil {
		return err
	}
	w.heads = heads
	workers := min(e2eSendWorkers, len(src.Senders))
	var first error // the worker error that stopped the others
	var once sync.Once
	var wg sync.WaitGroup
	for i := range workers {
		var accts []*loadAccount
		for k := i; k < len(src.Senders); k += workers {
			accts = append(accts, &loadAccount{key: src.Senders[k], addr: attest.AddressOf(src.Senders[k])})
		}
		wg.Go(func() {
			if err := w.run(ctx, accts); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		})
	}
	wg.Wait()
	return first
}

// waitLoad waits until the load senders are done and every transfer they
// broadcast has ended in the store, printing progress.
func (b *e2eBench) waitLoad(ctx context.Context, log *sentLog, sendDone <-chan struct{}) error {
	poll := time.NewTicker(e2eTailPoll)
	defer poll.Stop()
	progress := time.NewTicker(e2eProgressEvery)
	defer progress.Stop()
	var deadline <-chan time.Time
	for {
		if err := b.tail.poll(ctx); err != nil {
			return err
		}
		sent := log.snapshot()
		settled := b.tail.settled(sent)
		if deadline != nil && settled == len(sent) {
			return nil
		}
		select {
		case <-poll.C:
		case <-progress.C:
			b.o.Progress("sent %d, settled %d", len(sent), settled)
		case <-sendDone:
			sendDone, deadline = nil, time.After(e2eSettleTimeout)
		case <-deadline:
			return b.unsettled(sent, settled)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// unsettled describes the transfers that have not ended.
func (b *e2eBench) unsettled(sent []Sent, settled int) error {
	for _, s := range sent {
		if _, ok := b.tail.ended[s.TxHash]; !ok {
			return fmt.Errorf("%d of %d transfers not settled %s after the last broadcast (first: %s→%s in tx %s)",
				len(sent)-settled, len(sent), e2eSettleTimeout, s.Src, s.Dst, s.TxHash)
		}
	}
	return nil
}

// rows reads the stored rows of sent, a page of each receiver at a time.
func (b *e2eBench) rows(ctx context.Context, sent []Sent) (map[string]*settlement.Transfer, error) {
	out := make(map[string]*settlement.Transfer, len(sent))
	seen := make(map[string]bool)
	for _, s := range sent {
		route := s.Src + "/" + s.Receiver.Hex()
		if seen[route] {
			continue
		}
		seen[route] = true
		f := settlement.ListFilter{Account: s.Receiver, Src: s.Src}
		for cursor := ""; ; {
			page, next, err := b.store.List(ctx, f, cursor, settlement.MaxPageSize)
			if err != nil {
				return nil, fmt.Errorf("list transfers to %s: %w", s.Receiver.Hex(), err)
			}
			for _, t := range page {
				out[string(t.ID)] = t
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	for _, s := range sent {
		if out[s.ID()] == nil {
			return nil, fmt.Errorf("transfer %s: %w", s.ID(), settlement.ErrNotFound)
		}
	}
	return out, nil
}

// measure fills in the throughput figures from the rows of sent.
func (b *e2eBench) measure(sent []Sent, rows map[string]*settlement.Transfer) {
	first := sent[0].SentAt
	var last, lastDebit time.Time
	var source, delivery, confirm, e2e []time.Duration
	for _, s := range sent {
		t := rows[s.ID()]
		first = minTime(first, s.SentAt)
		last, lastDebit = maxTime(last, t.StatusAt), maxTime(lastDebit, t.Source.Time)
		if t.Status == settlement.StatusRefunded {
			b.res.Refunded++
			continue
		}
		source = append(source, t.Source.Time.Sub(s.SentAt))
		delivery = append(delivery, t.Delivery.Time.Sub(t.Source.Time))
		confirm = append(confirm, t.Confirm.Time.Sub(t.Delivery.Time))
		e2e = append(e2e, t.Confirm.Time.Sub(s.SentAt))
	}
	b.res.Transfers = len(sent)
	b.res.SendSeconds = lastDebit.Sub(first).Seconds()
	b.res.Seconds = last.Sub(first).Seconds()
	if b.res.Seconds > 0 {
		b.res.TransfersPerSec = float64(len(sent)) / b.res.Seconds
	}
	b.res.CPUPerTransfer = time.Duration(b.res.CPUSeconds / float64(len(sent)) * float64(time.Second))
	b.res.Source, b.res.Delivery = latencyOf(source), latencyOf(delivery)
	b.res.Confirm, b.res.EndToEnd = latencyOf(confirm), latencyOf(e2e)
}

func latencyOf(d []time.Duration) Latency {
	return Latency{P50: localnet.Percentile(d, 50), P99: localnet.Percentile(d, 99)}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// settleTail follows the store's event feed and keeps, by source
// transaction, when each transfer ended (the store's time of its finished
// or refunded event) and the sequence it got.
type settleTail struct {
	store settlement.Store
	after uint64 // last event seq read without a filter
	ended map[attest.Hash]ended
}

type ended struct {
	at  time.Time
	seq uint64
}

func newSettleTail(store settlement.Store) *settleTail {
	return &settleTail{store: store, ended: make(map[attest.Hash]ended)}
}

// poll reads every event since the last poll.
func (t *settleTail) poll(ctx context.Context) error {
	after, err := t.read(ctx, t.after, settlement.EventFilter{})
	t.after = after
	return err
}

// read records the ends among the events after seq matching f and
// returns the last seq read.
func (t *settleTail) read(ctx context.Context, after uint64, f settlement.EventFilter) (uint64, error) {
	for {
		evs, err := t.store.Events(ctx, after, settlement.MaxPageSize, f)
		if err != nil {
			return after, err
		}
		for _, e := range evs {
			after = e.Seq
			if e.Status != settlement.StatusFinished && e.Status != settlement.StatusRefunded {
				continue
			}
			var row struct {
				Seq    uint64 `json:"seq"`
				Source struct {
					TxHash attest.Hash `json:"tx_hash"`
				} `json:"source"`
			}
			if err := json.Unmarshal(e.Payload, &row); err != nil {
				return after, fmt.Errorf("event %d: payload: %w", e.Seq, err)
			}
			t.ended[row.Source.TxHash] = ended{at: e.At, seq: row.Seq}
		}
		if len(evs) < settlement.MaxPageSize {
			return after, nil
		}
	}
}

// waitTx polls the events of s's route until s ends. It leaves the
// unfiltered position alone.
func (t *settleTail) waitTx(ctx context.Context, s Sent) (ended, error) {
	ctx, cancel := context.WithTimeout(ctx, e2eLightTimeout)
	defer cancel()
	f := settlement.EventFilter{Src: s.Src, Dst: s.Dst}
	tick := time.NewTicker(e2eLightPoll)
	defer tick.Stop()
	after := t.after
	for {
		var err error
		if after, err = t.read(ctx, after, f); err != nil {
			return ended{}, err
		}
		if e, ok := t.ended[s.TxHash]; ok {
			return e, nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ended{}, fmt.Errorf("transfer %s→%s in tx %s not settled: %w", s.Src, s.Dst, s.TxHash, ctx.Err())
		}
	}
}

// settled counts the transfers of sent that have ended.
func (t *settleTail) settled(sent []Sent) int {
	n := 0
	for _, s := range sent {
		if _, ok := t.ended[s.TxHash]; ok {
			n++
		}
	}
	return n
}

// sentLog collects what load workers broadcast; it is safe for concurrent
// use.
type sentLog struct {
	mu   sync.Mutex
	sent []Sent
}

func (l *sentLog) add(s Sent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent = append(l.sent, s)
}

// snapshot returns what was broadcast so far, capped so that appending to
// it copies; later adds only write past its end.
func (l *sentLog) snapshot() []Sent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sent[:len(l.sent):len(l.sent)]
}

// loadWorker broadcasts transfers of one route from the senders it is
// given. It learns each transfer's sequence from the store, not from
// receipts, so it never waits for one.
type loadWorker struct {
	src, dst *Chain
	genesis  attest.Hash // src's, hashed once
	recv     attest.Address
	typ      string
	payload  []byte
	heads    *headSignal // nil: never waits for a block
	quota    func() bool // false: send no more
	log      *sentLog
}

// loadAccount is a sender's nonce as a worker tracks it.
type loadAccount struct {
	key             *ecdsa.PrivateKey
	addr            attest.Address
	next, committed uint64
	synced          bool // committed has been read once
}

// newWorker prepares transfers from src to a fresh receiver, expiring
// e2eTTL after src's latest block.
func (b *e2eBench) newWorker(ctx context.Context, src *Chain, quota func() bool, log *sentLog) (*loadWorker, error) {
	st, err := src.RPC.Status(ctx)
	if err != nil {
		return nil, err
	}
	w := &loadWorker{src: src, dst: b.p.Other(src), genesis: src.GenesisHash(), recv: FreshAddress(), quota: quota,
		log: log}
	w.typ, w.payload = xfer.NewTransfer(xfer.Transfer{Dst: w.dst.ID, Receiver: w.recv, Denom: Denom,
		Amount: uint256.NewInt(e2eAmount), RelayFee: uint256.NewInt(1),
		TimeoutTimeMs: st.LatestTimeMs + uint64(e2eTTL.Milliseconds())})
	return w, nil
}

// run sends from accts until the quota ends, keeping at most nonceWindow
// transactions of each sender uncommitted.
func (w *loadWorker) run(ctx context.Context, accts []*loadAccount) error {
	for {
		head := w.heads.next()
		if err := w.refresh(ctx, accts); err != nil {
			return err
		}
		for _, a := range accts {
			for a.next-a.committed < nonceWindow {
				if !w.quota() {
					return nil
				}
				if _, err := w.broadcast(ctx, a); err != nil {
					return err
				}
			}
		}
		select {
		case <-head:
		case <-time.After(e2eNonceRefresh):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// refresh reads the committed nonce of every sender whose window is full
// or that was never read.
func (w *loadWorker) refresh(ctx context.Context, accts []*loadAccount) error {
	for _, a := range accts {
		if a.synced && a.next-a.committed < nonceWindow {
			continue
		}
		acct, err := w.src.RPC.Account(ctx, a.addr)
		if err != nil {
			return err
		}
		a.committed, a.next, a.synced = acct.Nonce, max(a.next, acct.Nonce), true
	}
	return nil
}

// broadcast signs a's next transfer, sends it and logs it.
func (w *loadWorker) broadcast(ctx context.Context, a *loadAccount) (Sent, error) {
	t := &tx.Tx{ChainID: w.src.ID, Nonce: a.next, Type: w.typ, Payload: w.payload}
	if err := t.Sign(w.genesis, a.key); err != nil {
		return Sent{}, err
	}
	at := time.Now()
	h, err := w.src.RPC.SendRawTransaction(ctx, t.Encode())
	if err != nil {
		return Sent{}, fmt.Errorf("broadcast transfer: %w", err)
	}
	a.next++
	s := Sent{Src: w.src.ID, Dst: w.dst.ID, TxHash: h, Receiver: w.recv, Amount: e2eAmount, SentAt: at}
	w.log.add(s)
	return s, nil
}

// headSignal tells load workers that their chain committed a block, so
// their senders' nonces may have moved. A nil *headSignal never fires.
type headSignal struct {
	mu sync.Mutex
	ch chan struct{} // closed at the next head
}

// next returns a channel closed when the next head arrives.
func (h *headSignal) next() <-chan struct{} {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ch
}

func (h *headSignal) fire() {
	h.mu.Lock()
	defer h.mu.Unlock()
	close(h.ch)
	h.ch = make(chan struct{})
}

// watchHeads subscribes to c's new heads until stop is called. A lost
// subscription only slows the workers to e2eNonceRefresh.
func watchHeads(ctx context.Context, c *Chain) (h *headSignal, stop func(), err error) {
	heads := make(chan *chains.CertifiedHeader, e2eHeadBuffer)
	sub, err := c.Endpoints[0].SubscribeHeads(ctx, heads)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: subscribe heads: %w", c.ID, err)
	}
	h = &headSignal{ch: make(chan struct{})}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer sub.Unsubscribe()
		for {
			select {
			case <-heads:
				h.fire()
			case <-sub.Err():
				return
			case <-ctx.Done():
				return
			}
		}
	})
	return h, func() { cancel(); wg.Wait() }, nil
}

// freshSchema creates schema cw_bench_<random> in the Postgres database at
// rawURL and returns a URL whose search_path is that schema, and what drops
// it.
func freshSchema(ctx context.Context, rawURL string) (string, func() error, error) {
	if s, err := backend.StoreScheme(rawURL); err != nil {
		return "", nil, err
	} else if s != backend.SchemePostgres {
		return "", nil, fmt.Errorf("bench store %q: %w (want postgres://; the default is embedded SQLite)", s, backend.ErrUnsupportedScheme)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", nil, fmt.Errorf("%w: postgres url does not parse", backend.ErrBadURL)
	}
	db, err := sql.Open("postgres", rawURL)
	if err != nil {
		return "", nil, fmt.Errorf("open postgres: %w", err)
	}
	schema := e2eSchemaPrefix + randomHex()
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	q := u.Query()
	q.Set(searchPathParam, schema)
	u.RawQuery = q.Encode()
	drop := func() error {
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), e2eCleanupTimeout)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			return fmt.Errorf("drop schema %s: %w", schema, err)
		}
		return nil
	}
	return u.String(), drop, nil
}

// freshPrefix gives a redis:// URL without a ?prefix= a fresh key prefix
// cw-bench-<random> and returns what deletes that prefix's keys. A URL that
// sets a prefix is used as it is, and its keys are left alone.
func freshPrefix(rawURL string) (string, func() error, error) {
	if s, err := backend.QueueScheme(rawURL); err != nil {
		return "", nil, err
	} else if s != backend.SchemeRedis {
		return "", nil, fmt.Errorf("bench queue %q: %w (want redis://; the default is in-process)", s, backend.ErrUnsupportedScheme)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", nil, fmt.Errorf("%w: redis url does not parse", backend.ErrBadURL)
	}
	q := u.Query()
	if q.Has(redisPrefixParam) {
		return rawURL, func() error { return nil }, nil
	}
	prefix := e2eQueuePrefix + randomHex()
	q.Set(redisPrefixParam, prefix)
	u.RawQuery = q.Encode()
	return u.String(), func() error { return deleteRedisPrefix(rawURL, prefix) }, nil
}

// deleteRedisPrefix deletes the keys of the queue with prefix: the Redis
// queue names each stream's keys {prefix:stream}:….
func deleteRedisPrefix(rawURL, prefix string) error {
	opts, err := goredis.ParseURL(rawURL)
	if err != nil {
		return fmt.Errorf("parse redis url: %w", err)
	}
	c := goredis.NewClient(opts)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), e2eCleanupTimeout)
	defer cancel()
	var keys []string
	it := c.Scan(ctx, 0, "{"+prefix+":*", redisScanCount).Iterator()
	for it.Next(ctx) {
		keys = append(keys, it.Val())
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("scan redis keys %s: %w", prefix, err)
	}
	for _, k := range keys { // one at a time: a cluster refuses a DEL across slots
		if err := c.Del(ctx, k).Err(); err != nil {
			return fmt.Errorf("delete redis key %s: %w", k, err)
		}
	}
	return nil
}

func randomHex() string {
	var b [e2eRandBytes]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
