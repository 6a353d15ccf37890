package store

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble"
	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/block"
)

// Store is the block store. It is safe for concurrent use; commits are
// serialised. Lock order: commitMu, then mu.
type Store struct {
	db     *pebble.DB
	log    *zap.Logger
	recent *recentBlocks

	commitMu sync.Mutex    // held while a batch checks and advances the height
	height   atomic.Uint64 // latest committed height
	mu       sync.RWMutex  // read-held by every database access, write-held by Close
	closed   bool          // under mu
}

// Open opens (or creates) the store in dir with DefaultConfig.
func Open(dir string, log *zap.Logger) (*Store, error) {
	return OpenConfig(dir, DefaultConfig(), log)
}

// OpenConfig opens (or creates) the store in dir and reopens it at the
// height it had when it was last committed.
func OpenConfig(dir string, cfg Config, log *zap.Logger) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log = log.Named("store")
	cache := pebble.NewCache(cfg.CacheBytes)
	defer cache.Unref() // Pebble holds its own reference while open
	db, err := pebble.Open(dir, pebbleOptions(cfg, cache, log))
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	s := &Store{db: db, log: log, recent: newRecentBlocks(cfg.RecentBlocks)}
	if err := s.loadHeight(); err != nil {
		return nil, errors.Join(fmt.Errorf("open store %s: %w", dir, err), db.Close())
	}
	log.Info("store opened", zap.String("dir", dir), zap.Uint64("height", s.Height()))
	return s, nil
}

// Close flushes nothing (every commit is already synced) and releases the database.
// Reads and commits that start afterwards return ErrClosed.
func (s *Store) Close() error {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.closed = true
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// Height is the latest committed height; 0 before the first block.
func (s *Store) Height() uint64 { return s.height.Load() }

// Node returns the trie node with hash. It implements state.NodeStore.
func (s *Store) Node(hash attest.Hash) ([]byte, error) {
	v, err := s.get(hashKey(kindNode, hash))
	if err != nil {
		return nil, fmt.Errorf("read node %s: %w", hash, err)
	}
	return v, nil
}

// Block returns the certified block at height h. The result may be shared
// with other callers and must not be modified.
func (s *Store) Block(h uint64) (*block.Certified, error) {
	if h == 0 || h > s.Height() {
		return nil, fmt.Errorf("read block %d: %w", h, ErrNotFound)
	}
	if c, ok := s.recent.get(h); ok {
		return c, nil
	}
	v, err := s.get(heightKey(kindBlock, h))
	if err != nil {
		return nil, fmt.Errorf("read block %d: %w", h, err)
	}
	c, err := block.DecodeCertified(v)
	if err != nil {
		return nil, fmt.Errorf("read block %d: %w: %w", h, ErrCorrupt, err)
	}
	return c, nil
}

// HeightOfHash returns the height of the committed block with hash.
func (s *Store) HeightOfHash(hash attest.Hash) (uint64, error) {
	v, err := s.get(hashKey(kindHash, hash))
	if err != nil {
		return 0, fmt.Errorf("find block %s: %w", hash, err)
	}
	h, err := decodeHeight(v)
	if err != nil {
		return 0, fmt.Errorf("find block %s: %w", hash, err)
	}
	return h, nil
}

// TxLocation returns the height and index within its block of a committed transaction.
func (s *Store) TxLocation(txHash attest.Hash) (uint64, uint32, error) {
	v, err := s.get(hashKey(kindTx, txHash))
	if err != nil {
		return 0, 0, fmt.Errorf("find tx %s: %w", txHash, err)
	}
	h, i, err := decodeLocation(v)
	if err != nil {
		return 0, 0, fmt.Errorf("find tx %s: %w", txHash, err)
	}
	return h, i, nil
}

// Receipts returns the encoded receipts of the block at height h.
func (s *Store) Receipts(h uint64) ([]byte, error) {
	v, err := s.get(heightKey(kindReceipts, h))
	if err != nil {
		return nil, fmt.Errorf("read receipts %d: %w", h, err)
	}
	return v, nil
}

// Meta returns the node's metadata for height h.
func (s *Store) Meta(h uint64) ([]byte, error) {
	v, err := s.get(heightKey(kindMeta, h))
	if err != nil {
		return nil, fmt.Errorf("read meta %d: %w", h, err)
	}
	return v, nil
}

// get reads a copy of key's value, or ErrNotFound.
func (s *Store) get(key []byte) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	v, closer, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	out := append(make([]byte, 0, len(v)), v...)
	return out, closer.Close()
}

// loadHeight reads the latest height and checks that its block is there.
func (s *Store) loadHeight() error {
	v, err := s.get(latestKey)
	if errors.Is(err, ErrNotFound) {
		return nil // a new store
	}
	if err != nil {
		return fmt.Errorf("read height: %w", err)
	}
	h, err := decodeHeight(v)
	if err != nil {
		return fmt.Errorf("read height: %w", err)
	}
	if _, err := s.get(heightKey(kindBlock, h)); err != nil {
		return fmt.Errorf("block %d at the latest height: %w", h, err)
	}
	s.height.Store(h)
	return nil
}
