package node

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/block"
	"github.com/causeway/causeway/node/consensus"
	"github.com/causeway/causeway/node/state"
)

// maxFutureProposals bounds proposals held for the next height.
const maxFutureProposals = 64

// executed is a block the driver has run against the parent state but not
// yet committed: proposals are executed once, on build or on receipt, and
// the result is reused at commit.
type executed struct {
	blk      *block.Block
	overlay  *state.Overlay
	receipts []app.Receipt
	next     *attest.ValidatorSet
}

// driverState is owned by the driver goroutine.
type driverState struct {
	executed    map[attest.Hash]*executed
	invalid     map[attest.Hash]bool
	future      []*consensus.Proposal       // proposals for the next height
	certified   map[uint64]*block.Certified // sync results ahead of the tip
	evidence    map[attest.Hash]attest.DuplicateVote
	committedEv map[attest.Hash]uint64 // evidence already in a block, by height
	build       *pendingBuild
	extended    roundKey // the round whose propose timeout was extended for block work
	buildTimer  *time.Timer
	buildArmed  bool
	timers      []*time.Timer
	peerHeights map[attest.Address]uint64
	lastSyncReq time.Time
}

func newDriverState() *driverState {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &driverState{
		executed:    map[attest.Hash]*executed{},
		invalid:     map[attest.Hash]bool{},
		certified:   map[uint64]*block.Certified{},
		evidence:    map[attest.Hash]attest.DuplicateVote{},
		committedEv: map[attest.Hash]uint64{},
		buildTimer:  t,
		peerHeights: map[attest.Address]uint64{},
	}
}

func (d *driverState) stopTimers() {
	for _, t := range d.timers {
		t.Stop()
	}
	d.timers = nil
	d.buildTimer.Stop()
}

// maybeBuild answers a pending BuildBlock once there are transactions to
// include, the idle interval has passed, or the round is past 0.
func (n *Node) maybeBuild(ctx context.Context, d *driverState) {
	b := d.build
	if b == nil || n.machine == nil {
		return
	}
	if b.height != n.machine.Height() || b.round != n.machine.Round() {
		d.build = nil
		return
	}
	n.mu.RLock()
	last := lastBlock{at: n.chain.lastTime}
	if n.chain.tip != nil {
		last.txs = len(n.chain.tip.Block.Txs)
	}
	n.mu.RUnlock()
	if b.round == 0 {
		wait := buildWait(n.now(), last, n.mempool.Size(), n.blockInterval(), n.cfg.Consensus.BusyBlockGap.Duration())
		if wait > 0 {
			if !d.buildArmed {
				d.buildTimer.Reset(wait)
				d.buildArmed = true
			}
			return
		}
	}
	d.build = nil
	start := time.Now()
	blk, err := n.buildBlock(d, b.height, b.round)
	if err != nil {
		n.halt("build block", err)
	}
	n.noteSlow("build block", start, b.height, len(blk.Txs))
	n.noteExecCost(time.Since(start), len(blk.Txs))
	n.step(ctx, d, consensus.BlockBuilt{Height: b.height, Round: b.round, Block: blk.Encode(), BlockHash: blk.Hash()})
}

// lastBlock is what a proposer knows of the block before the one it builds.
type lastBlock struct {
	at  time.Time // local time it committed
	txs int
}

// buildWait is how long a round-0 proposer waits before building, given
// the last block and how many transactions are pending. An empty mempool
// waits out the idle interval. After a block of more than one transaction
// (load) it waits out busyGap, so the next block is fuller, but never half
// the idle interval or more, which would run into the other validators'
// propose timeouts; after a block of one transaction or none (light load)
// it builds at once.
func buildWait(now time.Time, last lastBlock, pending int, idle, busyGap time.Duration) time.Duration {
	switch {
	case pending == 0:
		return last.at.Add(idle).Sub(now)
	case last.txs > 1:
		return last.at.Add(min(busyGap, idle/2)).Sub(now)
	}
	return 0
}

