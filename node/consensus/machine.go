package consensus

import (
	"slices"

	"github.com/causeway/causeway/attest"
)

// Bounds on what the machine keeps for one height.
const (
	// MaxRoundsAhead is how far past the current round votes and proposals
	// are stored. Messages further ahead still count towards the f+1 round
	// skip, and are sent again by Ticks once the machine gets there.
	MaxRoundsAhead = 8
	// MaxProposalsPerRound bounds the proposals kept per round; only an
	// equivocating proposer sends more than one.
	MaxProposalsPerRound = 4
)

// Config configures a Machine.
type Config struct {
	Self     attest.Address // this validator; may be outside the set (an observer)
	Timeouts Timeouts
}

// roundState is what the machine knows about one round of the current height.
type roundState struct {
	proposals      []*ProposalReceived // arrival order, distinct block hashes
	prevotes       *voteSet
	precommits     *voteSet
	proposalSent   bool // BroadcastProposal emitted for this round
	prevoteTimer   bool // line 34 fired
	precommitTimer bool // line 47 fired
	polSeen        bool // line 36 fired
}

// candidate is a round and block that a quorum precommitted or, in pols,
// prevoted.
type candidate struct {
	round uint32
	hash  attest.Hash
}

// Machine is the Tendermint state machine for one validator. It changes
// state only in Step; it is not safe for concurrent use.
type Machine struct {
	cfg Config

	height  uint64
	vals    *attest.ValidatorSet
	power   map[attest.Address]uint64
	quorum  uint64 // 2f+1 power
	oneF    uint64 // f+1 power
	skipped []attest.Address
	round   uint32
	step    Step

	lockedRound int32
	lockedHash  attest.Hash
	validRound  int32
	validHash   attest.Hash
	validBlock  []byte

	rounds     map[uint32]*roundState
	blocks     map[attest.Hash][]byte // valid blocks seen this height, by hash
	proposed   map[attest.Hash]bool   // every block hash proposed this height
	highest    map[attest.Address]uint32
	candidates []candidate
	pols       []candidate // prevote quorums for blocks, in the order reached
	ahead      bool        // a validator sent a message for a later height
	requested  bool        // RequestCommit emitted for a missing block

	buffer nextHeightBuffer
	out    []Action
}

// New returns a machine that waits for its first StartHeight.
func New(cfg Config) *Machine {
	return &Machine{cfg: cfg, lockedRound: NoPOLRound, validRound: NoPOLRound}
}

// Step feeds one event to the machine and returns the actions to carry out,
// in order. It is the only way the machine's state changes.
func (m *Machine) Step(ev Event) []Action {
	m.out = nil
	m.dispatch(ev)
	out := m.out
	m.out = nil
	return out
}

// Height is the height being decided (0 before the first StartHeight).
func (m *Machine) Height() uint64 { return m.height }

// Round is the current round.
func (m *Machine) Round() uint32 { return m.round }

// CurrentStep is the current step.
func (m *Machine) CurrentStep() Step { return m.step }

// Decided reports whether the current height has committed.
func (m *Machine) Decided() bool { return m.step == StepCommit }

// Locked returns the locked block hash and round (NoPOLRound if unlocked).
func (m *Machine) Locked() (attest.Hash, int32) { return m.lockedHash, m.lockedRound }

// Valid returns the valid block hash and round (NoPOLRound if none).
func (m *Machine) Valid() (attest.Hash, int32) { return m.validHash, m.validRound }

// Proposer is the proposer of the current round.
func (m *Machine) Proposer() attest.Address {
	if m.vals == nil {
		return attest.Address{}
	}
	return ProposerFor(m.vals, m.height, m.round, m.skipped)
}

func (m *Machine) dispatch(ev Event) {
	switch e := ev.(type) {
	case StartHeight:
		m.startHeight(e)
	case ProposalReceived:
		m.onProposal(e)
	case VoteReceived:
		m.onVote(e.Vote)
	case TimeoutFired:
		m.onTimeout(e)
	case BlockBuilt:
		m.onBlockBuilt(e)
	case CertifiedCommit:
		m.onCertified(e)
	case Tick:
		m.onTick()
	}
}

func (m *Machine) started() bool { return m.step != StepNewHeight }

func (m *Machine) emit(a Action) { m.out = append(m.out, a) }

