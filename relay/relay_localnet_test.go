package relay_test

import (
	"context"
	"crypto/ecdsa"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/localnet"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/tx"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/relay"
)

// Shape and pacing of the two-chain tests.
const (
	validators   = 4
	blockMs      = 300
	settleWait   = 90 * time.Second
	pollEvery    = 50 * time.Millisecond
	transferTTL  = 10 * time.Minute
	stepRetry    = 200 * time.Millisecond
	userA, userB = 0, 1
	relayerAcct  = 2
)

// unboundPorts fill the P2P addresses of validators on the in-memory transport.
var unboundPorts = []int{1, 2, 3, 4}

// testChain is one running localnet and clients of two of its validators.
type testChain struct {
	id   string
	net  *localnet.Net
	rpc  *chains.Client // http, validator 0
	eps  []relay.Chain  // ws endpoints of validators 0 and 1
	keys []*ecdsa.PrivateKey
}

func (c *testChain) addr(i int) attest.Address { return attest.AddressOf(c.keys[i]) }

// startPair starts alpha and beta, linked as counterparties at genesis.
func startPair(t *testing.T, editAlpha func(*chains.Genesis)) (alpha, beta *testChain) {
	t.Helper()
	return startPairWith(t, func(id string, g *chains.Genesis) {
		if id == "alpha" && editAlpha != nil {
			editAlpha(g)
		}
	})
}

// startPairWith starts alpha and beta, each genesis changed by edit first.
func startPairWith(t *testing.T, editGenesis func(id string, g *chains.Genesis)) (alpha, beta *testChain) {
	t.Helper()
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	params := chains.DefaultParams()
	params.BlockIntervalMs = blockMs
	out := make([]*testChain, 2)
	for i, id := range []string{"alpha", "beta"} {
		edit := func(g *chains.Genesis) { editGenesis(id, g) }
		ln, err := localnet.New(localnet.Options{ChainID: id, Validators: validators, Accounts: 3, Seed: int64(200 + i),
			Dir: t.TempDir(), Transport: localnet.TransportMem, ShareSigCache: true, Logger: log.Named(id), Edit: edit,
			Params: &params, RPCPorts: make([]int, validators), P2PPorts: unboundPorts})
		require.NoError(t, err)
		out[i] = &testChain{id: id, net: ln, keys: ln.Accounts}
	}
	require.NoError(t, chains.LinkCounterparties(out[0].net.Genesis, out[1].net.Genesis))
	for _, c := range out {
		require.NoError(t, c.net.Start(t.Context()))
		t.Cleanup(c.net.Stop)
		c.rpc = dial(t, c.net, 0, "http")
		for v := range 2 {
			c.eps = append(c.eps, relay.FromClient(dial(t, c.net, v, "ws")))
		}
	}
	for _, c := range out {
		waitHeight(t, c, 2)
	}
	return out[0], out[1]
}

func dial(t *testing.T, ln *localnet.Net, v int, scheme string) *chains.Client {
	t.Helper()
	c, err := chains.Dial(t.Context(), scheme+"://"+ln.Node(v).RPCAddr())
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// eventually polls cond until it holds or settleWait passes.
func eventually(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(settleWait)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		ok, err := cond()
		require.NoError(t, err, what)
		if ok {
			return
		}
		require.False(t, time.Now().After(deadline), "%s: not after %v", what, settleWait)
		select {
		case <-tick.C:
		case <-t.Context().Done():
			t.Fatalf("%s: %v", what, t.Context().Err())
		}
	}
}

func waitHeight(t *testing.T, c *testChain, h uint64) {
	t.Helper()
	eventually(t, "height of "+c.id, func() (bool, error) {
		st, err := c.rpc.Status(t.Context())
		return err == nil && st.LatestHeight >= h, err
	})
}

func latest(t *testing.T, c *testChain) uint64 {
	t.Helper()
	st, err := c.rpc.Status(t.Context())
	require.NoError(t, err)
	return st.LatestHeight
}

