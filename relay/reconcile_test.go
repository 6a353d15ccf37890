package relay_test

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/relay"
	"github.com/causeway/causeway/settlement"
)

// stateChain is a ReconcileChain serving a fixed state at one height.
type stateChain struct {
	height uint64
	root   attest.Hash
	state  map[string][]byte
}

func newStateChain() *stateChain {
	return &stateChain{height: 7, root: attest.Hash{7}, state: map[string][]byte{}}
}

func (c *stateChain) Status(context.Context) (*chains.Status, error) {
	return &chains.Status{LatestHeight: c.height}, nil
}

func (c *stateChain) CertifiedHeader(_ context.Context, h uint64) (*chains.CertifiedHeader, error) {
	return &chains.CertifiedHeader{Certified: &attest.CertifiedHeader{Header: attest.Header{Height: h, StateRoot: c.root}}}, nil
}

func (c *stateChain) Proof(_ context.Context, keys []string, h uint64) (*chains.Proofs, error) {
	p := &chains.Proofs{Height: h, StateRoot: c.root}
	for _, k := range keys {
		kp := rpc.KeyProof{Key: k}
		if v, ok := c.state[k]; ok {
			b := hexutil.Bytes(v)
			kp.Value = &b
		}
		p.Proofs = append(p.Proofs, kp)
	}
	return p, nil
}

func (c *stateChain) setAmount(key []byte, n uint64) {
	c.state[string(key)] = uint256.NewInt(n).Bytes()
}

func (c *stateChain) addTask(t *testing.T, dst string, seq, amount uint64, st xfer.TaskStatus) {
	b, err := rlp.EncodeToBytes(&xfer.Task{Status: st, Packet: attest.Packet{Src: "alpha", Dst: dst, Seq: seq,
		Denom: "USD", Amount: uint256.NewInt(amount), RelayFee: uint256.NewInt(0)}})
	require.NoError(t, err)
	c.state[string(xfer.TaskKey(dst, seq))] = b
	c.state[string(xfer.SequenceKey(dst))] = binary.BigEndian.AppendUint64(nil, seq)
}

func (c *stateChain) receive(src string, seq uint64) {
	c.state[string(attest.ReceiptKey(src, seq))] = attest.EncodeReceipt(&attest.PacketReceipt{Status: attest.ReceiptOK})
}

// recordedSink keeps what the reconciler saves.
type recordedSink struct{ got []*settlement.Reconciliation }

func (s *recordedSink) SaveReconciliation(_ context.Context, r *settlement.Reconciliation) error {
	s.got = append(s.got, r)
	return nil
}

// Alpha escrows 100 USD for beta: seq 1 (60) finished, seq 2 (40) pending.
func TestReconcilerAgainstFakeChains(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name               string
		supply             uint64
		received2          bool
		ok                 bool
		vouchers, inFlight uint64
	}{
		{"seq 2 in flight", 60, false, true, 60, 40},
		{"seq 2 credited before its ack", 100, true, true, 100, 0},
		{"supply off by one is a break", 61, false, false, 61, 40},
		{"a credit counted twice is a break", 100, false, false, 100, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alpha, beta := newStateChain(), newStateChain()
			alpha.setAmount(bank.BalanceKey(xfer.EscrowAddress("beta"), "USD"), 100)
			alpha.addTask(t, "beta", 1, 60, xfer.TaskFinished)
			alpha.addTask(t, "beta", 2, 40, xfer.TaskPending)
			beta.setAmount(bank.SupplyKey(xfer.VoucherDenom("alpha", "USD")), tc.supply)
			beta.receive("alpha", 1)
			if tc.received2 {
				beta.receive("alpha", 2)
			}
			sink := &recordedSink{}
			core, logs := observer.New(zap.ErrorLevel)
			r, err := relay.NewReconciler(map[string]relay.ReconcileChain{"alpha": alpha, "beta": beta},
				[]relay.ReconcileRoute{{Src: "alpha", Dst: "beta", Denoms: []string{"USD"}}}, sink, zap.New(core))
			require.NoError(t, err)
			res, err := r.Check(t.Context())
			require.NoError(t, err)
			require.Len(t, res, 1)
			require.Equal(t, res, sink.got)
			got := res[0]
			require.Equal(t, tc.ok, got.OK)
			require.EqualValues(t, 100, got.Escrow.Uint64())
			require.EqualValues(t, tc.vouchers, got.Vouchers.Uint64())
			require.EqualValues(t, tc.inFlight, got.InFlight.Uint64())
			if tc.ok {
				require.Zero(t, logs.Len())
				return
			}
			require.Equal(t, 1, logs.Len())
			fields := logs.All()[0].ContextMap()
			require.Equal(t, "alpha", fields["src"])
			require.Equal(t, "beta", fields["dst"])
			require.Equal(t, "USD", fields["denom"])
			require.Equal(t, "100", fields["escrow"])
			require.Equal(t, got.Vouchers.Dec(), fields["vouchers"])
			require.Equal(t, "40", fields["in_flight"])
		})
	}
}

