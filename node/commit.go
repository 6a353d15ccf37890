package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/block"
	"github.com/causeway/causeway/node/consensus"
	"github.com/causeway/causeway/node/state"
	"github.com/causeway/causeway/node/store"
)

// loadChain restores the committed tip from the store, or prepares the
// genesis state of a fresh chain.
func (n *Node) loadChain() error {
	h := n.store.Height()
	if h == 0 {
		return n.loadGenesis()
	}
	tip, err := n.store.Block(h)
	if err != nil {
		return fmt.Errorf("load tip %d: %w", h, err)
	}
	meta, err := n.loadMeta(h)
	if err != nil {
		return err
	}
	vals, err := attest.NewValidatorSet(meta.Validators)
	if err != nil {
		return fmt.Errorf("validators at %d: %w", h, err)
	}
	next, err := attest.NewValidatorSet(meta.NextValidators)
	if err != nil {
		return fmt.Errorf("next validators at %d: %w", h, err)
	}
	n.chain = chainState{height: h, tip: tip, root: tip.Block.Header.StateRoot, vals: vals, nextVals: next,
		skips: meta.Skips, lastTime: n.now()}
	return nil
}

func (n *Node) loadMeta(h uint64) (*heightMeta, error) {
	b, err := n.store.Meta(h)
	if err != nil {
		return nil, fmt.Errorf("load meta %d: %w", h, err)
	}
	return decodeMeta(b)
}

// genesisNodes holds the trie nodes of the genesis state until block 1
// persists them; the genesis state is recomputed on every start before that.
type genesisNodes struct{ nodes []state.Node }

func (n *Node) loadGenesis() error {
	vals, err := n.genesis.ValidatorSet()
	if err != nil {
		return err
	}
	overlay, err := n.sdb.Fork(state.EmptyRoot())
	if err != nil {
		return fmt.Errorf("fork empty state: %w", err)
	}
	info := app.BlockInfo{ChainID: n.genesis.ChainID, Genesis: n.genesisHash, TimeMs: n.genesis.GenesisTimeMs}
	if err := n.app.InitChain(overlay, info); err != nil {
		return fmt.Errorf("init chain: %w", err)
	}
	root, nodes, err := overlay.Commit()
	if err != nil {
		return fmt.Errorf("commit genesis state: %w", err)
	}
	n.sdb.Remember(nodes)
	n.genesisState = &genesisNodes{nodes: nodes}
	n.chain = chainState{root: root, vals: vals, nextVals: vals, lastTime: n.now()}
	return nil
}

func (n *Node) commitFromConsensus(ctx context.Context, d *driverState, a consensus.Commit) {
	ex := d.executed[a.BlockHash]
	if ex == nil {
		var err error
		if ex, err = n.executeCommitted(a.Block, a.BlockHash); err != nil {
			n.halt("execute committed block", err)
		}
	}
	n.commit(d, ex, a.QC)
	n.startNextHeight(ctx, d)
}

// executeCommitted runs a block a quorum has already committed. Its state
// root must match: a mismatch means this node's execution diverged.
func (n *Node) executeCommitted(raw []byte, hash attest.Hash) (*executed, error) {
	blk, err := block.Decode(raw)
	if err != nil {
		return nil, err
	}
	if blk.Hash() != hash {
		return nil, fmt.Errorf("committed block hashes to %s, qc says %s", blk.Hash(), hash)
	}
	n.mu.RLock()
	c := n.chain
	n.mu.RUnlock()
	ex, err := n.execute(c, blk)
	if err != nil {
		return nil, err
	}
	root, err := ex.overlay.Root()
	if err != nil {
		return nil, err
	}
	if root != blk.Header.StateRoot {
		return nil, fmt.Errorf("block %d: local state root %s, committed %s: execution diverged", blk.Header.Height, root, blk.Header.StateRoot)
	}
	return ex, nil
}

