package xfertest_test

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/node/xfer/xfertest"
)

// Property test knobs. The defaults finish in about half a minute on two cores.
const (
	defaultSeeds = 80
	defaultSteps = 220
	// drainRounds bounds the final deliver-everything, ack-everything loop.
	drainRounds = 8
	// traceLen is how many of the last actions a failure prints.
	traceLen = 40
	// coverageSeeds is the fewest seeds over which every outcome must occur.
	coverageSeeds = 8
)

var (
	seedsFlag = flag.Int("seeds", defaultSeeds, "TestProperty: run seeds 1..N")
	seedFlag  = flag.Uint64("seed", 0, "TestProperty: replay this one seed (0 = run -seeds)")
	stepsFlag = flag.Int("steps", defaultSteps, "TestProperty: random steps per seed")
)

// Action weights, in percent.
const (
	weightTransfer = 30
	weightCommit   = 16
	weightDeliver  = 26
	weightAck      = 18
	weightAdvance  = 6
	// the rest commits every chain
)

// Probabilities, in percent.
const (
	pCommitAtOnce   = 50 // commit the chain an action queued on
	pKeepDelivered  = 15 // leave a delivered packet in the pool to deliver again
	pKeepAcked      = 20 // leave an acked receipt in the pool to ack again
	pDupInBatch     = 10 // repeat a packet inside one recv
	pLaterProof     = 30 // prove a packet under a later header than its own
	pOverLimit      = 8  // a USD amount over the route's per-packet cap
	pOverBalance    = 4  // an amount the sender does not hold
	pFee            = 30 // pay a relay fee
	pStranger       = 20 // send to an address with no genesis account
	pRotate         = 50 // a chain rotates its validators once
	maxAdvance      = 8  // blocks one advance commits
	maxHeightAhead  = 30 // blocks ahead of the destination a deadline lies
	maxSmallAmount  = 5_000
	maxFee          = 5
	strangers       = 3
	maxRotateHeight = 40
	// Block time steps differ per chain (minStepMs plus up to stepJitterMs),
	// so the chains' clocks drift apart.
	minStepMs    = 500
	stepJitterMs = 1000
	// A rotation picks minRotatedSet to minRotatedSet+rotatedSetRange-1 of
	// validator keys 0..5.
	minRotatedSet   = 3
	rotatedSetRange = 3
	// pcgStream is the PCG stream constant mixed with the seed.
	pcgStream = 0x9e3779b97f4a7c15
)

// TestProperty runs seeded random schedules of transfers over three chains
// — both directions and multi-hop vouchers, blocked receivers, route limits,
// deadlines that expire, deliveries duplicated, reordered and late, acks
// replayed, validator rotations — and checks every invariant after every
// step. A failure prints its seed and the command that replays it exactly.
//
//	go test ./node/xfer/xfertest -run TestProperty -seeds=200
//	go test ./node/xfer/xfertest -run TestProperty -seed=17 -v
func TestProperty(t *testing.T) {
	t.Parallel()
	seeds := make([]uint64, 0, *seedsFlag)
	if *seedFlag != 0 {
		seeds = append(seeds, *seedFlag)
	} else {
		for s := range *seedsFlag {
			seeds = append(seeds, uint64(s+1))
		}
	}
	var (
		mu    sync.Mutex
		total = outcomes{}
	)
	t.Run("seeds", func(t *testing.T) {
		for _, seed := range seeds {
			t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
				t.Parallel()
				s, err := runSeed(seed, *stepsFlag)
				if err != nil {
					t.Fatalf("seed %d: %v\nlast actions:\n  %s\nreplay: go test ./node/xfer/xfertest -run 'TestProperty' -seed=%d -v",
						seed, err, strings.Join(s.trace(), "\n  "), seed)
				}
				t.Logf("seed %d: %s", seed, s.seen)
				mu.Lock()
				total.add(s.seen)
				mu.Unlock()
			})
		}
	})
	if t.Failed() || len(seeds) < coverageSeeds {
		return
	}
	t.Logf("all seeds: %s", total)
	for name, n := range total {
		if n == 0 {
			t.Errorf("no seed produced %q: the schedule no longer exercises it", name)
		}
	}
}

// outcomes counts what the schedules exercised, so that a change that makes
// the test vacuous fails it.
type outcomes map[string]int