// startHeight resets everything for e.Height, enters round 0 and replays
// the messages buffered for this height.
func (m *Machine) startHeight(e StartHeight) {
	if e.Validators == nil || e.Validators.Size() == 0 || (m.started() && e.Height <= m.height) {
		return
	}
	buffered := m.buffer.take(e.Height)
	*m = Machine{
		cfg: m.cfg, height: e.Height, vals: e.Validators,
		power:  make(map[attest.Address]uint64, e.Validators.Size()),
		quorum: e.Validators.QuorumPower(), oneF: e.Validators.OneThirdPower(),
		skipped:     slices.Clone(e.Skipped),
		lockedRound: NoPOLRound, validRound: NoPOLRound,
		rounds:   make(map[uint32]*roundState),
		blocks:   make(map[attest.Hash][]byte),
		proposed: make(map[attest.Hash]bool),
		highest:  make(map[attest.Address]uint32),
		out:      m.out,
	}
	for _, v := range e.Validators.Validators {
		m.power[v.Address] = v.Power
	}
	m.buffer.reset(e.Height + 1)
	m.startRound(0)
	for _, ev := range buffered {
		m.dispatch(ev)
	}
	m.progress()
}

// startRound is StartRound of the paper. Every validator, the proposer
// included, schedules the propose timeout, so a driver that never answers
// BuildBlock cannot stall the height.
func (m *Machine) startRound(r uint32) {
	m.round = r
	m.step = StepPropose
	rs := m.roundState(r)
	if m.Proposer() == m.cfg.Self && !rs.proposalSent {
		m.adoptPastPOLs()
		if m.validRound != NoPOLRound {
			m.propose(rs, m.validRound, m.validHash, m.validBlock)
		} else {
			m.emit(BuildBlock{Height: m.height, Round: r})
		}
	}
	m.scheduleTimeout(StepPropose)
}

// propose emits an unsigned proposal. Re-proposing a valid value also sends
// the prevotes of its POL round, without which validators that missed them
// could never accept it.
func (m *Machine) propose(rs *roundState, pol int32, hash attest.Hash, blk []byte) {
	rs.proposalSent = true
	m.emit(BroadcastProposal{Proposal: Proposal{
		Height: m.height, Round: m.round, POLRound: pol, BlockHash: hash, Block: blk, Proposer: m.cfg.Self,
	}})
	if pol != NoPOLRound {
		m.forwardPOL(uint32(pol), hash)
	}
}

// forwardPOL re-broadcasts the prevotes for hash in round, in validator order.
func (m *Machine) forwardPOL(round uint32, hash attest.Hash) {
	rs := m.rounds[round]
	if rs == nil {
		return
	}
	for _, v := range m.vals.Validators {
		if vote := rs.prevotes.voteFor(v.Address, hash); vote != nil {
			m.emit(BroadcastVote{Vote: *vote, Rebroadcast: true})
		}
	}
}

func (m *Machine) scheduleTimeout(step Step) {
	m.emit(ScheduleTimeout{Height: m.height, Round: m.round, Step: step, Duration: m.cfg.Timeouts.Duration(step, m.round)})
}

func (m *Machine) roundState(r uint32) *roundState {
	rs := m.rounds[r]
	if rs == nil {
		rs = &roundState{prevotes: newVoteSet(), precommits: newVoteSet()}
		m.rounds[r] = rs
	}
	return rs
}

// inWindow reports whether round r is close enough to be stored.
func (m *Machine) inWindow(r uint32) bool {
	return uint64(r) <= uint64(m.round)+MaxRoundsAhead
}

// noteRound records that from sent a message in round r, for the round skip.
func (m *Machine) noteRound(from attest.Address, r uint32) {
	if r > m.highest[from] {
		m.highest[from] = r
	}
}

// admit sorts a message by height: true means it is for the current height
// and should be processed; messages for the next height are buffered.
func (m *Machine) admit(height uint64, from attest.Address, key bufferKey, ev Event) bool {
	if !m.started() || m.power[from] == 0 || height < m.height {
		return false
	}
	switch {
	case height == m.height+1:
		m.buffer.add(from, key, ev)
		m.ahead = true
	case height > m.height+1:
		m.ahead = true
	case height == m.height:
		return m.step != StepCommit
	}
	m.progress()
	return false
}