// buildBlock reaps the mempool, executes the transactions on the parent
// state and seals a header with the resulting state root.
func (n *Node) buildBlock(d *driverState, height uint64, round uint32) (*block.Block, error) {
	n.mu.RLock()
	c := n.chain
	n.mu.RUnlock()
	p := n.genesis.Params
	txs := n.mempool.Reap(int(p.MaxBlockTxs), int(p.MaxBlockBytes)-blockOverheadBytes)
	parentTime, parentHash := n.genesis.GenesisTimeMs, attest.Hash{}
	var lastCommit []attest.QC
	if c.tip != nil {
		parentTime, parentHash = c.tip.Block.Header.TimeMs, c.tip.Block.Hash()
		lastCommit = []attest.QC{c.tip.QC}
	}
	timeMs := uint64(n.now().UnixMilli())
	if timeMs <= parentTime {
		timeMs = parentTime + 1
	}
	blk := &block.Block{
		Header: attest.Header{
			ChainID: n.genesis.ChainID, Height: height, Round: round, TimeMs: timeMs,
			ParentHash: parentHash, Proposer: n.self, ValidatorsHash: c.nextVals.Hash(),
		},
		Txs:        txs,
		Evidence:   n.pendingEvidence(d),
		LastCommit: lastCommit,
	}
	ex, err := n.execute(c, blk)
	if err != nil {
		return nil, err
	}
	if blk.Header.StateRoot, err = ex.overlay.Root(); err != nil {
		return nil, fmt.Errorf("state root: %w", err)
	}
	blk.Header.NextValidatorsHash = ex.next.Hash()
	blk.Seal()
	d.executed[blk.Hash()] = ex
	return blk, nil
}

// Operators see a warning when one driver step takes longer than this: the
// round timeouts assume block work fits well inside them.
const slowStepWarn = 150 * time.Millisecond

func (n *Node) noteSlow(step string, start time.Time, height uint64, txs int) {
	if d := time.Since(start); d > slowStepWarn {
		n.log.Warn("slow "+step, zap.Duration("took", d), zap.Uint64("height", height), zap.Int("txs", txs))
	}
}

// blockOverheadBytes leaves room for the header, evidence and last commit.
const blockOverheadBytes = 64 << 10

func (n *Node) execute(c chainState, blk *block.Block) (*executed, error) {
	overlay, err := n.sdb.Fork(c.root)
	if err != nil {
		return nil, fmt.Errorf("fork state at %s: %w", c.root, err)
	}
	info := app.BlockInfo{ChainID: n.genesis.ChainID, Genesis: n.genesisHash, Height: blk.Header.Height,
		TimeMs: blk.Header.TimeMs, Proposer: blk.Header.Proposer}
	receipts, next, err := n.app.ExecuteBlock(overlay, info, blk.Txs, c.nextVals)
	if err != nil {
		return nil, fmt.Errorf("execute block %d: %w", blk.Header.Height, err)
	}
	return &executed{blk: blk, overlay: overlay, receipts: receipts, next: next}, nil
}

// onProposal validates (and executes) a proposal's block, then hands the
// proposal to the machine with its verdict.
func (n *Node) onProposal(ctx context.Context, d *driverState, p *consensus.Proposal) {
	if n.machine == nil {
		return
	}
	switch h := n.machine.Height(); {
	case p.Height == h+1:
		if len(d.future) < maxFutureProposals {
			d.future = append(d.future, p)
		}
		return
	case p.Height != h:
		return
	}
	n.mu.RLock()
	expect := consensus.ProposerFor(n.chain.nextVals, p.Height, p.Round, skipAddresses(n.chain.skips))
	n.mu.RUnlock()
	if p.Proposer != expect {
		return // not this round's proposer: not worth executing its block
	}
	valid := n.validateProposal(d, p)
	n.step(ctx, d, consensus.ProposalReceived{Proposal: *p, Valid: valid})
}

func (n *Node) validateProposal(d *driverState, p *consensus.Proposal) bool {
	if _, ok := d.executed[p.BlockHash]; ok {
		return true
	}
	if d.invalid[p.BlockHash] {
		return false
	}
	err := n.checkBlock(d, p)
	if err != nil {
		d.invalid[p.BlockHash] = true
		n.log.Warn("invalid proposal", zap.Uint64("height", p.Height), zap.Uint32("round", p.Round),
			zap.Stringer("proposer", p.Proposer), zap.Error(err))
		return false
	}
	return true
}