func (o outcomes) add(p outcomes) {
	for k, v := range p {
		o[k] += v
	}
}

func (o outcomes) String() string {
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, o[k])
	}
	return strings.Join(parts, " ")
}

// Outcome names.
const (
	seenFinished   = "finished"
	seenRefunded   = "refunded"
	seenTimeout    = "receipt_timeout"
	seenBlocked    = "receipt_blocked"
	seenOverLimit  = "receipt_over_limit"
	seenMultiHop   = "credit_multi_hop"
	seenGoingHome  = "credit_going_home"
	seenDuplicate  = "recv_duplicate"
	seenAckReplay  = "ack_replay"
	seenHandoff    = "handoff"
	seenRejectedTx = "transfer_rejected"
)

// sent is a packet in the relay's pool: committed by src at height.
type sent struct {
	src    *xfertest.Chain
	height uint64
	packet attest.Packet
}

// written is a receipt in the relay's pool: written by dst at height.
type written struct {
	dst    *xfertest.Chain
	height uint64
	ref    xfertest.ReceiptRef
}

// sim is one seeded schedule.
type sim struct {
	rng     *rand.Rand
	n       *xfertest.Network
	audit   *xfertest.Auditor
	outbox  []sent
	inbox   []written
	scanned map[string]uint64
	userTxs map[attest.Hash]bool
	log     []string
	seen    outcomes
}

// runSeed plays one schedule and then drains it: every packet delivered,
// every receipt acked, every task resolved.
func runSeed(seed uint64, steps int) (s *sim, err error) {
	s = &sim{rng: rand.New(rand.NewPCG(seed, seed^pcgStream)), scanned: map[string]uint64{},
		userTxs: map[attest.Hash]bool{}, seen: outcomes{}}
	for _, k := range []string{seenFinished, seenRefunded, seenTimeout, seenBlocked, seenOverLimit,
		seenMultiHop, seenGoingHome, seenDuplicate, seenAckReplay, seenHandoff, seenRejectedTx} {
		s.seen[k] = 0
	}
	if s.n, err = xfertest.NewNetwork(s.specs()...); err != nil {
		return s, err
	}
	if s.audit, err = xfertest.NewAuditor(s.n); err != nil {
		return s, err
	}
	for i := range steps {
		if err := s.step(); err != nil {
			return s, fmt.Errorf("step %d: %w", i, err)
		}
		if err := s.check(); err != nil {
			return s, fmt.Errorf("step %d: %w", i, err)
		}
	}
	return s, s.drain()
}

// specs is the standard three-chain network with per-seed block time steps
// and validator rotations.
func (s *sim) specs() []xfertest.ChainSpec {
	ids := []string{alpha, beta, gamma}
	out := make([]xfertest.ChainSpec, len(ids))
	for i, id := range ids {
		out[i] = spec(id, ids)
		out[i].TimeStepMs = minStepMs + s.rng.Uint64N(stepJitterMs)
		if s.rng.IntN(100) < pRotate {
			vals := s.rng.Perm(xfertest.DefaultValidators + 2)[:minRotatedSet+s.rng.IntN(rotatedSetRange)]
			out[i].Rotations = []xfertest.Rotation{{Height: 2 + s.rng.Uint64N(maxRotateHeight), Validators: vals}}
		}
	}
	return out
}

func (s *sim) step() error {
	switch x := s.rng.IntN(100); {
	case x < weightTransfer:
		return s.transfer()
	case x < weightTransfer+weightCommit:
		return s.commit(s.chain())
	case x < weightTransfer+weightCommit+weightDeliver:
		return s.deliver()
	case x < weightTransfer+weightCommit+weightDeliver+weightAck:
		return s.ack()
	case x < weightTransfer+weightCommit+weightDeliver+weightAck+weightAdvance:
		c := s.chain()
		k := 1 + s.rng.IntN(maxAdvance)
		s.note("advance %s by %d blocks", c.ID, k)
		for range k {
			if err := s.commit(c); err != nil {
				return err
			}
		}
		return nil
	default:
		s.note("commit all")
		for _, c := range s.n.Chains {
			if err := s.commit(c); err != nil {
				return err
			}
		}
		return nil
	}
}

