package consensus

import (
	"time"

	"github.com/causeway/causeway/attest"
)

// Event is an input to Machine.Step.
type Event interface{ isEvent() }

// StartHeight begins height at round 0 with the given validators. Skipped are
// recently failed proposers to leave out of the rotation (see ProposerFor).
type StartHeight struct {
	Height     uint64
	Validators *attest.ValidatorSet
	Skipped    []attest.Address
}

// ProposalReceived is a proposal whose signature the driver has checked.
// Valid says whether the driver decoded and re-executed its block and found
// it acceptable.
type ProposalReceived struct {
	Proposal Proposal
	Valid    bool
}

// VoteReceived is a vote whose signature the driver has checked. The
// machine's own votes count only when they come back through here.
type VoteReceived struct {
	Vote attest.Vote
}

// TimeoutFired reports that a ScheduleTimeout has elapsed.
type TimeoutFired struct {
	Height uint64
	Round  uint32
	Step   Step
}

// BlockBuilt answers BuildBlock.
type BlockBuilt struct {
	Height    uint64
	Round     uint32
	Block     []byte
	BlockHash attest.Hash
}

// CertifiedCommit is a block for the current height with a QC the driver has
// verified, obtained from a peer.
type CertifiedCommit struct {
	Height    uint64
	Block     []byte
	BlockHash attest.Hash
	QC        attest.QC
}

// Tick asks the machine to re-broadcast its latest signed messages, which is
// how the protocol recovers from lost messages.
type Tick struct{}

func (StartHeight) isEvent()      {}
func (ProposalReceived) isEvent() {}
func (VoteReceived) isEvent()     {}
func (TimeoutFired) isEvent()     {}
func (BlockBuilt) isEvent()       {}
func (CertifiedCommit) isEvent()  {}
func (Tick) isEvent()             {}

// Action is an output of Machine.Step for the driver to carry out, in order.
type Action interface{ isAction() }

// BuildBlock asks the driver for a new block to propose at height and round;
// the answer is a BlockBuilt event.
type BuildBlock struct {
	Height uint64
	Round  uint32
}

// BroadcastProposal asks the driver to sign, log (fsync), send and feed back
// Proposal. With Rebroadcast set the proposal is already signed and logged:
// just send it.
type BroadcastProposal struct {
	Proposal    Proposal
	Rebroadcast bool
}

// BroadcastVote asks the driver to sign, log (fsync), send and feed back
// Vote. With Rebroadcast set the vote is already signed and logged: just
// send it.
type BroadcastVote struct {
	Vote        attest.Vote
	Rebroadcast bool
}

// ScheduleTimeout asks for a TimeoutFired with the same fields after Duration.
type ScheduleTimeout struct {
	Height   uint64
	Round    uint32
	Step     Step
	Duration time.Duration
}

// Commit decides Block at Height. QC holds the precommits that decided it.
// The machine does nothing more at this height; the driver persists the block
// and sends StartHeight for the next one.
type Commit struct {
	Height    uint64
	Round     uint32
	Block     []byte
	BlockHash attest.Hash
	QC        attest.QC
}

// Evidence reports an equivocation the machine saw.
type Evidence struct {
	Evidence attest.DuplicateVote
}

// RequestCommit tells the driver that this height has been decided without
// this validator having the block: a quorum precommitted BlockHash (emitted
// at once), or validators are already at a later height (BlockHash zero,
// emitted on Tick). The driver should fetch the certified block from peers
// and feed it back as CertifiedCommit. Ticks repeat it while the condition
// holds.
type RequestCommit struct {
	Height    uint64
	BlockHash attest.Hash
}

func (BuildBlock) isAction()        {}
func (BroadcastProposal) isAction() {}
func (BroadcastVote) isAction()     {}
func (ScheduleTimeout) isAction()   {}
func (Commit) isAction()            {}
func (Evidence) isAction()          {}
func (RequestCommit) isAction()     {}
