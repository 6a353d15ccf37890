package node

import (
	"fmt"

	"github.com/ethereum/go-ethereum/rlp"

	"github.com/causeway/causeway/attest"
)

// heightMeta is what the node records beside each committed block: the
// validator set that committed it, the set for the next height, and the
// proposers skipped in rotation at the next height.
type heightMeta struct {
	Validators     []attest.Validator
	NextValidators []attest.Validator
	Skips          []skipEntry
}

// skipEntry records that a proposer let its round time out at a height.
type skipEntry struct {
	Height  uint64
	Address attest.Address
}

func decodeMeta(b []byte) (*heightMeta, error) {
	var m heightMeta
	if err := rlp.DecodeBytes(b, &m); err != nil {
		return nil, fmt.Errorf("decode height meta: %w", err)
	}
	return &m, nil
}

// nextSkips derives the skip list for the height after h: the proposers that
// failed at h (rounds before the committed block's proposal round) are added,
// entries older than window heights are dropped, and at most maxFaulty
// distinct proposers remain, most recent first. Everything here comes from
// committed headers, so every validator derives the same list.
func nextSkips(prev []skipEntry, h uint64, failed []attest.Address, window uint64, maxFaulty int) []skipEntry {
	var out []skipEntry
	seen := map[attest.Address]bool{}
	add := func(e skipEntry) {
		if len(out) >= maxFaulty || seen[e.Address] || e.Height+window <= h {
			return
		}
		seen[e.Address] = true
		out = append(out, e)
	}
	for i := len(failed) - 1; i >= 0; i-- {
		add(skipEntry{Height: h, Address: failed[i]})
	}
	for _, e := range prev {
		add(e)
	}
	return out
}

func skipAddresses(s []skipEntry) []attest.Address {
	out := make([]attest.Address, len(s))
	for i, e := range s {
		out[i] = e.Address
	}
	return out
}
