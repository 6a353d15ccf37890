package relay_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/relay"
	"github.com/causeway/causeway/relay/relaytest"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/queue"
	"github.com/causeway/causeway/settlement/queue/memq"
	redisq "github.com/causeway/causeway/settlement/queue/redis"
	"github.com/causeway/causeway/settlement/queue/redis/redistest"
	"github.com/causeway/causeway/settlement/store/postgres"
	"github.com/causeway/causeway/settlement/store/postgres/pgtest"
	"github.com/causeway/causeway/settlement/store/sqlite"
)

// Shape of the engine tests.
const (
	engineSettleWait = 4 * time.Minute
	engineTTL        = 10 * time.Minute
)

// backends opens a store and a queue for one test.
type backends func(t *testing.T) (settlement.Store, queue.Queue)

// embedded is the devnet default: SQLite and the in-process queue.
func embedded(t *testing.T) (settlement.Store, queue.Queue) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "relay.db")
	_, err := sqlite.MigratePath(t.Context(), path)
	require.NoError(t, err)
	cfg := sqlite.DefaultConfig()
	cfg.Path = path
	s, err := sqlite.Open(t.Context(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	q, err := memq.New(memq.DefaultConfig())
	require.NoError(t, err)
	t.Cleanup(func() { q.Close() })
	return s, q
}

// production is Postgres (a fresh schema) and Redis (a fresh key prefix).
func production(t *testing.T) (settlement.Store, queue.Queue) {
	t.Helper()
	url := pgtest.SchemaURL(t)
	_, err := postgres.Migrate(t.Context(), url)
	require.NoError(t, err)
	cfg := postgres.DefaultConfig()
	cfg.URL = url
	s, err := postgres.Open(t.Context(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, redisQueue(t)
}

func redisQueue(t *testing.T) queue.Queue {
	t.Helper()
	cfg := redisq.DefaultConfig()
	cfg.Prefix = redistest.Prefix(t)
	q, err := redisq.Dial(t.Context(), redistest.URL(t), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { q.Close() })
	return q
}

// testEngineConfig is quick to sweep and reclaim, so faults resolve in
// test time.
func testEngineConfig(consumer string) relay.EngineConfig {
	cfg := relay.DefaultEngineConfig(consumer)
	cfg.StageDeadline = 3 * time.Second
	cfg.SweepInterval = time.Second
	cfg.ReclaimIdle = 10 * time.Second
	cfg.Retry = relay.Backoff{Min: 100 * time.Millisecond, Max: 2 * time.Second}
	cfg.ReconcileInterval = 2 * time.Second
	return cfg
}

// runningEngine is an engine running in the background until stopped.
type runningEngine struct {
	*relay.Engine
	cancel context.CancelFunc
	done   chan error
}

func startEngine(t *testing.T, pair *relaytest.Pair, relayer int, cfg relay.EngineConfig, s settlement.Store, q queue.Queue) *runningEngine {
	t.Helper()
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)).Named(cfg.Consumer)
	chs, err := pair.EngineChains(relayer, log)
	require.NoError(t, err)
	e, err := relay.NewEngine(cfg, chs, s, q, relay.NewMetrics(prometheus.NewRegistry()), log)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	r := &runningEngine{Engine: e, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- e.Run(ctx) }()
	t.Cleanup(r.stop)
	return r
}

func (r *runningEngine) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	<-r.done
	r.cancel = nil
}

func startTestPair(t *testing.T, edit func(string, *chains.Genesis)) *relaytest.Pair {
	t.Helper()
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	opts := relaytest.PairOptions{Dir: t.TempDir(), Seed: 300, Logger: log}
	if edit != nil {
		opts.Edit = edit
	}
	p, err := relaytest.StartPair(t.Context(), opts)
	require.NoError(t, err)
	t.Cleanup(p.Stop)
	return p
}

// sendBoth commits n transfers each way, to fresh receivers.
func sendBoth(t *testing.T, p *relaytest.Pair, n int, ttl time.Duration) []relaytest.Sent {
	t.Helper()
	var sent []relaytest.Sent
	for _, src := range p.Chains() {
		s, err := p.Send(t.Context(), src, relaytest.FreshAddress(), n, 3, ttl)
		require.NoError(t, err)
		sent = append(sent, s...)
	}
	return sent
}

