package gateway

import (
	"crypto/sha256"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// shortLease keeps the tests of abandoned requests from waiting out the
// default lease, with room for a loaded machine within its two thirds.
const shortLease = time.Second

func withShortLease(c *Config, _ *Options) { c.Idempotency.Lease = Duration(shortLease) }

// A submission the chain did not answer is finished by the recovery loop
// once its lease runs out: the recorded transaction lands, the transfer is
// recorded, and the client's retry gets that answer. A request that signed
// nothing is forgotten.
func TestRecoverAbandonedRequests(t *testing.T) {
	t.Parallel()
	node := &hookNode{Node: testPair(t).Alpha.RPC}
	e := newEnv(t, withNodes("alpha", node), withShortLease)
	body := intentBody(attest.AddressOf(e.signer), "5")
	node.down.Store(true)
	e.submit("lost", body).requireProblem(t, http.StatusServiceUnavailable, api.CodeChainUnavailable)
	node.down.Store(false)
	rec, err := e.store.GetRequest(t.Context(), testClient, "lost")
	require.NoError(t, err)

	pendingBody := []byte(`{"signed_tx":"0x00"}`)
	_, _, err = e.store.BeginRequest(t.Context(), &settlement.IdempotencyRecord{ClientID: testClient, Key: "never-signed",
		BodyHash: sha256.Sum256(pendingBody)}, time.Millisecond)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return time.Now().After(rec.LockedUntil) }, waitFor, pollEvery)

	e.svc.srv.recoverOnce(t.Context(), time.Now())
	done, err := e.store.GetRequest(t.Context(), testClient, "lost")
	require.NoError(t, err)
	require.Equal(t, settlement.RequestDone, done.State)
	require.Equal(t, rec.TxHash, done.TxHash)
	require.Zero(t, e.waitReceipt(rec.TxHash).Code)
	_, err = e.store.GetRequest(t.Context(), testClient, "never-signed")
	require.ErrorIs(t, err, settlement.ErrNotFound)

	again := e.submit("lost", body)
	require.Equal(t, http.StatusAccepted, again.status)
	require.Equal(t, "true", again.header.Get(api.HeaderReplayed))
	var resp api.SubmitResponse
	again.decode(t, &resp)
	require.Equal(t, rec.TxHash, resp.TxHash)
	m := e.svc.srv.metrics.resubmissions
	require.Equal(t, 1.0, testutil.ToFloat64(m.WithLabelValues(resubmitResumed)))
	require.Equal(t, 1.0, testutil.ToFloat64(m.WithLabelValues(resubmitDropped)))
}

// A transaction the chain took and then lost (a node restarted with an
// empty mempool) is sent again, byte for byte, once its transfer has
// waited ResubmitAfter in submitted.
func TestRecoverResendsLostTransaction(t *testing.T) {
	t.Parallel()
	node := &hookNode{Node: testPair(t).Alpha.RPC}
	e := newEnv(t, withNodes("alpha", node))
	node.swallow.Store(true)
	resp := e.requireAccepted(e.submit("swallowed", intentBody(attest.AddressOf(e.signer), "5")))
	node.swallow.Store(false)
	e.waitBlocks(settleBlocks)
	r, err := e.pair.Alpha.RPC.TransactionReceipt(t.Context(), resp.TxHash)
	require.NoError(t, err)
	require.Nil(t, r, "the chain lost it")

	e.svc.srv.recoverOnce(t.Context(), time.Now()) // too early: nothing happens
	require.Equal(t, int32(1), node.sends.Load())
	e.svc.srv.recoverOnce(t.Context(), time.Now().Add(ResubmitAfter+time.Second))
	require.Equal(t, int32(2), node.sends.Load())
	require.Zero(t, e.waitReceipt(resp.TxHash).Code)

	e.svc.srv.recoverOnce(t.Context(), time.Now().Add(ResubmitAfter+time.Second))
	require.Equal(t, int32(2), node.sends.Load(), "an included transaction is the relay's to follow")
}

// A lost transaction whose deadline has passed on the source can never be
// included: its transfer ends as rejected, and it is not sent again.
func TestRecoverExpiresLostTransaction(t *testing.T) {
	t.Parallel()
	node := &hookNode{Node: testPair(t).Alpha.RPC}
	e := newEnv(t, withNodes("alpha", node))
	node.swallow.Store(true)
	resp := e.requireAccepted(e.submit("expiring", intentBody(attest.AddressOf(e.signer), "5")))
	node.aheadMs.Store((time.Hour + expiryMargin).Milliseconds()) // the source's clock is past the 600 s deadline

	e.svc.srv.recoverOnce(t.Context(), time.Now().Add(ResubmitAfter+time.Second))
	require.Equal(t, int32(1), node.sends.Load(), "not sent again")
	tr, err := e.store.Get(t.Context(), resp.ID)
	require.NoError(t, err)
	require.Equal(t, settlement.StatusRejected, tr.Status)
	require.Equal(t, expiredReason, tr.LastError)
	var view api.Transfer
	e.get("/v1/transfers/"+string(resp.ID)).decode(t, &view)
	require.Equal(t, expiredReason, view.Reject.Reason)
}

// Done requests past their retention are deleted; their keys are free.
func TestPurgeRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.requireAccepted(e.submit("old", intentBody(attest.AddressOf(e.signer), "1")))
	e.svc.srv.purge(t.Context(), time.Now())
	_, err := e.store.GetRequest(t.Context(), testClient, "old")
	require.NoError(t, err, "within retention")
	e.svc.srv.purge(t.Context(), time.Now().Add(DefaultIdempotencyRetention+time.Minute))
	_, err = e.store.GetRequest(t.Context(), testClient, "old")
	require.ErrorIs(t, err, settlement.ErrNotFound)
}
