package node

import (
	"time"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/block"
	"github.com/causeway/causeway/node/consensus"
)

// CommittedBlock is a block as it commits on this node.
type CommittedBlock struct {
	Certified *block.Certified
	Receipts  []app.Receipt
	Time      time.Time // local time of the commit
}

// SubscribeBlocks streams committed blocks. The channel closes when the
// subscriber falls buffer blocks behind, on cancel, or when the node stops.
func (n *Node) SubscribeBlocks(buffer int) (<-chan *CommittedBlock, func()) {
	return n.blockFeed.Subscribe(buffer)
}

// SubscribeHeads streams certified headers as they commit.
func (n *Node) SubscribeHeads(buffer int) (<-chan *attest.CertifiedHeader, func()) {
	return n.heads.Subscribe(buffer)
}

// NextProposer is the validator scheduled to propose round 0 of the next height.
func (n *Node) NextProposer() attest.Address {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return consensus.ProposerFor(n.chain.nextVals, n.chain.height+1, 0, skipAddresses(n.chain.skips))
}

// Tip returns the latest certified block (nil before the first commit).
func (n *Node) Tip() *block.Certified {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.chain.tip
}

// Block returns the certified block at height h.
func (n *Node) Block(h uint64) (*block.Certified, error) { return n.store.Block(h) }
