package node

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/block"
	"github.com/causeway/causeway/node/consensus"
	"github.com/causeway/causeway/node/p2p"
)

// driverEvent is anything the driver loop reacts to.
type driverEvent interface{}

type (
	evProposal struct { // a proposal whose signature has been checked
		p    *consensus.Proposal
		from attest.Address
	}
	evVote      struct{ v *attest.Vote }
	evTimeout   struct{ t consensus.TimeoutFired }
	evEvidence  struct{ e *attest.DuplicateVote }
	evCertified struct {
		c    *block.Certified
		from attest.Address
	}
	evPeerStatus struct {
		from attest.Address
		s    *peerStatus
	}
	evBlockRequest struct {
		from attest.Address
		r    *blockRequest
	}
)

// pendingBuild is a BuildBlock the driver has not answered yet: the proposer
// waits for transactions, or for the idle interval, before it builds.
type pendingBuild struct {
	height uint64
	round  uint32
}

// run is the driver loop. It alone touches the consensus machine, the WAL
// and the executed-block cache.
func (n *Node) run(ctx context.Context) {
	d := newDriverState()
	n.loadRecentEvidence(d)
	n.bootConsensus(ctx, d)
	tick := time.NewTicker(n.cfg.Consensus.TickInterval.Duration())
	defer tick.Stop()
	status := time.NewTicker(statusInterval)
	defer status.Stop()
	for {
		select {
		case <-ctx.Done():
			d.stopTimers()
			return
		case ev := <-n.events:
			n.handle(ctx, d, ev)
		case <-tick.C:
			if n.machine != nil {
				n.step(ctx, d, consensus.Tick{})
			}
			n.maybeBuild(ctx, d)
		case <-status.C:
			n.broadcastStatus()
			n.requestSync(d)
		case <-n.mempool.Notify():
			n.maybeBuild(ctx, d)
		case <-d.buildTimer.C:
			d.buildArmed = false
			n.maybeBuild(ctx, d)
		}
	}
}

func (n *Node) handle(ctx context.Context, d *driverState, ev driverEvent) {
	switch e := ev.(type) {
	case evProposal:
		n.onProposal(ctx, d, e.p)
	case evVote:
		if n.machine != nil {
			n.step(ctx, d, consensus.VoteReceived{Vote: *e.v})
		}
	case evTimeout:
		n.onTimeout(ctx, d, e.t)
	case evEvidence:
		n.addEvidence(d, e.e)
	case evCertified:
		n.onCertified(ctx, d, e.c)
	case evPeerStatus:
		d.peerHeights[e.from] = e.s.Height
		n.mu.Lock()
		n.peerTop = max(n.peerTop, e.s.Height)
		n.mu.Unlock()
		n.requestSync(d)
	case evBlockRequest:
		n.serveBlocks(e.from, e.r)
	}
}

// bootConsensus starts the machine at the height after the stored tip and
// replays the WAL of that height, so a restarted validator resumes with the
// locks and votes it had and never signs anything conflicting.
func (n *Node) bootConsensus(ctx context.Context, d *driverState) {
	if n.machine == nil {
		return
	}
	n.mu.RLock()
	start := consensus.StartHeight{Height: n.chain.height + 1, Validators: n.chain.nextVals, Skipped: skipAddresses(n.chain.skips)}
	n.mu.RUnlock()
	recs, err := n.wal.Records(start.Height)
	if err != nil {
		n.halt("read consensus wal", err)
	}
	n.guard.Restore(recs)
	if err := n.wal.StartHeight(start.Height); err != nil {
		n.halt("rotate consensus wal", err)
	}
	actions := consensus.Replay(n.machine, start, recs)
	n.log.Info("consensus started", zap.Uint64("height", start.Height), zap.Int("wal_records", len(recs)))
	n.apply(ctx, d, actions)
}

// step logs ev to the WAL (received messages need no fsync; a crash loses
// only messages peers will send again) and feeds it to the machine.
func (n *Node) step(ctx context.Context, d *driverState, ev consensus.Event) {
	if err := n.wal.Append(consensus.RecordOf(ev), false); err != nil {
		n.halt("append to consensus wal", err)
	}
	n.apply(ctx, d, n.machine.Step(ev))
}

// apply carries out the machine's actions. Own signed messages are fed back
// through step, which may produce more actions; the loop drains them in order.
func (n *Node) apply(ctx context.Context, d *driverState, actions []consensus.Action) {
	for len(actions) > 0 {
		a := actions[0]
		actions = actions[1:]
		switch a := a.(type) {
		case consensus.BuildBlock:
			d.build = &pendingBuild{height: a.Height, round: a.Round}
			n.maybeBuild(ctx, d)
		case consensus.BroadcastProposal:
			actions = append(actions, n.sendProposal(a)...)
		case consensus.BroadcastVote:
			actions = append(actions, n.sendVote(a)...)
		case consensus.ScheduleTimeout:
			n.schedule(ctx, d, a)
		case consensus.Commit:
			n.commitFromConsensus(ctx, d, a)
		case consensus.RequestCommit:
			n.requestCommit(d, a.Height)
		case consensus.Evidence:
			ev := a.Evidence
			n.addEvidence(d, &ev)
			n.transport.Broadcast(p2p.Message{Type: msgEvidence, Payload: encodeRLP(&ev)})
		}
	}
}

