package consensus

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

var (
	blockX = []byte("block x")
	blockY = []byte("block y")
	hashX  = attest.Keccak(blockX)
	hashY  = attest.Keccak(blockY)
)

func TestStartHeight(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	const h = 5
	tests := []struct {
		name      string
		self      int
		wantBuild bool
	}{
		{"proposer builds", f.proposerIndex(h, 0), true},
		{"others wait", f.notProposer(h, 0), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, actions := f.machine(tc.self, h)
			require.Equal(t, uint64(h), m.Height())
			require.Equal(t, StepPropose, m.CurrentStep())
			require.Len(t, actionsOf[BuildBlock](actions), map[bool]int{true: 1, false: 0}[tc.wantBuild])
			timeouts := actionsOf[ScheduleTimeout](actions)
			require.Equal(t, []ScheduleTimeout{{Height: h, Round: 0, Step: StepPropose, Duration: TimeoutsFor(testInterval).Propose}}, timeouts)
		})
	}
}

func TestBlockBuiltProposesOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	m, _ := f.machine(f.proposerIndex(1, 0), 1)
	out := m.Step(BlockBuilt{Height: 1, Round: 0, Block: blockX, BlockHash: hashX})
	props := actionsOf[BroadcastProposal](out)
	require.Len(t, props, 1)
	require.Equal(t, Proposal{Height: 1, POLRound: NoPOLRound, BlockHash: hashX, Block: blockX, Proposer: m.cfg.Self}, props[0].Proposal)
	require.Empty(t, m.Step(BlockBuilt{Height: 1, Round: 0, Block: blockY, BlockHash: hashY}), "a second block for the round is ignored")
}

func TestPrevoteOnProposal(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	good := f.proposal(1, 0, NoPOLRound, blockX)
	invalid := good
	invalid.Valid = false
	wrongProposer := good
	wrongProposer.Proposal.Proposer = f.addr(f.notProposer(1, 0))
	tests := []struct {
		name string
		ev   ProposalReceived
		want *attest.Hash // nil: no prevote at all
	}{
		{"valid proposal", good, &hashX},
		{"invalid proposal", invalid, &attest.Hash{}},
		{"not the proposer", wrongProposer, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, _ := f.machine(f.notProposer(1, 0), 1)
			out := m.Step(tc.ev)
			if tc.want == nil {
				require.Empty(t, actionsOf[BroadcastVote](out))
				require.Equal(t, StepPropose, m.CurrentStep())
				return
			}
			v := onlyVote(t, out)
			require.Equal(t, attest.Prevote, v.Type)
			require.Equal(t, *tc.want, v.BlockHash)
			require.Empty(t, v.Sig, "the machine never signs")
			require.Equal(t, StepPrevote, m.CurrentStep())
		})
	}
}

func TestTimeoutsMoveThroughTheRound(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	self := f.notProposer(1, 0)
	m, _ := f.machine(self, 1)

	require.Empty(t, m.Step(TimeoutFired{Height: 1, Round: 1, Step: StepPropose}), "stale round")
	v := onlyVote(t, m.Step(TimeoutFired{Height: 1, Round: 0, Step: StepPropose}))
	require.Equal(t, attest.Vote{Type: attest.Prevote, Height: 1, Validator: f.addr(self)}, v)

	out := feedVotes(f, m, others(4, self, 3), attest.Prevote, 1, 0, hashY)
	require.Contains(t, out, Action(ScheduleTimeout{Height: 1, Round: 0, Step: StepPrevote, Duration: TimeoutsFor(testInterval).Prevote}))
	require.Equal(t, StepPrevote, m.CurrentStep(), "a prevote quorum for a block we lack does not precommit")

	v = onlyVote(t, m.Step(TimeoutFired{Height: 1, Round: 0, Step: StepPrevote}))
	require.Equal(t, attest.Precommit, v.Type)
	require.True(t, v.IsNil())

	out = feedVotes(f, m, others(4, self, 3), attest.Precommit, 1, 0, attest.Hash{})
	require.Len(t, actionsOf[ScheduleTimeout](out), 1)
	out = m.Step(TimeoutFired{Height: 1, Round: 0, Step: StepPrecommit})
	require.Equal(t, uint32(1), m.Round())
	require.Equal(t, StepPropose, m.CurrentStep())
	require.Contains(t, out, Action(ScheduleTimeout{Height: 1, Round: 1, Step: StepPropose, Duration: TimeoutsFor(testInterval).Duration(StepPropose, 1)}))
}

