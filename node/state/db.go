package state

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common/lru"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/trie"

	"github.com/causeway/causeway/attest"
)

// Sizes.
const (
	// MaxKeyBytes bounds a state key. Keys are readable paths built from
	// chain ids, addresses, denominations and sequences, all far shorter.
	MaxKeyBytes = 512
	// MinCacheBytes is the smallest node cache New builds; smaller requests
	// (including zero) get this much.
	MinCacheBytes = 1 << 20
	// cacheEntryOverhead is what one cached node costs beyond its blob: the
	// 32-byte key plus the LRU's list element and map slot.
	cacheEntryOverhead = 96
)

// NodeStore is where committed trie nodes live, keyed by node hash.
// store.Store implements it. A missing node returns an error wrapping the
// store's not-found sentinel. Implementations must be safe for concurrent use
// and return a slice the caller may keep.
type NodeStore interface {
	Node(hash attest.Hash) ([]byte, error)
}

// Node is one trie node to persist: its keccak256 hash and RLP encoding.
type Node struct {
	Hash attest.Hash
	Blob []byte
}

// DB reads committed state. It is safe for concurrent use; the Overlays it
// hands out are not.
type DB struct {
	nodes NodeStore
	cache *lru.SizeConstrainedCache[attest.Hash, []byte]
	flat  *flatCache
}

// New returns a DB reading nodes from nodes through a cache of about
// cacheBytes (at least MinCacheBytes).
func New(nodes NodeStore, cacheBytes int) *DB {
	size := max(cacheBytes, MinCacheBytes)
	keySize := func(attest.Hash) uint64 { return cacheEntryOverhead }
	return &DB{
		nodes: nodes,
		cache: lru.NewSizeConstrainedCacheWithKeySize[attest.Hash, []byte](uint64(size), keySize),
		flat:  newFlatCache(size / flatBytesPerEntry),
	}
}

// EmptyRoot is the root of the empty state, the parent root of a fresh chain.
func EmptyRoot() attest.Hash { return types.EmptyRootHash }

// Fork opens a writable overlay on a committed root. The zero hash is taken
// as EmptyRoot, as go-ethereum's trie does.
func (db *DB) Fork(root attest.Hash) (*Overlay, error) {
	t, err := db.open(root)
	if err != nil {
		return nil, fmt.Errorf("fork state at %s: %w", root, err)
	}
	return newOverlay(db, root, t), nil
}

// Remember caches just-committed nodes so that the next Fork, Get or Prove on
// their root needs no store read. The blobs must not be modified afterwards.
func (db *DB) Remember(nodes []Node) {
	for _, n := range nodes {
		db.cache.Add(n.Hash, n.Blob)
	}
}

// Get reads key at a committed root. It returns nil, nil when key is absent.
func (db *DB) Get(root attest.Hash, key []byte) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	t, err := db.open(root)
	if err != nil {
		return nil, fmt.Errorf("get %q at %s: %w", key, root, err)
	}
	v, err := t.Get(key)
	if err != nil {
		return nil, fmt.Errorf("get %q at %s: %w", key, root, err)
	}
	return clone(v), nil
}

// Prove returns the value of key at root (nil when absent) and a Merkle proof
// of it: of membership when present, of non-membership when absent. The proof
// verifies with attest.VerifyProof(root, key, proof). The empty state has no
// nodes to prove with and returns ErrEmptyState.
func (db *DB) Prove(root attest.Hash, key []byte) ([]byte, [][]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, nil, err
	}
	if root == EmptyRoot() || root == (attest.Hash{}) {
		return nil, nil, fmt.Errorf("prove %q: %w", key, ErrEmptyState)
	}
	t, err := db.open(root)
	if err != nil {
		return nil, nil, fmt.Errorf("prove %q at %s: %w", key, root, err)
	}
	// Get first: it loads the path into the trie, so Prove walks it in memory.
	v, err := t.Get(key)
	if err != nil {
		return nil, nil, fmt.Errorf("prove %q at %s: %w", key, root, err)
	}
	var proof proofList
	if err := t.Prove(key, &proof); err != nil {
		return nil, nil, fmt.Errorf("prove %q at %s: %w", key, root, err)
	}
	return clone(v), proof, nil
}

// open returns a trie on a committed root.
func (db *DB) open(root attest.Hash) (*trie.Trie, error) {
	return trie.New(trie.StateTrieID(root), trieDB{db})
}

// proofList collects proof nodes in the order the trie emits them, root first.
type proofList [][]byte

func (p *proofList) Put(_, value []byte) error {
	*p = append(*p, value)
	return nil
}

func (p *proofList) Delete([]byte) error { return nil }

func checkKey(key []byte) error {
	if len(key) == 0 || len(key) > MaxKeyBytes {
		return fmt.Errorf("key of %d bytes: %w", len(key), ErrBadKey)
	}
	return nil
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}
