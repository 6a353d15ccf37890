package gateway

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/tx"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/relay/relaytest"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/backend"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// The test chains, shared by every test of the package: starting a pair
// costs seconds, and tests keep apart by each using senders of their own.
const (
	pairSenders = 128 // funded accounts per chain, handed out one per use
	pairBlockMs = 200
	testClient  = "acme"
	otherClient = "zeta"
	// waitFor bounds every poll of the tests; pollEvery is its step.
	waitFor   = 30 * time.Second
	pollEvery = 20 * time.Millisecond
	// settleBlocks is how many blocks a test waits before it concludes a
	// transaction was not sent: any sent one would have committed by then.
	settleBlocks = 3
)

var shared struct {
	once    sync.Once
	pair    *relaytest.Pair
	dir     string
	err     error
	senders atomic.Int32
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.pair != nil {
		shared.pair.Stop()
	}
	if shared.dir != "" {
		_ = os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// testPair starts the shared chains on first use.
func testPair(t testing.TB) *relaytest.Pair {
	t.Helper()
	shared.once.Do(func() {
		if shared.dir, shared.err = os.MkdirTemp("", "gateway-test-"); shared.err != nil {
			return
		}
		// The chains live as long as the context they start with: the
		// whole test binary.
		shared.pair, shared.err = relaytest.StartPair(context.Background(), relaytest.PairOptions{Dir: shared.dir,
			Senders: pairSenders, BlockIntervalMs: pairBlockMs, Seed: 7})
	})
	require.NoError(t, shared.err, "start the test chains")
	return shared.pair
}

// sender hands out a funded alpha account no other test uses.
func sender(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	p := testPair(t)
	i := int(shared.senders.Add(1)) - 1
	require.Less(t, i, len(p.Alpha.Senders), "out of test senders: raise pairSenders")
	return p.Alpha.Senders[i]
}

// env is one gateway over the shared chains and a fresh store, served by
// an httptest server.
type env struct {
	t      testing.TB
	pair   *relaytest.Pair
	svc    *Service
	store  settlement.Store
	srv    *httptest.Server
	cfg    *Config
	key    string            // an API key of testClient
	keyID  string            // its id
	signer *ecdsa.PrivateKey // the key the gateway holds for testClient
}

// envOption changes an env before it opens.
type envOption func(*Config, *Options)

// withStore runs the gateway over s.
func withStore(s settlement.Store) envOption {
	return func(_ *Config, o *Options) { o.Store = s }
}

// withNodes replaces a chain's nodes.
func withNodes(chain string, nodes ...Node) envOption {
	return func(_ *Config, o *Options) { o.Nodes[chain] = nodes }
}

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	p := testPair(t)
	e := &env{t: t, pair: p, signer: sender(t)}
	cfg := testConfig(p)
	cfg.Signers = []SignerConfig{{Client: testClient, Key: e.signer}}
	o := Options{Logger: testLogger(t), Nodes: map[string][]Node{p.Alpha.ID: {p.Alpha.RPC}, p.Beta.ID: {p.Beta.RPC}}}
	for _, opt := range opts {
		opt(cfg, &o)
	}
	if o.Store == nil {
		o.Store = openTestStore(t, "sqlite:"+filepath.Join(t.TempDir(), "settlement.db"))
	}
	e.store = o.Store
	svc, err := Open(t.Context(), cfg, o)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, svc.Close()) })
	e.svc, e.cfg = svc, cfg
	e.srv = httptest.NewServer(svc.Handler())
	t.Cleanup(e.srv.Close)
	e.key, e.keyID = createKey(t, e.store, testClient, 0, 0)
	return e
}

