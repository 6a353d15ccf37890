package mempool

import (
	"fmt"
	"math"
	"sync"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/tx"
)

// Mempool is the pool of admitted, not yet committed transactions.
// One mutex guards all fields below it; state reads and signature
// verification happen outside it.
type Mempool struct {
	cfg     Config
	app     *app.App
	cache   *app.SigCache
	genesis attest.Hash
	notify  chan struct{}

	mu      sync.Mutex
	byHash  map[attest.Hash]*entry
	senders map[attest.Address]*sender
	order   []*sender // first-arrival order; may hold dropped senders until compacted
	bytes   int
	// committed holds the hashes of the last RecentBlocks blocks' txs
	// (committedRing, oldest first), so a transaction checked against a
	// state read before its block committed cannot be admitted again.
	committed     map[attest.Hash]struct{}
	committedRing [][]attest.Hash
}

// RecentBlocks is how many blocks' transactions the pool remembers as
// committed: far more than the lag between a state read and an insert.
const RecentBlocks = 16

// entry is one pending transaction.
type entry struct {
	raw    []byte
	hash   attest.Hash
	sender attest.Address
	nonce  uint64
}

// sender is the pending transactions of one address.
type sender struct {
	addr    attest.Address
	next    uint64            // account nonce as last read from state
	txs     map[uint64]*entry // by nonce; every key >= next
	dropped bool              // no longer in Mempool.senders
}

// New returns an empty mempool admitting transactions for a's chain. cache
// must be the cache a executes with (nil means a.Cache()) so that a signature
// verified here is not verified again when its block executes. Non-positive
// caps in cfg take their defaults.
func New(cfg Config, a *app.App, cache *app.SigCache) *Mempool {
	if cache == nil {
		cache = a.Cache()
	}
	return &Mempool{
		cfg:       cfg.withDefaults(),
		app:       a,
		cache:     cache,
		genesis:   a.GenesisHash(),
		notify:    make(chan struct{}, 1),
		byHash:    make(map[attest.Hash]*entry),
		committed: make(map[attest.Hash]struct{}),
		senders:   make(map[attest.Address]*sender),
	}
}

// Add admits raw, checking it against st (the latest committed state). It
// returns the transaction hash, or an *app.Error with a stable code
// (TooLarge, Malformed, WrongChain, BadSignature, Duplicate, NonceTooLow,
// NonceTooHigh, MempoolFull or the module's Check code). Any other error is
// an internal failure reading st. A rejection leaves the mempool unchanged.
func (m *Mempool) Add(raw []byte, st app.KV) (attest.Hash, error) {
	if len(raw) > tx.MaxTxBytes || len(raw) > m.cfg.MaxBytes {
		return attest.Hash{}, app.Errorf(app.CodeTooLarge, "tx is %d bytes, limit %d", len(raw), min(tx.MaxTxBytes, m.cfg.MaxBytes))
	}
	t, hash, err := m.app.DecodeTx(raw)
	if err != nil {
		return hash, err
	}
	if err := m.precheck(hash, len(raw)); err != nil {
		return hash, err
	}
	from, err := m.cache.Sender(m.genesis, t, hash)
	if err != nil {
		return hash, err
	}
	next, err := app.AccountNonce(st, from)
	if err != nil {
		return hash, fmt.Errorf("admit tx %s: %w", hash, err)
	}
	if t.Nonce < next {
		return hash, app.Errorf(app.CodeNonceTooLow, "nonce %d already used, account %s is at %d", t.Nonce, from, next)
	}
	if err := m.app.Check(st, hash, from, t); err != nil {
		if app.IsRejection(err) {
			return hash, err
		}
		return hash, fmt.Errorf("check tx %s: %w", hash, err)
	}
	e := &entry{raw: raw, hash: hash, sender: from, nonce: t.Nonce}
	return hash, m.insert(e, next)
}

// Has reports whether the transaction with hash is pending.
func (m *Mempool) Has(hash attest.Hash) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.byHash[hash]
	return ok
}

// Size is the number of pending transactions.
func (m *Mempool) Size() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.byHash)
}

// Bytes is the total size of pending encoded transactions.
func (m *Mempool) Bytes() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bytes
}

// Notify is signalled, without blocking and coalescing repeats, whenever
// executable transactions may have become available. Receivers should Reap.
func (m *Mempool) Notify() <-chan struct{} { return m.notify }