// commit persists a block, its QC, state changes, receipts and metadata in
// one synced batch, then publishes the new tip.
func (n *Node) commit(d *driverState, ex *executed, qc attest.QC) {
	n.mu.RLock()
	c := n.chain
	n.mu.RUnlock()
	blk := ex.blk
	h := blk.Header.Height
	start := time.Now()
	defer func() { n.noteSlow("commit", start, h, len(blk.Txs)) }()
	root, nodes, err := ex.overlay.Commit()
	if err != nil {
		n.halt("commit state", err)
	}
	failed := consensus.FailedProposers(c.nextVals, h, blk.Header.Round, skipAddresses(c.skips))
	failed = slices.DeleteFunc(failed, func(a attest.Address) bool { return a == blk.Header.Proposer })
	skips := nextSkips(c.skips, h, failed, n.cfg.Consensus.SkipWindow, ex.next.MaxFaulty())
	meta := heightMeta{Validators: c.nextVals.Validators, NextValidators: ex.next.Validators, Skips: skips}
	cert := &block.Certified{Block: *blk, QC: qc}

	batch := n.store.NewBlockBatch()
	if n.genesisState != nil {
		batch.PutStateNodes(n.genesisState.nodes)
	}
	batch.PutStateNodes(nodes)
	batch.PutBlock(cert)
	indexed := make(map[attest.Hash]bool, len(blk.Txs))
	for i, raw := range blk.Txs {
		// A transaction included again (a proposer replaying it; it fails
		// with nonce_too_low) keeps the location of its first inclusion.
		hash := attest.Keccak(raw)
		if indexed[hash] {
			continue
		}
		indexed[hash] = true
		if _, _, err := n.store.TxLocation(hash); err == nil {
			continue
		}
		batch.PutTxIndex(hash, h, uint32(i))
	}
	batch.PutReceipts(h, app.EncodeReceipts(ex.receipts))
	batch.PutMeta(h, encodeRLP(&meta))
	if err := batch.Commit(); err != nil {
		n.halt("write block", err)
	}
	n.genesisState = nil
	n.sdb.Remember(nodes)

	n.mu.Lock()
	n.chain = chainState{height: h, tip: cert, root: root, vals: c.nextVals, nextVals: ex.next, skips: skips, lastTime: n.now()}
	n.mu.Unlock()

	for _, e := range blk.Evidence {
		hash := e.Hash()
		d.committedEv[hash] = h
		delete(d.evidence, hash)
	}
	clear(d.executed)
	clear(d.invalid)
	delete(d.certified, h)
	view, done, err := n.views.acquire(n.sdb, root)
	if err != nil {
		n.halt("open committed state", err)
	}
	n.mempool.Update(blk.Txs, view)
	done()
	n.heads.Publish(&attest.CertifiedHeader{Header: blk.Header, QC: qc})
	n.blockFeed.Publish(&CommittedBlock{Certified: cert, Receipts: ex.receipts, Time: n.now()})
	n.log.Debug("committed", zap.Uint64("height", h), zap.Int("txs", len(blk.Txs)), zap.Uint32("round", qc.Round))
}

// startNextHeight moves consensus to the height after the tip, replays
// proposals that arrived early, and applies any certified blocks that sync
// already fetched.
func (n *Node) startNextHeight(ctx context.Context, d *driverState) {
	d.build = nil
	for _, t := range d.timers {
		t.Stop()
	}
	d.timers = nil
	n.mu.RLock()
	c := n.chain
	n.mu.RUnlock()
	if n.machine == nil {
		n.applySynced(ctx, d)
		return
	}
	if err := n.wal.StartHeight(c.height + 1); err != nil {
		n.halt("rotate consensus wal", err)
	}
	n.step(ctx, d, consensus.StartHeight{Height: c.height + 1, Validators: c.nextVals, Skipped: skipAddresses(c.skips)})
	future := d.future
	d.future = nil
	for _, p := range future {
		n.onProposal(ctx, d, p)
	}
	if cb := d.certified[c.height+1]; cb != nil {
		n.onCertified(ctx, d, cb)
	}
}

