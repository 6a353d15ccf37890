package localnet

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/holiman/uint256"
	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/tx"
)

// Chain benchmark defaults.
const (
	DefaultBenchAccounts = 4000
	DefaultBenchDuration = 10 * time.Second
	DefaultLightSamples  = 50
	benchInFlight        = 20000 // submitted but uncommitted transactions kept in flight
	benchWarmup          = 2 * time.Second
	benchRecoveryTimeout = 30 * time.Second
	sigBaselineSamples   = 2000
	benchSubmitPause     = 200 * time.Microsecond
)

// BenchOptions configure RunChainBench.
type BenchOptions struct {
	Validators    int
	Accounts      int
	Duration      time.Duration
	LightSamples  int
	Transport     string
	Dir           string
	ShareSigCache bool
	KillProposer  bool
	Logger        *zap.Logger
	Progress      func(format string, args ...any)
}

// BenchResult is what RunChainBench measured.
type BenchResult struct {
	Validators        int           `json:"validators"`
	Transport         string        `json:"transport"`
	SharedSigCache    bool          `json:"shared_sig_cache"`
	Committed         int           `json:"committed_txs"`
	Seconds           float64       `json:"seconds"`
	TxPerSec          float64       `json:"tx_per_sec"`
	Blocks            int           `json:"blocks"`
	LoadLatencyP50    time.Duration `json:"load_latency_p50_ns"`
	LoadLatencyP99    time.Duration `json:"load_latency_p99_ns"`
	LightLatencyP50   time.Duration `json:"light_latency_p50_ns"`
	LightLatencyP99   time.Duration `json:"light_latency_p99_ns"`
	ProposerRecovery  time.Duration `json:"proposer_recovery_ns"`
	CPUSeconds        float64       `json:"cpu_seconds"`
	CPUPerTx          time.Duration `json:"cpu_per_tx_ns"`
	PeakRSSBytes      int64         `json:"peak_rss_bytes"`
	SigVerifyBaseline time.Duration `json:"sig_verify_ns"`
}

// RunChainBench runs a local chain and measures committed signed bank
// transfers per second, commit latency at light load and under load, and
// the time to the next commit after the proposer is stopped.
func RunChainBench(ctx context.Context, o BenchOptions) (*BenchResult, error) {
	if o.Validators == 0 {
		o.Validators = 4
	}
	if o.Accounts == 0 {
		o.Accounts = DefaultBenchAccounts
	}
	if o.Duration == 0 {
		o.Duration = DefaultBenchDuration
	}
	if o.LightSamples == 0 {
		o.LightSamples = DefaultLightSamples
	}
	if o.Progress == nil {
		o.Progress = func(string, ...any) {}
	}
	res := &BenchResult{Validators: o.Validators, Transport: o.Transport, SharedSigCache: o.ShareSigCache}
	res.SigVerifyBaseline = SigBaseline()
	o.Progress("signature verify baseline: %s per signature", res.SigVerifyBaseline)

	ln, err := New(Options{ChainID: "bench", Validators: o.Validators, Accounts: o.Accounts, Seed: 1,
		Dir: o.Dir, Transport: o.Transport, Logger: o.Logger, ShareSigCache: o.ShareSigCache})
	if err != nil {
		return nil, err
	}
	if err := ln.Start(ctx); err != nil {
		return nil, err
	}
	defer ln.Stop()
	w := newWorkload(ln)
	o.Progress("validators up; signing transactions for %d accounts", o.Accounts)

	if err := w.lightLoad(ctx, o.LightSamples, res); err != nil {
		return nil, err
	}
	o.Progress("light load: p50 %s, p99 %s", res.LightLatencyP50, res.LightLatencyP99)
	if err := w.load(ctx, o, res); err != nil {
		return nil, err
	}
	o.Progress("load: %.0f tx/s over %.1fs (%d txs, %d blocks)", res.TxPerSec, res.Seconds, res.Committed, res.Blocks)
	if o.KillProposer {
		if err := w.killProposer(ctx, res); err != nil {
			return nil, err
		}
		o.Progress("proposer stopped: next commit after %s", res.ProposerRecovery)
	}
	res.PeakRSSBytes = PeakRSS()
	return res, nil
}

