package consensus

import "github.com/causeway/causeway/attest"

// Replay restarts m (a fresh machine) at start and feeds it recs, the WAL
// records of start.Height, restoring its round, locks, valid value and
// votes. It returns what the driver still has to do:
//
//   - a broadcast whose signed copy is in recs comes back signed, with
//     Rebroadcast set: send it, do not sign or log it again;
//   - a broadcast without one comes back unsigned, as usual (the crash came
//     between the machine asking and the signature reaching the WAL);
//   - BuildBlock and ScheduleTimeout only for the round the machine is in,
//     and not if a BlockBuilt or TimeoutFired answering them was replayed;
//   - broadcasts only for the current and previous round;
//   - Commit, Evidence and RequestCommit as emitted (evidence may repeat
//     what the driver already has; dedup it by hash).
//
// The validator's own signed messages are fed first, then every record in
// order. The log may hold received messages the machine never processed
// (dropped by its next-height buffer) or in another order relative to its
// own, so replaying them first could lead the machine to a vote that
// contradicts one it signed. Fed first, its own votes put it at the round
// and step it had reached and restore its lock, and it can only emit votes
// for steps after them.
func Replay(m *Machine, start StartHeight, recs []Record) []Action {
	out := m.Step(start)
	for _, r := range recs {
		if isOwn(m.cfg.Self, r.Event) {
			out = append(out, m.Step(r.Event)...)
		}
	}
	for _, r := range recs {
		out = append(out, m.Step(r.Event)...)
	}
	return resume(m, indexReplayed(m.cfg.Self, recs), out)
}

// isOwn reports whether ev is a message self signed.
func isOwn(self attest.Address, ev Event) bool {
	switch e := ev.(type) {
	case VoteReceived:
		return e.Vote.Validator == self && len(e.Vote.Sig) > 0
	case ProposalReceived:
		return e.Proposal.Proposer == self && len(e.Proposal.Sig) > 0
	}
	return false
}

// replayed indexes what recs show the driver already did.
type replayed struct {
	votes     map[voteKey]attest.Vote
	proposals map[voteKey]Proposal
	built     map[voteKey]bool
	fired     map[TimeoutFired]bool
}

// voteKey names a signed message: kind is 0 for a proposal, else the vote type.
type voteKey struct {
	kind  uint8
	round uint32
	hash  attest.Hash
}

func indexReplayed(self attest.Address, recs []Record) *replayed {
	r := &replayed{
		votes: make(map[voteKey]attest.Vote), proposals: make(map[voteKey]Proposal),
		built: make(map[voteKey]bool), fired: make(map[TimeoutFired]bool),
	}
	for _, rec := range recs {
		switch e := rec.Event.(type) {
		case VoteReceived:
			if v := e.Vote; isOwn(self, e) {
				r.votes[voteKey{uint8(v.Type), v.Round, v.BlockHash}] = v
			}
		case ProposalReceived:
			if p := e.Proposal; isOwn(self, e) {
				r.proposals[voteKey{0, p.Round, p.BlockHash}] = p
			}
		case BlockBuilt:
			r.built[voteKey{round: e.Round}] = true
		case TimeoutFired:
			r.fired[e] = true
		}
	}
	return r
}

// resume filters and rewrites the replay's actions as Replay documents.
func resume(m *Machine, r *replayed, actions []Action) []Action {
	var out []Action
	sent := make(map[voteKey]bool)
	current := func(round uint32) bool { return round == m.Round() && !m.Decided() }
	recent := func(round uint32) bool { return uint64(round)+1 >= uint64(m.Round()) }
	for _, a := range actions {
		switch a := a.(type) {
		case BuildBlock:
			if !current(a.Round) || r.built[voteKey{round: a.Round}] {
				continue
			}
		case ScheduleTimeout:
			if !current(a.Round) || r.fired[TimeoutFired{Height: a.Height, Round: a.Round, Step: a.Step}] {
				continue
			}
		case BroadcastVote:
			v := a.Vote
			k := voteKey{uint8(v.Type), v.Round, v.BlockHash}
			if v.Validator != m.cfg.Self {
				break // a forwarded POL vote
			}
			if !recent(v.Round) || sent[k] {
				continue
			}
			sent[k] = true
			if signed, ok := r.votes[k]; ok {
				a = BroadcastVote{Vote: signed, Rebroadcast: true}
			}
			out = append(out, a)
			continue
		case BroadcastProposal:
			p := a.Proposal
			k := voteKey{0, p.Round, p.BlockHash}
			if !recent(p.Round) || sent[k] {
				continue
			}
			sent[k] = true
			if signed, ok := r.proposals[k]; ok {
				a = BroadcastProposal{Proposal: signed, Rebroadcast: true}
			}
			out = append(out, a)
			continue
		}
		out = append(out, a)
	}
	return out
}
