package state

import (
	"errors"
	"fmt"
	"sync"

	"github.com/causeway/causeway/attest"
)

// ErrNodeNotFound is what MemNodes returns, wrapped, for an unknown hash.
var ErrNodeNotFound = errors.New("state: node not in memory store")

// MemNodes is an in-memory NodeStore for tests and tools that need state
// without a block store. It is safe for concurrent use.
type MemNodes struct {
	mu    sync.RWMutex
	nodes map[attest.Hash][]byte
}

// NewMemNodes returns an empty MemNodes.
func NewMemNodes() *MemNodes {
	return &MemNodes{nodes: make(map[attest.Hash][]byte)}
}

// Node implements NodeStore.
func (m *MemNodes) Node(hash attest.Hash) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	blob, ok := m.nodes[hash]
	if !ok {
		return nil, fmt.Errorf("node %s: %w", hash, ErrNodeNotFound)
	}
	return clone(blob), nil
}

// Put stores nodes, as a block batch would.
func (m *MemNodes) Put(nodes []Node) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, n := range nodes {
		m.nodes[n.Hash] = clone(n.Blob)
	}
}

// Len is the number of stored nodes.
func (m *MemNodes) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.nodes)
}
