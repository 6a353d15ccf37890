package node

import (
	"fmt"
	"sync"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/state"
)

// maxIdleViews bounds the read views kept for reuse.
const maxIdleViews = 8

// viewPool hands out read-only views of the latest state. A view caches the
// trie nodes it resolves, so reusing views for the same root saves decoding
// the same nodes for every admitted transaction. Views of an older root are
// dropped when returned.
type viewPool struct {
	mu   sync.Mutex
	root attest.Hash
	idle []*state.Overlay
}

// acquire returns a view of root and a function that hands it back.
func (p *viewPool) acquire(db *state.DB, root attest.Hash) (*state.Overlay, func(), error) {
	p.mu.Lock()
	if p.root != root {
		p.root, p.idle = root, nil
	}
	if k := len(p.idle); k > 0 {
		v := p.idle[k-1]
		p.idle = p.idle[:k-1]
		p.mu.Unlock()
		return v, func() { p.release(root, v) }, nil
	}
	p.mu.Unlock()
	v, err := db.Fork(root)
	if err != nil {
		return nil, nil, fmt.Errorf("open state view at %s: %w", root, err)
	}
	return v, func() { p.release(root, v) }, nil
}

func (p *viewPool) release(root attest.Hash, v *state.Overlay) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.root == root && len(p.idle) < maxIdleViews {
		p.idle = append(p.idle, v)
	}
}