// Beta sends 10 alpha/USD home (burned on beta) while alpha's seq 2 (40)
// is still in flight to beta.
func TestReconcilerCountsVouchersGoingHome(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name             string
		releasedOnAlpha  bool
		escrow, inFlight uint64
	}{
		{"not yet received on alpha", false, 100, 50},
		{"received on alpha before its ack", true, 90, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alpha, beta := newStateChain(), newStateChain()
			alpha.setAmount(bank.BalanceKey(xfer.EscrowAddress("beta"), "USD"), tc.escrow)
			alpha.addTask(t, "beta", 1, 60, xfer.TaskFinished)
			alpha.addTask(t, "beta", 2, 40, xfer.TaskPending)
			if tc.releasedOnAlpha {
				alpha.receive("beta", 1)
			}
			beta.setAmount(bank.SupplyKey(xfer.VoucherDenom("alpha", "USD")), 50)
			beta.receive("alpha", 1)
			b, err := rlp.EncodeToBytes(&xfer.Task{Status: xfer.TaskPending, Packet: attest.Packet{Src: "beta", Dst: "alpha",
				Seq: 1, Denom: "alpha/USD", Amount: uint256.NewInt(10), RelayFee: uint256.NewInt(0)}})
			require.NoError(t, err)
			beta.state[string(xfer.TaskKey("alpha", 1))] = b
			beta.state[string(xfer.SequenceKey("alpha"))] = binary.BigEndian.AppendUint64(nil, 1)
			r, err := relay.NewReconciler(map[string]relay.ReconcileChain{"alpha": alpha, "beta": beta},
				[]relay.ReconcileRoute{{Src: "alpha", Dst: "beta", Denoms: []string{"USD"}}}, nil, zaptest.NewLogger(t))
			require.NoError(t, err)
			res, err := r.Check(t.Context())
			require.NoError(t, err)
			require.Len(t, res, 1)
			require.True(t, res[0].OK, "%+v", res[0])
			require.EqualValues(t, 50, res[0].Vouchers.Uint64())
			require.EqualValues(t, tc.inFlight, res[0].InFlight.Uint64())
		})
	}
}

// A packet sent after the escrow read and credited before the supply read
// is not counted as a voucher the escrow does not hold.
func TestReconcilerDiscountsCreditsOfLaterPackets(t *testing.T) {
	t.Parallel()
	before, after := newStateChain(), newStateChain()
	after.height, after.root = 8, attest.Hash{8}
	before.setAmount(bank.BalanceKey(xfer.EscrowAddress("beta"), "USD"), 60)
	before.addTask(t, "beta", 1, 60, xfer.TaskFinished)
	after.setAmount(bank.BalanceKey(xfer.EscrowAddress("beta"), "USD"), 100)
	after.addTask(t, "beta", 1, 60, xfer.TaskFinished)
	after.addTask(t, "beta", 2, 40, xfer.TaskPending)
	beta := newStateChain()
	beta.setAmount(bank.SupplyKey(xfer.VoucherDenom("alpha", "USD")), 100)
	beta.receive("alpha", 1)
	beta.receive("alpha", 2)
	alpha := &advancingChain{states: []*stateChain{before, after}}
	r, err := relay.NewReconciler(map[string]relay.ReconcileChain{"alpha": alpha, "beta": beta},
		[]relay.ReconcileRoute{{Src: "alpha", Dst: "beta", Denoms: []string{"USD"}}}, nil, zaptest.NewLogger(t))
	require.NoError(t, err)
	res, err := r.Check(t.Context())
	require.NoError(t, err)
	require.Len(t, res, 1)
	require.True(t, res[0].OK, "%+v", res[0])
	require.EqualValues(t, 60, res[0].Escrow.Uint64())
	require.EqualValues(t, 60, res[0].Vouchers.Uint64())
	require.True(t, res[0].InFlight.IsZero())
	require.Equal(t, 2, alpha.statuses, "alpha is read before and after beta")
}