// transfer queues a random transfer from a random holder.
func (s *sim) transfer() error {
	src := s.chain()
	dst := s.other(src)
	from := s.rng.IntN(users)
	coins, err := bank.Balances(src.State(), xfertest.User(from).Address)
	if err != nil || len(coins) == 0 {
		return err
	}
	coin := coins[s.rng.IntN(len(coins))]
	tr := xfer.Transfer{Dst: dst.ID, Receiver: s.receiver(), Denom: coin.Denom, Amount: s.amount(coin), RelayFee: new(uint256.Int)}
	if s.rng.IntN(100) < pFee {
		tr.RelayFee = uint256.NewInt(1 + s.rng.Uint64N(maxFee))
	}
	switch s.rng.IntN(3) {
	case 0:
		tr.TimeoutHeight = dst.Height() + 1 + s.rng.Uint64N(maxHeightAhead)
	case 1:
		tr.TimeoutTimeMs = s.deadline(src, dst)
	default:
		tr.TimeoutHeight = dst.Height() + 1 + s.rng.Uint64N(maxHeightAhead)
		tr.TimeoutTimeMs = s.deadline(src, dst)
	}
	txType, payload := xfer.NewTransfer(tr)
	h, err := src.Send(xfertest.User(from), txType, payload)
	if err != nil {
		return err
	}
	s.userTxs[h] = true
	s.note("transfer %s→%s user%d %s %s to %s (h≤%d t≤%d fee %s)", src.ID, dst.ID, from, tr.Amount.Dec(), tr.Denom,
		tr.Receiver.Hex()[:8], tr.TimeoutHeight, tr.TimeoutTimeMs, tr.RelayFee.Dec())
	return s.maybeCommit(src)
}

// receiver picks a user (user 3 is blocked everywhere) or a stranger.
func (s *sim) receiver() attest.Address {
	if s.rng.IntN(100) < pStranger {
		return xfertest.User(users + s.rng.IntN(strangers)).Address
	}
	return xfertest.User(s.rng.IntN(users)).Address
}

// amount is usually small, sometimes over the route cap or the balance.
func (s *sim) amount(c bank.Coin) *uint256.Int {
	bal := c.Amount.Uint64()
	switch x := s.rng.IntN(100); {
	case x < pOverBalance:
		return new(uint256.Int).AddUint64(c.Amount, 1+s.rng.Uint64N(100))
	case x < pOverBalance+pOverLimit && bal > packetCap:
		return uint256.NewInt(packetCap + 1 + s.rng.Uint64N(bal-packetCap))
	}
	return uint256.NewInt(1 + s.rng.Uint64N(min(bal, maxSmallAmount)))
}

// deadline is a time deadline a few of dst's blocks ahead of both clocks.
func (s *sim) deadline(src, dst *xfertest.Chain) uint64 {
	now := max(src.NextTimeMs(), dst.NextTimeMs())
	return now + (1+s.rng.Uint64N(maxHeightAhead))*dst.TimeStepMs
}

// deliver relays a random batch of one source block's packets, in random
// order, sometimes with a duplicate, sometimes under a later header.
func (s *sim) deliver() error {
	if len(s.outbox) == 0 {
		return nil
	}
	pick := s.outbox[s.rng.IntN(len(s.outbox))]
	var group []int
	for i, e := range s.outbox {
		if e.src == pick.src && e.height == pick.height && e.packet.Dst == pick.packet.Dst {
			group = append(group, i)
		}
	}
	s.rng.Shuffle(len(group), func(i, j int) { group[i], group[j] = group[j], group[i] })
	group = group[:1+s.rng.IntN(len(group))]
	batch := make([]attest.Packet, 0, len(group)+1)
	for _, i := range group {
		batch = append(batch, s.outbox[i].packet)
	}
	if s.rng.IntN(100) < pDupInBatch {
		batch = append(batch, batch[s.rng.IntN(len(batch))])
	}
	height, err := s.proofHeight(pick, batch)
	if err != nil {
		return err
	}
	dst := s.n.Chain(pick.packet.Dst)
	if _, err := xfertest.Deliver(pick.src, dst, height, batch); err != nil {
		return err
	}
	s.note("deliver %s→%s %d packets of block %d under header %d: %s", pick.src.ID, dst.ID, len(batch), pick.height, height, seqs(batch))
	drop := map[int]bool{}
	for _, i := range group {
		drop[i] = s.rng.IntN(100) >= pKeepDelivered
	}
	kept := s.outbox[:0]
	for i, e := range s.outbox {
		if !drop[i] {
			kept = append(kept, e)
		}
	}
	s.outbox = kept
	return s.maybeCommit(dst)
}