// lockOn drives m (not the proposer of round 0) to lock hashX in round 0.
func lockOn(t *testing.T, f *fixture, m *Machine, self int) {
	t.Helper()
	m.Step(f.proposal(1, 0, NoPOLRound, blockX))
	out := feedVotes(f, m, others(4, self, 3), attest.Prevote, 1, 0, hashX)
	v := onlyVote(t, out)
	require.Equal(t, attest.Precommit, v.Type)
	require.Equal(t, hashX, v.BlockHash)
	lh, lr := m.Locked()
	require.Equal(t, hashX, lh)
	require.Equal(t, int32(0), lr)
}

// toRound moves m to round r through f+1 votes of that round.
func toRound(f *fixture, m *Machine, self int, r uint32) {
	feedVotes(f, m, others(4, self, 2), attest.Precommit, 1, r, attest.Hash{})
}

func TestLockedValidatorPrevotesNilForOtherBlocks(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	self := 3
	for f.proposerIndex(1, 0) == self || f.proposerIndex(1, 1) == self {
		self--
	}
	m, _ := f.machine(self, 1)
	lockOn(t, f, m, self)

	toRound(f, m, self, 1)
	require.Equal(t, uint32(1), m.Round())
	v := onlyVote(t, m.Step(f.proposal(1, 1, NoPOLRound, blockY)))
	require.True(t, v.IsNil(), "locked on x, must not prevote y")
}

func TestPOLUnlocks(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	self := f.notProposer(1, 0)
	if self == f.proposerIndex(1, 2) {
		self = (self + 1) % 4
	}
	tests := []struct {
		name     string
		polRound int32
		polVotes int
		want     attest.Hash
	}{
		{"pol after the lock unlocks", 1, 3, hashY},
		{"pol at the lock round does not", 0, 3, attest.Hash{}}, // prevotes of round 0 are for x
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, _ := f.machine(self, 1)
			lockOn(t, f, m, self)
			feedVotes(f, m, others(4, self, tc.polVotes), attest.Prevote, 1, 1, hashY)
			toRound(f, m, self, 2)
			require.Equal(t, uint32(2), m.Round())
			out := m.Step(f.proposal(1, 2, tc.polRound, blockY))
			if tc.polRound == 0 {
				require.Empty(t, actionsOf[BroadcastVote](out), "no POL for y in round 0: wait for the timeout")
				return
			}
			require.Equal(t, tc.want, onlyVote(t, out).BlockHash)
		})
	}
}

func TestRoundSkip(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	self := f.notProposer(1, 0)
	tests := []struct {
		name      string
		voters    int
		wantRound uint32
	}{
		{"f votes do not skip", 1, 0},
		{"f+1 votes skip", 2, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, _ := f.machine(self, 1)
			feedVotes(f, m, others(4, self, tc.voters), attest.Prevote, 1, 3, attest.Hash{})
			require.Equal(t, tc.wantRound, m.Round())
		})
	}
}

func TestRoundSkipFarAhead(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	self := f.notProposer(1, 0)
	m, _ := f.machine(self, 1)
	far := uint32(MaxRoundsAhead * 10)
	who := others(4, self, 2)
	m.Step(f.voteEv(who[0], attest.Prevote, 1, far, attest.Hash{}))
	m.Step(f.voteEv(who[1], attest.Precommit, 1, far+1, attest.Hash{}))
	require.Equal(t, far, m.Round(), "skip to the highest round f+1 validators reached")
}

