package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/consensus"
)

// tracer hashes everything every validator was fed and did, in order, with
// the virtual time: two runs with the same hash behaved identically.
type tracer struct {
	h   hash.Hash
	buf []byte
}

func newTracer() *tracer { return &tracer{h: sha256.New()} }

func (t *tracer) sum() [32]byte {
	var out [32]byte
	t.h.Sum(out[:0])
	return out
}

// note records a world-level happening (partition, crash).
func (t *tracer) note(kind string, detail any) {
	fmt.Fprintf(t.h, "%s %v\n", kind, detail)
}

func (t *tracer) flush() {
	t.h.Write(t.buf)
	t.buf = t.buf[:0]
}

func (t *tracer) u64(v uint64) { t.buf = binary.BigEndian.AppendUint64(t.buf, v) }

func (t *tracer) hash(h attest.Hash) { t.buf = append(t.buf, h[:8]...) }

// event records ev fed to validator id at time now.
func (t *tracer) event(now int64, id int, ev consensus.Event) {
	t.u64(uint64(now))
	t.buf = append(t.buf, 'E', byte(id))
	switch e := ev.(type) {
	case consensus.StartHeight:
		t.u64(e.Height)
	case consensus.ProposalReceived:
		t.buf = append(t.buf, 'P')
		t.u64(e.Proposal.Height)
		t.u64(uint64(e.Proposal.Round))
		t.hash(e.Proposal.BlockHash)
	case consensus.VoteReceived:
		t.vote('V', &e.Vote)
	case consensus.TimeoutFired:
		t.buf = append(t.buf, 'T', byte(e.Step))
		t.u64(e.Height)
		t.u64(uint64(e.Round))
	case consensus.BlockBuilt:
		t.buf = append(t.buf, 'B')
		t.hash(e.BlockHash)
	case consensus.CertifiedCommit:
		t.buf = append(t.buf, 'C')
		t.hash(e.BlockHash)
	case consensus.Tick:
		t.buf = append(t.buf, 'K')
	}
	t.flush()
}

// actions records what validator id did in answer.
func (t *tracer) actions(id int, actions []consensus.Action) {
	for _, a := range actions {
		t.buf = append(t.buf, 'A', byte(id))
		switch a := a.(type) {
		case consensus.BuildBlock:
			t.buf = append(t.buf, 'b')
			t.u64(uint64(a.Round))
		case consensus.BroadcastProposal:
			t.buf = append(t.buf, 'p')
			t.hash(a.Proposal.BlockHash)
		case consensus.BroadcastVote:
			t.vote('v', &a.Vote)
		case consensus.ScheduleTimeout:
			t.buf = append(t.buf, 't', byte(a.Step))
			t.u64(uint64(a.Duration))
		case consensus.Commit:
			t.buf = append(t.buf, 'c')
			t.hash(a.BlockHash)
		case consensus.Evidence:
			t.buf = append(t.buf, 'e')
			t.hash(a.Evidence.Hash())
		case consensus.RequestCommit:
			t.buf = append(t.buf, 'r')
			t.u64(a.Height)
		}
	}
	t.flush()
}

func (t *tracer) vote(tag byte, v *attest.Vote) {
	t.buf = append(t.buf, tag, byte(v.Type))
	t.u64(v.Height)
	t.u64(uint64(v.Round))
	t.hash(v.BlockHash)
	t.buf = append(t.buf, v.Validator[:4]...)
}

// describe renders an event or action for Config.Log.
func describe(x any) string {
	short := func(h attest.Hash) string { return h.Hex()[2:10] }
	switch e := x.(type) {
	case consensus.StartHeight:
		return fmt.Sprintf("StartHeight h=%d skipped=%d", e.Height, len(e.Skipped))
	case consensus.ProposalReceived:
		p := e.Proposal
		return fmt.Sprintf("Proposal %d/%d pol=%d %s by %s valid=%v", p.Height, p.Round, p.POLRound, short(p.BlockHash), p.Proposer.Hex()[:6], e.Valid)
	case consensus.VoteReceived:
		return "Vote " + describeVote(&e.Vote)
	case consensus.BroadcastVote:
		return fmt.Sprintf("BroadcastVote rebroadcast=%v %s", e.Rebroadcast, describeVote(&e.Vote))
	case consensus.BroadcastProposal:
		p := e.Proposal
		return fmt.Sprintf("BroadcastProposal rebroadcast=%v %d/%d pol=%d %s", e.Rebroadcast, p.Height, p.Round, p.POLRound, short(p.BlockHash))
	case consensus.Commit:
		return fmt.Sprintf("Commit %d/%d %s", e.Height, e.Round, short(e.BlockHash))
	case consensus.CertifiedCommit:
		return fmt.Sprintf("CertifiedCommit %d %s", e.Height, short(e.BlockHash))
	case consensus.BlockBuilt:
		return fmt.Sprintf("BlockBuilt %d/%d %s", e.Height, e.Round, short(e.BlockHash))
	case consensus.Evidence:
		return "Evidence " + describeVote(&e.Evidence.A) + " vs " + short(e.Evidence.B.BlockHash)
	}
	return fmt.Sprintf("%T%+v", x, x)
}

func describeVote(v *attest.Vote) string {
	return fmt.Sprintf("%s %d/%d %s by %s", v.Type, v.Height, v.Round, v.BlockHash.Hex()[2:10], v.Validator.Hex()[:6])
}
