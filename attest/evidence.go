package attest

import (
	"github.com/ethereum/go-ethereum/rlp"
)

// DuplicateVote is evidence that one validator signed two different votes of
// the same type at the same height and round.
type DuplicateVote struct {
	A Vote
	B Vote
}

// Hash identifies the evidence independently of the order of its two votes.
func (e *DuplicateVote) Hash() Hash {
	a, b := e.A.Digest(Hash{}), e.B.Digest(Hash{})
	if a.Cmp(b) > 0 {
		a, b = b, a
	}
	return Keccak(e.A.Validator[:], a[:], b[:])
}

// VerifyDuplicateVote checks that e proves equivocation by a member of vals.
func VerifyDuplicateVote(genesis Hash, vals *ValidatorSet, e *DuplicateVote) error {
	a, b := &e.A, &e.B
	if a.Validator != b.Validator || a.Type != b.Type || a.Height != b.Height || a.Round != b.Round {
		return errorf(CodeBadEvidence, "votes are not for the same validator, type, height and round")
	}
	if a.BlockHash == b.BlockHash {
		return errorf(CodeBadEvidence, "votes agree")
	}
	if err := VerifyVote(genesis, vals, a); err != nil {
		return err
	}
	return VerifyVote(genesis, vals, b)
}

// EvidenceHash commits to a list of evidence (the header's EvidenceHash).
func EvidenceHash(ev []DuplicateVote) Hash {
	b, err := rlp.EncodeToBytes(ev)
	if err != nil {
		panic("attest: encode evidence: " + err.Error())
	}
	return Keccak(b)
}

// DecodeDuplicateVote decodes RLP evidence.
func DecodeDuplicateVote(b []byte) (*DuplicateVote, error) {
	var e DuplicateVote
	if err := rlp.DecodeBytes(b, &e); err != nil {
		return nil, errorf(CodeMalformed, "decode evidence: %v", err)
	}
	return &e, nil
}
