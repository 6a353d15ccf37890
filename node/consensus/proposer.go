package consensus

import "github.com/causeway/causeway/attest"

// ProposerFor is the proposer of (height, round): round-robin over the
// validator set's order, starting at height+round, over the validators not in
// skipped. Only the first vals.MaxFaulty() distinct members of skipped are
// honoured, in the order given; the rest are ignored, so at least 2f+1
// validators always take turns. Every validator must pass the same skipped
// list (derive it from committed blocks only), or they disagree on proposers.
func ProposerFor(vals *attest.ValidatorSet, height uint64, round uint32, skipped []attest.Address) attest.Address {
	n := vals.Size()
	if n == 0 {
		return attest.Address{}
	}
	skip, count := skippedIndexes(vals, skipped)
	eligible := uint64(n - count)
	k := (height + uint64(round)) % eligible
	for i, v := range vals.Validators {
		if skip[i] {
			continue
		}
		if k == 0 {
			return v.Address
		}
		k--
	}
	panic("consensus: proposer rotation ran past the validator set")
}

// FailedProposers lists the proposers of rounds 0..round-1 at height: the
// validators whose turn passed without a commit when a block committed in
// round. A driver feeds a window of these into StartHeight.Skipped.
func FailedProposers(vals *attest.ValidatorSet, height uint64, round uint32, skipped []attest.Address) []attest.Address {
	var out []attest.Address
	seen := make(map[attest.Address]bool)
	for r := uint32(0); r < round && len(out) < vals.Size(); r++ {
		p := ProposerFor(vals, height, r, skipped)
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// skippedIndexes marks the validator indexes to skip, at most MaxFaulty of
// them, and returns how many it marked.
func skippedIndexes(vals *attest.ValidatorSet, skipped []attest.Address) ([]bool, int) {
	limit := vals.MaxFaulty()
	skip := make([]bool, vals.Size())
	count := 0
	for _, a := range skipped {
		if count >= limit {
			break
		}
		if i := vals.IndexOf(a); i >= 0 && !skip[i] {
			skip[i] = true
			count++
		}
	}
	return skip, count
}
