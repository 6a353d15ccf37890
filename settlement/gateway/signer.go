package gateway

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"slices"
	"sync"

	"github.com/causeway/causeway/attest"
)

// maxFreeNonces bounds the refused nonces a signer remembers for reuse;
// beyond it the signer reads its nonce from the chain again.
const maxFreeNonces = 64

// signerSet is the keys the gateway holds, by API client and address. A key
// held for several clients is one signer, so its nonces stay in one place.
type signerSet struct {
	byClient map[string]map[attest.Address]*signer
}

// lookup returns the signer of client's address, nil when the gateway
// holds none.
func (s *signerSet) lookup(client string, addr attest.Address) *signer {
	return s.byClient[client][addr]
}

// newSignerSet builds the set from keys[i], held for clients[i].
func newSignerSet(clients []string, keys []*ecdsa.PrivateKey) *signerSet {
	s := &signerSet{byClient: make(map[string]map[attest.Address]*signer)}
	byAddr := make(map[attest.Address]*signer)
	for i, k := range keys {
		a := attest.AddressOf(k)
		sg := byAddr[a]
		if sg == nil {
			sg = &signer{key: k, addr: a, nonces: make(map[string]*nonceState)}
			byAddr[a] = sg
		}
		if s.byClient[clients[i]] == nil {
			s.byClient[clients[i]] = make(map[attest.Address]*signer)
		}
		s.byClient[clients[i]][a] = sg
	}
	return s
}

// signer is one key and its nonces per chain. Nonces are tracked locally,
// so consecutive intents need no chain read, and read again from the chain
// when the chain disagrees.
type signer struct {
	key  *ecdsa.PrivateKey
	addr attest.Address

	mu     sync.Mutex // guards nonces; held across the account read of a resync
	nonces map[string]*nonceState
}

// nonceState is a signer's nonces on one chain: next is the lowest never
// handed out; free holds lower ones whose transaction the chain refused, to
// be reused first so no gap stalls later transactions.
type nonceState struct {
	next uint64
	free []uint64
	sync syncMode
}

// syncMode says whether, and how, next must be read from the chain.
type syncMode int

const (
	syncNeeded syncMode = iota // read the account's nonce
	synced                     // next is trusted
	syncUp                     // raise next to the account's nonce if it is behind
)

// reserve hands out the nonce of the next transaction on c.
func (s *signer) reserve(ctx context.Context, c *chain) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.nonces[c.id]
	if st == nil {
		st = &nonceState{}
		s.nonces[c.id] = st
	}
	if st.sync != synced {
		acct, err := c.account(ctx, s.addr)
		if err != nil {
			return 0, fmt.Errorf("read nonce of %s on %s: %w", s.addr.Hex(), c.id, err)
		}
		if st.sync == syncNeeded || acct.Nonce > st.next {
			st.next = acct.Nonce
		}
		st.free = slices.DeleteFunc(st.free, func(n uint64) bool { return n < acct.Nonce || n >= st.next })
		st.sync = synced
	}
	if len(st.free) > 0 {
		n := slices.Min(st.free)
		st.free = slices.DeleteFunc(st.free, func(x uint64) bool { return x == n })
		return n, nil
	}
	n := st.next
	st.next++
	return n, nil
}

// release returns nonce n on chain: the chain refused its transaction,
// so nothing holds it.
func (s *signer) release(chainID string, n uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.nonces[chainID]
	switch {
	case st == nil || n >= st.next:
	case n == st.next-1:
		st.next--
	case len(st.free) >= maxFreeNonces:
		st.sync = syncNeeded
		st.free = nil
	default:
		st.free = append(st.free, n)
	}
}

// resync makes the next reserve read the account: up only raises next to
// the chain's nonce (the chain said ours is too low, or taken), otherwise
// next is reset to it (the chain said ours is too far ahead).
func (s *signer) resync(chainID string, up bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.nonces[chainID]
	if st == nil {
		return
	}
	if up {
		st.sync = syncUp
		return
	}
	st.sync, st.free = syncNeeded, nil
}

// skip records that nonce n on chain is held by a transaction the gateway
// did not sign (another gateway instance, or one from before a restart).
func (s *signer) skip(chainID string, n uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.nonces[chainID]; st != nil && st.next <= n {
		st.next = n + 1
	}
}