// checkBlock runs every validity rule on a proposed block and executes it.
func (n *Node) checkBlock(d *driverState, p *consensus.Proposal) error {
	blk, err := block.Decode(p.Block)
	if err != nil {
		return err
	}
	if blk.Hash() != p.BlockHash {
		return fmt.Errorf("proposal names block %s, body hashes to %s", p.BlockHash, blk.Hash())
	}
	n.mu.RLock()
	c := n.chain
	n.mu.RUnlock()
	if err := n.checkHeader(c, blk, len(p.Block), p.Round); err != nil {
		return err
	}
	if err := n.checkEvidence(d, c, blk); err != nil {
		return err
	}
	start := time.Now()
	ex, err := n.execute(c, blk)
	if err != nil {
		return err
	}
	root, err := ex.overlay.Root()
	if err != nil {
		return fmt.Errorf("state root: %w", err)
	}
	n.noteSlow("validate proposal", start, blk.Header.Height, len(blk.Txs))
	n.noteExecCost(time.Since(start), len(blk.Txs))
	if root != blk.Header.StateRoot {
		return fmt.Errorf("state root %s after execution, header says %s", root, blk.Header.StateRoot)
	}
	if ex.next.Hash() != blk.Header.NextValidatorsHash {
		return fmt.Errorf("next validators hash mismatch")
	}
	d.executed[p.BlockHash] = ex
	return nil
}

// checkHeader checks a block's header and last commit against the tip.
// size is the length of the block's encoding as received.
func (n *Node) checkHeader(c chainState, blk *block.Block, size int, round uint32) error {
	h := &blk.Header
	params := n.genesis.Params
	parentTime, parentHash := n.genesis.GenesisTimeMs, attest.Hash{}
	if c.tip != nil {
		parentTime, parentHash = c.tip.Block.Header.TimeMs, c.tip.Block.Hash()
	}
	switch {
	case h.ChainID != n.genesis.ChainID:
		return fmt.Errorf("chain id %q", h.ChainID)
	case h.Height != c.height+1:
		return fmt.Errorf("height %d, want %d", h.Height, c.height+1)
	case h.ParentHash != parentHash:
		return fmt.Errorf("parent %s, want %s", h.ParentHash, parentHash)
	case h.Round > round:
		return fmt.Errorf("header round %d after proposal round %d", h.Round, round)
	case h.TimeMs <= parentTime:
		return fmt.Errorf("time %d not after parent time %d", h.TimeMs, parentTime)
	case h.TimeMs > uint64(n.now().UnixMilli())+maxClockDriftMs:
		return fmt.Errorf("time %d too far in the future", h.TimeMs)
	case h.ValidatorsHash != c.nextVals.Hash():
		return fmt.Errorf("validators hash %s, want %s", h.ValidatorsHash, c.nextVals.Hash())
	case uint64(len(blk.Txs)) > params.MaxBlockTxs:
		return fmt.Errorf("%d txs exceeds max_block_txs %d", len(blk.Txs), params.MaxBlockTxs)
	case uint64(size) > params.MaxBlockBytes:
		return fmt.Errorf("block exceeds max_block_bytes %d", params.MaxBlockBytes)
	}
	if expect := consensus.ProposerFor(c.nextVals, h.Height, h.Round, skipAddresses(c.skips)); h.Proposer != expect {
		return fmt.Errorf("proposer %s, schedule says %s for round %d", h.Proposer, expect, h.Round)
	}
	if c.tip == nil {
		if len(blk.LastCommit) != 0 {
			return fmt.Errorf("first block carries a last commit")
		}
		return nil
	}
	if len(blk.LastCommit) != 1 {
		return fmt.Errorf("missing last commit")
	}
	qc := &blk.LastCommit[0]
	if qc.Height != c.height || qc.BlockHash != parentHash {
		return fmt.Errorf("last commit is for %d/%s", qc.Height, qc.BlockHash)
	}
	if err := attest.VerifyQC(n.genesisHash, c.vals, qc); err != nil {
		return fmt.Errorf("last commit: %w", err)
	}
	return nil
}