func TestCommitEmitsVerifiableQC(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	self := f.notProposer(1, 0)
	m, _ := f.machine(self, 1)
	m.Step(f.proposal(1, 0, NoPOLRound, blockX))
	out := feedVotes(f, m, others(4, self, 3), attest.Precommit, 1, 0, hashX)
	commits := actionsOf[Commit](out)
	require.Len(t, commits, 1)
	c := commits[0]
	require.Equal(t, blockX, c.Block)
	require.NoError(t, attest.VerifyQC(f.genesis, f.vals, &c.QC))
	require.True(t, m.Decided())
	require.Empty(t, m.Step(f.voteEv(self, attest.Prevote, 1, 0, hashX)), "nothing more at a decided height")
}

func TestMissingBlockRequestsCommit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	self := f.notProposer(1, 0)
	m, _ := f.machine(self, 1)
	out := feedVotes(f, m, others(4, self, 3), attest.Precommit, 1, 0, hashX)
	require.Equal(t, []RequestCommit{{Height: 1, BlockHash: hashX}}, actionsOf[RequestCommit](out))
	require.Len(t, actionsOf[RequestCommit](m.Step(Tick{})), 1, "ticks repeat the request")

	qc := attest.NewQC(f.vals, 1, 0, hashX, map[attest.Address]*attest.Vote{})
	out = m.Step(CertifiedCommit{Height: 1, Block: blockX, BlockHash: hashX, QC: *qc})
	require.Len(t, actionsOf[Commit](out), 1)
}

func TestLaterHeightRequestsCommit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	self := f.notProposer(1, 0)
	m, _ := f.machine(self, 1)
	out := m.Step(f.voteEv(others(4, self, 1)[0], attest.Prevote, 3, 0, hashX))
	require.Empty(t, actionsOf[RequestCommit](out), "others being ahead is normal for a moment")
	require.Equal(t, []RequestCommit{{Height: 1}}, actionsOf[RequestCommit](m.Step(Tick{})))
}

func TestNextHeightMessagesReplayAtStart(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	self := f.notProposer(2, 0)
	m, _ := f.machine(self, 1)
	m.Step(f.proposal(2, 0, NoPOLRound, blockY))
	feedVotes(f, m, others(4, self, 3), attest.Precommit, 2, 0, hashY)
	require.Equal(t, uint64(1), m.Height(), "messages for the next height wait")

	out := m.Step(f.start(2))
	commits := actionsOf[Commit](out)
	require.Len(t, commits, 1)
	require.Equal(t, uint64(2), commits[0].Height)
	require.Equal(t, hashY, commits[0].BlockHash)
}

func TestNextHeightBufferBounds(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	var b nextHeightBuffer
	b.reset(2)
	for r := range uint32(MaxBufferedPerValidator + 3) {
		v := attest.Vote{Type: attest.Prevote, Height: 2, Round: r, Validator: f.addr(0)}
		key := bufferKey{from: v.Validator, kind: uint8(v.Type), round: r}
		b.add(v.Validator, key, VoteReceived{Vote: v})
		b.add(v.Validator, key, VoteReceived{Vote: v}) // duplicate
	}
	b.add(f.addr(1), bufferKey{from: f.addr(1)}, VoteReceived{})
	require.Len(t, b.take(2), MaxBufferedPerValidator+1)
	require.Empty(t, b.take(3))
}

