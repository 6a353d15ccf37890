package consensus

import "github.com/causeway/causeway/attest"

// voteSet holds the votes of one type in one round: the first vote of each
// validator, the power behind each block hash (the zero hash is nil), and the
// validators already reported for equivocating.
type voteSet struct {
	votes      map[attest.Address]*attest.Vote
	power      map[attest.Hash]uint64
	total      uint64
	equivocate map[attest.Address]bool
}

// addResult says what adding a vote did.
type addResult uint8

const (
	voteDuplicate addResult = iota // already had this exact vote
	voteAdded                      // counted
	voteConflict                   // conflicts with the validator's earlier vote, first time
	voteIgnored                    // conflicts again; already reported
)

func newVoteSet() *voteSet {
	return &voteSet{
		votes: make(map[attest.Address]*attest.Vote),
		power: make(map[attest.Hash]uint64),
	}
}

// add counts v with the signer's power. A validator's first vote is the one
// that counts; a different later vote is reported once as a conflict.
func (s *voteSet) add(v *attest.Vote, power uint64) (addResult, *attest.Vote) {
	prev, ok := s.votes[v.Validator]
	switch {
	case !ok:
		stored := *v
		s.votes[v.Validator] = &stored
		s.power[v.BlockHash] += power
		s.total += power
		return voteAdded, nil
	case prev.BlockHash == v.BlockHash:
		return voteDuplicate, nil
	case s.equivocate[v.Validator]:
		return voteIgnored, nil
	}
	if s.equivocate == nil {
		s.equivocate = make(map[attest.Address]bool)
	}
	s.equivocate[v.Validator] = true
	return voteConflict, prev
}

// powerFor is the power that voted for hash (the zero hash for nil).
func (s *voteSet) powerFor(hash attest.Hash) uint64 { return s.power[hash] }

// vote returns addr's counted vote, or nil.
func (s *voteSet) vote(addr attest.Address) *attest.Vote { return s.votes[addr] }
