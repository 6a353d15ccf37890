package localnet

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/tx"
	"github.com/causeway/causeway/node/xfer"
)

// Pacing of the cross-chain tests: how long a step may take end to end
// (two or three chains of four validators share the machine), and how often
// to look.
const (
	xferWait = 60 * time.Second
	xferPoll = 50 * time.Millisecond
	// xferNoteBuffer holds the relayer's xfer.send notifications between steps.
	xferNoteBuffer = 1024
	// transferTTL is the time deadline of transfers meant to arrive.
	transferTTL = 10 * time.Minute
	// lateBlocks is how far past the destination's height a packet meant to
	// time out sets its deadline.
	lateBlocks = 3
)

// Shape of every chain of these tests.
const xferValidators = 4

// unboundPorts fill the P2P addresses of validators on the in-memory transport.
var unboundPorts = []int{1, 2, 3, 4}

// Demo accounts every chain of these tests funds: two users and the
// relayer, which submits every recv and ack.
const (
	userA   = 0
	userB   = 1
	relayer = 2
)

// Genesis of beta's limits on packets from alpha.
const (
	maxUSDPerPacket = 1000
	usdWindow       = 1_000_000
	usdWindowMs     = 3_600_000
)

// blockedOnBeta may not receive on beta.
var blockedOnBeta = common.HexToAddress("0x00000000000000000000000000000000000b10c4")

// xchain is one running chain of a cross-chain test and a client of its
// validator 0.
type xchain struct {
	id  string
	net *Net
	c   *chains.Client
}

func (x *xchain) account(i int) *ecdsa.PrivateKey { return x.net.Accounts[i] }
func (x *xchain) addr(i int) attest.Address       { return attest.AddressOf(x.net.Accounts[i]) }

// startLinked starts one 4-validator localnet per chain id over the
// in-memory transport, each with its own fixed seed, and links consecutive
// chains as counterparties before any of them starts, as the devnet does.
func startLinked(t *testing.T, ids []string, edit map[string]func(*chains.Genesis)) []*xchain {
	t.Helper()
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	out := make([]*xchain, len(ids))
	for i, id := range ids {
		// RPC port 0: each server binds a free port as it starts, so
		// parallel tests cannot race for ports picked in advance. The P2P
		// ports are never bound: validators talk over the in-memory transport.
		ln, err := New(Options{ChainID: id, Validators: xferValidators, Accounts: 3, Seed: int64(100 + i),
			Dir: t.TempDir(), Transport: TransportMem, ShareSigCache: true, Logger: log.Named(id), Edit: edit[id],
			RPCPorts: make([]int, xferValidators), P2PPorts: unboundPorts})
		require.NoError(t, err)
		out[i] = &xchain{id: id, net: ln}
	}
	for i := 1; i < len(out); i++ {
		require.NoError(t, chains.LinkCounterparties(out[i-1].net.Genesis, out[i].net.Genesis))
	}
	for _, x := range out {
		require.NoError(t, x.net.Start(t.Context()))
		t.Cleanup(x.net.Stop)
		x.c = dialNode(t, x.net, "http")
	}
	for _, x := range out {
		waitHeight(t, x.net, 1) // block times start with the first block
	}
	return out
}

