package store

import (
	"sync"

	"github.com/causeway/causeway/node/block"
)

// recentBlocks keeps the latest certified blocks decoded, in a ring indexed
// by height. Heights only grow by one, so the ring never needs eviction.
type recentBlocks struct {
	mu     sync.RWMutex
	blocks []*block.Certified
}

func newRecentBlocks(n int) *recentBlocks {
	return &recentBlocks{blocks: make([]*block.Certified, n)}
}

func (r *recentBlocks) get(height uint64) (*block.Certified, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c := r.blocks[height%uint64(len(r.blocks))]
	if c == nil || c.Block.Header.Height != height {
		return nil, false
	}
	return c, true
}

func (r *recentBlocks) put(c *block.Certified) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.blocks[c.Block.Header.Height%uint64(len(r.blocks))] = c
}
