package sim

import (
	"crypto/ecdsa"
	"encoding/binary"
	"slices"
	"time"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/consensus"
)

// skipWindow is how many recent heights' failed proposers are skipped.
const skipWindow = 8

// blockLen is the size of a simulated block: height, build round, proposer
// index and a nonce. Blocks are otherwise opaque to consensus.
const blockLen = 8 + 4 + 1 + 8

// node is one validator and the driver around its machine.
type node struct {
	w         *world
	id        int
	key       *ecdsa.PrivateKey
	addr      attest.Address
	byzantine bool

	up    bool
	life  int // incarnation: timers and builds of an earlier life are dropped
	m     *consensus.Machine
	wal   *consensus.MemWAL // survives crashes, minus what was never synced
	guard *consensus.SignGuard
	store []stored // committed blocks; store[h-1] is height h; survives crashes
	fed   map[slot]attest.Hash
}

// stored is a committed block with what the rotation derives from it.
type stored struct {
	block   []byte
	hash    attest.Hash
	qc      attest.QC
	skipped []attest.Address // the Skipped its height started with
	failed  []attest.Address // proposers whose turn passed at its height
}

func newNode(w *world, id int, key *ecdsa.PrivateKey) *node {
	return &node{w: w, id: id, key: key, addr: attest.AddressOf(key), wal: consensus.NewMemWAL()}
}

func (n *node) committed() uint64 { return uint64(len(n.store)) }

func (n *node) boot() {
	n.up = true
	n.newMachine()
	n.startHeight(1)
}

func (n *node) newMachine() {
	n.m = consensus.New(consensus.Config{Self: n.addr, Timeouts: n.w.timeouts()})
	n.guard = consensus.NewSignGuard()
	n.fed = make(map[slot]attest.Hash)
}

func (n *node) startHeight(h uint64) {
	n.must(n.wal.StartHeight(h))
	n.feed(consensus.StartHeight{Height: h, Validators: n.w.vals, Skipped: n.skippedFor(h)})
}

// crash loses the machine and whatever the WAL had not synced.
func (n *node) crash() {
	if !n.up || n.byzantine {
		return
	}
	n.up = false
	n.life++
	n.wal.Crash(n.w.rng.IntN(n.wal.Unsynced() + 1))
	n.m, n.guard = nil, nil
	n.w.res.Crashes++
	n.w.trace.note("crash", n.id)
	n.w.logf("%d crashes", n.id)
}

// restart resumes at the height after the last stored block by replaying
// the WAL, as package node does.
func (n *node) restart() {
	if n.up {
		return
	}
	n.up = true
	n.life++
	n.newMachine()
	h := n.committed() + 1
	recs, err := n.wal.Records(h)
	n.must(err)
	n.guard.Restore(recs)
	n.must(n.wal.StartHeight(h))
	n.w.trace.note("restart", []uint64{uint64(n.id), h, uint64(len(recs))})
	n.w.logf("%d restarts at height %d replaying %d records", n.id, h, len(recs))
	for _, r := range recs {
		n.w.logf("%d replays %s", n.id, describe(r.Event))
	}
	n.apply(consensus.Replay(n.m, consensus.StartHeight{Height: h, Validators: n.w.vals, Skipped: n.skippedFor(h)}, recs))
}

func (n *node) tick() {
	if n.up {
		n.feed(consensus.Tick{})
	}
}

// feed logs ev (without sync) and steps the machine with it.
func (n *node) feed(ev consensus.Event) {
	n.must(n.wal.Append(consensus.RecordOf(ev), false))
	n.step(ev)
}

func (n *node) step(ev consensus.Event) {
	n.w.trace.event(int64(n.w.q.now), n.id, ev)
	n.w.logf("%d <- %s", n.id, describe(ev))
	n.apply(n.m.Step(ev))
}

func (n *node) apply(actions []consensus.Action) {
	n.w.trace.actions(n.id, actions)
	for _, a := range actions {
		n.w.logf("%d -> %s", n.id, describe(a))
	}
	for _, a := range actions {
		if !n.up || n.w.check.err != nil {
			return
		}
		switch a := a.(type) {
		case consensus.BuildBlock:
			n.build(a)
		case consensus.BroadcastProposal:
			n.sendProposal(a)
		case consensus.BroadcastVote:
			n.sendVote(a)
		case consensus.ScheduleTimeout:
			n.later(a.Duration, consensus.TimeoutFired{Height: a.Height, Round: a.Round, Step: a.Step})
		case consensus.Commit:
			n.commit(a)
		case consensus.Evidence:
			n.w.check.evidence(n, &a.Evidence)
		case consensus.RequestCommit:
			n.w.net.broadcast(n.id, message{request: a.Height})
		}
	}
}

// later feeds ev after d, unless the node crashed in between.
func (n *node) later(d time.Duration, ev consensus.Event) {
	life := n.life
	n.w.q.after(d, func() {
		if n.up && n.life == life {
			n.feed(ev)
		}
	})
}

func (n *node) build(a consensus.BuildBlock) {
	blk := makeBlock(a.Height, a.Round, n.id, n.w.rng.Uint64())
	n.later(n.w.cfg.BuildDelay, consensus.BlockBuilt{Height: a.Height, Round: a.Round, Block: blk, BlockHash: attest.Keccak(blk)})
}