// dialNode connects to validator 0's RPC server at the address it bound.
func dialNode(t *testing.T, ln *Net, scheme string) *chains.Client {
	t.Helper()
	c, err := chains.Dial(t.Context(), scheme+"://"+ln.Node(0).RPCAddr())
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// sent is a packet a test put on a route.
type sent struct {
	src, dst *xchain
	seq      uint64
	height   uint64 // source height of the transfer
}

// transfer signs and submits an xfer.transfer from user on src and waits
// for it to commit. A zero timeoutHeight uses a time deadline transferTTL
// after src's latest block.
func transfer(t *testing.T, src, dst *xchain, user int, to attest.Address, denom string, amount, fee, timeoutHeight uint64) sent {
	t.Helper()
	ctx := t.Context()
	tr := xfer.Transfer{Dst: dst.id, Receiver: to, Denom: denom, Amount: uint256.NewInt(amount),
		RelayFee: uint256.NewInt(fee), TimeoutHeight: timeoutHeight, Memo: "e2e"}
	if timeoutHeight == 0 {
		st, err := src.c.Status(ctx)
		require.NoError(t, err)
		tr.TimeoutTimeMs = st.LatestTimeMs + uint64(transferTTL.Milliseconds())
	}
	typ, payload := xfer.NewTransfer(tr)
	r, err := submit(ctx, src, src.account(user), typ, payload)
	require.NoError(t, err)
	ev := findEvent(t, r.Events, xfer.EventSend)
	seq, err := strconv.ParseUint(attrOf(t, ev, xfer.AttrSeq), 10, 64)
	require.NoError(t, err)
	require.Equal(t, dst.id, attrOf(t, ev, xfer.AttrDst))
	return sent{src: src, dst: dst, seq: seq, height: r.Height}
}

// submit signs a transaction at the signer's next nonce, submits it and
// waits for its receipt, which must be a success.
func submit(ctx context.Context, x *xchain, key *ecdsa.PrivateKey, typ string, payload []byte) (*chains.Receipt, error) {
	acct, err := x.c.Account(ctx, attest.AddressOf(key))
	if err != nil {
		return nil, err
	}
	t := &tx.Tx{ChainID: x.id, Nonce: acct.Nonce, Type: typ, Payload: payload}
	if err := t.Sign(x.net.Genesis.Hash(), key); err != nil {
		return nil, err
	}
	h, err := x.c.SendRawTransaction(ctx, t.Encode())
	if err != nil {
		return nil, fmt.Errorf("submit %s to %s: %w", typ, x.id, err)
	}
	wctx, cancel := context.WithTimeout(ctx, xferWait)
	defer cancel()
	r, err := x.c.WaitReceipt(wctx, h)
	if err != nil {
		return nil, fmt.Errorf("wait for %s on %s: %w", typ, x.id, err)
	}
	if r.Code != 0 {
		return nil, fmt.Errorf("%s on %s failed: code %d: %s", typ, x.id, r.Code, r.Log)
	}
	return r, nil
}

// eventually polls cond every xferPoll until it holds, failing the test on
// an error or after xferWait.
func eventually(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(xferWait)
	tick := time.NewTicker(xferPoll)
	defer tick.Stop()
	for {
		ok, err := cond()
		require.NoError(t, err, what)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %v", what, xferWait)
		}
		select {
		case <-tick.C:
		case <-t.Context().Done():
			t.Fatalf("%s: %v", what, t.Context().Err())
		}
	}
}

// balance reads addr's balance of denom at x's latest height.
func balance(t *testing.T, x *xchain, addr attest.Address, denom string) *uint256.Int {
	t.Helper()
	acct, err := x.c.Account(t.Context(), addr)
	require.NoError(t, err)
	for _, c := range acct.Balances {
		if c.Denom == denom {
			v, err := c.Int()
			require.NoError(t, err)
			return v
		}
	}
	return new(uint256.Int)
}

// supply reads the total supply of denom at x's latest height through a
// verified state proof.
func supply(t *testing.T, x *xchain, denom string) *uint256.Int {
	t.Helper()
	st, err := x.c.Status(t.Context())
	require.NoError(t, err)
	p, err := x.c.Proof(t.Context(), []string{string(bank.SupplyKey(denom))}, st.LatestHeight)
	require.NoError(t, err)
	if p.Proofs[0].Value == nil {
		return new(uint256.Int)
	}
	return new(uint256.Int).SetBytes(*p.Proofs[0].Value)
}

// requireConserved checks DESIGN §3.4 for the route origin→remote and a
// denom native to origin: what origin holds in escrow for remote is the
// voucher supply on remote plus what is in flight.
func requireConserved(t *testing.T, origin, remote *xchain, denom string, inFlight uint64) {
	t.Helper()
	escrow := balance(t, origin, xfer.EscrowAddress(remote.id), denom)
	backing := supply(t, remote, xfer.VoucherDenom(origin.id, denom))
	backing.Add(backing, uint256.NewInt(inFlight))
	require.Equal(t, escrow.Dec(), backing.Dec(), "escrow of %s on %s for %s vs voucher supply on %s + %d in flight",
		denom, origin.id, remote.id, remote.id, inFlight)
}

func findEvent(t *testing.T, evs []chains.Event, typ string) chains.Event {
	t.Helper()
	for _, e := range evs {
		if e.Type == typ {
			return e
		}
	}
	t.Fatalf("no %s event in %v", typ, evs)
	return chains.Event{}
}

func attrOf(t *testing.T, e chains.Event, key string) string {
	t.Helper()
	v, ok := e.Attr(key)
	require.True(t, ok, "%s event has no %s", e.Type, key)
	return v
}

func requireUint(t *testing.T, want uint64, got *uint256.Int, msgAndArgs ...any) {
	t.Helper()
	require.Equal(t, uint256.NewInt(want).Dec(), got.Dec(), msgAndArgs...)
}

// relay carries packets from src to dst the way a relay process does, over
// chains.Client alone: it watches src's xfer.send events on a WebSocket
// subscription, fetches the packets' proofs at the height that committed
// them, submits one xfer.recv to dst, fetches dst's receipt proofs at the
// height of that recv and submits one xfer.ack to src. Tests drive it a
// step at a time, so they decide when packets arrive.
type relay struct {
	src, dst *xchain
	notes    chan *chains.EventsNotification
	sub      *chains.Subscription
	cursor   uint64 // last src height whose events were handled
}