func settleAndCheck(t *testing.T, p *relaytest.Pair, s settlement.Store, sent []relaytest.Sent) *relaytest.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), engineSettleWait)
	defer cancel()
	require.NoError(t, relaytest.WaitSettled(ctx, s, sent))
	rep, err := p.Check(t.Context(), s, sent)
	require.NoError(t, err)
	return rep
}

// transfersEachWay is 500, so a run settles 1,000 transfers; the race
// detector's slowdown gets a fifth of that.
func transfersEachWay() int {
	if raceEnabled {
		return 100
	}
	return 500
}

// The relay engine settles transfers in both directions from debit to
// confirmation, on the embedded store and queue and on Postgres and Redis.
// Every transfer ends finished in the store and on its source chain, each
// receiver holds exactly what it was sent, and conservation holds.
func TestEngineSettlesBothDirections(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		open backends
	}{{"embedded", embedded}, {"postgres_redis", production}} {
		t.Run(tc.name, func(t *testing.T) {
			s, q := tc.open(t)
			pair := startTestPair(t, nil)
			e := startEngine(t, pair, 0, testEngineConfig("relay-a"), s, q)
			sent := sendBoth(t, pair, transfersEachWay(), engineTTL)
			rep := settleAndCheck(t, pair, s, sent)
			require.Equal(t, len(sent), rep.Finished)
			require.Len(t, rep.Reconciliations, 2)

			// Every stage left its record, and recv and ack went in batches.
			tr, err := s.GetPacket(t.Context(), sent[0].Src, sent[0].Dst, sent[0].Seq)
			require.NoError(t, err)
			require.NotZero(t, tr.Source.Height)
			require.NotZero(t, tr.Delivery.TxHash)
			require.NotZero(t, tr.Confirm.TxHash)
			require.Equal(t, settlement.ReceiptOK, tr.Receipt.Status)
			subs, err := s.ListSubmissions(t.Context(), settlement.SubmissionFilter{Kind: settlement.KindRecv}, 10_000)
			require.NoError(t, err)
			require.NotEmpty(t, subs)
			// How full batches get depends on how fast load arrives (the race
			// detector trickles it); fewer transactions than packets shows
			// packets shared them.
			require.Less(t, len(subs), len(sent), "recv transactions for %d packets", len(sent))
			t.Logf("%d packets in %d recv transactions", len(sent), len(subs))
			res := e.Reconcile(t.Context())
			require.Len(t, res, 2)
			for _, r := range res {
				require.True(t, r.OK, "%+v", r)
			}

			// The store audit agrees with the chains, and catches a row
			// that shows an ending the chain does not (written behind the
			// store's back: its transitions refuse to).
			audit, err := e.AuditStore(t.Context())
			require.NoError(t, err)
			require.Positive(t, audit.Checked)
			require.Empty(t, audit.Disagrees)
			if lite, ok := s.(*sqlite.Store); ok {
				_, err := lite.DB().ExecContext(t.Context(), `UPDATE transfers SET status = 'refunded', receipt_status = 'failed', receipt_code = 305 WHERE id = ?`, sent[0].ID())
				require.NoError(t, err)
				audit, err = e.AuditStore(t.Context())
				require.NoError(t, err)
				require.Len(t, audit.Disagrees, 1)
				require.Contains(t, audit.Disagrees[0], sent[0].ID())

				// The same row, its ending in a block the nodes have not
				// reached (as a node catching up after a partition sees
				// it), is not judged.
				_, err = lite.DB().ExecContext(t.Context(), `UPDATE transfers SET confirm_height = 1000000000 WHERE id = ?`, sent[0].ID())
				require.NoError(t, err)
				audit, err = e.AuditStore(t.Context())
				require.NoError(t, err)
				require.Empty(t, audit.Disagrees, "an ending the answering node cannot see yet is no disagreement")
			}
		})
	}
}

