package relaytest

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/causeway/causeway/node/localnet"
	"github.com/causeway/causeway/settlement/backend"
	"github.com/causeway/causeway/settlement/queue"
	"github.com/causeway/causeway/settlement/queue/redis/redistest"
	"github.com/causeway/causeway/settlement/store/postgres/pgtest"
)

// Shape of the small benchmark run.
const (
	testBenchTransfers = 100
	testBenchLight     = 5
)

// A small end-to-end benchmark on the embedded store fills in every figure,
// settles every transfer it sent and passes the invariant check. It asserts
// completeness, never how fast.
func TestRunE2EBenchEmbedded(t *testing.T) {
	t.Parallel()
	res, err := RunE2EBench(t.Context(), E2EOptions{Dir: t.TempDir(), Transfers: testBenchTransfers,
		LightSamples: testBenchLight, Senders: 2, Transport: localnet.TransportMem,
		Logger: zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))})
	require.NoError(t, err)
	t.Logf("%+v", *res)
	require.True(t, res.CheckOK, res.CheckError)
	require.Equal(t, "sqlite", res.Store)
	require.Equal(t, "memory", res.Queue)
	require.Equal(t, testBenchTransfers, res.Transfers)
	require.Equal(t, 2*e2eWarmupEachWay, res.Warmup)
	require.Equal(t, res.Warmup+testBenchLight+testBenchTransfers, res.Checked)
	require.Zero(t, res.Refunded)

	require.Positive(t, res.Seconds)
	require.Positive(t, res.SendSeconds)
	require.Positive(t, res.TransfersPerSec)
	require.Positive(t, res.CPUSeconds)
	require.Positive(t, res.CPUPerTransfer)
	require.Positive(t, res.PeakRSSBytes)
	for name, l := range map[string]Latency{"light": res.LightLatency, "source": res.Source,
		"delivery": res.Delivery, "confirm": res.Confirm, "end_to_end": res.EndToEnd} {
		require.Positive(t, l.P50, name)
		require.LessOrEqual(t, l.P50, l.P99, name)
	}
	require.Greater(t, res.EndToEnd.P50, res.Source.P50, "end to end includes the source stage")
	requireCeiling(t, res)
	require.Equal(t, "closed-loop", res.Mode)
}

// requireCeiling checks the crypto ceiling adds up from its parts.
func requireCeiling(t *testing.T, res *E2EResult) {
	c := res.Crypto
	for name, d := range map[string]time.Duration{"signature": c.SigVerify, "header": c.HeaderVerify, "proof": c.ProofVerify} {
		require.Positive(t, d, name)
	}
	require.Greater(t, c.HeaderVerify, c.SigVerify, "a header's QC is several signatures")
	require.GreaterOrEqual(t, c.MeanBatch, 1.0)
	v := time.Duration(res.Validators)
	want := 3*c.SigVerify + 2*v*c.ProofVerify + time.Duration(float64(2*v*c.HeaderVerify)/c.MeanBatch)
	require.Equal(t, want, c.PerTransfer)
	require.Positive(t, c.Cores)
	require.InDelta(t, float64(c.Cores)*float64(time.Second)/float64(c.PerTransfer), c.TransfersPerSec, 1e-6)
	require.InDelta(t, res.TransfersPerSec/c.TransfersPerSec, c.Fraction, 1e-9)
}

// Open-loop load keeps to the offered rate: the transfers of the phase go
// out over at least the time the rate allows, however fast the chains are.
func TestRunE2EBenchOpenLoop(t *testing.T) {
	t.Parallel()
	const rate, n = 20.0, 30
	res, err := RunE2EBench(t.Context(), E2EOptions{Dir: t.TempDir(), Transfers: n, Rate: rate,
		LightSamples: 1, Senders: 2, Transport: localnet.TransportMem,
		Logger: zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))})
	require.NoError(t, err)
	require.True(t, res.CheckOK, res.CheckError)
	require.Equal(t, "open-loop", res.Mode)
	require.Equal(t, rate, res.OfferedRate)
	require.Equal(t, n, res.Transfers)
	// Each direction offers rate/2 per second from its first slot, so its
	// last transfer goes out (n/2-1)/(rate/2) s after its first.
	require.GreaterOrEqual(t, res.SendSeconds, float64(n/2-1)/(rate/2)*0.9, "sent faster than offered")
	requireCeiling(t, res)
}

