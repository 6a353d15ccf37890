package xfer_test

import (
	"bytes"
	"crypto/ecdsa"
	"fmt"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/trie"
	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/app/apptest"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/xfer"
)

// Fixture parameters. Every key derives from a fixed seed so failures replay.
const (
	testSeed        int64  = 7
	testVals               = 4
	testAccounts           = 3
	testGenesisMs   uint64 = 1_700_000_000_000
	testBlockMs     uint64 = 1_000
	testFunds              = chains.DefaultDemoBalance
	extraKeyTag            = "causeway/xfer/test-key/"
	farHeight       uint64 = 1_000_000
	testTimeoutSpan uint64 = 60_000
)

// testChain is one chain in memory: its genesis, the bank and xfer modules
// over a MemState, and its validators' keys to certify headers with. Blocks
// are simulated: txs run at c.height, and commit certifies the state
// reached as the header at that height.
type testChain struct {
	tb      testing.TB
	tn      *chains.Testnet
	gen     *chains.Genesis
	st      *apptest.MemState
	mod     *xfer.Module
	height  uint64
	timeMs  uint64
	vals    *attest.ValidatorSet
	keys    []*ecdsa.PrivateKey // in vals order
	headers map[uint64]*committed
}

// committed is a certified header and the state trie it commits to.
type committed struct {
	ch   attest.CertifiedHeader
	trie *trie.Trie
}

// chainOpts adjusts a chain's genesis before it is linked and initialised.
type chainOpts struct {
	vals  int
	tweak func(g *chains.Genesis)
}

func newTestnet(tb testing.TB, id string, vals int) *chains.Testnet {
	tb.Helper()
	seed := testSeed
	tn, err := chains.GenerateTestnetInMemory(chains.TestnetOptions{ChainID: id, Validators: vals,
		DemoAccounts: testAccounts, Seed: &seed, Password: "x", GenesisTimeMs: testGenesisMs})
	require.NoError(tb, err)
	return tn
}

// newPair links two fresh chains and starts both.
func newPair(tb testing.TB, a, b chainOpts) (*testChain, *testChain) {
	tb.Helper()
	out := newChains(tb, map[string]chainOpts{"alpha": a, "beta": b}, "alpha", "beta")
	return out[0], out[1]
}

// newChains builds the named chains, links every pair and starts them.
func newChains(tb testing.TB, opts map[string]chainOpts, ids ...string) (out []*testChain) {
	tb.Helper()
	tns := make([]*chains.Testnet, len(ids))
	for i, id := range ids {
		n := opts[id].vals
		if n == 0 {
			n = testVals
		}
		tns[i] = newTestnet(tb, id, n)
		if opts[id].tweak != nil {
			opts[id].tweak(tns[i].Genesis)
		}
	}
	for i := range tns {
		for j := i + 1; j < len(tns); j++ {
			require.NoError(tb, chains.LinkCounterparties(tns[i].Genesis, tns[j].Genesis))
		}
	}
	for _, tn := range tns {
		out = append(out, startChain(tb, tn))
	}
	return out
}

func startChain(tb testing.TB, tn *chains.Testnet) *testChain {
	tb.Helper()
	g := tn.Genesis
	a, err := app.New(g, nil, bank.NewModule(), xfer.NewModule())
	require.NoError(tb, err)
	st := apptest.NewMemState()
	require.NoError(tb, a.InitChain(st, app.BlockInfo{ChainID: g.ChainID, Genesis: g.Hash(), TimeMs: g.GenesisTimeMs}))
	st.Commit()
	vals, err := g.ValidatorSet()
	require.NoError(tb, err)
	c := &testChain{tb: tb, tn: tn, gen: g, st: st, mod: xfer.NewModule(), height: 1,
		timeMs: g.GenesisTimeMs + testBlockMs, vals: vals, headers: map[uint64]*committed{}}
	for _, v := range tn.Validators {
		c.keys = append(c.keys, v.Key)
	}
	return c
}

func (c *testChain) id() string { return c.gen.ChainID }

func (c *testChain) user(i int) attest.Address { return c.tn.Accounts[i].Address }

func (c *testChain) ctx() *app.Context {
	return &app.Context{BlockInfo: app.BlockInfo{ChainID: c.id(), Genesis: c.gen.Hash(), Height: c.height, TimeMs: c.timeMs},
		State: c.st}
}