// sendTransfers signs n transfers of amount from user on src to dst at
// consecutive nonces, broadcasts them all, waits for the last and returns
// their sequences.
func sendTransfers(t *testing.T, src, dst *testChain, user, n int, amount uint64) []uint64 {
	t.Helper()
	ctx := t.Context()
	acct, err := src.rpc.Account(ctx, src.addr(user))
	require.NoError(t, err)
	st, err := src.rpc.Status(ctx)
	require.NoError(t, err)
	hashes := make([]attest.Hash, n)
	for i := range n {
		typ, payload := xfer.NewTransfer(xfer.Transfer{Dst: dst.id, Receiver: dst.addr(userB), Denom: "USD",
			Amount: uint256.NewInt(amount), RelayFee: uint256.NewInt(1),
			TimeoutTimeMs: st.LatestTimeMs + uint64(transferTTL.Milliseconds()), Memo: "relay test"})
		hashes[i] = broadcast(t, src, src.keys[user], acct.Nonce+uint64(i), typ, payload)
	}
	seqs := make([]uint64, n)
	for i, h := range hashes {
		r := waitReceipt(t, src, h)
		require.Zero(t, r.Code, r.Log)
		for _, e := range r.Events {
			if e.Type == xfer.EventSend {
				v, _ := e.Attr(xfer.AttrSeq)
				seqs[i], err = strconv.ParseUint(v, 10, 64)
				require.NoError(t, err)
			}
		}
		require.NotZero(t, seqs[i], "transfer %d has no xfer.send event", i)
	}
	return seqs
}

func broadcast(t *testing.T, c *testChain, key *ecdsa.PrivateKey, nonce uint64, typ string, payload []byte) attest.Hash {
	t.Helper()
	tr := &tx.Tx{ChainID: c.id, Nonce: nonce, Type: typ, Payload: payload}
	require.NoError(t, tr.Sign(c.net.Genesis.Hash(), key))
	h, err := c.rpc.SendRawTransaction(t.Context(), tr.Encode())
	require.NoError(t, err)
	return h
}

func waitReceipt(t *testing.T, c *testChain, h attest.Hash) *chains.Receipt {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), settleWait)
	defer cancel()
	r, err := c.rpc.WaitReceipt(ctx, h)
	require.NoError(t, err)
	return r
}

// requireFinished waits until every task src→dst of seqs is finished.
func requireFinished(t *testing.T, src, dst *testChain, seqs []uint64) {
	t.Helper()
	for _, seq := range seqs {
		eventually(t, "task "+src.id+"→"+dst.id+" #"+strconv.FormatUint(seq, 10), func() (bool, error) {
			task, err := src.rpc.Task(t.Context(), dst.id, seq)
			if err != nil || task == nil || task.Status == rpc.TaskPending {
				return false, err
			}
			require.Equal(t, rpc.TaskFinished, task.Status, "receipt %+v", task.Receipt)
			return true, nil
		})
	}
}

// pump is a relay for alpha→beta built from this package's pieces the
// way a relay process wires them: a Watcher per chain, the Deliverer fed by
// alpha's sends, the Confirmer fed by beta's receipts. A failed step is
// retried; a height is confirmed only once handled.
type pump struct {
	watchers   []*relay.Watcher
	deliver    *relay.Deliverer
	confirm    *relay.Confirmer
	recvTxs    atomic.Int64
	ackTxs     atomic.Int64
	handoffs   atomic.Int64
	misbehaved atomic.Int64
	cancel     context.CancelFunc
	wg         sync.WaitGroup
}

// relayKeys are the signers of one pump, per chain.
type relayKeys struct{ alpha, beta *relay.Submitter }

func newSubmitters(t *testing.T, alpha, beta *testChain) relayKeys {
	t.Helper()
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	mk := func(c *testChain) *relay.Submitter {
		s, err := relay.NewSubmitter(relay.DefaultSubmitterConfig(c.id, c.net.Genesis.Hash()), c.eps[0],
			[]*ecdsa.PrivateKey{c.keys[relayerAcct]}, log)
		require.NoError(t, err)
		return s
	}
	return relayKeys{alpha: mk(alpha), beta: mk(beta)}
}

