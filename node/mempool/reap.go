package mempool

import (
	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
)

// Reap returns up to maxTxs executable transactions totalling at most
// maxBytes (a non-positive limit means none). Each sender contributes a
// contiguous run of nonces starting at its account nonce; senders take turns,
// one transaction per turn, in first-arrival order. A sender whose next
// transaction does not fit the remaining bytes leaves the rotation. The
// result depends only on the pool's content and arrival order. Reap removes
// nothing; Update does after commit.
func (m *Mempool) Reap(maxTxs, maxBytes int) [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.compactLocked()
	type cursor struct {
		s    *sender
		next uint64
	}
	turn := make([]cursor, 0, len(m.order))
	for _, s := range m.order {
		turn = append(turn, cursor{s, s.next})
	}
	var out [][]byte
	size := 0
	for len(turn) > 0 {
		kept := turn[:0]
		for _, c := range turn {
			e, ok := c.s.txs[c.next]
			if !ok {
				continue
			}
			if maxTxs > 0 && len(out) >= maxTxs {
				return out
			}
			if maxBytes > 0 && size+len(e.raw) > maxBytes {
				continue
			}
			out = append(out, e.raw)
			size += len(e.raw)
			kept = append(kept, cursor{c.s, c.next + 1})
		}
		turn = kept
	}
	return out
}

// Update removes the transactions of a committed block and every pending
// transaction whose nonce the block used up, reading account nonces from st,
// the state after that block. A sender whose nonce cannot be read loses its
// pending transactions rather than keep ones that may be stale.
func (m *Mempool) Update(committed [][]byte, st app.KV) {
	m.remember(committed)
	touched := m.removeCommitted(committed)
	nonces := make([]uint64, len(touched))
	failed := make([]bool, len(touched))
	for i, addr := range touched {
		n, err := app.AccountNonce(st, addr)
		nonces[i], failed[i] = n, err != nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, addr := range touched {
		s := m.senders[addr]
		switch {
		case s == nil:
		case failed[i]:
			m.dropSenderLocked(s)
		case nonces[i] > s.next:
			m.advanceLocked(s, nonces[i])
		}
	}
	m.compactLocked()
	for _, s := range m.order {
		if s.executable() {
			m.signal()
			break
		}
	}
}

// removeCommitted deletes committed transactions that are pending and
// returns, in block order without repeats, the senders of all committed
// transactions that still have pending ones.
func (m *Mempool) removeCommitted(committed [][]byte) []attest.Address {
	var senders []attest.Address
	seen := make(map[attest.Address]bool)
	for _, raw := range committed {
		addr, ok := m.committedSender(raw)
		if !ok || seen[addr] {
			continue
		}
		seen[addr] = true
		senders = append(senders, addr)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	kept := senders[:0]
	for _, addr := range senders {
		if m.senders[addr] != nil {
			kept = append(kept, addr)
		}
	}
	return kept
}

// committedSender removes raw if pending and returns its sender: from the
// pool, else from the signature cache (block execution has just filled it),
// verifying only if the cache has evicted it.
func (m *Mempool) committedSender(raw []byte) (attest.Address, bool) {
	hash := attest.Keccak(raw)
	m.mu.Lock()
	e := m.byHash[hash]
	if e != nil {
		m.removeLocked(e)
	}
	m.mu.Unlock()
	if e != nil {
		return e.sender, true
	}
	t, hash, err := m.app.DecodeTx(raw)
	if err != nil {
		return attest.Address{}, false
	}
	addr, err := m.cache.Sender(m.genesis, t, hash)
	return addr, err == nil
}

// remember records a committed block's transactions, forgetting the block
// RecentBlocks before it.
func (m *Mempool) remember(committed [][]byte) {
	hashes := make([]attest.Hash, len(committed))
	for i, raw := range committed {
		hashes[i] = attest.Keccak(raw)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.committedRing) == RecentBlocks {
		for _, h := range m.committedRing[0] {
			delete(m.committed, h)
		}
		m.committedRing = m.committedRing[1:]
	}
	m.committedRing = append(m.committedRing, hashes)
	for _, h := range hashes {
		m.committed[h] = struct{}{}
	}
}

func (m *Mempool) dropSenderLocked(s *sender) {
	for _, e := range s.txs {
		m.removeLocked(e)
	}
}

// compactLocked forgets dropped senders in the round-robin order.
func (m *Mempool) compactLocked() {
	kept := m.order[:0]
	for _, s := range m.order {
		if !s.dropped {
			kept = append(kept, s)
		}
	}
	clear(m.order[len(kept):])
	m.order = kept
}