// sendProposal signs, logs with fsync, broadcasts, and feeds the proposal back.
func (n *Node) sendProposal(a consensus.BroadcastProposal) []consensus.Action {
	p := a.Proposal
	if a.Rebroadcast {
		n.transport.Broadcast(p2p.Message{Type: msgProposal, Payload: consensus.EncodeProposal(&p)})
		return nil
	}
	if err := n.guard.CheckProposal(&p); err != nil {
		n.log.Error("refusing to sign a conflicting proposal", zap.Error(err))
		return nil
	}
	if err := consensus.SignProposal(n.genesisHash, &p, n.key); err != nil {
		n.halt("sign proposal", err)
	}
	ev := consensus.ProposalReceived{Proposal: p, Valid: true}
	if err := n.wal.Append(consensus.RecordOf(ev), true); err != nil {
		n.halt("log own proposal", err)
	}
	n.guard.RecordProposal(&p)
	n.transport.Broadcast(p2p.Message{Type: msgProposal, Payload: consensus.EncodeProposal(&p)})
	return n.machine.Step(ev)
}

// sendVote signs, logs with fsync, broadcasts, and feeds the vote back.
func (n *Node) sendVote(a consensus.BroadcastVote) []consensus.Action {
	v := a.Vote
	if !n.votes() {
		return nil // not in this height's validator set: nothing to sign
	}
	if a.Rebroadcast {
		n.transport.Broadcast(p2p.Message{Type: msgVote, Payload: encodeRLP(&v)})
		return nil
	}
	if err := n.guard.CheckVote(&v); err != nil {
		n.log.Error("refusing to sign a conflicting vote", zap.Error(err))
		return nil
	}
	if err := attest.SignVote(n.genesisHash, &v, n.key); err != nil {
		n.halt("sign vote", err)
	}
	ev := consensus.VoteReceived{Vote: v}
	if err := n.wal.Append(consensus.RecordOf(ev), true); err != nil {
		n.halt("log own vote", err)
	}
	n.guard.RecordVote(&v)
	n.transport.Broadcast(p2p.Message{Type: msgVote, Payload: encodeRLP(&v)})
	return n.machine.Step(ev)
}

func (n *Node) schedule(ctx context.Context, d *driverState, a consensus.ScheduleTimeout) {
	t := consensus.TimeoutFired{Height: a.Height, Round: a.Round, Step: a.Step}
	timer := time.AfterFunc(a.Duration, func() {
		select {
		case n.events <- evTimeout{t: t}:
		case <-ctx.Done():
		}
	})
	d.timers = append(d.timers, timer)
}

// onTimeout defers a round-0 propose timeout on an idle chain: the proposer
// legitimately waits up to the block interval for transactions, so a
// validator that has none waiting gives it that long before moving on.
func (n *Node) onTimeout(ctx context.Context, d *driverState, t consensus.TimeoutFired) {
	if n.machine == nil || t.Height != n.machine.Height() {
		return
	}
	if t.Step == consensus.StepPropose && t.Round == 0 && n.mempool.Size() == 0 {
		n.mu.RLock()
		idleUntil := n.chain.lastTime.Add(n.blockInterval())
		n.mu.RUnlock()
		if wait := idleUntil.Sub(n.now()); wait > 0 {
			n.schedule(ctx, d, consensus.ScheduleTimeout{Height: t.Height, Round: t.Round, Step: t.Step,
				Duration: wait + n.timeouts.Duration(consensus.StepPropose, 0)})
			return
		}
	}
	if t.Step == consensus.StepPropose && d.extended != (roundKey{t.Height, t.Round}) && n.connected(n.machine.Proposer()) {
		// Give a proposer that is still connected time to execute the block
		// a full mempool makes, once per round. A crashed proposer's
		// connection is gone, so its round times out as usual.
		if extra := n.blockWorkAllowance(); extra > 0 {
			d.extended = roundKey{t.Height, t.Round}
			n.schedule(ctx, d, consensus.ScheduleTimeout{Height: t.Height, Round: t.Round, Step: t.Step, Duration: extra})
			return
		}
	}
	n.step(ctx, d, t)
}

// roundKey names one round of one height.
type roundKey struct {
	height uint64
	round  uint32
}

// Propose-timeout allowance for block work: the measured execution cost per
// transaction (an exponentially weighted average of this node's own builds
// and validations) times the transactions a block would hold, doubled for
// the proposer's build and this node's validation, and capped.
const (
	workAllowanceFactor = 2
	maxWorkAllowance    = 2 * time.Second
	execCostWeight      = 0.2 // weight of the newest sample in the average
)

func (n *Node) connected(peer attest.Address) bool {
	return slices.Contains(n.transport.Peers(), peer)
}

func (n *Node) blockWorkAllowance() time.Duration {
	txs := min(n.mempool.Size(), int(n.genesis.Params.MaxBlockTxs))
	per := time.Duration(n.execCostPerTx.Load())
	return min(time.Duration(txs)*per*workAllowanceFactor, maxWorkAllowance)
}

// noteExecCost feeds one build or validation into the per-transaction cost.
func (n *Node) noteExecCost(took time.Duration, txs int) {
	if txs == 0 {
		return
	}
	sample := float64(took) / float64(txs)
	old := float64(n.execCostPerTx.Load())
	if old == 0 {
		old = sample
	}
	n.execCostPerTx.Store(int64(old*(1-execCostWeight) + sample*execCostWeight))
}

func (n *Node) blockInterval() time.Duration {
	return time.Duration(n.genesis.Params.BlockIntervalMs) * time.Millisecond
}

// votes reports whether this node is in the validator set of the height
// being decided.
func (n *Node) votes() bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.chain.nextVals.IndexOf(n.self) >= 0
}

// halt stops the process loudly: the node's own storage or execution failed
// and continuing could sign or commit something wrong.
func (n *Node) halt(op string, err error) {
	n.log.Error("halting: "+op, zap.Error(err))
	panic(fmt.Sprintf("node halted: %s: %v", op, err))
}
