package gateway

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
	"github.com/causeway/causeway/settlement/store/postgres/pgtest"
)

// duplicates is how many identical submissions race in the concurrency
// test.
const duplicates = 20

func TestIdempotentReplay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := signedBody(e.signedTransfer(sender(t), 4))
	first := e.submit("replay-me", body)
	resp := e.requireAccepted(first)
	require.Empty(t, first.header.Get(api.HeaderReplayed))

	again := e.submit("replay-me", body)
	require.Equal(t, http.StatusAccepted, again.status)
	require.Equal(t, "true", again.header.Get(api.HeaderReplayed))
	require.Equal(t, first.body, again.body, "the first answer, byte for byte")
	require.Equal(t, first.header.Get("Location"), again.header.Get("Location"))

	other := e.submit("replay-me", signedBody(e.signedTransfer(sender(t), 5)))
	p := other.requireProblem(t, http.StatusUnprocessableEntity, api.CodeIdempotencyReused)
	require.Contains(t, p.Detail, "replay-me")

	ts, _, err := e.store.List(t.Context(), settlement.ListFilter{}, "", 10)
	require.NoError(t, err)
	require.Len(t, ts, 1)
	require.Equal(t, resp.ID, ts[0].ID)

	// Keys are per client: another client's same key is a new request.
	zeta, _ := createKey(t, e.store, otherClient, 0, 0)
	r := e.do(http.MethodPost, "/v1/transfers", signedBody(e.signedTransfer(sender(t), 6)), "X-API-Key", zeta,
		"Content-Type", "application/json", api.HeaderIdempotencyKey, "replay-me")
	require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
}

func TestIdempotencyInFlight(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := intentBody(attest.AddressOf(e.signer), "3")
	// A first request still running holds the key.
	held := &settlement.IdempotencyRecord{ClientID: testClient, Key: "busy", BodyHash: sha256.Sum256(body)}
	_, outcome, err := e.store.BeginRequest(t.Context(), held, time.Hour)
	require.NoError(t, err)
	require.Equal(t, settlement.BeginCreated, outcome)

	e.submit("busy", body).requireProblem(t, http.StatusConflict, api.CodeIdempotencyInFlight)
	e.submit("busy", intentBody(attest.AddressOf(e.signer), "4")).
		requireProblem(t, http.StatusUnprocessableEntity, api.CodeIdempotencyReused)
	rec, err := e.store.GetRequest(t.Context(), testClient, "busy")
	require.NoError(t, err)
	require.Equal(t, settlement.RequestPending, rec.State, "the first request's row is untouched")
	ts, _, err := e.store.List(t.Context(), settlement.ListFilter{}, "", 10)
	require.NoError(t, err)
	require.Empty(t, ts)
}

// Twenty identical intents at once, on each store: exactly one is signed,
// sent and recorded; every other gets 409 or the first answer.
func TestIdempotencyConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		concurrentDuplicates(t, newEnv(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		concurrentDuplicates(t, newEnv(t, withStore(openTestStore(t, pgtest.SchemaURL(t)))))
	})
}

func concurrentDuplicates(t *testing.T, e *env) {
	signer := attest.AddressOf(e.signer)
	before := e.nonce(signer)
	body := intentBody(signer, "2")
	replies := make([]reply, duplicates)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range duplicates {
		wg.Go(func() {
			<-start
			replies[i] = doRequest(t, e.srv.URL, http.MethodPost, "/v1/transfers", body, "Authorization", "Bearer "+e.key,
				"Content-Type", "application/json", api.HeaderIdempotencyKey, "dup")
		})
	}
	close(start)
	wg.Wait()
	var accepted [][]byte
	for _, r := range replies {
		switch r.status {
		case http.StatusAccepted:
			accepted = append(accepted, r.body)
		case http.StatusConflict:
			r.requireProblem(t, http.StatusConflict, api.CodeIdempotencyInFlight)
		default:
			t.Fatalf("unexpected answer %d: %s", r.status, r.body)
		}
	}
	require.NotEmpty(t, accepted)
	for _, b := range accepted {
		require.Equal(t, accepted[0], b, "every 202 is the first answer")
	}
	ts, _, err := e.store.List(t.Context(), settlement.ListFilter{}, "", 10)
	require.NoError(t, err)
	require.Len(t, ts, 1, "one transfer")
	e.waitReceipt(ts[0].Source.TxHash)
	e.waitBlocks(settleBlocks)
	require.Equal(t, before+1, e.nonce(signer), "one chain transaction")
}