// deliver runs one xfer transaction as the app would: Check on a read-only
// view first (whose rejection Deliver must repeat), then Deliver in a
// snapshot that a rejection reverts. A rejection must leave state as it was.
func (c *testChain) deliver(sender attest.Address, typ string, payload []byte) ([]app.Event, error) {
	c.tb.Helper()
	method, ok := strings.CutPrefix(typ, xfer.ModuleName+app.TypeSeparator)
	require.True(c.tb, ok, "type %s", typ)
	check := c.ctx()
	check.State = app.ReadOnly(c.st)
	checkErr := c.mod.Check(check, sender, method, payload)
	require.True(c.tb, checkErr == nil || app.IsRejection(checkErr), "check: uncoded error %v", checkErr)
	before := c.st.Dump()
	ctx := c.ctx()
	snap := c.st.Snapshot()
	err := c.mod.Deliver(ctx, sender, method, payload)
	if err != nil {
		require.True(c.tb, app.IsRejection(err), "deliver: uncoded error %v", err)
		c.st.RevertToSnapshot(snap)
		require.Equal(c.tb, before, c.st.Dump(), "rejection left writes")
	}
	if checkErr != nil {
		require.Equal(c.tb, app.CodeOf(checkErr), app.CodeOf(err), "check rejected (%v), deliver: %v", checkErr, err)
	}
	return ctx.Events(), err
}

// mustDeliver delivers and requires success.
func (c *testChain) mustDeliver(sender attest.Address, typ string, payload []byte) []app.Event {
	c.tb.Helper()
	ev, err := c.deliver(sender, typ, payload)
	require.NoError(c.tb, err)
	return ev
}

// commit certifies the state reached as the header at c.height, signed by
// every validator, and moves to the next block. next, when set, is the set
// that signs from the next height on (a handoff header).
func (c *testChain) commit(next *valSet) *attest.CertifiedHeader {
	c.tb.Helper()
	tr := c.trie()
	nextHash := c.vals.Hash()
	if next != nil {
		nextHash = next.set.Hash()
	}
	h := attest.Header{ChainID: c.id(), Height: c.height, TimeMs: c.timeMs, StateRoot: tr.Hash(),
		ValidatorsHash: c.vals.Hash(), NextValidatorsHash: nextHash, EvidenceHash: attest.EvidenceHash(nil)}
	ch := c.certify(h, allSigners(c.vals.Size()))
	c.headers[h.Height] = &committed{ch: *ch, trie: tr}
	c.st.Commit()
	c.height++
	c.timeMs += testBlockMs
	if next != nil {
		c.vals, c.keys = next.set, next.keys
	}
	return ch
}

// certify signs h with the validators at the given indexes of the current set.
func (c *testChain) certify(h attest.Header, signers []int) *attest.CertifiedHeader {
	c.tb.Helper()
	return certifyWith(c.tb, c.gen.Hash(), c.vals, c.keys, h, signers)
}

func certifyWith(tb testing.TB, genesis attest.Hash, vals *attest.ValidatorSet, keys []*ecdsa.PrivateKey, h attest.Header, signers []int) *attest.CertifiedHeader {
	tb.Helper()
	votes := make(map[attest.Address]*attest.Vote, len(signers))
	for _, i := range signers {
		v := &attest.Vote{Type: attest.Precommit, Height: h.Height, Round: h.Round, BlockHash: h.Hash()}
		require.NoError(tb, attest.SignVote(genesis, v, keys[i]))
		votes[v.Validator] = v
	}
	return &attest.CertifiedHeader{Header: h, QC: *attest.NewQC(vals, h.Height, h.Round, h.Hash(), votes)}
}