func (m *Machine) onProposal(e ProposalReceived) {
	p := &e.Proposal
	if !m.admit(p.Height, p.Proposer, bufferKey{from: p.Proposer, round: p.Round, hash: p.BlockHash}, e) {
		return
	}
	if p.BlockHash == (attest.Hash{}) || p.POLRound < NoPOLRound || int64(p.POLRound) >= int64(p.Round) {
		return
	}
	m.noteRound(p.Proposer, p.Round)
	own := p.Proposer == m.cfg.Self
	if (m.inWindow(p.Round) || own) && p.Proposer == ProposerFor(m.vals, m.height, p.Round, m.skipped) {
		m.storeProposal(e, own)
	}
	m.progress()
}

// storeProposal keeps e unless its block is already known for the round or
// the round is full. An own proposal marks the round as proposed, so a
// replayed machine never proposes twice in one round.
func (m *Machine) storeProposal(e ProposalReceived, own bool) {
	p := &e.Proposal
	rs := m.roundState(p.Round)
	if own {
		rs.proposalSent = true
	}
	if len(rs.proposals) >= MaxProposalsPerRound {
		return
	}
	for _, q := range rs.proposals {
		if q.Proposal.BlockHash == p.BlockHash {
			return
		}
	}
	rs.proposals = append(rs.proposals, &e)
	m.proposed[p.BlockHash] = true
	if !e.Valid {
		return
	}
	if _, ok := m.blocks[p.BlockHash]; !ok {
		m.blocks[p.BlockHash] = p.Block
	}
	// A lock restored from an own precommit implies a POL at the lock round:
	// once the block is known it is also the valid value.
	if p.BlockHash == m.lockedHash && m.validRound < m.lockedRound {
		m.validRound, m.validHash, m.validBlock = m.lockedRound, p.BlockHash, p.Block
	}
}

func (m *Machine) onVote(v attest.Vote) {
	if v.Type != attest.Prevote && v.Type != attest.Precommit {
		return
	}
	key := bufferKey{from: v.Validator, kind: uint8(v.Type), round: v.Round, hash: v.BlockHash}
	if !m.admit(v.Height, v.Validator, key, VoteReceived{Vote: v}) {
		return
	}
	m.noteRound(v.Validator, v.Round)
	own := v.Validator == m.cfg.Self
	if m.inWindow(v.Round) || own {
		m.storeVote(&v, own)
	}
	m.progress()
}

// storeVote counts v, reports equivocation, and notes precommit quorums.
func (m *Machine) storeVote(v *attest.Vote, own bool) {
	rs := m.roundState(v.Round)
	set := rs.prevotes
	if v.Type == attest.Precommit {
		set = rs.precommits
	}
	res, first := set.add(v, m.power[v.Validator], func(h attest.Hash) bool { return m.proposed[h] })
	switch {
	case res == voteDuplicate:
		return
	case res == voteConflict && first != nil:
		m.emit(Evidence{Evidence: attest.DuplicateVote{A: *first, B: *v}})
	case res == voteAdded && own:
		m.ownVote(v)
	}
	if v.IsNil() || set.powerFor(v.BlockHash) < m.quorum {
		return
	}
	c := candidate{round: v.Round, hash: v.BlockHash}
	list := &m.pols
	if v.Type == attest.Precommit {
		list = &m.candidates
	}
	if !slices.Contains(*list, c) {
		*list = append(*list, c)
	}
}

// adoptPastPOLs makes the block of the latest POL of an earlier round the
// valid value, even if this validator saw that POL only after leaving its
// round (line 36 covers the current round). Without it, when the only honest
// validator holding the locked block is never proposer (skipped, say), honest
// proposers keep proposing fresh blocks that the locked validator refuses,
// and only a Byzantine proposer could re-propose the block. It is safe:
// validators accept a re-proposal only after checking its POL themselves.
func (m *Machine) adoptPastPOLs() {
	for _, p := range m.pols {
		if p.round >= m.round || int32(p.round) <= m.validRound {
			continue
		}
		if blk, ok := m.blocks[p.hash]; ok {
			m.validRound, m.validHash, m.validBlock = int32(p.round), p.hash, blk
		}
	}
}