func TestEquivocationEvidence(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	self := f.notProposer(1, 0)
	bad := others(4, self, 1)[0]
	m, _ := f.machine(self, 1)
	first := f.voteEv(bad, attest.Prevote, 1, 0, hashX)
	tests := []struct {
		name         string
		ev           VoteReceived
		wantEvidence bool
	}{
		{"first vote", first, false},
		{"same vote again", first, false},
		{"conflicting vote", f.voteEv(bad, attest.Prevote, 1, 0, hashY), true},
		{"third vote, already reported", f.voteEv(bad, attest.Prevote, 1, 0, attest.Hash{}), false},
		{"other type is no conflict", f.voteEv(bad, attest.Precommit, 1, 0, hashY), false},
	}
	for _, tc := range tests { // sequential: each step builds on the last
		ev := actionsOf[Evidence](m.Step(tc.ev))
		if !tc.wantEvidence {
			require.Empty(t, ev, tc.name)
			continue
		}
		require.Len(t, ev, 1, tc.name)
		require.NoError(t, attest.VerifyDuplicateVote(f.genesis, f.vals, &ev[0].Evidence), tc.name)
	}
}

func TestTickRebroadcastsSignedMessages(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	self := f.proposerIndex(1, 0)
	m, _ := f.machine(self, 1)
	require.Empty(t, actionsOf[BroadcastVote](m.Step(Tick{})))

	prop := f.proposal(1, 0, NoPOLRound, blockX)
	out := m.Step(prop) // own proposal fed back signed
	v := onlyVote(t, out)
	require.NoError(t, attest.SignVote(f.genesis, &v, f.keys[self]))
	m.Step(VoteReceived{Vote: v})

	out = m.Step(Tick{})
	require.Equal(t, []Action{
		BroadcastProposal{Proposal: prop.Proposal, Rebroadcast: true},
		BroadcastVote{Vote: v, Rebroadcast: true},
	}, out)
}

func TestOwnPrecommitRestoresLockAndRound(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	self := f.notProposer(1, 2)
	m, _ := f.machine(self, 1)
	m.Step(VoteReceived{Vote: f.vote(self, attest.Precommit, 1, 2, hashX)})
	require.Equal(t, uint32(2), m.Round())
	require.Equal(t, StepPrecommit, m.CurrentStep())
	lh, lr := m.Locked()
	require.Equal(t, hashX, lh)
	require.Equal(t, int32(2), lr)
	require.Empty(t, actionsOf[BroadcastVote](m.Step(TimeoutFired{Height: 1, Round: 2, Step: StepPropose})),
		"a replayed vote must not be voted again")
}

func TestProposerReproposesValidValueWithPOL(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	self := f.proposerIndex(1, 1)
	m, _ := f.machine(self, 1)
	m.Step(f.proposal(1, 0, NoPOLRound, blockX))
	feedVotes(f, m, others(4, self, 3), attest.Prevote, 1, 0, hashX)
	out := m.Step(TimeoutFired{Height: 1, Round: 0, Step: StepPrecommit})
	require.Equal(t, uint32(1), m.Round())
	props := actionsOf[BroadcastProposal](out)
	require.Len(t, props, 1)
	require.Equal(t, int32(0), props[0].Proposal.POLRound)
	require.Equal(t, hashX, props[0].Proposal.BlockHash)
	require.Len(t, actionsOf[BroadcastVote](out), 3, "the POL prevotes travel with the re-proposal")
	require.Empty(t, actionsOf[BuildBlock](out))
}

func TestProposerAdoptsPOLSeenAfterItsRound(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4)
	self := f.proposerIndex(1, 2)
	m, _ := f.machine(self, 1)
	toRound(f, m, self, 1)
	require.Equal(t, uint32(1), m.Round())
	m.Step(f.proposal(1, 0, NoPOLRound, blockX))
	feedVotes(f, m, others(4, self, 3), attest.Prevote, 1, 0, hashX)
	_, lr := m.Locked()
	require.Equal(t, NoPOLRound, lr, "a POL of a past round does not lock")

	out := feedVotes(f, m, others(4, self, 2), attest.Prevote, 1, 2, attest.Hash{})
	require.Equal(t, uint32(2), m.Round())
	props := actionsOf[BroadcastProposal](out)
	require.Len(t, props, 1)
	require.Equal(t, hashX, props[0].Proposal.BlockHash)
	require.Equal(t, int32(0), props[0].Proposal.POLRound)
	require.Empty(t, actionsOf[BuildBlock](out))
}
