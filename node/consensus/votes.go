package consensus

import "github.com/causeway/causeway/attest"

// voteSet holds the votes of one type in one round.
//
// Each validator's first vote counts towards the total (the paper's "2f+1
// messages of any value" are from distinct validators). Votes count per
// block hash by distinct validators, as the paper counts messages for id(v):
// an equivocator's later vote for a proposed block still counts for that
// block, or a POL that honest validators saw could never be shown to a
// validator that got the equivocator's other vote first. Later votes for
// hashes nobody proposed are not kept, which bounds what an equivocator can
// make the machine store.
type voteSet struct {
	first    map[attest.Address]*attest.Vote
	byHash   map[attest.Hash]*hashVotes
	total    uint64
	reported map[attest.Address]bool
}

// hashVotes are the votes for one block hash (the zero hash is nil).
type hashVotes struct {
	votes map[attest.Address]*attest.Vote
	power uint64
}

// addResult says what adding a vote did.
type addResult uint8

const (
	voteDuplicate addResult = iota // already had this exact vote
	voteAdded                      // the validator's first vote
	voteConflict                   // differs from the validator's first vote
)

func newVoteSet() *voteSet {
	return &voteSet{
		first:  make(map[attest.Address]*attest.Vote),
		byHash: make(map[attest.Hash]*hashVotes),
	}
}

// add records v, which carries power. For a conflict it returns the first
// vote when this is the first conflict of that validator (evidence to
// report), and counts v for its hash if keep says the hash is worth it.
func (s *voteSet) add(v *attest.Vote, power uint64, keep func(attest.Hash) bool) (addResult, *attest.Vote) {
	first, ok := s.first[v.Validator]
	if !ok {
		stored := *v
		s.first[v.Validator] = &stored
		s.total += power
		s.count(&stored, power)
		return voteAdded, nil
	}
	if first.BlockHash == v.BlockHash {
		return voteDuplicate, nil
	}
	if hv := s.byHash[v.BlockHash]; keep(v.BlockHash) && (hv == nil || hv.votes[v.Validator] == nil) {
		stored := *v
		s.count(&stored, power)
	}
	if s.reported[v.Validator] {
		return voteConflict, nil
	}
	if s.reported == nil {
		s.reported = make(map[attest.Address]bool)
	}
	s.reported[v.Validator] = true
	return voteConflict, first
}

func (s *voteSet) count(v *attest.Vote, power uint64) {
	hv := s.byHash[v.BlockHash]
	if hv == nil {
		hv = &hashVotes{votes: make(map[attest.Address]*attest.Vote)}
		s.byHash[v.BlockHash] = hv
	}
	hv.votes[v.Validator] = v
	hv.power += power
}

// powerFor is the power that voted for hash (the zero hash for nil).
func (s *voteSet) powerFor(hash attest.Hash) uint64 {
	if hv := s.byHash[hash]; hv != nil {
		return hv.power
	}
	return 0
}

// votesFor returns the votes for hash by validator, for building a QC.
func (s *voteSet) votesFor(hash attest.Hash) map[attest.Address]*attest.Vote {
	if hv := s.byHash[hash]; hv != nil {
		return hv.votes
	}
	return nil
}

// vote returns addr's first vote, or nil.
func (s *voteSet) vote(addr attest.Address) *attest.Vote { return s.first[addr] }

// voteFor returns addr's vote for hash, or nil.
func (s *voteSet) voteFor(addr attest.Address, hash attest.Hash) *attest.Vote {
	if hv := s.byHash[hash]; hv != nil {
		return hv.votes[addr]
	}
	return nil
}
