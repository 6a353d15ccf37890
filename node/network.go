package node

import (
	"bytes"
	"context"
	"slices"
	"sort"
	"time"

	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/block"
	"github.com/causeway/causeway/node/consensus"
	"github.com/causeway/causeway/node/p2p"
)

// evidenceWindow is how many heights back evidence is accepted; evidence
// committed within it is remembered so it is never included twice.
const evidenceWindow = 256

// pumpInbound decodes and authenticates peer messages off the driver loop:
// signatures are checked here, in parallel with consensus, and transactions
// go straight to the mempool.
func (n *Node) pumpInbound(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case in, ok := <-n.transport.Inbound():
			if !ok {
				return
			}
			if ev := n.decodeInbound(in); ev != nil {
				select {
				case n.events <- ev:
				case <-ctx.Done():
					return
				}
			}
		}
	}
}

func (n *Node) decodeInbound(in p2p.Inbound) driverEvent {
	log := func(what string, err error) driverEvent {
		n.log.Debug("dropping peer message", zap.String("what", what), zap.Stringer("peer", in.From), zap.Error(err))
		return nil
	}
	switch in.Msg.Type {
	case msgProposal:
		p, err := consensus.DecodeProposal(in.Msg.Payload)
		if err != nil {
			return log("proposal", err)
		}
		if err := consensus.VerifyProposalSig(n.genesisHash, p); err != nil {
			return log("proposal", err)
		}
		return evProposal{p: p, from: in.From}
	case msgVote:
		v, err := attest.DecodeVote(in.Msg.Payload)
		if err != nil {
			return log("vote", err)
		}
		if err := n.checkVoteSig(v); err != nil {
			return log("vote", err)
		}
		return evVote{v: v}
	case msgTxs:
		txs, err := decodeTxs(in.Msg.Payload)
		if err != nil {
			return log("txs", err)
		}
		// Admission verifies signatures: keep it off this goroutine so
		// consensus messages never queue behind transaction gossip.
		select {
		case n.ingest <- txs:
		default:
			n.log.Debug("tx gossip queue full, dropping a batch", zap.Int("txs", len(txs)))
		}
	case msgEvidence:
		e, err := attest.DecodeDuplicateVote(in.Msg.Payload)
		if err != nil {
			return log("evidence", err)
		}
		return evEvidence{e: e}
	case msgBlockRequest:
		r, err := decodeBlockRequest(in.Msg.Payload)
		if err != nil {
			return log("block request", err)
		}
		return evBlockRequest{from: in.From, r: r}
	case msgBlockResponse:
		c, err := block.DecodeCertified(in.Msg.Payload)
		if err != nil {
			return log("certified block", err)
		}
		return evCertified{c: c, from: in.From}
	case msgStatus:
		s, err := decodePeerStatus(in.Msg.Payload)
		if err != nil {
			return log("status", err)
		}
		return evPeerStatus{from: in.From, s: s}
	default:
		n.log.Debug("unknown message type", zap.Uint8("type", in.Msg.Type), zap.Stringer("peer", in.From))
	}
	return nil
}

// checkVoteSig checks a vote's signature and that its signer is a validator
// of the set at the height being decided (or the next one, for buffering).
func (n *Node) checkVoteSig(v *attest.Vote) error {
	n.mu.RLock()
	vals := n.chain.nextVals
	n.mu.RUnlock()
	return attest.VerifyVote(n.genesisHash, vals, v)
}

// ingestLoop admits gossiped transactions; several run in parallel.
func (n *Node) ingestLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case txs := <-n.ingest:
			n.admitGossip(txs)
		}
	}
}

func (n *Node) admitGossip(txs [][]byte) {
	view, done, err := n.latestState()
	if err != nil {
		n.log.Warn("state for gossip admission", zap.Error(err))
		return
	}
	defer done()
	for _, raw := range txs {
		// Rejections are normal here: peers gossip txs we already hold or
		// that a block just included.
		_, _ = n.mempool.Add(raw, view)
	}
}