// Two engines over one Postgres and Redis share the work: each packet's
// recv and ack is carried by one of them, never both, and when one stops
// mid-load the other finishes everything.
func TestEnginesShareWorkAndSurviveOneStopping(t *testing.T) {
	t.Parallel()
	s, q := production(t)
	pair := startTestPair(t, nil)
	// A stage deadline well past any inclusion: a sweep that re-enqueues a
	// job whose transaction is still awaited (the race tier on a loaded
	// machine commits in seconds) would let the other engine carry it a
	// second time, harmless on chain but not what this test counts.
	cfgA, cfgB := testEngineConfig("relay-a"), testEngineConfig("relay-b")
	cfgA.StageDeadline, cfgB.StageDeadline = 30*time.Second, 30*time.Second
	a := startEngine(t, pair, 0, cfgA, s, q)
	startEngine(t, pair, 1, cfgB, s, q)
	sent := sendBoth(t, pair, 100, engineTTL)
	rep := settleAndCheck(t, pair, s, sent)
	require.Equal(t, len(sent), rep.Finished)
	for _, kind := range []settlement.SubmissionKind{settlement.KindRecv, settlement.KindAck} {
		subs, err := s.ListSubmissions(t.Context(), settlement.SubmissionFilter{Kind: kind, Status: settlement.SubmissionIncluded}, 10_000)
		require.NoError(t, err)
		carried := 0
		signers := make(map[string]int)
		for _, sub := range subs {
			carried += sub.BatchSize
			signers[sub.Signer.Hex()] += sub.BatchSize
		}
		require.Equal(t, len(sent), carried, "%s entries over %d transactions: each packet carried once", kind, len(subs))
		t.Logf("%s: %d packets in %d transactions, by signer %v", kind, carried, len(subs), signers)
	}

	a.stop()
	more := sendBoth(t, pair, 50, engineTTL)
	rep = settleAndCheck(t, pair, s, append(sent, more...))
	require.Equal(t, len(sent)+len(more), rep.Finished)
}

// A destination that is down past a packet's deadline: once it is back,
// the relay delivers the late packet, the destination writes a timeout
// receipt, and the source refunds the sender, with nobody asking.
func TestEngineRefundsWhenDestinationWasDownPastDeadline(t *testing.T) {
	t.Parallel()
	s, q := embedded(t)
	pair := startTestPair(t, nil)
	startEngine(t, pair, 0, testEngineConfig("relay-a"), s, q)

	// Beta loses two of four validators: no quorum, and the relay's
	// endpoints (validators 0 and 1) are gone.
	for v := range 2 {
		pair.Beta.Net.StopNode(v)
	}
	const ttl = 2 * time.Second
	sent, err := pair.Send(t.Context(), pair.Alpha, relaytest.FreshAddress(), 5, 3, ttl)
	require.NoError(t, err)
	time.Sleep(2 * ttl)
	for v := range 2 {
		require.NoError(t, pair.Beta.Net.StartNode(v))
	}
	rep := settleAndCheck(t, pair, s, sent)
	require.Equal(t, len(sent), rep.Refunded)
	tr, err := s.GetPacket(t.Context(), sent[0].Src, sent[0].Dst, sent[0].Seq)
	require.NoError(t, err)
	require.Equal(t, settlement.StatusRefunded, tr.Status)
	require.Equal(t, settlement.ReceiptTimeout, tr.Receipt.Status)
}

// A relay whose queue lost everything (a Redis flush, a restart of the
// embedded queue) loses no transfer: the sweeper rebuilds the jobs from
// the store.
func TestEngineRebuildsLostQueue(t *testing.T) {
	t.Parallel()
	s, _ := embedded(t)
	pair := startTestPair(t, nil)
	q1, err := memq.New(memq.DefaultConfig())
	require.NoError(t, err)
	e := startEngine(t, pair, 0, testEngineConfig("relay-a"), s, q1)
	sent := sendBoth(t, pair, 40, engineTTL)
	e.stop()
	require.NoError(t, q1.Close()) // everything queued is gone
	q2, err := memq.New(memq.DefaultConfig())
	require.NoError(t, err)
	t.Cleanup(func() { q2.Close() })
	sent = append(sent, sendBoth(t, pair, 10, engineTTL)...)
	startEngine(t, pair, 0, testEngineConfig("relay-a"), s, q2)
	rep := settleAndCheck(t, pair, s, sent)
	require.Equal(t, len(sent), rep.Finished)
}