// ownVote brings the machine up to a vote it signed earlier, which matters
// when the WAL is replayed without some of the messages that led to the vote:
// the machine moves to the vote's round and step so it cannot vote again
// there, and a precommit for a block restores the lock it implies.
func (m *Machine) ownVote(v *attest.Vote) {
	if v.Round > m.round {
		m.startRound(v.Round)
	}
	want := StepPrevote
	if v.Type == attest.Precommit {
		want = StepPrecommit
	}
	if v.Round == m.round && m.step < want {
		m.step = want
	}
	if v.Type != attest.Precommit || v.IsNil() || int32(v.Round) <= m.lockedRound {
		return
	}
	m.lockedRound, m.lockedHash = int32(v.Round), v.BlockHash
	if blk, ok := m.blocks[v.BlockHash]; ok && int32(v.Round) > m.validRound {
		m.validRound, m.validHash, m.validBlock = int32(v.Round), v.BlockHash, blk
	}
}

func (m *Machine) onTimeout(e TimeoutFired) {
	if !m.started() || m.step == StepCommit || e.Height != m.height || e.Round != m.round {
		return
	}
	switch {
	case e.Step == StepPropose && m.step == StepPropose:
		m.vote(attest.Prevote, attest.Hash{})
	case e.Step == StepPrevote && m.step == StepPrevote:
		m.vote(attest.Precommit, attest.Hash{})
	case e.Step == StepPrecommit:
		m.startRound(m.round + 1)
	default:
		return
	}
	m.progress()
}

func (m *Machine) onBlockBuilt(e BlockBuilt) {
	if !m.started() || e.Height != m.height || e.Round != m.round || m.step != StepPropose {
		return
	}
	rs := m.roundState(m.round)
	if rs.proposalSent || m.Proposer() != m.cfg.Self {
		return
	}
	m.propose(rs, NoPOLRound, e.BlockHash, e.Block)
}

func (m *Machine) onCertified(e CertifiedCommit) {
	if !m.started() || m.step == StepCommit || e.Height != m.height ||
		e.QC.Height != e.Height || e.QC.BlockHash != e.BlockHash {
		return
	}
	m.commit(e.QC.Round, e.Block, e.BlockHash, e.QC)
}

// onTick re-sends this validator's signed proposal and votes of the current
// round, its precommit of the previous round, and the POL of a re-proposal.
// It asks for the certified block (RequestCommit) while a quorum has
// precommitted a block this validator lacks, or while others are at a later
// height: not at once for the latter, since in the normal course validators
// finish a height a little apart and catch up by themselves.
func (m *Machine) onTick() {
	if !m.started() {
		return
	}
	rs := m.roundState(m.round)
	for _, p := range rs.proposals {
		if p.Proposal.Proposer == m.cfg.Self {
			m.emit(BroadcastProposal{Proposal: p.Proposal, Rebroadcast: true})
			if p.Proposal.POLRound != NoPOLRound {
				m.forwardPOL(uint32(p.Proposal.POLRound), p.Proposal.BlockHash)
			}
		}
	}
	m.rebroadcastVote(rs.prevotes)
	m.rebroadcastVote(rs.precommits)
	if prev := m.rounds[m.round-1]; m.round > 0 && prev != nil {
		m.rebroadcastVote(prev.precommits)
	}
	if m.step != StepCommit && (m.ahead || len(m.candidates) > 0) {
		m.requestCommit()
	}
}

func (m *Machine) rebroadcastVote(set *voteSet) {
	if v := set.vote(m.cfg.Self); v != nil {
		m.emit(BroadcastVote{Vote: *v, Rebroadcast: true})
	}
}

// vote emits an unsigned vote for the current round and moves past its step.
func (m *Machine) vote(t attest.VoteType, hash attest.Hash) {
	m.emit(BroadcastVote{Vote: attest.Vote{Type: t, Height: m.height, Round: m.round, BlockHash: hash, Validator: m.cfg.Self}})
	if t == attest.Prevote {
		m.step = StepPrevote
	} else {
		m.step = StepPrecommit
	}
}

func (m *Machine) commit(round uint32, blk []byte, hash attest.Hash, qc attest.QC) {
	m.step = StepCommit
	m.emit(Commit{Height: m.height, Round: round, Block: blk, BlockHash: hash, QC: qc})
}