func startPump(t *testing.T, alpha, beta *testChain, store relay.CursorStore, keys relayKeys, start map[string]uint64) *pump {
	t.Helper()
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	p := &pump{}
	var err error
	p.deliver, err = relay.NewDeliverer(alpha.id, beta.id, alpha.eps[0], beta.eps[0], keys.beta, relay.DefaultBatchConfig(), log)
	require.NoError(t, err)
	p.confirm, err = relay.NewConfirmer(alpha.id, beta.id, alpha.eps[0], beta.eps[0], keys.alpha, relay.DefaultBatchConfig(), log)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	p.cancel = cancel
	onMisb := func(string, *attest.Misbehaviour) { p.misbehaved.Add(1) }
	for _, c := range []*testChain{alpha, beta} {
		cfg := relay.DefaultWatcherConfig(c.id)
		cfg.StartHeight = start[c.id]
		w, err := relay.NewWatcher(cfg, c.eps, store, onMisb, log)
		require.NoError(t, err)
		require.NoError(t, w.Start(ctx))
		p.watchers = append(p.watchers, w)
	}
	p.run(ctx, t, p.watchers[0], func(ctx context.Context, o *relay.Observation) error {
		seqs := o.SendsTo(beta.id)
		if len(seqs) == 0 {
			return nil
		}
		res, err := p.deliver.Deliver(ctx, o.Height, seqs)
		if res != nil {
			p.recvTxs.Add(int64(len(res.Txs)))
			p.handoffs.Add(int64(res.Handoffs))
		}
		return err
	})
	p.run(ctx, t, p.watchers[1], func(ctx context.Context, o *relay.Observation) error {
		seqs := o.ReceiptsFrom(alpha.id)
		if len(seqs) == 0 {
			return nil
		}
		res, err := p.confirm.Confirm(ctx, o.Height, seqs)
		if res != nil {
			p.ackTxs.Add(int64(len(res.Txs)))
		}
		return err
	})
	t.Cleanup(p.stop)
	return p
}

