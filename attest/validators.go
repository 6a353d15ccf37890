package attest

import (
	"github.com/ethereum/go-ethereum/rlp"
)

// Validator is one member of a validator set.
type Validator struct {
	Address Address
	Power   uint64
}

// ValidatorSet is an ordered list of validators. The order is canonical: it
// fixes proposer rotation and the bit positions of a quorum certificate.
type ValidatorSet struct {
	Validators []Validator
}

// NewValidatorSet checks vals and returns a set over them.
func NewValidatorSet(vals []Validator) (*ValidatorSet, error) {
	if len(vals) == 0 {
		return nil, errorf(CodeMalformed, "empty validator set")
	}
	seen := make(map[Address]bool, len(vals))
	var total uint64
	for _, v := range vals {
		if v.Power == 0 {
			return nil, errorf(CodeMalformed, "validator %s has zero power", v.Address)
		}
		if seen[v.Address] {
			return nil, errorf(CodeMalformed, "validator %s listed twice", v.Address)
		}
		seen[v.Address] = true
		if total+v.Power < total || total+v.Power > maxTotalPower {
			return nil, errorf(CodeMalformed, "total voting power overflows")
		}
		total += v.Power
	}
	out := make([]Validator, len(vals))
	copy(out, vals)
	return &ValidatorSet{Validators: out}, nil
}

// maxTotalPower keeps 3*total inside uint64.
const maxTotalPower = 1 << 60

// Size is the number of validators.
func (s *ValidatorSet) Size() int { return len(s.Validators) }

// TotalPower is the sum of all voting power.
func (s *ValidatorSet) TotalPower() uint64 {
	var t uint64
	for _, v := range s.Validators {
		t += v.Power
	}
	return t
}

// QuorumPower is the smallest power strictly greater than two thirds of the total.
func (s *ValidatorSet) QuorumPower() uint64 { return s.TotalPower()*2/3 + 1 }

// OneThirdPower is the smallest power strictly greater than one third (f+1).
func (s *ValidatorSet) OneThirdPower() uint64 { return s.TotalPower()/3 + 1 }

// MaxFaulty is f, the number of validators that may fail: (n-1)/3.
func (s *ValidatorSet) MaxFaulty() int { return (len(s.Validators) - 1) / 3 }

// IndexOf returns the position of addr, or -1.
func (s *ValidatorSet) IndexOf(addr Address) int {
	for i, v := range s.Validators {
		if v.Address == addr {
			return i
		}
	}
	return -1
}

// Hash is keccak256 of the RLP encoding of the validator list.
func (s *ValidatorSet) Hash() Hash {
	b, err := rlp.EncodeToBytes(s.Validators)
	if err != nil {
		panic("attest: encode validator set: " + err.Error())
	}
	return Keccak(b)
}

// Copy returns a deep copy.
func (s *ValidatorSet) Copy() *ValidatorSet {
	out := make([]Validator, len(s.Validators))
	copy(out, s.Validators)
	return &ValidatorSet{Validators: out}
}
