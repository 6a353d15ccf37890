package consensus

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

// walDriver is a minimal driver for one machine: it logs every event,
// signs and feeds back own messages, and answers BuildBlock at once.
type walDriver struct {
	t    *testing.T
	f    *fixture
	self int
	m    *Machine
	wal  *MemWAL
}

func (d *walDriver) step(ev Event) {
	require.NoError(d.t, d.wal.Append(RecordOf(ev), false))
	d.apply(d.m.Step(ev))
}

func (d *walDriver) apply(actions []Action) {
	for _, a := range actions {
		switch a := a.(type) {
		case BuildBlock:
			d.step(BlockBuilt{Height: a.Height, Round: a.Round, Block: blockX, BlockHash: hashX})
		case BroadcastVote:
			if a.Rebroadcast {
				continue
			}
			v := a.Vote
			require.NoError(d.t, attest.SignVote(d.f.genesis, &v, d.f.keys[d.self]))
			d.own(VoteReceived{Vote: v})
		case BroadcastProposal:
			if a.Rebroadcast {
				continue
			}
			p := a.Proposal
			require.NoError(d.t, SignProposal(d.f.genesis, &p, d.f.keys[d.self]))
			d.own(ProposalReceived{Proposal: p, Valid: true})
		}
	}
}

func (d *walDriver) own(ev Event) {
	require.NoError(d.t, d.wal.Append(RecordOf(ev), true))
	d.apply(d.m.Step(ev))
}

type machineState struct {
	Height      uint64
	Round       uint32
	Step        Step
	Locked      attest.Hash
	LockedRound int32
}

func stateOf(m *Machine) machineState {
	lh, lr := m.Locked()
	return machineState{m.Height(), m.Round(), m.CurrentStep(), lh, lr}
}

func TestReplayRestoresState(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	self := f.proposerIndex(1, 0)
	tests := []struct {
		name      string
		onlyOwn   bool // replay only the validator's own messages
		wantState machineState
	}{
		{"whole log", false, machineState{1, 1, StepPrevote, hashX, 0}},
		{"own messages only", true, machineState{1, 1, StepPrevote, hashX, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := &walDriver{t: t, f: f, self: self, m: New(Config{Self: f.addr(self), Timeouts: TimeoutsFor(testInterval)}), wal: NewMemWAL()}
			d.step(f.start(1))
			for _, i := range others(4, self, 2) {
				d.step(f.voteEv(i, attest.Prevote, 1, 0, hashX))
			}
			require.Equal(t, StepPrecommit, d.m.CurrentStep(), "own prevote plus two is a quorum")
			for _, i := range others(4, self, 2) {
				d.step(f.voteEv(i, attest.Precommit, 1, 0, attest.Hash{}))
			}
			d.step(TimeoutFired{Height: 1, Round: 0, Step: StepPrecommit})
			d.step(TimeoutFired{Height: 1, Round: 1, Step: StepPropose})
			require.Equal(t, tc.wantState, stateOf(d.m))

			d.wal.Crash(0)
			recs, err := d.wal.Records(1)
			require.NoError(t, err)
			if tc.onlyOwn {
				recs = ownRecords(f.addr(self), recs)
			}
			fresh := New(Config{Self: f.addr(self), Timeouts: TimeoutsFor(testInterval)})
			actions := Replay(fresh, f.start(1), recs)
			require.Equal(t, tc.wantState, stateOf(fresh))
			require.Empty(t, actionsOf[BuildBlock](actions), "the block was built before the crash")
			for _, b := range actionsOf[BroadcastVote](actions) {
				require.True(t, b.Rebroadcast, "every vote was signed before: %+v", b.Vote)
				require.NotEmpty(t, b.Vote.Sig)
			}
			for _, s := range actionsOf[ScheduleTimeout](actions) {
				require.Equal(t, fresh.Round(), s.Round)
			}
		})
	}
}

func TestReplayReturnsUnsignedWhenCrashBeforeSigning(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	self := f.notProposer(1, 0)
	recs := []Record{RecordOf(TimeoutFired{Height: 1, Round: 0, Step: StepPropose})}
	m := New(Config{Self: f.addr(self), Timeouts: TimeoutsFor(testInterval)})
	actions := Replay(m, f.start(1), recs)
	v := onlyVote(t, actions)
	require.Empty(t, v.Sig)
	require.True(t, v.IsNil())
	require.Empty(t, actionsOf[ScheduleTimeout](actions), "the propose timeout already fired")
}

// ownRecords keeps the records of messages self signed or built.
func ownRecords(self attest.Address, recs []Record) []Record {
	var out []Record
	for _, r := range recs {
		switch e := r.Event.(type) {
		case VoteReceived:
			if e.Vote.Validator == self {
				out = append(out, r)
			}
		case ProposalReceived:
			if e.Proposal.Proposer == self {
				out = append(out, r)
			}
		case BlockBuilt:
			out = append(out, r)
		}
	}
	return out
}

// The log may hold received messages in an order (or number) the machine
// never saw, so that replaying them in order would reach a quorum the
// machine did not have when it signed. Its own votes must still win.
func TestReplayNeverContradictsOwnVotes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	self := f.notProposer(1, 0)
	o := others(4, self, 3)
	recs := []Record{
		RecordOf(f.proposal(1, 0, NoPOLRound, blockX)),
		RecordOf(f.voteEv(self, attest.Prevote, 1, 0, hashX)),
		RecordOf(f.voteEv(o[0], attest.Prevote, 1, 0, hashX)),
		RecordOf(f.voteEv(o[1], attest.Prevote, 1, 0, hashX)), // a quorum for x, seen "too early"
		RecordOf(TimeoutFired{Height: 1, Round: 0, Step: StepPrevote}),
		RecordOf(f.voteEv(self, attest.Precommit, 1, 0, attest.Hash{})),
	}
	m := New(Config{Self: f.addr(self), Timeouts: TimeoutsFor(testInterval)})
	actions := Replay(m, f.start(1), recs)
	for _, b := range actionsOf[BroadcastVote](actions) {
		if b.Vote.Validator == f.addr(self) && b.Vote.Type == attest.Precommit && b.Vote.Round == 0 {
			require.True(t, b.Vote.IsNil(), "replay asked to precommit %s after signing nil", b.Vote.BlockHash)
		}
	}
	require.Equal(t, StepPrecommit, m.CurrentStep())
	_, lr := m.Locked()
	require.Equal(t, NoPOLRound, lr)
}