// proofHeight is the packets' own block, or a later one of src under which
// every commitment still stands.
func (s *sim) proofHeight(pick sent, batch []attest.Packet) (uint64, error) {
	if pick.src.Height() == pick.height || s.rng.IntN(100) >= pLaterProof {
		return pick.height, nil
	}
	h := pick.height + 1 + s.rng.Uint64N(pick.src.Height()-pick.height)
	view, err := pick.src.View(h)
	if err != nil {
		return 0, err
	}
	for _, p := range batch {
		v, err := view.Get(attest.PacketKey(p.Dst, p.Seq))
		if err != nil {
			return 0, err
		}
		if v == nil {
			return pick.height, nil // acked meanwhile: only its own block proves it
		}
	}
	return h, nil
}

// ack relays a random batch of one destination block's receipts.
func (s *sim) ack() error {
	if len(s.inbox) == 0 {
		return nil
	}
	pick := s.inbox[s.rng.IntN(len(s.inbox))]
	var group []int
	for i, e := range s.inbox {
		if e.dst == pick.dst && e.height == pick.height && e.ref.Src == pick.ref.Src {
			group = append(group, i)
		}
	}
	s.rng.Shuffle(len(group), func(i, j int) { group[i], group[j] = group[j], group[i] })
	group = group[:1+s.rng.IntN(len(group))]
	var batch []uint64
	for _, i := range group {
		batch = append(batch, s.inbox[i].ref.Seq)
	}
	src := s.n.Chain(pick.ref.Src)
	if _, err := xfertest.Acknowledge(pick.dst, src, pick.height, batch); err != nil {
		return err
	}
	s.note("ack %s→%s seqs %v under header %d", src.ID, pick.dst.ID, batch, pick.height)
	drop := map[int]bool{}
	for _, i := range group {
		drop[i] = s.rng.IntN(100) >= pKeepAcked
	}
	kept := s.inbox[:0]
	for i, e := range s.inbox {
		if !drop[i] {
			kept = append(kept, e)
		}
	}
	s.inbox = kept
	return s.maybeCommit(src)
}

func (s *sim) maybeCommit(c *xfertest.Chain) error {
	if s.rng.IntN(100) < pCommitAtOnce {
		return s.commit(c)
	}
	return nil
}

// commit commits c and harvests the new block into the relay's pools.
func (s *sim) commit(c *xfertest.Chain) error {
	b, err := c.Commit()
	if err != nil {
		return err
	}
	s.note("commit %s at %d (%d txs)", c.ID, b.Header.Header.Height, len(b.Txs))
	return s.harvest(c, b)
}

// harvest files the block's packets and receipts, hands a validator-set
// change over to every other chain, and checks that none of the relayer's
// transactions — all honest — was rejected.
func (s *sim) harvest(c *xfertest.Chain, b *xfertest.Block) error {
	h := b.Header.Header.Height
	relayer := xfertest.Relayer().Address
	for _, r := range b.Receipts {
		switch {
		case r.Sender == relayer && !r.OK():
			return fmt.Errorf("honest relayer %s rejected on %s at %d: %s", r.Type, c.ID, h, r.Log)
		case s.userTxs[r.TxHash] && !r.OK():
			s.seen[seenRejectedTx]++
		}
		s.noteEvents(r)
	}
	if b.Handoff() {
		s.seen[seenHandoff]++
		for _, to := range s.n.Chains {
			if to != c {
				if _, err := xfertest.HandOff(c, to, h); err != nil {
					return err
				}
			}
		}
	}
	packets, err := c.SentPackets(h)
	if err != nil {
		return err
	}
	for _, p := range packets {
		s.outbox = append(s.outbox, sent{src: c, height: h, packet: p})
	}
	refs, err := c.WrittenReceipts(h)
	if err != nil {
		return err
	}
	for _, ref := range refs {
		s.inbox = append(s.inbox, written{dst: c, height: h, ref: ref})
	}
	return nil
}

