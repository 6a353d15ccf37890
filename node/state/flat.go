package state

import (
	"sync"

	"github.com/causeway/causeway/attest"
)

// flatBytesPerEntry sizes the flat cache from the DB's cache budget: one
// entry (key, value, map slot) for every this many bytes.
const flatBytesPerEntry = 512

// flatCache holds values of the latest committed root by key, so reads at
// that root (block execution, mempool admission) skip the trie walk and node
// decoding. It follows the chain: committing an overlay forked from the
// cached root moves the cache to the new root with the overlay's writes
// applied. Reads at any other root bypass it. A nil value records a key
// known to be absent.
type flatCache struct {
	mu   sync.RWMutex
	root attest.Hash
	vals map[string][]byte
	max  int
}

func newFlatCache(max int) *flatCache {
	return &flatCache{vals: make(map[string][]byte), max: max}
}

// get returns key's value at root if the cache holds it.
func (f *flatCache) get(root attest.Hash, key []byte) ([]byte, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.root != root {
		return nil, false
	}
	v, ok := f.vals[string(key)]
	return v, ok
}

// put records a value read from the trie at root. Values are never modified
// after they enter the cache.
func (f *flatCache) put(root attest.Hash, key []byte, value []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.root != root || len(f.vals) >= f.max {
		return
	}
	f.vals[string(key)] = value
}

// advance moves the cache from root from to root to by applying writes (nil
// value = deleted). A cache on another root starts over empty at to.
func (f *flatCache) advance(from, to attest.Hash, writes map[string][]byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.root != from || len(f.vals)+len(writes) > f.max {
		f.root, f.vals = to, make(map[string][]byte)
		return
	}
	for k, v := range writes {
		f.vals[k] = v
	}
	f.root = to
}