// onCertified handles a certified block fetched from a peer. A block for the
// current height is committed through the machine (or directly on a full
// node); a later one waits until the heights before it commit.
func (n *Node) onCertified(ctx context.Context, d *driverState, cb *block.Certified) {
	n.mu.RLock()
	c := n.chain
	n.mu.RUnlock()
	h := cb.Block.Header.Height
	switch {
	case h <= c.height:
		return
	case h > c.height+1:
		if len(d.certified) < maxBlocksInFlight {
			d.certified[h] = cb
		}
		return
	}
	if err := attest.VerifyQC(n.genesisHash, c.nextVals, &cb.QC); err != nil {
		n.log.Warn("certified block from peer does not verify", zap.Uint64("height", h), zap.Error(err))
		return
	}
	if n.machine != nil {
		n.step(ctx, d, consensus.CertifiedCommit{Height: h, Block: cb.Block.Encode(), BlockHash: cb.Block.Hash(), QC: cb.QC})
		return
	}
	ex, err := n.executeCommitted(cb.Block.Encode(), cb.Block.Hash())
	if err != nil {
		n.halt("execute synced block", err)
	}
	n.commit(d, ex, cb.QC)
	n.startNextHeight(ctx, d)
}

func (n *Node) applySynced(ctx context.Context, d *driverState) {
	n.mu.RLock()
	next := n.chain.height + 1
	n.mu.RUnlock()
	if cb := d.certified[next]; cb != nil {
		n.onCertified(ctx, d, cb)
	}
}

// pendingEvidence lists verified evidence not yet in a block, in hash order.
func (n *Node) pendingEvidence(d *driverState) []attest.DuplicateVote {
	out := make([]attest.DuplicateVote, 0, len(d.evidence))
	for _, e := range d.evidence {
		out = append(out, e)
	}
	sortEvidence(out)
	if len(out) > maxEvidencePerBlock {
		out = out[:maxEvidencePerBlock]
	}
	return out
}

// maxEvidencePerBlock bounds the evidence one block carries.
const maxEvidencePerBlock = 16

func (n *Node) addEvidence(d *driverState, e *attest.DuplicateVote) {
	hash := e.Hash()
	if _, done := d.committedEv[hash]; done {
		return
	}
	if _, have := d.evidence[hash]; have {
		return
	}
	n.mu.RLock()
	vals, height := n.chain.nextVals, n.chain.height
	n.mu.RUnlock()
	if e.A.Height+evidenceWindow <= height {
		return
	}
	if err := attest.VerifyDuplicateVote(n.genesisHash, vals, e); err != nil {
		n.log.Debug("dropping evidence", zap.Error(err))
		return
	}
	n.log.Warn("equivocation", zap.Stringer("validator", e.A.Validator), zap.Uint64("height", e.A.Height),
		zap.Uint32("round", e.A.Round), zap.Stringer("type", e.A.Type))
	d.evidence[hash] = *e
}

func (n *Node) checkEvidence(d *driverState, c chainState, blk *block.Block) error {
	if len(blk.Evidence) > maxEvidencePerBlock {
		return fmt.Errorf("%d evidence items exceeds %d", len(blk.Evidence), maxEvidencePerBlock)
	}
	seen := map[attest.Hash]bool{}
	for i := range blk.Evidence {
		e := &blk.Evidence[i]
		hash := e.Hash()
		if _, done := d.committedEv[hash]; done || seen[hash] {
			return fmt.Errorf("evidence %s already committed", hash)
		}
		seen[hash] = true
		if e.A.Height+evidenceWindow <= c.height || e.A.Height > c.height+1 {
			return fmt.Errorf("evidence %d is for height %d, outside the window", i, e.A.Height)
		}
		if err := attest.VerifyDuplicateVote(n.genesisHash, c.nextVals, e); err != nil {
			return fmt.Errorf("evidence %d: %w", i, err)
		}
	}
	return nil
}

var errNotFound = store.ErrNotFound

func isNotFound(err error) bool { return errors.Is(err, errNotFound) }