// noteEvents counts the outcomes a transaction's events show.
func (s *sim) noteEvents(r app.Receipt) {
	recvs, acks := 0, 0
	for _, e := range r.Events {
		switch e.Type {
		case xfer.EventRecv:
			recvs++
			s.noteReceipt(e)
		case xfer.EventAck:
			acks++
			s.seen[e.Attr(xfer.AttrOutcome)]++
		}
	}
	if r.Type == xfer.TypeRecv && r.OK() && recvs == 0 {
		s.seen[seenDuplicate]++
	}
	if r.Type == xfer.TypeAck && r.OK() && acks == 0 {
		s.seen[seenAckReplay]++
	}
}

func (s *sim) noteReceipt(e app.Event) {
	switch e.Attr(xfer.AttrStatus) {
	case xfer.StatusTimeout:
		s.seen[seenTimeout]++
	case xfer.StatusFailed:
		switch e.Attr(xfer.AttrCode) {
		case fmt.Sprint(uint32(xfer.CodeReceiverBlocked)):
			s.seen[seenBlocked]++
		case fmt.Sprint(uint32(xfer.CodeOverPacketLimit)):
			s.seen[seenOverLimit]++
		}
	case xfer.StatusOK:
		denom := e.Attr(xfer.AttrDenom)
		switch {
		case strings.HasPrefix(denom, e.Attr(xfer.AttrDst)+"/"):
			s.seen[seenGoingHome]++
		case strings.Contains(denom, "/"):
			s.seen[seenMultiHop]++
		}
	}
}

func (s *sim) check() error { return s.audit.Check() }

// drain delivers every packet still in the pool and acks every receipt
// until no task is pending; then every task has ended in exactly one of
// finished and refunded.
func (s *sim) drain() error {
	s.note("drain")
	for round := range drainRounds {
		if err := s.commitAll(); err != nil {
			return fmt.Errorf("drain round %d: %w", round, err)
		}
		for len(s.outbox) > 0 {
			pick := s.outbox[0]
			var batch []attest.Packet
			rest := s.outbox[:0]
			for _, e := range s.outbox {
				if e.src == pick.src && e.height == pick.height && e.packet.Dst == pick.packet.Dst {
					batch = append(batch, e.packet)
				} else {
					rest = append(rest, e)
				}
			}
			s.outbox = rest
			if _, err := xfertest.Deliver(pick.src, s.n.Chain(pick.packet.Dst), pick.height, batch); err != nil {
				return err
			}
		}
		if err := s.commitAll(); err != nil {
			return fmt.Errorf("drain round %d: %w", round, err)
		}
		for len(s.inbox) > 0 {
			pick := s.inbox[0]
			var batch []uint64
			rest := s.inbox[:0]
			for _, e := range s.inbox {
				if e.dst == pick.dst && e.height == pick.height && e.ref.Src == pick.ref.Src {
					batch = append(batch, e.ref.Seq)
				} else {
					rest = append(rest, e)
				}
			}
			s.inbox = rest
			if _, err := xfertest.Acknowledge(pick.dst, s.n.Chain(pick.ref.Src), pick.height, batch); err != nil {
				return err
			}
		}
		if err := s.commitAll(); err != nil {
			return fmt.Errorf("drain round %d: %w", round, err)
		}
		unresolved, err := xfertest.Unresolved(s.n)
		if err != nil {
			return err
		}
		if len(unresolved) == 0 && len(s.outbox) == 0 && len(s.inbox) == 0 {
			return nil
		}
	}
	unresolved, err := xfertest.Unresolved(s.n)
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: after draining, tasks still pending: %v", errUnresolved, unresolved)
}

var errUnresolved = errors.New("delivered and acked tasks left unresolved")

func (s *sim) commitAll() error {
	for _, c := range s.n.Chains {
		if err := s.commit(c); err != nil {
			return err
		}
	}
	return s.check()
}

func (s *sim) chain() *xfertest.Chain { return s.n.Chains[s.rng.IntN(len(s.n.Chains))] }

func (s *sim) other(c *xfertest.Chain) *xfertest.Chain {
	for {
		if o := s.chain(); o != c {
			return o
		}
	}
}

func (s *sim) note(format string, args ...any) {
	s.log = append(s.log, fmt.Sprintf("%v ", s.n.Heights())+fmt.Sprintf(format, args...))
}

func (s *sim) trace() []string {
	return s.log[max(0, len(s.log)-traceLen):]
}

func seqs(ps []attest.Packet) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = fmt.Sprint(p.Seq)
	}
	return strings.Join(parts, ",")
}
