package store

import (
	"errors"
	"fmt"
	"runtime"
)

// Config tunes Pebble for a validator. DefaultConfig suits one validator per
// machine; SmallConfig suits many validators in one process (devnet, tests).
type Config struct {
	// CacheBytes is Pebble's block cache. Trie nodes are read at random, so
	// the cache carries most state reads the state package's own node cache
	// misses.
	CacheBytes int64
	// MemTableBytes is the size a memtable grows to before it is flushed to
	// an L0 table. One block's batch (a block plus its state nodes) is around
	// a megabyte, so a memtable holds dozens of blocks and flushes stay rare.
	MemTableBytes uint64
	// MemTables is how many full memtables may queue for flushing before
	// writes stall; at least 2, so that a flush never stalls a commit.
	MemTables int
	// Compactions bounds concurrent background compactions. On a small
	// machine one leaves the cores to consensus and execution.
	Compactions int
	// BloomBitsPerKey sizes the bloom filter of every table. Point reads of
	// random hashes (nodes, transactions) dominate, and a filter lets a read
	// skip tables that do not hold the key.
	BloomBitsPerKey int
	// RecentBlocks is how many of the latest certified blocks stay decoded in
	// memory for laggards, RPC and the next proposal.
	RecentBlocks int
}

// Defaults and floors.
const (
	defaultCacheBytes    = 128 << 20
	defaultMemTableBytes = 32 << 20
	defaultMemTables     = 4
	defaultBloomBits     = 10
	defaultRecentBlocks  = 16

	smallCacheBytes    = 8 << 20
	smallMemTableBytes = 8 << 20

	minMemTableBytes = 1 << 20
	minMemTables     = 2
	maxCompactions   = 4
)

// DefaultConfig is the configuration for a validator with a machine of its own.
func DefaultConfig() Config {
	return Config{
		CacheBytes:      defaultCacheBytes,
		MemTableBytes:   defaultMemTableBytes,
		MemTables:       defaultMemTables,
		Compactions:     min(maxCompactions, max(1, runtime.NumCPU()/2)),
		BloomBitsPerKey: defaultBloomBits,
		RecentBlocks:    defaultRecentBlocks,
	}
}

// SmallConfig keeps memory low for many stores in one process.
func SmallConfig() Config {
	c := DefaultConfig()
	c.CacheBytes = smallCacheBytes
	c.MemTableBytes = smallMemTableBytes
	c.Compactions = 1
	return c
}

// Validate reports every field out of range.
func (c Config) Validate() error {
	var errs []error
	if c.CacheBytes < 0 {
		errs = append(errs, fmt.Errorf("cache bytes %d is negative", c.CacheBytes))
	}
	if c.MemTableBytes < minMemTableBytes {
		errs = append(errs, fmt.Errorf("memtable bytes %d below %d", c.MemTableBytes, minMemTableBytes))
	}
	if c.MemTables < minMemTables {
		errs = append(errs, fmt.Errorf("memtables %d below %d", c.MemTables, minMemTables))
	}
	if c.Compactions < 1 || c.Compactions > maxCompactions {
		errs = append(errs, fmt.Errorf("compactions %d outside 1..%d", c.Compactions, maxCompactions))
	}
	if c.BloomBitsPerKey < 1 {
		errs = append(errs, fmt.Errorf("bloom bits per key %d below 1", c.BloomBitsPerKey))
	}
	if c.RecentBlocks < 1 {
		errs = append(errs, fmt.Errorf("recent blocks %d below 1", c.RecentBlocks))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store config: %w", err)
	}
	return nil
}