// advancingChain moves to its next state at each Status call and serves
// every state it has reached by height.
type advancingChain struct {
	states   []*stateChain
	statuses int
}

func (c *advancingChain) at(h uint64) *stateChain {
	for _, s := range c.states {
		if s.height == h {
			return s
		}
	}
	return c.states[len(c.states)-1]
}

func (c *advancingChain) Status(ctx context.Context) (*chains.Status, error) {
	s := c.states[min(c.statuses, len(c.states)-1)]
	c.statuses++
	return s.Status(ctx)
}

func (c *advancingChain) CertifiedHeader(ctx context.Context, h uint64) (*chains.CertifiedHeader, error) {
	return c.at(h).CertifiedHeader(ctx, h)
}

func (c *advancingChain) Proof(ctx context.Context, keys []string, h uint64) (*chains.Proofs, error) {
	return c.at(h).Proof(ctx, keys, h)
}

func TestReconcilerRefusesProofsOffTheCertifiedRoot(t *testing.T) {
	t.Parallel()
	alpha, beta := newStateChain(), newStateChain()
	r, err := relay.NewReconciler(map[string]relay.ReconcileChain{"alpha": alpha, "beta": &rootLiar{beta}},
		[]relay.ReconcileRoute{{Src: "alpha", Dst: "beta", Denoms: []string{"USD"}}}, nil, zaptest.NewLogger(t))
	require.NoError(t, err)
	_, err = r.Check(t.Context())
	require.ErrorIs(t, err, relay.ErrStateRootMismatch)
}

// rootLiar serves proofs against a root its certified header does not carry.
type rootLiar struct{ *stateChain }

func (c *rootLiar) CertifiedHeader(ctx context.Context, h uint64) (*chains.CertifiedHeader, error) {
	ch, err := c.stateChain.CertifiedHeader(ctx, h)
	if err == nil {
		ch.Certified.Header.StateRoot[0] ^= 1
	}
	return ch, err
}