// sigBaseline measures one secp256k1 recovery, the per-signature cost every
// validator pays for every transaction.
// SigBaseline is the time one secp256k1 signature recovery takes on this
// machine now, averaged over a few thousand.
func SigBaseline() time.Duration {
	key, err := crypto.GenerateKey()
	if err != nil {
		panic(err)
	}
	d := attest.Keccak([]byte("baseline"))
	sig, _ := attest.Sign(d, key)
	start := time.Now()
	for i := 0; i < sigBaselineSamples; i++ {
		if _, err := attest.Recover(d, sig); err != nil {
			panic(err)
		}
	}
	return time.Since(start) / sigBaselineSamples
}

// workload signs bank transfers between the demo accounts and tracks when
// each was submitted and committed.
type workload struct {
	ln     *Net
	nonces []uint64
	next   int
	one    *uint256.Int
}

func newWorkload(ln *Net) *workload {
	return &workload{ln: ln, nonces: make([]uint64, len(ln.Accounts)), one: uint256.NewInt(1)}
}

// sign builds count transfers round-robin over the accounts.
func (w *workload) sign(count int) [][]byte {
	out := make([][]byte, count)
	type job struct {
		i     int
		key   *ecdsa.PrivateKey
		to    attest.Address
		nonce uint64
	}
	jobs := make([]job, count)
	for i := range jobs {
		a := w.next % len(w.ln.Accounts)
		w.next++
		to := attest.AddressOf(w.ln.Accounts[(a+1)%len(w.ln.Accounts)])
		jobs[i] = job{i: i, key: w.ln.Accounts[a], to: to, nonce: w.nonces[a]}
		w.nonces[a]++
	}
	gh := w.ln.Genesis.Hash()
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			for i := k; i < len(jobs); i += workers {
				j := jobs[i]
				typ, payload := bank.NewSend(j.to, "USD", w.one)
				t := &tx.Tx{ChainID: w.ln.Genesis.ChainID, Nonce: j.nonce, Type: typ, Payload: payload}
				if err := t.Sign(gh, j.key); err != nil {
					panic(err)
				}
				out[j.i] = t.Encode()
			}
		}(k)
	}
	wg.Wait()
	return out
}

// lightLoad submits one transaction at a time and waits for its commit.
func (w *workload) lightLoad(ctx context.Context, samples int, res *BenchResult) error {
	nd := w.ln.Running()[0]
	blocks, cancel := nd.SubscribeBlocks(1024)
	defer cancel()
	var lat []time.Duration
	for _, raw := range w.sign(samples) {
		start := time.Now()
		h, err := nd.SubmitTx(raw)
		if err != nil {
			return fmt.Errorf("light load submit: %w", err)
		}
		if err := waitTx(ctx, blocks, h); err != nil {
			return err
		}
		lat = append(lat, time.Since(start))
	}
	res.LightLatencyP50, res.LightLatencyP99 = Percentile(lat, 50), Percentile(lat, 99)
	return nil
}