// newRelay subscribes to src's xfer.send events from its next block on.
func newRelay(t *testing.T, src, dst *xchain) *relay {
	t.Helper()
	ws := dialNode(t, src.net, "ws")
	st, err := src.c.Status(t.Context())
	require.NoError(t, err)
	r := &relay{src: src, dst: dst, notes: make(chan *chains.EventsNotification, xferNoteBuffer), cursor: st.LatestHeight}
	r.sub, err = ws.SubscribeEvents(t.Context(), r.notes, xfer.EventSend)
	require.NoError(t, err)
	t.Cleanup(r.sub.Unsubscribe)
	return r
}

// step handles every src block committed so far and returns how many
// packets it delivered.
func (r *relay) step(ctx context.Context) (int, error) {
	st, err := r.src.c.Status(ctx)
	if err != nil {
		return 0, err
	}
	delivered := 0
	for r.cursor < st.LatestHeight {
		select {
		case n := <-r.notes:
			r.cursor = n.Height
			seqs, err := r.seqsFor(n)
			if err != nil || len(seqs) == 0 {
				if err != nil {
					return delivered, err
				}
				continue
			}
			if err := r.deliver(ctx, seqs, n.Height); err != nil {
				return delivered, err
			}
			delivered += len(seqs)
		case err := <-r.sub.Err():
			return delivered, fmt.Errorf("events of %s: %w", r.src.id, err)
		case <-ctx.Done():
			return delivered, ctx.Err()
		}
	}
	return delivered, nil
}

// seqsFor picks the packets to dst out of one block's xfer.send events.
func (r *relay) seqsFor(n *chains.EventsNotification) ([]uint64, error) {
	var seqs []uint64
	for _, e := range n.Events {
		if dst, _ := e.Attr(xfer.AttrDst); e.Type != xfer.EventSend || dst != r.dst.id {
			continue
		}
		v, _ := e.Attr(xfer.AttrSeq)
		seq, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("xfer.send at %s %d: seq %q: %w", r.src.id, n.Height, v, err)
		}
		seqs = append(seqs, seq)
	}
	return seqs, nil
}

// deliver carries the packets seqs that src committed at height to dst and
// brings dst's receipts back.
func (r *relay) deliver(ctx context.Context, seqs []uint64, height uint64) error {
	header, pps, err := r.src.c.PacketProofs(ctx, r.dst.id, seqs, height)
	if err != nil {
		return err
	}
	packets := make([]attest.PacketProof, len(pps))
	for i, pp := range pps {
		if pp == nil {
			return fmt.Errorf("%s holds no commitment for %s #%d at %d", r.src.id, r.dst.id, seqs[i], height)
		}
		packets[i] = *pp
	}
	typ, payload := xfer.NewRecv(r.src.id, *header, packets)
	recv, err := submit(ctx, r.dst, r.dst.account(relayer), typ, payload)
	if err != nil {
		return err
	}
	if err := countEvents(recv, xfer.EventRecv, len(seqs)); err != nil {
		return err
	}
	dh, rps, err := r.dst.c.ReceiptProofs(ctx, r.src.id, seqs, recv.Height)
	if err != nil {
		return err
	}
	receipts := make([]attest.ReceiptProof, len(rps))
	for i, rp := range rps {
		if rp == nil {
			return fmt.Errorf("%s wrote no receipt for %s #%d at %d", r.dst.id, r.src.id, seqs[i], recv.Height)
		}
		receipts[i] = *rp
	}
	typ, payload = xfer.NewAck(r.dst.id, *dh, receipts)
	ack, err := submit(ctx, r.src, r.src.account(relayer), typ, payload)
	if err != nil {
		return err
	}
	return countEvents(ack, xfer.EventAck, len(seqs))
}

// countEvents checks that a recv or ack emitted one event per packet.
func countEvents(r *chains.Receipt, typ string, want int) error {
	got := 0
	for _, e := range r.Events {
		if e.Type == typ {
			got++
		}
	}
	if got != want {
		return fmt.Errorf("%s at %d emitted %d %s events for %d packets", r.Type, r.Height, got, typ, want)
	}
	return nil
}

// settle steps the relays until the task of s is resolved and returns it.
func settle(t *testing.T, s sent, relays ...*relay) *chains.Task {
	t.Helper()
	var task *chains.Task
	eventually(t, fmt.Sprintf("task %s→%s #%d resolved", s.src.id, s.dst.id, s.seq), func() (bool, error) {
		for _, r := range relays {
			if _, err := r.step(t.Context()); err != nil {
				return false, err
			}
		}
		var err error
		task, err = s.src.c.Task(t.Context(), s.dst.id, s.seq)
		return err == nil && task != nil && task.Status != rpc.TaskPending, err
	})
	return task
}