func allSigners(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// trie loads the whole state into a Merkle Patricia trie, as node/state keeps it.
func (c *testChain) trie() *trie.Trie {
	c.tb.Helper()
	tr := trie.NewEmpty(nil)
	require.NoError(c.tb, c.st.Iterate(nil, func(k, v []byte) error { return tr.Update(k, v) }))
	return tr
}

type proofList [][]byte

func (p *proofList) Put(_ []byte, v []byte) error { *p = append(*p, bytes.Clone(v)); return nil }
func (p *proofList) Delete([]byte) error          { return nil }

func (cm *committed) prove(tb testing.TB, key []byte) [][]byte {
	tb.Helper()
	var p proofList
	require.NoError(tb, cm.trie.Prove(key, &p))
	return p
}

// packetProofs proves the packets sent to dst with seqs under header height.
func (c *testChain) packetProofs(height uint64, dst string, seqs ...uint64) []attest.PacketProof {
	c.tb.Helper()
	cm := c.headers[height]
	require.NotNil(c.tb, cm, "no header at %d", height)
	out := make([]attest.PacketProof, 0, len(seqs))
	for _, seq := range seqs {
		task, err := xfer.GetTask(c.st, dst, seq)
		require.NoError(c.tb, err)
		out = append(out, attest.PacketProof{Packet: task.Packet, Proof: cm.prove(c.tb, attest.PacketKey(dst, seq))})
	}
	return out
}

// receiptProofs proves the receipts of packets from src under header height.
func (c *testChain) receiptProofs(height uint64, src string, seqs ...uint64) []attest.ReceiptProof {
	c.tb.Helper()
	cm := c.headers[height]
	require.NotNil(c.tb, cm, "no header at %d", height)
	out := make([]attest.ReceiptProof, 0, len(seqs))
	for _, seq := range seqs {
		key := attest.ReceiptKey(src, seq)
		raw, err := cm.trie.Get(key)
		require.NoError(c.tb, err)
		r, err := attest.DecodeReceipt(raw)
		require.NoError(c.tb, err, "no receipt %s/%d at %d", src, seq, height)
		out = append(out, attest.ReceiptProof{Seq: seq, Receipt: *r, Proof: cm.prove(c.tb, key)})
	}
	return out
}

func (c *testChain) header(height uint64) attest.CertifiedHeader { return c.headers[height].ch }

// send submits a transfer from user i and returns its sequence.
func (c *testChain) send(i int, t xfer.Transfer) uint64 {
	c.tb.Helper()
	seq, err := xfer.NextSequence(c.st, t.Dst)
	require.NoError(c.tb, err)
	typ, p := xfer.NewTransfer(t)
	c.mustDeliver(c.user(i), typ, p)
	return seq
}

// relay carries packets seqs from c to dst under c's next header, and
// returns dst's events.
func relay(tb testing.TB, src, dst *testChain, seqs ...uint64) []app.Event {
	tb.Helper()
	ch := src.commit(nil)
	typ, p := xfer.NewRecv(src.id(), *ch, src.packetProofs(ch.Header.Height, dst.id(), seqs...))
	return dst.mustDeliver(dst.user(2), typ, p)
}

// ackBack carries the receipts of seqs from dst back to src under dst's next
// header, submitted by relayer, and returns src's events.
func ackBack(tb testing.TB, src, dst *testChain, relayer attest.Address, seqs ...uint64) []app.Event {
	tb.Helper()
	ch := dst.commit(nil)
	typ, p := xfer.NewAck(dst.id(), *ch, dst.receiptProofs(ch.Header.Height, src.id(), seqs...))
	return src.mustDeliver(relayer, typ, p)
}

// usd builds a transfer of n USD (or denom) with a far height deadline.
func usd(dst string, to attest.Address, n uint64) xfer.Transfer {
	return xfer.Transfer{Dst: dst, Receiver: to, Denom: "USD", Amount: u(n), TimeoutHeight: farHeight}
}

func u(n uint64) *uint256.Int { return uint256.NewInt(n) }

func balance(tb testing.TB, c *testChain, addr attest.Address, denom string) *uint256.Int {
	tb.Helper()
	v, err := bank.Balance(c.st, addr, denom)
	require.NoError(tb, err)
	return v
}

func funds() *uint256.Int {
	v, err := chains.ParseAmount(testFunds)
	if err != nil {
		panic(err)
	}
	return v
}

func sub(a *uint256.Int, n uint64) *uint256.Int { return new(uint256.Int).Sub(a, u(n)) }

func task(tb testing.TB, c *testChain, dst string, seq uint64) *xfer.Task {
	tb.Helper()
	t, err := xfer.GetTask(c.st, dst, seq)
	require.NoError(tb, err)
	return t
}

func receipt(tb testing.TB, c *testChain, src string, seq uint64) *attest.PacketReceipt {
	tb.Helper()
	r, err := xfer.GetReceipt(c.st, src, seq)
	require.NoError(tb, err)
	return r
}

// requireCode checks err carries the stable code want.
func requireCode(tb testing.TB, want app.Code, err error) {
	tb.Helper()
	require.Error(tb, err)
	require.Equal(tb, want, app.CodeOf(err), "error: %v", err)
}

// valSet is a validator set with its keys, for handoffs.
type valSet struct {
	set  *attest.ValidatorSet
	keys []*ecdsa.PrivateKey
}

// newValSet derives n fresh validators named by tag.
func newValSet(tb testing.TB, tag string, n int) *valSet {
	tb.Helper()
	vs := &valSet{}
	vals := make([]attest.Validator, n)
	for i := range n {
		k, err := crypto.ToECDSA(attest.Keccak(fmt.Appendf(nil, "%s%s/%d", extraKeyTag, tag, i)).Bytes())
		require.NoError(tb, err)
		vs.keys = append(vs.keys, k)
		vals[i] = attest.Validator{Address: attest.AddressOf(k), Power: 1}
	}
	var err error
	vs.set, err = attest.NewValidatorSet(vals)
	require.NoError(tb, err)
	return vs
}

func eventTypes(evs []app.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

func findEvent(evs []app.Event, typ string) (app.Event, bool) {
	for _, e := range evs {
		if e.Type == typ {
			return e, true
		}
	}
	return app.Event{}, false
}
