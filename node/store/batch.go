package store

import (
	"fmt"

	"github.com/cockroachdb/pebble"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/block"
	"github.com/causeway/causeway/node/state"
)

// BlockBatch gathers everything one block writes. Nothing is visible until
// Commit, which writes it all with one synced Pebble commit. A batch is used
// by one goroutine; its Put methods keep the first problem and Commit reports it.
type BlockBatch struct {
	s     *Store
	b     *pebble.Batch
	block *block.Certified

	ref      uint64 // the height receipts, metadata and tx indexes were put for
	refSet   bool
	err      error // first misuse, reported by Commit
	finished bool
}

// NewBlockBatch starts an empty batch.
func (s *Store) NewBlockBatch() *BlockBatch {
	return &BlockBatch{s: s, b: s.db.NewBatch()}
}

// PutStateNodes adds trie nodes from state.Overlay.Commit.
func (b *BlockBatch) PutStateNodes(nodes []state.Node) {
	for _, n := range nodes {
		b.set(hashKey(kindNode, n.Hash), n.Blob)
	}
}

// PutBlock adds the certified block under its height and indexes its hash.
// A batch holds exactly one block.
func (b *BlockBatch) PutBlock(c *block.Certified) {
	if b.block != nil {
		b.fail(fmt.Errorf("second block %d in a batch for %d: %w", c.Block.Header.Height, b.block.Block.Header.Height, ErrBadBatch))
		return
	}
	h := c.Block.Header.Height
	b.block = c
	b.set(heightKey(kindBlock, h), block.EncodeCertified(c))
	b.set(hashKey(kindHash, c.Block.Hash()), encodeHeight(h))
}

// PutTxIndex records where a transaction of this block sits.
func (b *BlockBatch) PutTxIndex(txHash attest.Hash, height uint64, index uint32) {
	b.refer(height)
	b.set(hashKey(kindTx, txHash), encodeLocation(height, index))
}

// PutReceipts adds the block's encoded receipts.
func (b *BlockBatch) PutReceipts(height uint64, receipts []byte) {
	b.refer(height)
	b.set(heightKey(kindReceipts, height), receipts)
}

// PutMeta adds the node's metadata for the block's height.
func (b *BlockBatch) PutMeta(height uint64, meta []byte) {
	b.refer(height)
	b.set(heightKey(kindMeta, height), meta)
}

// Commit writes the batch with one synced commit and advances Height to the
// block's height. It refuses, writing nothing, a batch without a block, with
// entries for another height, or whose height is not Height()+1. The batch
// is finished afterwards, whatever the outcome.
func (b *BlockBatch) Commit() error {
	if b.finished {
		return fmt.Errorf("commit block batch: %w", ErrBadBatch)
	}
	defer b.Discard()
	if err := b.check(); err != nil {
		return fmt.Errorf("commit block batch: %w", err)
	}
	s := b.s
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return fmt.Errorf("commit block batch: %w", ErrClosed)
	}
	h := b.block.Block.Header.Height
	if latest := s.Height(); h != latest+1 {
		return fmt.Errorf("commit block %d after %d: %w", h, latest, ErrHeightGap)
	}
	if err := b.b.Set(latestKey, encodeHeight(h), nil); err != nil {
		return fmt.Errorf("commit block %d: %w", h, err)
	}
	if err := b.b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("commit block %d: %w", h, err)
	}
	s.height.Store(h)
	s.recent.put(b.block)
	return nil
}

// Discard drops an uncommitted batch. It is safe to call more than once and
// after Commit.
func (b *BlockBatch) Discard() {
	if b.finished {
		return
	}
	b.finished = true
	_ = b.b.Close() // closing an in-memory batch only returns it to a pool
}

// check reports the first misuse and that every entry is for the block's height.
func (b *BlockBatch) check() error {
	if b.err != nil {
		return b.err
	}
	if b.block == nil {
		return fmt.Errorf("no block: %w", ErrBadBatch)
	}
	if qc, hdr := &b.block.QC, &b.block.Block.Header; qc.Height != hdr.Height || qc.BlockHash != b.block.Block.Hash() {
		return fmt.Errorf("block %d with a qc for %d/%s: %w", hdr.Height, qc.Height, qc.BlockHash, ErrBadBatch)
	}
	if h := b.block.Block.Header.Height; b.refSet && b.ref != h {
		return fmt.Errorf("entries for height %d in the batch of block %d: %w", b.ref, h, ErrBadBatch)
	}
	return nil
}

// refer notes that an entry is for height; all must be for the same one.
func (b *BlockBatch) refer(height uint64) {
	if !b.refSet {
		b.ref, b.refSet = height, true
		return
	}
	if height != b.ref {
		b.fail(fmt.Errorf("entries for heights %d and %d: %w", b.ref, height, ErrBadBatch))
	}
}

func (b *BlockBatch) set(key, value []byte) {
	if b.finished {
		b.fail(fmt.Errorf("put after commit or discard: %w", ErrBadBatch))
		return
	}
	if err := b.b.Set(key, value, nil); err != nil {
		b.fail(fmt.Errorf("put %x: %w", key[:1], err))
	}
}

func (b *BlockBatch) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}
