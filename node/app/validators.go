package app

import (
	"errors"
	"fmt"
	"slices"

	"github.com/causeway/causeway/attest"
)

// ErrValidatorUpdate is returned for a validator update that removes an
// unknown validator, applies to no set, or leaves an invalid set (empty,
// overflowing power).
var ErrValidatorUpdate = errors.New("invalid validator update")

// ApplyValidatorUpdates applies updates to vals in order and returns the new
// set: power 0 removes a validator, a known address gets the new power in its
// place, a new address is appended. The result keeps the canonical order
// deterministic. With no updates vals itself is returned.
func ApplyValidatorUpdates(vals *attest.ValidatorSet, updates []attest.Validator) (*attest.ValidatorSet, error) {
	if len(updates) == 0 {
		return vals, nil
	}
	if vals == nil {
		return nil, fmt.Errorf("apply %d validator updates to no set: %w", len(updates), ErrValidatorUpdate)
	}
	next := slices.Clone(vals.Validators)
	for _, u := range updates {
		i := slices.IndexFunc(next, func(v attest.Validator) bool { return v.Address == u.Address })
		switch {
		case u.Power == 0 && i < 0:
			return nil, fmt.Errorf("remove unknown validator %s: %w", u.Address, ErrValidatorUpdate)
		case u.Power == 0:
			next = slices.Delete(next, i, i+1)
		case i < 0:
			next = append(next, u)
		default:
			next[i].Power = u.Power
		}
	}
	set, err := attest.NewValidatorSet(next)
	if err != nil {
		return nil, fmt.Errorf("apply validator updates: %w: %w", ErrValidatorUpdate, err)
	}
	return set, nil
}
