package sim

import (
	"crypto/ecdsa"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/consensus"
)

// rngStream is the second PCG word; any constant works, it only has to stay put.
const rngStream = 0x636175736577617

// Result summarises a run that kept every invariant.
type Result struct {
	Seed        int64
	TraceHash   [32]byte
	Heights     []uint64 // committed height of each validator at the end
	Commits     int      // Commit actions of honest validators
	Evidence    int      // evidence reports by honest validators
	Crashes     int
	Deliveries  int
	VirtualTime time.Duration
	CalmTime    time.Duration // from the end of the faults until every honest validator made CalmHeights
}

// world is one run: the validators, the network, the clock and the checker.
type world struct {
	cfg   Config
	seed  int64
	rng   *rand.Rand
	q     queue
	sigs  *signatures
	vals  *attest.ValidatorSet
	nodes []*node
	net   network
	check *checker
	trace *tracer
	calm  bool // faults are over
	res   Result
}

// Run simulates cfg with seed and returns an error describing the first
// invariant that broke, if any.
func Run(seed int64, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	w, err := newWorld(seed, cfg)
	if err != nil {
		return nil, err
	}
	return w.run()
}

func newWorld(seed int64, cfg Config) (*world, error) {
	w := &world{cfg: cfg, seed: seed, rng: rand.New(rand.NewPCG(uint64(seed), rngStream)), trace: newTracer()}
	keys := make([]*ecdsa.PrivateKey, cfg.Validators)
	vs := make([]attest.Validator, cfg.Validators)
	for i := range keys {
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], uint64(seed))
		binary.BigEndian.PutUint64(b[8:], uint64(i))
		key, err := crypto.ToECDSA(attest.Keccak([]byte("causeway-sim-key"), b[:]).Bytes())
		if err != nil {
			return nil, fmt.Errorf("derive key %d: %w", i, err)
		}
		keys[i] = key
		vs[i] = attest.Validator{Address: attest.AddressOf(key), Power: 1}
	}
	vals, err := attest.NewValidatorSet(vs)
	if err != nil {
		return nil, fmt.Errorf("validator set: %w", err)
	}
	w.vals = vals
	var g [8]byte
	binary.BigEndian.PutUint64(g[:], uint64(seed))
	w.sigs = newSignatures(attest.Keccak([]byte("causeway-sim-genesis"), g[:]))
	w.check = newChecker(w)
	byz := w.rng.Perm(cfg.Validators)[:cfg.Byzantine]
	for i, key := range keys {
		w.nodes = append(w.nodes, newNode(w, i, key))
	}
	for _, i := range byz {
		w.nodes[i].byzantine = true
	}
	w.net = network{w: w, side: make([]int, cfg.Validators)}
	return w, nil
}

func (w *world) run() (*Result, error) {
	for _, n := range w.nodes {
		n.boot()
		w.scheduleTicks(n)
	}
	w.scheduleFaults()
	w.q.at(w.cfg.Chaos, w.beginCalm)
	deadline := w.cfg.Chaos + w.cfg.CalmBudget
	for w.check.err == nil && !w.check.calmDone() && w.q.now <= deadline && w.q.next() {
	}
	if w.check.err == nil && !w.check.calmDone() {
		w.check.failf("liveness: honest validators at heights %v did not all commit %d more heights by %s (calm since %s); machines: %s",
			w.heights(), w.cfg.CalmHeights, deadline, w.cfg.Chaos, w.describe())
	}
	if w.check.err == nil {
		w.check.finalChecks()
	}
	if w.check.err != nil {
		return nil, fmt.Errorf("seed %d at %s: %w", w.seed, w.q.now, w.check.err)
	}
	w.res.Seed = w.seed
	w.res.TraceHash = w.trace.sum()
	w.res.Heights = w.heights()
	w.res.VirtualTime = w.q.now
	w.res.CalmTime = w.q.now - w.cfg.Chaos
	return &w.res, nil
}

func (w *world) heights() []uint64 {
	out := make([]uint64, len(w.nodes))
	for i, n := range w.nodes {
		out[i] = n.committed()
	}
	return out
}

// logf writes a line to cfg.Log, if set.
func (w *world) logf(format string, args ...any) {
	if w.cfg.Log != nil {
		fmt.Fprintf(w.cfg.Log, "%12s "+format+"\n", append([]any{w.q.now}, args...)...)
	}
}

// describe summarises every machine's position, for failure messages.
func (w *world) describe() string {
	var b strings.Builder
	for _, n := range w.nodes {
		fmt.Fprintf(&b, "[%d", n.id)
		if n.byzantine {
			b.WriteString(" byzantine")
		}
		if n.m != nil {
			lh, lr := n.m.Locked()
			vh, vr := n.m.Valid()
			fmt.Fprintf(&b, " h=%d r=%d %s proposer=%d locked=%.8s@%d valid=%.8s@%d",
				n.m.Height(), n.m.Round(), n.m.CurrentStep(), w.vals.IndexOf(n.m.Proposer()), lh.Hex()[2:], lr, vh.Hex()[2:], vr)
		}
		b.WriteString("] ")
	}
	return b.String()
}

func (w *world) scheduleTicks(n *node) {
	var tick func()
	tick = func() {
		n.tick()
		w.q.after(w.cfg.TickInterval, tick)
	}
	w.q.after(w.jitter(w.cfg.TickInterval), tick)
}

// scheduleFaults plans the partitions and crashes of the chaos phase.
func (w *world) scheduleFaults() {
	for range w.cfg.Partitions {
		start := w.jitter(w.cfg.Chaos)
		length := w.jitter(w.cfg.PartitionLength)
		w.q.at(start, w.net.split)
		w.q.at(min(start+length, w.cfg.Chaos), w.net.heal)
	}
	var honest []*node
	for _, n := range w.nodes {
		if !n.byzantine {
			honest = append(honest, n)
		}
	}
	for range w.cfg.Crashes {
		if len(honest) == 0 {
			break
		}
		n := honest[w.rng.IntN(len(honest))]
		start := w.jitter(w.cfg.Chaos)
		w.q.at(start, n.crash)
		w.q.at(min(start+w.jitter(w.cfg.Downtime), w.cfg.Chaos), n.restart)
	}
}

// beginCalm ends the faults and notes where every honest validator stands.
func (w *world) beginCalm() {
	w.calm = true
	w.net.heal()
	for _, n := range w.nodes {
		n.restart()
	}
	w.check.beginCalm()
}

// jitter is a uniform duration in [0, d).
func (w *world) jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(w.rng.Int64N(int64(d)))
}

// chance is true with probability p.
func (w *world) chance(p float64) bool { return p > 0 && w.rng.Float64() < p }

// timeouts are the consensus timeouts of every validator.
func (w *world) timeouts() consensus.Timeouts { return consensus.TimeoutsFor(w.cfg.TargetInterval) }