// testConfig is a gateway config for the shared chains.
func testConfig(p *relaytest.Pair) *Config {
	cfg := DefaultConfig()
	cfg.Listen, cfg.AdminListen, cfg.Store = "127.0.0.1:0", "", "sqlite:unused.db"
	cfg.Limits.RatePerSec, cfg.Limits.Burst = 10_000, 10_000
	cfg.Limits.AnonymousRatePerSec, cfg.Limits.AnonymousBurst = 10_000, 10_000
	for _, c := range p.Chains() {
		cfg.Chains = append(cfg.Chains, ChainConfig{ID: c.ID, GenesisHash: c.GenesisHash().Hex(),
			Endpoints: []string{"ws://" + c.Net.Node(0).RPCAddr(), "ws://" + c.Net.Node(1).RPCAddr()}})
	}
	return &cfg
}

func openTestStore(t testing.TB, url string) settlement.Store {
	t.Helper()
	s, err := backend.OpenStore(context.Background(), url, backend.StoreOptions{Migrate: true, MaxConns: 8})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func testLogger(t testing.TB) *zap.Logger {
	return zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
}

// createKey stores a new API key of client and returns it.
func createKey(t testing.TB, s settlement.Store, client string, rate, burst int) (key, id string) {
	t.Helper()
	key, id, hash, err := api.NewAPIKey()
	require.NoError(t, err)
	require.NoError(t, s.CreateAPIKey(context.Background(), &settlement.APIKey{ID: id, ClientID: client, Hash: hash,
		RatePerSec: rate, Burst: burst}))
	return key, id
}

// reply is one HTTP answer, read whole.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// problem decodes a problem+json reply, checking its media type and that
// its status matches the code's.
func (r reply) problem(t testing.TB) *api.Problem {
	t.Helper()
	require.Equal(t, api.ContentTypeProblem, r.header.Get("Content-Type"), "body: %s", r.body)
	var p api.Problem
	require.NoError(t, json.Unmarshal(r.body, &p))
	require.Equal(t, r.status, p.Status)
	require.Equal(t, api.NewProblem(p.Code, "").Status, p.Status, "the code's registered status")
	return &p
}

// requireProblem checks a reply's status and problem code.
func (r reply) requireProblem(t testing.TB, status int, code api.Code) *api.Problem {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	p := r.problem(t)
	require.Equal(t, code, p.Code, "detail: %s", p.Detail)
	return p
}

func (r reply) decode(t testing.TB, v any) {
	t.Helper()
	require.Equal(t, "application/json", r.header.Get("Content-Type"), "body: %s", r.body)
	require.NoError(t, json.Unmarshal(r.body, v), "body: %s", r.body)
}

// do sends a request with header pairs (name, value, ...).
func (e *env) do(method, path string, body []byte, header ...string) reply {
	e.t.Helper()
	return doRequest(e.t, e.srv.URL, method, path, body, header...)
}

func doRequest(t testing.TB, base, method, path string, body []byte, header ...string) reply {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, base+path, bytes.NewReader(body))
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// get GETs path with the env's key.
func (e *env) get(path string) reply {
	e.t.Helper()
	return e.do(http.MethodGet, path, nil, "Authorization", "Bearer "+e.key)
}

// submit POSTs body with the env's key under idempotency key idem.
func (e *env) submit(idem string, body []byte) reply {
	e.t.Helper()
	return e.do(http.MethodPost, "/v1/transfers", body, "Authorization", "Bearer "+e.key,
		"Content-Type", "application/json", api.HeaderIdempotencyKey, idem)
}

// signedBody is a submission of a client-signed transaction.
func signedBody(raw []byte) []byte {
	return mustJSON(api.SubmitRequest{SignedTx: hexutil.Encode(raw)})
}

// intentBody is a submission of an intent from addr on alpha to beta.
func intentBody(from attest.Address, amount string) []byte {
	return mustJSON(api.SubmitRequest{Intent: &api.Intent{
		From: api.Endpoint{Chain: "alpha", Address: from}, To: api.Endpoint{Chain: "beta", Address: relaytest.FreshAddress()},
		Amount: amount, Denom: relaytest.Denom, Fee: "1", TimeoutSeconds: 600}})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// transferTx signs an xfer.transfer on chain with key at nonce.
func transferTx(t testing.TB, chainID string, genesis attest.Hash, key *ecdsa.PrivateKey, nonce uint64, x xfer.Transfer) []byte {
	t.Helper()
	typ, payload := xfer.NewTransfer(x)
	tr := &tx.Tx{ChainID: chainID, Nonce: nonce, Type: typ, Payload: payload}
	require.NoError(t, tr.Sign(genesis, key))
	return tr.Encode()
}

// validTransfer is a transfer alpha → beta that alpha would take.
func (e *env) validTransfer(amount uint64) xfer.Transfer {
	st, err := e.pair.Alpha.RPC.Status(context.Background())
	require.NoError(e.t, err)
	return xfer.Transfer{Dst: "beta", Receiver: relaytest.FreshAddress(), Denom: relaytest.Denom,
		Amount: uint256.NewInt(amount), RelayFee: uint256.NewInt(1), TimeoutTimeMs: st.LatestTimeMs + 600_000}
}

// signedTransfer signs a valid transfer from key at its next nonce.
func (e *env) signedTransfer(key *ecdsa.PrivateKey, amount uint64) []byte {
	e.t.Helper()
	return transferTx(e.t, "alpha", e.pair.Alpha.GenesisHash(), key, e.nonce(attest.AddressOf(key)), e.validTransfer(amount))
}

// nonce is addr's committed nonce on alpha.
func (e *env) nonce(addr attest.Address) uint64 {
	e.t.Helper()
	a, err := e.pair.Alpha.RPC.Account(context.Background(), addr)
	require.NoError(e.t, err)
	return a.Nonce
}

// waitBlocks waits until alpha has committed n more blocks.
func (e *env) waitBlocks(n uint64) {
	e.t.Helper()
	st, err := e.pair.Alpha.RPC.Status(context.Background())
	require.NoError(e.t, err)
	require.NoError(e.t, e.pair.Alpha.WaitHeight(e.t.Context(), st.LatestHeight+n))
}

// waitReceipt waits for a transaction's receipt on alpha.
func (e *env) waitReceipt(h attest.Hash) *chains.Receipt {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), waitFor)
	defer cancel()
	r, err := e.pair.Alpha.RPC.WaitReceipt(ctx, h)
	require.NoError(e.t, err)
	return r
}

