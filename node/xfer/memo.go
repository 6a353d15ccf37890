package xfer

import (
	"sync"

	"github.com/causeway/causeway/attest"
)

// DefaultMemoSize is how many verified certified headers a Module remembers
// in memory.
const DefaultMemoSize = 1024

// headerMemo remembers certified headers whose QC verified, so the mempool's
// Check and the block's Deliver of one recv or ack pay for one QC check
// between them. A verification is a pure function of the genesis hash, the
// validator set, the expected chain id, the header and the QC, and the key
// commits to all five, so remembering it cannot change any outcome. Safe for
// concurrent use; the oldest entry goes first when it is full.
type headerMemo struct {
	mu    sync.Mutex
	seen  map[attest.Hash]struct{}
	order []attest.Hash // ring buffer, oldest at next
	next  int
}

func newHeaderMemo(size int) *headerMemo {
	return &headerMemo{seen: make(map[attest.Hash]struct{}, size), order: make([]attest.Hash, 0, size)}
}

// memoKey binds a verification to everything it depends on. The chain id
// goes last: it is the only variable-length part.
func memoKey(chainID string, genesis attest.Hash, set *attest.ValidatorSet, headerHash attest.Hash, qc *attest.QC) attest.Hash {
	setHash, qcHash := set.Hash(), qc.Hash()
	return attest.Keccak(genesis[:], setHash[:], headerHash[:], qcHash[:], []byte(chainID))
}

func (m *headerMemo) has(key attest.Hash) bool {
	if m == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.seen[key]
	return ok
}

func (m *headerMemo) add(key attest.Hash) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if cap(m.order) == 0 {
		return
	}
	if _, ok := m.seen[key]; ok {
		return
	}
	if len(m.order) < cap(m.order) {
		m.order = append(m.order, key)
	} else {
		delete(m.seen, m.order[m.next])
		m.order[m.next] = key
		m.next = (m.next + 1) % len(m.order)
	}
	m.seen[key] = struct{}{}
}

// proofsKey names the verification of every proof a relay transaction
// carries against root: a pure function of the transaction's payload
// (fixed by its hash), the root, the counterparty's genesis and this
// chain's id. Check and Deliver of one transaction on one node then pay
// for its Merkle proofs once. The zero hash (no transaction) opts out.
func proofsKey(kind string, txHash, root, genesis attest.Hash, self string) (attest.Hash, bool) {
	if txHash == (attest.Hash{}) {
		return attest.Hash{}, false
	}
	return attest.Keccak([]byte(kind), txHash[:], root[:], genesis[:], []byte(self)), true
}

// verifyOnce runs verify unless the memo holds key, and remembers key when
// it passes.
func (m *headerMemo) verifyOnce(key attest.Hash, ok bool, verify func() error) error {
	if ok && m.has(key) {
		return nil
	}
	if err := verify(); err != nil {
		return err
	}
	if ok {
		m.add(key)
	}
	return nil
}
