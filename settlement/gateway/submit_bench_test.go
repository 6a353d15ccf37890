package gateway

import (
	"context"
	"crypto/ecdsa"
	"flag"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/localnet"
	"github.com/causeway/causeway/settlement/store/postgres/pgtest"
)

// benchSubmitters is how many submissions BenchmarkSubmit keeps in flight:
// each worker owns one funded sender and submits its transactions in nonce
// order, as an exchange's hot wallet would.
var benchSubmitters = flag.Int("submitters", 32, "BenchmarkSubmit: submissions in flight (1..64)")

// benchKeys are BenchmarkSubmit's senders, taken once for all its runs.
var benchKeys struct {
	once sync.Once
	keys []*ecdsa.PrivateKey
}

// BenchmarkSubmit measures the gateway on the submission path with the
// Postgres store: POST /v1/transfers of a client-signed transfer, from the
// request to its 202 — the body checks, the Idempotency-Key claim, the
// route and sender reads from the source chain, the broadcast, the
// transfer row and the recorded answer. -submitters clients (default 32)
// submit closed-loop over loopback. It reports submit-to-202 p50 and p99
// and sustained submissions per second; every answer must be a 202.
//
//   - chains: the shared two-chain test network (eight validators in this
//     process) answers the reads and takes every transaction, and each
//     sender's nonce must reach the end of its run.
//   - gateway: the chain answers from memory (the route and sender as read
//     once from the test network; a send is taken and dropped), so the
//     figure is the gateway and Postgres alone.
func BenchmarkSubmit(b *testing.B) {
	b.Run("chains", func(b *testing.B) { benchSubmit(b, false) })
	b.Run("gateway", func(b *testing.B) { benchSubmit(b, true) })
}

func benchSubmit(b *testing.B, memChain bool) {
	subs := *benchSubmitters
	require.True(b, subs >= 1 && subs <= 64, "-submitters must be in 1..64")
	opts := []envOption{withStore(openTestStore(b, pgtest.SchemaURL(b)))}
	if memChain {
		opts = append(opts, withNodes("alpha", &memNode{Node: testPair(b).Alpha.RPC}))
	}
	e := newEnv(b, opts...)
	benchKeys.once.Do(func() {
		for range subs {
			benchKeys.keys = append(benchKeys.keys, sender(b))
		}
	})
	// Sign everything before the clock starts: signing is the client's work.
	type worker struct{ txs [][]byte }
	workers := make([]worker, subs)
	want := make([]uint64, subs) // each sender's nonce once its transactions commit
	x := e.validTransfer(1)
	for w, key := range benchKeys.keys[:subs] {
		// The framework runs the benchmark more than once, over the same
		// chains: each run starts from the sender's committed nonce, which
		// the previous run's transactions have all reached by then.
		next := e.nonce(attest.AddressOf(key))
		want[w] = next + uint64((b.N-w+subs-1)/subs)
		for i := w; i < b.N; i += subs {
			workers[w].txs = append(workers[w].txs, transferTx(b, "alpha", e.pair.Alpha.GenesisHash(), key, next, x))
			next++
		}
	}

	lat := make([][]time.Duration, subs)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			for i, raw := range workers[w].txs {
				t0 := time.Now()
				r := doRequest(b, e.srv.URL, http.MethodPost, "/v1/transfers", signedBody(raw),
					"Authorization", "Bearer "+e.key, "Content-Type", "application/json",
					"Idempotency-Key", idem(b, w*1_000_000+i))
				lat[w] = append(lat[w], time.Since(t0))
				if r.status != http.StatusAccepted {
					b.Errorf("submission %d of worker %d: %d %s", i, w, r.status, r.body)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()

	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	require.Len(b, all, b.N)
	if !memChain {
		for w, key := range benchKeys.keys[:subs] {
			require.Eventually(b, func() bool { return e.nonce(attest.AddressOf(key)) == want[w] }, waitFor, pollEvery,
				"every accepted transaction of sender %d commits", w)
		}
	}
	b.ReportMetric(float64(localnet.Percentile(all, 50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(localnet.Percentile(all, 99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "submits/s")
}

// memNode answers the submission path's chain calls from memory: the
// route and each account as first read from the wrapped node, and a send
// taken and dropped.
type memNode struct {
	Node
	mu       sync.Mutex
	routes   map[string]*chains.Route
	accounts map[attest.Address]*chains.Account
}

func (m *memNode) Route(ctx context.Context, chain string) (*chains.Route, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.routes[chain]; ok {
		return r, nil
	}
	r, err := m.Node.Route(ctx, chain)
	if err == nil {
		if m.routes == nil {
			m.routes = make(map[string]*chains.Route)
		}
		m.routes[chain] = r
	}
	return r, err
}

func (m *memNode) Account(ctx context.Context, addr attest.Address) (*chains.Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a, ok := m.accounts[addr]; ok {
		return a, nil
	}
	a, err := m.Node.Account(ctx, addr)
	if err == nil {
		if m.accounts == nil {
			m.accounts = make(map[attest.Address]*chains.Account)
		}
		m.accounts[addr] = a
	}
	return a, err
}

func (m *memNode) SendRawTransaction(_ context.Context, raw []byte) (attest.Hash, error) {
	return txHashOf(raw), nil
}