// progress applies the paper's upon-rules until none fires.
func (m *Machine) progress() {
	for m.started() && m.step != StepCommit {
		if m.tryDecide() {
			return
		}
		if m.trySkip() {
			continue
		}
		if !m.tryRoundRules(m.roundState(m.round)) {
			break
		}
	}
	if !m.requested && m.step != StepCommit && len(m.candidates) > 0 {
		m.requestCommit()
	}
}

// tryDecide is line 49: a valid block with 2f+1 precommits in any round.
func (m *Machine) tryDecide() bool {
	for _, c := range m.candidates {
		blk, ok := m.blocks[c.hash]
		if !ok {
			continue
		}
		qc := attest.NewQC(m.vals, m.height, c.round, c.hash, m.rounds[c.round].precommits.votesFor(c.hash))
		m.commit(c.round, blk, c.hash, *qc)
		return true
	}
	return false
}

// trySkip is line 55: move to the highest round r > current such that
// validators with f+1 power have sent messages in round r or later.
func (m *Machine) trySkip() bool {
	type at struct {
		round uint32
		power uint64
	}
	var ahead []at
	var total uint64
	for _, v := range m.vals.Validators {
		if r := m.highest[v.Address]; r > m.round {
			ahead = append(ahead, at{r, v.Power})
			total += v.Power
		}
	}
	if total < m.oneF {
		return false
	}
	slices.SortStableFunc(ahead, func(a, b at) int { return int(int64(b.round) - int64(a.round)) })
	var acc uint64
	for _, a := range ahead {
		if acc += a.power; acc >= m.oneF {
			m.startRound(a.round)
			return true
		}
	}
	return false
}

// tryRoundRules applies the rules of the current round (lines 22, 28, 34,
// 36, 44 and 47) and reports whether one fired.
func (m *Machine) tryRoundRules(rs *roundState) bool {
	switch {
	case m.step == StepPropose && m.tryPrevote(rs):
	case m.step >= StepPrevote && !rs.polSeen && m.tryPOL(rs):
	case m.step == StepPrevote && rs.prevotes.powerFor(attest.Hash{}) >= m.quorum:
		m.vote(attest.Precommit, attest.Hash{})
	case m.step == StepPrevote && !rs.prevoteTimer && rs.prevotes.total >= m.quorum:
		rs.prevoteTimer = true
		m.scheduleTimeout(StepPrevote)
	case !rs.precommitTimer && rs.precommits.total >= m.quorum:
		rs.precommitTimer = true
		m.scheduleTimeout(StepPrecommit)
	default:
		return false
	}
	return true
}

// tryPrevote is lines 22 and 28: prevote for the first proposal of the round
// that can be judged, or nil if it is invalid or conflicts with the lock.
func (m *Machine) tryPrevote(rs *roundState) bool {
	for _, e := range rs.proposals {
		p := &e.Proposal
		acceptable := m.lockedRound == NoPOLRound || m.lockedHash == p.BlockHash
		if p.POLRound != NoPOLRound {
			pol := m.rounds[uint32(p.POLRound)]
			if pol == nil || pol.prevotes.powerFor(p.BlockHash) < m.quorum {
				continue
			}
			acceptable = acceptable || m.lockedRound <= p.POLRound
		}
		hash := attest.Hash{}
		if e.Valid && acceptable {
			hash = p.BlockHash
		}
		m.vote(attest.Prevote, hash)
		return true
	}
	return false
}

// tryPOL is line 36: a valid proposal of this round with 2f+1 prevotes
// becomes the valid value and, while prevoting, the lock.
func (m *Machine) tryPOL(rs *roundState) bool {
	for _, e := range rs.proposals {
		p := &e.Proposal
		if !e.Valid || rs.prevotes.powerFor(p.BlockHash) < m.quorum {
			continue
		}
		rs.polSeen = true
		if m.step == StepPrevote {
			m.lockedRound, m.lockedHash = int32(m.round), p.BlockHash
			m.vote(attest.Precommit, p.BlockHash)
		}
		m.validRound, m.validHash, m.validBlock = int32(m.round), p.BlockHash, p.Block
		return true
	}
	return false
}

func (m *Machine) requestCommit() {
	m.requested = true
	var hash attest.Hash
	if len(m.candidates) > 0 {
		hash = m.candidates[0].hash
	}
	m.emit(RequestCommit{Height: m.height, BlockHash: hash})
}