func TestPacer(t *testing.T) {
	t.Parallel()
	p := newPacer(1000)
	start := time.Now()
	for range 50 {
		require.True(t, p.wait(t.Context()))
	}
	require.GreaterOrEqual(t, time.Since(start), 49*time.Millisecond, "50 slots at 1000/s span 49 ms")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	slow := newPacer(0.001)
	slow.wait(ctx) // the first slot is now
	require.False(t, slow.wait(ctx), "a cancelled wait for a later slot gives up")
}

// The bench's Postgres schema holds the migrated store while it runs and
// is gone afterwards.
func TestFreshSchemaIsDropped(t *testing.T) {
	t.Parallel()
	base := pgtest.SchemaURL(t) // skips or fails, by pgtest's rule, when Postgres is unreachable
	u, drop, err := freshSchema(t.Context(), base)
	require.NoError(t, err)
	parsed, err := url.Parse(u)
	require.NoError(t, err)
	schema := parsed.Query().Get(searchPathParam)
	require.True(t, strings.HasPrefix(schema, e2eSchemaPrefix), schema)

	s, err := backend.OpenStore(t.Context(), u, backend.StoreOptions{Migrate: true})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	db, err := sql.Open("postgres", base)
	require.NoError(t, err)
	defer db.Close()
	tables := func() int {
		var n int
		require.NoError(t, db.QueryRowContext(t.Context(),
			`SELECT count(*) FROM information_schema.tables WHERE table_schema = $1`, schema).Scan(&n))
		return n
	}
	require.Positive(t, tables(), "migrated into the bench schema")
	require.NoError(t, drop())
	var left int
	require.NoError(t, db.QueryRowContext(t.Context(),
		`SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1`, schema).Scan(&left))
	require.Zero(t, left)
}

// The bench's Redis key prefix is fresh unless the URL names one, and its
// keys are deleted afterwards.
func TestFreshPrefixIsDeleted(t *testing.T) {
	t.Parallel()
	base := redistest.URL(t)

	u, drop, err := freshPrefix(base)
	require.NoError(t, err)
	prefix := mustQuery(t, u).Get(redisPrefixParam)
	require.True(t, strings.HasPrefix(prefix, e2eQueuePrefix), prefix)
	q, err := backend.OpenQueue(t.Context(), u)
	require.NoError(t, err)
	_, err = q.Enqueue(t.Context(), "deliver/beta", queue.Job{Key: "alpha.beta.1", Stage: "delivery"})
	require.NoError(t, err)
	require.NoError(t, q.Close())

	c := redisClient(t, base)
	keys := func() []string {
		k, err := c.Keys(t.Context(), "{"+prefix+":*").Result()
		require.NoError(t, err)
		return k
	}
	require.NotEmpty(t, keys())
	require.NoError(t, drop())
	require.Empty(t, keys())

	nu, err := url.Parse(base)
	require.NoError(t, err)
	nq := nu.Query()
	nq.Set(redisPrefixParam, "mine")
	nu.RawQuery = nq.Encode()
	named := nu.String()
	same, _, err := freshPrefix(named)
	require.NoError(t, err)
	require.Equal(t, named, same, "a prefix the URL names is kept")
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u.Query()
}

func redisClient(t *testing.T, raw string) *goredis.Client {
	t.Helper()
	opts, err := goredis.ParseURL(raw)
	require.NoError(t, err)
	c := goredis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}
