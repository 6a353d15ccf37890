package gateway

import (
	"context"
	"crypto/ecdsa"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/relay"
	"github.com/causeway/causeway/relay/relaytest"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/backend"
	"github.com/causeway/causeway/settlement/gateway/api"
	"github.com/causeway/causeway/settlement/store/postgres/pgtest"
)

// relayPoll is how often the test relay's watchers poll besides their
// head subscriptions.
const relayPoll = 500 * time.Millisecond

// relayMu lets one test relay run at a time: two engines over different
// stores would both deliver every packet, and an engine that starts while
// another's acknowledgements still land sees chain events about transfers
// its store never held.
var relayMu sync.Mutex

// relayAfterBlocks is how many blocks of both chains a stopped test relay's
// last transactions get to land before the next relay may start.
const relayAfterBlocks = 5

// runRelay runs a relay engine over the shared chains and store, signing
// with relayer account relayer, until the test ends.
func runRelay(t *testing.T, store settlement.Store, relayer int) {
	t.Helper()
	p := testPair(t)
	relayMu.Lock()
	log := testLogger(t).Named("relay")
	chs := engineChains(t, p, relayer, log)
	q, err := backend.OpenQueue(t.Context(), "memory:")
	require.NoError(t, err)
	eng, err := relay.NewEngine(relay.DefaultEngineConfig("gateway-e2e"), chs, store, q,
		relay.NewMetrics(prometheus.NewRegistry()), log)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	t.Cleanup(func() {
		defer relayMu.Unlock()
		cancel()
		require.NoError(t, <-done)
		require.NoError(t, q.Close())
		for _, c := range p.Chains() {
			st, err := c.RPC.Status(context.Background())
			require.NoError(t, err)
			require.NoError(t, c.WaitHeight(context.Background(), st.LatestHeight+relayAfterBlocks))
		}
	})
	// Watchers start at each chain's latest height: wait until both follow
	// their chain, so no packet sent from now on is missed.
	require.Eventually(t, func() bool {
		for _, c := range p.Chains() {
			if h, err := store.GetCursor(t.Context(), c.ID); err != nil || h == 0 {
				return false
			}
		}
		return true
	}, waitFor, pollEvery)
}

func TestEndToEndSQLite(t *testing.T) {
	t.Parallel()
	endToEnd(t, openTestStore(t, "sqlite:"+filepath.Join(t.TempDir(), "settlement.db")), 0)
}

func TestEndToEndPostgres(t *testing.T) {
	t.Parallel()
	endToEnd(t, openTestStore(t, pgtest.SchemaURL(t)), 1)
}

// endToEnd submits an intent and a client-signed transaction through the
// gateway while a relay runs over the same store, and follows both through
// GET until they are finished with every stage of their timeline filled in.
func endToEnd(t *testing.T, store settlement.Store, relayer int) {
	e := newEnv(t, withStore(store))
	runRelay(t, store, relayer)
	relayers := map[string]attest.Address{
		"alpha": attest.AddressOf(e.pair.Alpha.Relayers[relayer]),
		"beta":  attest.AddressOf(e.pair.Beta.Relayers[relayer]),
	}
	intent := e.requireAccepted(e.submit("e2e-intent", intentBody(attest.AddressOf(e.signer), "11")))
	signed := e.requireAccepted(e.submit("e2e-signed", signedBody(e.signedTransfer(sender(t), 12))))

	for _, sub := range []api.SubmitResponse{intent, signed} {
		tr := e.waitTerminal(sub.ID)
		require.Equal(t, settlement.StatusFinished, tr.Status, "last error: %s", tr.LastError)
		require.Equal(t, sub.ID, tr.ID, "the id never changes")
		require.Positive(t, tr.Seq)
		require.Positive(t, tr.LatencyMs)
		require.Equal(t, "ok", string(tr.Receipt.Status))
		require.Len(t, tr.Timeline, 4)
		stages := []string{api.StageSubmitted, api.StageSourceCommitted, api.StageDelivered, api.StageFinished}
		for i, st := range tr.Timeline {
			require.Equal(t, stages[i], st.Stage)
			require.Equal(t, api.StepDone, st.State, st.Stage)
			require.NotZero(t, st.TxHash, st.Stage)
			require.False(t, st.Time.IsZero(), st.Stage)
			if i > 0 {
				require.Positive(t, st.Height, st.Stage)
			}
		}
		require.Equal(t, sub.TxHash, tr.Timeline[0].TxHash)
		require.Equal(t, sub.TxHash, tr.Timeline[1].TxHash, "committed by the transaction the gateway sent")
		require.Equal(t, relayers["beta"], tr.Timeline[2].Relayer, "delivered by the relay on beta")
		require.Equal(t, relayers["alpha"], tr.Timeline[3].Relayer, "acknowledged by the relay on alpha")
		require.Equal(t, "e2e-", tr.ClientRef[:4])
	}
}

// waitTerminal polls GET /v1/transfers/{id} until the transfer ends.
func (e *env) waitTerminal(id settlement.TransferID) api.Transfer {
	e.t.Helper()
	var tr api.Transfer
	deadline := time.Now().Add(waitFor)
	for {
		e.get("/v1/transfers/"+string(id)).decode(e.t, &tr)
		if tr.Status.Terminal() {
			return tr
		}
		require.True(e.t, time.Now().Before(deadline), "%s is still %s: %+v", id, tr.Status, tr)
		time.Sleep(pollEvery)
	}
}

// engineChains describes both chains for a relay engine over connections
// of its own, signing with relayer account relayer.
func engineChains(t *testing.T, p *relaytest.Pair, relayer int, log *zap.Logger) []relay.EngineChain {
	t.Helper()
	var out []relay.EngineChain
	for _, c := range p.Chains() {
		var eps []relay.Chain
		for v := range 2 {
			cl, err := chains.Dial(t.Context(), "ws://"+c.Net.Node(v).RPCAddr())
			require.NoError(t, err)
			t.Cleanup(cl.Close)
			eps = append(eps, relay.FromClient(cl))
		}
		sub, err := relay.NewSubmitter(relay.DefaultSubmitterConfig(c.ID, c.GenesisHash()), relay.Failover(eps...),
			[]*ecdsa.PrivateKey{c.Relayers[relayer]}, log)
		require.NoError(t, err)
		w := relay.DefaultWatcherConfig(c.ID)
		w.PollInterval = relayPoll
		out = append(out, relay.EngineChain{ID: c.ID, Endpoints: eps, Submitter: sub, Watch: w, Denoms: []string{relaytest.Denom}})
	}
	return out
}