func waitTx(ctx context.Context, blocks <-chan *node.CommittedBlock, h attest.Hash) error {
	timeout := time.After(benchRecoveryTimeout)
	for {
		select {
		case b, ok := <-blocks:
			if !ok {
				return errors.New("block subscription closed")
			}
			for _, r := range b.Receipts {
				if r.TxHash == h {
					return nil
				}
			}
		case <-timeout:
			return fmt.Errorf("tx %s not committed within %s", h, benchRecoveryTimeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// load keeps benchInFlight transactions submitted and measures commits.
func (w *workload) load(ctx context.Context, o BenchOptions, res *BenchResult) error {
	total := int(float64(o.Duration+benchWarmup)/float64(time.Second)*8000) + benchInFlight
	o.Progress("signing %d transfers", total)
	txs := w.sign(total)
	nodes := w.ln.Running()
	blocks, cancel := nodes[0].SubscribeBlocks(1 << 14)
	defer cancel()

	submitted := make(map[attest.Hash]time.Time, total)
	var mu sync.Mutex
	inflight := make(chan struct{}, benchInFlight)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i, raw := range txs {
			select {
			case inflight <- struct{}{}:
			case <-stop:
				return
			}
			h := attest.Keccak(raw)
			mu.Lock()
			submitted[h] = time.Now()
			mu.Unlock()
			if _, err := nodes[i%len(nodes)].SubmitTx(raw); err != nil {
				<-inflight
				time.Sleep(benchSubmitPause) // mempool full: let blocks drain it
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	warmEnd := time.Now().Add(benchWarmup)
	var measuring bool
	var start time.Time
	var cpuStart float64
	var lat []time.Duration
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case b, ok := <-blocks:
			if !ok {
				return errors.New("block subscription closed during load")
			}
			now := b.Time
			if !measuring && now.After(warmEnd) {
				measuring, start, cpuStart = true, now, CPUSeconds()
			}
			mu.Lock()
			for _, r := range b.Receipts {
				if t, ok := submitted[r.TxHash]; ok {
					delete(submitted, r.TxHash)
					if measuring {
						lat = append(lat, now.Sub(t))
						res.Committed++
					}
					select {
					case <-inflight:
					default:
					}
				}
			}
			mu.Unlock()
			if measuring {
				res.Blocks++
			}
			if measuring && now.Sub(start) >= o.Duration {
				res.Seconds = now.Sub(start).Seconds()
				res.TxPerSec = float64(res.Committed) / res.Seconds
				res.CPUSeconds = CPUSeconds() - cpuStart
				if res.Committed > 0 {
					res.CPUPerTx = time.Duration(res.CPUSeconds / float64(res.Committed) * float64(time.Second))
				}
				res.LoadLatencyP50, res.LoadLatencyP99 = Percentile(lat, 50), Percentile(lat, 99)
				return nil
			}
		}
	}
}

// killProposer stops the validator due to propose next and measures how long
// the others take to commit the next block, with a transaction waiting.
func (w *workload) killProposer(ctx context.Context, res *BenchResult) error {
	nodes := w.ln.Running()
	// Let the load drain so the measurement is of one clean failover.
	time.Sleep(2 * time.Second)
	p := nodes[0].NextProposer()
	victim := -1
	for i := range w.ln.Keys {
		if attest.AddressOf(w.ln.Keys[i]) == p {
			victim = i
		}
	}
	if victim < 0 {
		return fmt.Errorf("next proposer %s is not a local validator", p)
	}
	var watcher *node.Node
	for i, nd := range nodes {
		if nd.Address() != p {
			watcher = nodes[i]
			break
		}
	}
	blocks, cancel := watcher.SubscribeBlocks(1024)
	defer cancel()
	h0 := watcher.Height()
	start := time.Now()
	w.ln.StopNode(victim)
	raw := w.sign(1)[0]
	if _, err := watcher.SubmitTx(raw); err != nil {
		return fmt.Errorf("submit after kill: %w", err)
	}
	timeout := time.After(benchRecoveryTimeout)
	for {
		select {
		case b := <-blocks:
			if b.Certified.Block.Header.Height > h0 {
				res.ProposerRecovery = time.Since(start)
				return nil
			}
		case <-timeout:
			return errors.New("no commit after the proposer was stopped")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Percentile is the p-th percentile (nearest rank) of d; 0 when d is empty.
func Percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	if i > 0 {
		i--
	}
	return s[min(i, len(s)-1)]
}

// CPUSeconds is the CPU time (user + system) this process has used so far.
func CPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// PeakRSS is the largest resident set size this process has had, in bytes.
func PeakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024
}