// Conservation of alpha→beta USD on two localnets, settled and in flight.
func TestReconcilerBetweenLocalnets(t *testing.T) {
	t.Parallel()
	alpha, beta := startPair(t, nil)
	keys := newSubmitters(t, alpha, beta)
	p := startPump(t, alpha, beta, relay.NewMemCursorStore(), keys,
		map[string]uint64{alpha.id: latest(t, alpha), beta.id: latest(t, beta)})
	r, err := relay.NewReconciler(map[string]relay.ReconcileChain{alpha.id: alpha.rpc, beta.id: beta.rpc},
		[]relay.ReconcileRoute{{Src: alpha.id, Dst: beta.id, Denoms: []string{"USD"}}}, nil, zaptest.NewLogger(t))
	require.NoError(t, err)
	check := func(t *testing.T) *settlement.Reconciliation {
		t.Helper()
		res, err := r.Check(t.Context())
		require.NoError(t, err)
		require.Len(t, res, 1)
		require.True(t, res[0].OK, "%+v", res[0])
		return res[0]
	}

	t.Run("settled transfers are all vouchers", func(t *testing.T) {
		requireFinished(t, alpha, beta, sendTransfers(t, alpha, beta, userA, 3, 25))
		got := check(t)
		require.EqualValues(t, 75, got.Escrow.Uint64())
		require.Equal(t, got.Escrow, got.Vouchers)
		require.True(t, got.InFlight.IsZero())
	})

	t.Run("an unrelayed transfer is in flight", func(t *testing.T) {
		p.stop()
		sendTransfers(t, alpha, beta, userA, 1, 40)
		got := check(t)
		require.EqualValues(t, 115, got.Escrow.Uint64())
		require.EqualValues(t, 75, got.Vouchers.Uint64())
		require.EqualValues(t, 40, got.InFlight.Uint64())
	})

	t.Run("vouchers sent home unrelayed are in flight", func(t *testing.T) {
		acct, err := beta.rpc.Account(t.Context(), beta.addr(userB))
		require.NoError(t, err)
		st, err := beta.rpc.Status(t.Context())
		require.NoError(t, err)
		typ, payload := xfer.NewTransfer(xfer.Transfer{Dst: alpha.id, Receiver: alpha.addr(userA),
			Denom: xfer.VoucherDenom(alpha.id, "USD"), Amount: uint256.NewInt(5), RelayFee: uint256.NewInt(1),
			TimeoutTimeMs: st.LatestTimeMs + uint64(transferTTL.Milliseconds())})
		rc := waitReceipt(t, beta, broadcast(t, beta, beta.keys[userB], acct.Nonce, typ, payload))
		require.Zero(t, rc.Code, rc.Log)
		got := check(t)
		require.EqualValues(t, 115, got.Escrow.Uint64())
		require.EqualValues(t, 70, got.Vouchers.Uint64())
		require.EqualValues(t, 45, got.InFlight.Uint64())
	})
}

// A node catching up answers with a latest height from the past: beta's
// node is at 3, before seq 1 (finished on alpha) was credited, while the
// relay has seen beta commit 7. Without a floor that reads as a break;
// with one the pass fails as behind, saves and logs no break, and passes
// once the node has caught up.
func TestReconcilerWaitsForALaggingNode(t *testing.T) {
	t.Parallel()
	build := func() (*stateChain, *stateChain) {
		alpha, beta := newStateChain(), newStateChain()
		alpha.setAmount(bank.BalanceKey(xfer.EscrowAddress("beta"), "USD"), 60)
		alpha.addTask(t, "beta", 1, 60, xfer.TaskFinished)
		beta.height = 3 // seq 1 is credited at 5
		return alpha, beta
	}
	routes := []relay.ReconcileRoute{{Src: "alpha", Dst: "beta", Denoms: []string{"USD"}}}

	alpha, beta := build()
	r, err := relay.NewReconciler(map[string]relay.ReconcileChain{"alpha": alpha, "beta": beta}, routes, nil, zap.NewNop())
	require.NoError(t, err)
	res, err := r.Check(t.Context())
	require.NoError(t, err)
	require.False(t, res[0].OK, "without a floor the lagging node's state reads as a break")

	alpha, beta = build()
	sink := &recordedSink{}
	core, logs := observer.New(zap.ErrorLevel)
	r, err = relay.NewReconciler(map[string]relay.ReconcileChain{"alpha": alpha, "beta": beta}, routes, sink, zap.New(core))
	require.NoError(t, err)
	seen := map[string]uint64{"alpha": 7, "beta": 7}
	r.SetFloor(func(id string) uint64 { return seen[id] })
	_, err = r.Check(t.Context())
	require.ErrorIs(t, err, relay.ErrNodeBehind)
	require.Contains(t, err.Error(), "beta answers at height 3, behind 7")
	require.Empty(t, sink.got)
	require.Zero(t, logs.Len(), "no break is reported")

	beta.height = 7
	beta.setAmount(bank.SupplyKey(xfer.VoucherDenom("alpha", "USD")), 60)
	beta.receive("alpha", 1)
	res, err = r.Check(t.Context())
	require.NoError(t, err)
	require.True(t, res[0].OK, res[0].Detail)
	require.Zero(t, logs.Len())
}