func (n *node) sendProposal(a consensus.BroadcastProposal) {
	p := a.Proposal
	if a.Rebroadcast {
		n.w.net.broadcast(n.id, message{proposal: &p})
		return
	}
	if n.byzantine {
		n.equivocateProposal(p)
		return
	}
	if err := n.guard.CheckProposal(&p); err != nil {
		n.w.check.failf("validator %d: machine asked to sign a conflicting proposal: %v", n.id, err)
		return
	}
	n.w.sigs.signProposal(&p, n.key)
	n.w.check.signedProposal(n, &p)
	n.guard.RecordProposal(&p)
	n.own(consensus.ProposalReceived{Proposal: p, Valid: true}, message{proposal: &p})
}

func (n *node) sendVote(a consensus.BroadcastVote) {
	v := a.Vote
	if a.Rebroadcast {
		n.w.net.broadcast(n.id, message{vote: &v})
		return
	}
	if n.byzantine {
		n.equivocateVote(v)
		return
	}
	if err := n.guard.CheckVote(&v); err != nil {
		n.w.check.failf("validator %d: machine asked to sign a conflicting vote: %v", n.id, err)
		return
	}
	n.w.sigs.signVote(&v, n.key)
	n.w.check.signedVote(n, &v)
	n.guard.RecordVote(&v)
	n.own(consensus.VoteReceived{Vote: v}, message{vote: &v})
}

// own logs a signed message with sync, sends it, then feeds it back: the
// order the driver contract asks for (durable before sent).
func (n *node) own(ev consensus.Event, msg message) {
	n.must(n.wal.Append(consensus.RecordOf(ev), true))
	n.w.net.broadcast(n.id, msg)
	n.step(ev)
}

// commit checks and stores a decided block and starts the next height after
// CommitWait, as a driver on an idle chain would.
func (n *node) commit(c consensus.Commit) {
	if c.Height != n.committed()+1 {
		n.w.check.failf("validator %d committed height %d after %d", n.id, c.Height, n.committed())
		return
	}
	n.w.check.commit(n, &c)
	skipped := n.skippedFor(c.Height)
	n.store = append(n.store, stored{
		block: c.Block, hash: c.BlockHash, qc: c.QC, skipped: skipped,
		failed: consensus.FailedProposers(n.w.vals, c.Height, buildRound(c.Block), skipped),
	})
	n.must(n.wal.StartHeight(c.Height + 1))
	life := n.life
	n.w.q.after(n.w.cfg.CommitWait, func() {
		if n.up && n.life == life {
			n.startHeight(c.Height + 1)
		}
	})
}

// skippedFor derives Skipped for height h from committed blocks only, most
// recent failures first, so every validator computes the same list.
func (n *node) skippedFor(h uint64) []attest.Address {
	var out []attest.Address
	for k := h - 1; k >= 1 && h-k <= skipWindow; k-- {
		for _, a := range n.store[k-1].failed {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}

// receive handles a message from another validator.
func (n *node) receive(from int, msg message) {
	if !n.up || n.w.check.err != nil {
		return
	}
	switch {
	case msg.proposal != nil:
		if n.w.sigs.verifyProposal(msg.proposal) {
			n.feed(consensus.ProposalReceived{Proposal: *msg.proposal, Valid: validBlock(msg.proposal)})
		}
	case msg.vote != nil:
		if n.w.sigs.verifyVote(n.w.vals, msg.vote) {
			n.w.check.fedVote(n, msg.vote)
			n.feed(consensus.VoteReceived{Vote: *msg.vote})
		}
	case msg.certified != nil:
		n.receiveCertified(msg.certified)
	case msg.request > 0:
		if h := msg.request; h <= n.committed() {
			s := n.store[h-1]
			n.w.net.send(n.id, from, message{certified: &certified{height: h, block: s.block, hash: s.hash, qc: s.qc}})
		}
	}
}

func (n *node) receiveCertified(c *certified) {
	if c.height != n.m.Height() || n.m.Decided() || c.qc.Height != c.height || c.qc.BlockHash != c.hash ||
		attest.Keccak(c.block) != c.hash || n.w.sigs.verifyQC(n.w.vals, &c.qc) != nil {
		return
	}
	n.feed(consensus.CertifiedCommit{Height: c.height, Block: c.block, BlockHash: c.hash, QC: c.qc})
}

func (n *node) must(err error) {
	if err != nil {
		n.w.check.failf("validator %d: %v", n.id, err)
	}
}

func makeBlock(height uint64, round uint32, proposer int, nonce uint64) []byte {
	b := binary.BigEndian.AppendUint64(nil, height)
	b = binary.BigEndian.AppendUint32(b, round)
	b = append(b, byte(proposer))
	return binary.BigEndian.AppendUint64(b, nonce)
}

// validBlock is the simulated re-execution: well formed, for this height,
// and hashing to the proposal's block hash.
func validBlock(p *consensus.Proposal) bool {
	return len(p.Block) == blockLen && binary.BigEndian.Uint64(p.Block) == p.Height && attest.Keccak(p.Block) == p.BlockHash
}

func buildRound(blk []byte) uint32 {
	if len(blk) != blockLen {
		return 0
	}
	return binary.BigEndian.Uint32(blk[8:12])
}