// requireNothingStored checks that no transfer exists and that key is free:
// no request row holds it.
func (e *env) requireNothingStored(key string) {
	e.t.Helper()
	ts, _, err := e.store.List(context.Background(), settlement.ListFilter{}, "", settlement.MaxPageSize)
	require.NoError(e.t, err)
	require.Empty(e.t, ts, "no transfer stored")
	rec := &settlement.IdempotencyRecord{ClientID: testClient, Key: key, BodyHash: attest.Hash{1}}
	_, outcome, err := e.store.BeginRequest(context.Background(), rec, time.Minute)
	require.NoError(e.t, err)
	require.Equal(e.t, settlement.BeginCreated, outcome, "no request row for key %q", key)
	require.NoError(e.t, e.store.DeleteRequest(context.Background(), testClient, key))
}

// requireNotSent waits settleBlocks blocks and checks that addr's nonce is
// still before and that none of hashes has a receipt.
func (e *env) requireNotSent(addr attest.Address, before uint64, hashes ...attest.Hash) {
	e.t.Helper()
	e.waitBlocks(settleBlocks)
	require.Equal(e.t, before, e.nonce(addr), "the sender's nonce did not move")
	for _, h := range hashes {
		r, err := e.pair.Alpha.RPC.TransactionReceipt(context.Background(), h)
		require.NoError(e.t, err)
		require.Nil(e.t, r, "transaction %s was not committed", h)
	}
}

// idem is a fresh Idempotency-Key for test t.
func idem(t testing.TB, n int) string {
	return fmt.Sprintf("%x-%d", attest.Keccak([]byte(t.Name())).Bytes()[:6], n)
}