// precheck refuses, before any signature work, a transaction that is already
// pending or that cannot fit.
func (m *Mempool) precheck(hash attest.Hash, size int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byHash[hash]; ok {
		return app.Errorf(app.CodeDuplicate, "tx %s already pending", hash)
	}
	if _, ok := m.committed[hash]; ok {
		return app.Errorf(app.CodeNonceTooLow, "tx %s is already committed", hash)
	}
	return m.fullLocked(size)
}

func (m *Mempool) fullLocked(size int) error {
	if len(m.byHash) >= m.cfg.MaxTxs || m.bytes+size > m.cfg.MaxBytes {
		return app.Errorf(app.CodeMempoolFull, "mempool holds %d txs, %d bytes", len(m.byHash), m.bytes)
	}
	return nil
}

// insert re-checks, under the lock, everything that concurrent Adds and
// Updates may have changed since Add looked, then stores e. next is the
// account nonce Add read.
func (m *Mempool) insert(e *entry, next uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.senders[e.sender]
	if s != nil && next > s.next {
		m.advanceLocked(s, next)
		s = m.senders[e.sender] // advancing may have emptied and dropped it
	}
	if s != nil {
		next = s.next
	}
	if err := m.admitLocked(e, s, next); err != nil {
		return err
	}
	if s == nil {
		s = &sender{addr: e.sender, next: next, txs: make(map[uint64]*entry)}
		m.senders[e.sender] = s
		m.order = append(m.order, s)
	}
	s.txs[e.nonce] = e
	m.byHash[e.hash] = e
	m.bytes += len(e.raw)
	if s.reachable(e.nonce) {
		m.signal()
	}
	return nil
}

func (m *Mempool) admitLocked(e *entry, s *sender, next uint64) error {
	if _, ok := m.byHash[e.hash]; ok {
		return app.Errorf(app.CodeDuplicate, "tx %s already pending", e.hash)
	}
	if _, ok := m.committed[e.hash]; ok {
		// Add read the sender's nonce from a state older than the block
		// that included this transaction.
		return app.Errorf(app.CodeNonceTooLow, "tx %s is already committed", e.hash)
	}
	if e.nonce < next {
		return app.Errorf(app.CodeNonceTooLow, "nonce %d already used, account %s is at %d", e.nonce, e.sender, next)
	}
	pending := 0
	if s != nil {
		pending = len(s.txs)
		if _, taken := s.txs[e.nonce]; taken {
			return app.Errorf(app.CodeDuplicate, "%s already has nonce %d pending", e.sender, e.nonce)
		}
	}
	if limit := nonceLimit(next, pending, m.cfg.NonceWindow); e.nonce > limit || e.nonce == math.MaxUint64 {
		return app.Errorf(app.CodeNonceTooHigh, "nonce %d beyond %d (account %d, %d pending, window %d)",
			e.nonce, limit, next, pending, m.cfg.NonceWindow)
	}
	return m.fullLocked(len(e.raw))
}

// nonceLimit is next + pending + window, saturating at the top of uint64.
func nonceLimit(next uint64, pending int, window uint64) uint64 {
	limit := next
	for _, add := range []uint64{uint64(pending), window} {
		if limit > math.MaxUint64-add {
			return math.MaxUint64
		}
		limit += add
	}
	return limit
}

// advanceLocked moves s to account nonce next, dropping stale transactions.
func (m *Mempool) advanceLocked(s *sender, next uint64) {
	s.next = next
	for n, e := range s.txs {
		if n < next {
			m.removeLocked(e)
		}
	}
}

// removeLocked deletes e, and its sender once empty.
func (m *Mempool) removeLocked(e *entry) {
	delete(m.byHash, e.hash)
	m.bytes -= len(e.raw)
	s := m.senders[e.sender]
	if s == nil {
		panic(fmt.Sprintf("mempool: pending tx %s has no sender record", e.hash))
	}
	delete(s.txs, e.nonce)
	if len(s.txs) == 0 {
		s.dropped = true
		delete(m.senders, e.sender)
	}
}

// reachable reports whether nonce is in the contiguous run from s.next, i.e.
// executable once the transactions before it are.
func (s *sender) reachable(nonce uint64) bool {
	for n := s.next; n < nonce; n++ {
		if _, ok := s.txs[n]; !ok {
			return false
		}
	}
	return true
}

// executable reports whether s's next transaction is pending.
func (s *sender) executable() bool {
	_, ok := s.txs[s.next]
	return ok
}

func (m *Mempool) signal() {
	select {
	case m.notify <- struct{}{}:
	default:
	}
}