// gossipLoop batches locally submitted transactions to peers.
func (n *Node) gossipLoop(ctx context.Context) {
	var batch [][]byte
	flush := time.NewTimer(time.Hour)
	flush.Stop()
	send := func() {
		if len(batch) > 0 {
			n.transport.Broadcast(p2p.Message{Type: msgTxs, Payload: encodeRLP(batch)})
			batch = nil
		}
	}
	for {
		select {
		case <-ctx.Done():
			flush.Stop()
			return
		case raw := <-n.gossip:
			if len(batch) == 0 {
				flush.Reset(gossipFlushDelay)
			}
			batch = append(batch, raw)
			if len(batch) >= maxTxsPerGossip {
				flush.Stop()
				send()
			}
		case <-flush.C:
			send()
		}
	}
}

func (n *Node) broadcastStatus() {
	n.mu.RLock()
	s := peerStatus{Height: n.chain.height}
	if n.chain.tip != nil {
		s.Hash = n.chain.tip.Block.Hash()
	}
	n.mu.RUnlock()
	n.transport.Broadcast(p2p.Message{Type: msgStatus, Payload: encodeRLP(&s)})
}

// requestSync asks the most advanced peer for the blocks this node lacks.
func (n *Node) requestSync(d *driverState) {
	n.mu.RLock()
	h := n.chain.height
	n.mu.RUnlock()
	var best attest.Address
	var bestHeight uint64
	peers := make([]attest.Address, 0, len(d.peerHeights))
	for p := range d.peerHeights {
		peers = append(peers, p)
	}
	slices.SortFunc(peers, func(a, b attest.Address) int { return bytes.Compare(a[:], b[:]) })
	for _, p := range peers {
		if d.peerHeights[p] > bestHeight {
			best, bestHeight = p, d.peerHeights[p]
		}
	}
	// A peer one height ahead is normal while a commit propagates; sync
	// only when consensus messages alone have not closed the gap.
	if bestHeight <= h+1 && !(bestHeight == h+1 && n.now().Sub(n.lastCommitTime()) > syncRetryInterval) {
		return
	}
	if n.now().Sub(d.lastSyncReq) < syncRetryInterval/4 {
		return
	}
	d.lastSyncReq = n.now()
	count := min(bestHeight-h, maxBlocksPerSync)
	if err := n.transport.Send(best, p2p.Message{Type: msgBlockRequest, Payload: encodeRLP(&blockRequest{From: h + 1, Count: count})}); err != nil {
		n.log.Debug("sync request", zap.Stringer("peer", best), zap.Error(err))
	}
}

func (n *Node) lastCommitTime() time.Time {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.chain.lastTime
}

// serveBlocks answers a laggard with certified blocks from the store.
func (n *Node) serveBlocks(to attest.Address, r *blockRequest) {
	top := n.Height()
	for h := r.From; h < r.From+r.Count && h <= top; h++ {
		c, err := n.store.Block(h)
		if err != nil {
			n.log.Warn("serve block", zap.Uint64("height", h), zap.Error(err))
			return
		}
		if err := n.transport.Send(to, p2p.Message{Type: msgBlockResponse, Payload: block.EncodeCertified(c)}); err != nil {
			return
		}
	}
}

// loadRecentEvidence remembers evidence committed in the last evidenceWindow
// blocks so a restarted proposer does not include it again.
func (n *Node) loadRecentEvidence(d *driverState) {
	top := n.Height()
	from := uint64(1)
	if top > evidenceWindow {
		from = top - evidenceWindow
	}
	for h := from; h <= top; h++ {
		c, err := n.store.Block(h)
		if err != nil {
			n.halt("load recent evidence", err)
		}
		for i := range c.Block.Evidence {
			d.committedEv[c.Block.Evidence[i].Hash()] = h
		}
	}
}

func sortEvidence(ev []attest.DuplicateVote) {
	hashes := make([]attest.Hash, len(ev))
	for i := range ev {
		hashes[i] = ev[i].Hash()
	}
	idx := make([]int, len(ev))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return bytes.Compare(hashes[idx[a]][:], hashes[idx[b]][:]) < 0 })
	out := make([]attest.DuplicateVote, len(ev))
	for i, j := range idx {
		out[i] = ev[j]
	}
	copy(ev, out)
}

// requestCommit asks peers for the certified block at h after the machine
// learned that h was decided without this node holding the block.
func (n *Node) requestCommit(d *driverState, h uint64) {
	if n.now().Sub(d.lastSyncReq) < syncRetryInterval/4 {
		return
	}
	d.lastSyncReq = n.now()
	n.transport.Broadcast(p2p.Message{Type: msgBlockRequest, Payload: encodeRLP(&blockRequest{From: h, Count: 1})})
}