// A request whose gateway died after recording its signed transaction is
// resumed by the retry: the recorded transaction is sent, not a new one.
func TestIdempotencyResumesRecordedTransaction(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	signer := attest.AddressOf(e.signer)
	before := e.nonce(signer)
	body := intentBody(signer, "6")
	rec := &settlement.IdempotencyRecord{ClientID: testClient, Key: "orphan", BodyHash: sha256.Sum256(body)}
	_, _, err := e.store.BeginRequest(t.Context(), rec, time.Millisecond)
	require.NoError(t, err)
	// What the dead gateway signed: the intent at the signer's nonce (a
	// different receiver than the body's, to tell them apart).
	recorded := transferTx(t, "alpha", e.pair.Alpha.GenesisHash(), e.signer, before, e.validTransfer(6))
	up, err := e.store.UpdateRequest(t.Context(), testClient, "orphan", settlement.RequestUpdate{State: settlement.RequestSent,
		Chain: "alpha", TxHash: txHashOf(recorded), RawTx: recorded}, time.Millisecond)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return time.Now().After(up.LockedUntil) }, waitFor, pollEvery)

	resp := e.requireAccepted(e.submit("orphan", body))
	require.Equal(t, txHashOf(recorded), resp.TxHash, "the recorded transaction")
	require.Zero(t, e.waitReceipt(resp.TxHash).Code)
	e.waitBlocks(settleBlocks)
	require.Equal(t, before+1, e.nonce(signer), "nothing new was signed")
	again := e.submit("orphan", body)
	require.Equal(t, "true", again.header.Get(api.HeaderReplayed))
}

// hookNode is a node whose sends can be cut off (the chain does not
// answer) or swallowed (the chain answers and loses the transaction).
type hookNode struct {
	Node
	down    atomic.Bool
	swallow atomic.Bool
	sends   atomic.Int32
	aheadMs atomic.Int64 // added to the block time the node reports
}

var errNoAnswer = errors.New("connection refused")

func (h *hookNode) SendRawTransaction(ctx context.Context, raw []byte) (attest.Hash, error) {
	h.sends.Add(1)
	switch {
	case h.down.Load():
		return attest.Hash{}, errNoAnswer
	case h.swallow.Load():
		return txHashOf(raw), nil
	}
	return h.Node.SendRawTransaction(ctx, raw)
}

func (h *hookNode) Status(ctx context.Context) (*chains.Status, error) {
	st, err := h.Node.Status(ctx)
	if err == nil {
		cp := *st
		cp.LatestTimeMs += uint64(h.aheadMs.Load())
		st = &cp
	}
	return st, err
}

// A chain that does not answer the send is a 503; the request keeps its
// signed transaction, and a retry after the lease sends exactly that.
func TestSubmitChainUnavailable(t *testing.T) {
	t.Parallel()
	node := &hookNode{Node: testPair(t).Alpha.RPC}
	e := newEnv(t, withNodes("alpha", node), withShortLease)
	signer := attest.AddressOf(e.signer)
	before := e.nonce(signer)
	body := intentBody(signer, "8")
	node.down.Store(true)
	e.submit("down", body).requireProblem(t, http.StatusServiceUnavailable, api.CodeChainUnavailable)
	rec, err := e.store.GetRequest(t.Context(), testClient, "down")
	require.NoError(t, err)
	require.Equal(t, settlement.RequestSent, rec.State)

	node.down.Store(false)
	require.Eventually(t, func() bool { return time.Now().After(rec.LockedUntil) }, waitFor, pollEvery)
	resp := e.requireAccepted(e.submit("down", body))
	require.Equal(t, rec.TxHash, resp.TxHash, "the same transaction")
	require.Zero(t, e.waitReceipt(resp.TxHash).Code)
	require.Equal(t, before+1, e.nonce(signer))
}
