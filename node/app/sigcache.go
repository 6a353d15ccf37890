package app

import (
	"container/list"
	"sync"
	"sync/atomic"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/tx"
)

// DefaultSigCacheSize holds the senders of a full mempool plus a few blocks.
const DefaultSigCacheSize = 100_000

// SigCache is a bounded, concurrency-safe LRU from transaction hash to the
// recovered sender. The mempool and block execution share one so that a
// signature verified at admission is not verified again when the block that
// includes it executes. Failed verifications are not cached.
//
// Two goroutines missing on the same hash at once may both verify; the
// result is the same and only one entry is kept.
type SigCache struct {
	size     int
	verified atomic.Uint64

	mu    sync.Mutex
	order *list.List // front = most recently used; values are *sigEntry
	items map[sigKey]*list.Element
}

// sigKey includes the genesis hash so that one cache can never hand out a
// sender recovered under another chain's digest.
type sigKey struct {
	genesis attest.Hash
	hash    attest.Hash
}

type sigEntry struct {
	key    sigKey
	sender attest.Address
}

// NewSigCache returns a cache of at most size entries (DefaultSigCacheSize
// when size <= 0).
func NewSigCache(size int) *SigCache {
	if size <= 0 {
		size = DefaultSigCacheSize
	}
	// The map grows with use: sized for the bound up front it would hold
	// tens of megabytes that a quiet node never fills.
	return &SigCache{size: size, order: list.New(), items: make(map[sigKey]*list.Element, min(size, sigCacheInitial))}
}

// sigCacheInitial is the entries a new cache has room for before growing.
const sigCacheInitial = 1024

// Sender returns the signer of t, whose hash the caller supplies, verifying
// the signature only on a cache miss. A bad signature is an *Error with
// CodeBadSignature.
func (c *SigCache) Sender(genesis attest.Hash, t *tx.Tx, hash attest.Hash) (attest.Address, error) {
	if addr, ok := c.Lookup(genesis, hash); ok {
		return addr, nil
	}
	c.verified.Add(1)
	addr, err := t.Sender(genesis)
	if err != nil {
		return attest.Address{}, Errorf(CodeBadSignature, "tx %s: %v", hash, err)
	}
	c.add(sigKey{genesis, hash}, addr)
	return addr, nil
}

// Lookup returns the cached sender of hash without verifying anything.
func (c *SigCache) Lookup(genesis attest.Hash, hash attest.Hash) (attest.Address, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[sigKey{genesis, hash}]
	if !ok {
		return attest.Address{}, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*sigEntry).sender, true
}

// Verifications counts signature recoveries performed (cache misses).
func (c *SigCache) Verifications() uint64 { return c.verified.Load() }

// Len is the number of cached senders.
func (c *SigCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}

func (c *SigCache) add(k sigKey, addr attest.Address) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		c.order.MoveToFront(el)
		return
	}
	c.items[k] = c.order.PushFront(&sigEntry{key: k, sender: addr})
	if c.order.Len() > c.size {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.items, oldest.Value.(*sigEntry).key)
	}
}