// run handles w's observations in order until ctx ends.
func (p *pump) run(ctx context.Context, t *testing.T, w *relay.Watcher, handle func(context.Context, *relay.Observation) error) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			select {
			case o := <-w.Observations():
				for {
					err := handle(ctx, o)
					if err == nil {
						break
					}
					if ctx.Err() != nil {
						return
					}
					t.Logf("%s %d: %v", o.Chain, o.Height, err)
					select {
					case <-time.After(stepRetry):
					case <-ctx.Done():
						return
					}
				}
				if err := w.Confirm(ctx, o.Height); err != nil {
					t.Errorf("confirm %s %d: %v", o.Chain, o.Height, err)
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
}

func (p *pump) stop() {
	p.cancel()
	for _, w := range p.watchers {
		w.Stop()
	}
	p.wg.Wait()
}

// One pair of chains, relayed only through Watcher, Deliverer and
// Confirmer. The subtests run in order on the same chains and cursors.
func TestRelayBetweenLocalnets(t *testing.T) {
	t.Parallel()
	alpha, beta := startPair(t, nil)
	store := relay.NewMemCursorStore()
	keys := newSubmitters(t, alpha, beta)
	start := map[string]uint64{alpha.id: latest(t, alpha), beta.id: latest(t, beta)}
	// Pumps started in subtests belong to the whole test, not the subtest.
	top := t
	p := startPump(top, alpha, beta, store, keys, start)

	t.Run("a transfer alpha to beta ends finished", func(t *testing.T) {
		seqs := sendTransfers(t, alpha, beta, userA, 1, 100)
		requireFinished(t, alpha, beta, seqs)
		r, err := beta.rpc.PacketReceipt(t.Context(), alpha.id, seqs[0])
		require.NoError(t, err)
		require.Equal(t, rpc.ReceiptStatusOK, r.Status)
		eventually(t, "cursors advance", func() (bool, error) {
			a, err := store.Get(t.Context(), alpha.id)
			return a >= start[alpha.id], err
		})
	})

	t.Run("a restarted relay misses nothing", func(t *testing.T) {
		p.stop()
		cursor, err := store.Get(t.Context(), alpha.id)
		require.NoError(t, err)
		// Transfers committed while no relay runs, some blocks apart.
		seqs := sendTransfers(t, alpha, beta, userA, 2, 10)
		seqs = append(seqs, sendTransfers(t, alpha, beta, userA, 1, 10)...)
		waitHeight(t, alpha, latest(t, alpha)+2)
		p = startPump(top, alpha, beta, store, keys, nil)
		requireFinished(t, alpha, beta, seqs)
		after, err := store.Get(t.Context(), alpha.id)
		require.NoError(t, err)
		require.Greater(t, after, cursor)
	})

	t.Run("fifty transfers are delivered in recv batches", func(t *testing.T) {
		p.stop()
		const n = 50
		seqs := sendTransfers(t, alpha, beta, userA, n, 1)
		p = startPump(top, alpha, beta, store, keys, nil)
		requireFinished(t, alpha, beta, seqs)
		require.Less(t, p.recvTxs.Load(), int64(n), "recv transactions for %d packets", n)
		require.Less(t, p.ackTxs.Load(), int64(n), "ack transactions for %d packets", n)
		t.Logf("%d packets in %d recv and %d ack transactions", n, p.recvTxs.Load(), p.ackTxs.Load())
	})

	t.Run("a nonce used behind the relay's back is resynchronised", func(t *testing.T) {
		before := keys.beta.Stats()
		// Another process spends the relayer's next nonce on beta.
		acct, err := beta.rpc.Account(t.Context(), beta.addr(relayerAcct))
		require.NoError(t, err)
		typ, payload := bank.NewSend(beta.addr(userA), "USD", uint256.NewInt(1))
		r := waitReceipt(t, beta, broadcast(t, beta, beta.keys[relayerAcct], acct.Nonce, typ, payload))
		require.Zero(t, r.Code, r.Log)

		seqs := sendTransfers(t, alpha, beta, userA, 1, 5)
		requireFinished(t, alpha, beta, seqs)
		after := keys.beta.Stats()
		require.Greater(t, after.Mismatches, before.Mismatches, "the stale nonce was refused")
		require.Greater(t, after.Resyncs, before.Resyncs, "the nonce was read again")
	})
	require.Zero(t, p.misbehaved.Load(), "honest endpoints never conflict")
}

// A validator-set change on alpha after a first delivery: the next recv
// on beta is preceded by the handoff, and beta's client trusts both sets.
func TestRelayCarriesValidatorHandoff(t *testing.T) {
	t.Parallel()
	const changeAt = 45 // leaves the first transfer room to settle on a loaded machine
	alpha, beta := startPair(t, func(g *chains.Genesis) {
		g.ValidatorSchedule = []chains.ScheduledValidators{{Height: changeAt, Validators: []chains.GenesisValidator{
			{Name: "v0", Address: g.Validators[0].Address, Power: 5},
			{Name: "v1", Address: g.Validators[1].Address, Power: 5},
			{Name: "v2", Address: g.Validators[2].Address, Power: 5},
		}}}
	})
	keys := newSubmitters(t, alpha, beta)
	p := startPump(t, alpha, beta, relay.NewMemCursorStore(), keys, map[string]uint64{alpha.id: latest(t, alpha), beta.id: latest(t, beta)})

	first := sendTransfers(t, alpha, beta, userA, 1, 10)
	requireFinished(t, alpha, beta, first)
	require.Less(t, latest(t, alpha), uint64(changeAt), "the first transfer must settle before the change; raise changeAt")
	require.Zero(t, p.handoffs.Load())

	waitHeight(t, alpha, changeAt+2)
	second := sendTransfers(t, alpha, beta, userA, 1, 10)
	requireFinished(t, alpha, beta, second)
	// The light client's sets below prove the handoff landed. The count can
	// read 0 when a handoff was included after its submitter stopped waiting
	// and the retried delivery found the client already updated.
	require.LessOrEqual(t, p.handoffs.Load(), int64(1), "at most one handoff for one set change")

	lc, err := beta.rpc.ClientState(t.Context(), alpha.id)
	require.NoError(t, err)
	require.Len(t, lc.ValidatorSets, 2)
	require.EqualValues(t, changeAt+1, lc.ValidatorSets[1].FromHeight)
	require.Len(t, lc.ValidatorSets[1].Validators, 3)
}
