package gateway

import (
	"context"
	"net/http"
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/relay/relaytest"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// requireAccepted checks a 202 and returns its body, with the transfer
// stored in submitted (or further, if the relay's row came first).
func (e *env) requireAccepted(r reply) api.SubmitResponse {
	e.t.Helper()
	require.Equal(e.t, http.StatusAccepted, r.status, "body: %s", r.body)
	var resp api.SubmitResponse
	r.decode(e.t, &resp)
	require.Equal(e.t, api.TransferPath(resp.ID), r.header.Get("Location"))
	require.Equal(e.t, resp.URL, r.header.Get("Location"))
	stored, err := e.store.Get(context.Background(), resp.ID)
	require.NoError(e.t, err)
	require.Equal(e.t, resp.TxHash, stored.Source.TxHash)
	return resp
}

func TestSubmitSignedTx(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	key := sender(t)
	from := attest.AddressOf(key)
	raw := e.signedTransfer(key, 25)
	resp := e.requireAccepted(e.submit("order-1", signedBody(raw)))

	require.Equal(t, txHashOf(raw), resp.TxHash)
	require.Equal(t, settlement.SubmittedTransferID("alpha", "beta", resp.TxHash), resp.ID)
	require.Equal(t, settlement.StatusSubmitted, resp.Status)
	tr := resp.Transfer
	require.Equal(t, from, tr.Sender)
	require.Equal(t, "25", tr.Amount)
	require.Equal(t, "1", tr.Fee)
	require.Equal(t, "order-1", tr.ClientRef, "the submitting client sees its reference")
	require.Equal(t, api.StageSubmitted, tr.Timeline[0].Stage)
	require.Equal(t, resp.TxHash, tr.Timeline[0].TxHash)

	stored, err := e.store.Get(t.Context(), resp.ID)
	require.NoError(t, err)
	require.Equal(t, testClient, stored.ClientID)
	require.Equal(t, "order-1", stored.ClientRef)
	rec, err := e.store.GetRequest(t.Context(), testClient, "order-1")
	require.NoError(t, err)
	require.Equal(t, settlement.RequestDone, rec.State)
	require.Equal(t, raw, rec.RawTx)

	r := e.waitReceipt(resp.TxHash)
	require.Zero(t, r.Code, r.Log)
	require.Equal(t, from, r.Sender.Attest())
}

func TestSubmitIntent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	signer := attest.AddressOf(e.signer)
	before := e.nonce(signer)
	var hashes []attest.Hash
	for i := range 3 { // consecutive intents take consecutive nonces without a chain read each
		resp := e.requireAccepted(e.submit(idem(t, i), intentBody(signer, "7")))
		require.Equal(t, signer, resp.Transfer.Sender)
		require.Equal(t, "7", resp.Transfer.Amount)
		require.NotZero(t, resp.Transfer.TimeoutTimeMs, "the deadline is timeout_seconds after the block time")
		hashes = append(hashes, resp.TxHash)
	}
	for _, h := range hashes {
		require.Zero(t, e.waitReceipt(h).Code)
	}
	require.Equal(t, before+3, e.nonce(signer))
}

// A transfer the chain refuses (the sender cannot pay) is a 422 with the
// chain's code, leaves nothing stored and gives its nonce back: the next
// intent of the same key still lands.
func TestSubmitRefusedByChain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	signer := attest.AddressOf(e.signer)
	before := e.nonce(signer)
	huge := "1000000000000000000000000000000000000"
	p := e.submit("too-much", intentBody(signer, huge)).requireProblem(t, http.StatusUnprocessableEntity, api.CodeTxRefused)
	require.Equal(t, int(app.CodeInsufficientBalance), p.ChainCode)
	e.requireNothingStored("too-much")

	key := sender(t)
	p = e.submit("signed-too-much", signedBody(e.signedTransfer(key, 1<<62))).
		requireProblem(t, http.StatusUnprocessableEntity, api.CodeTxRefused)
	require.Equal(t, int(app.CodeInsufficientBalance), p.ChainCode)
	e.requireNothingStored("signed-too-much")

	resp := e.requireAccepted(e.submit("fine", intentBody(signer, "3")))
	require.Zero(t, e.waitReceipt(resp.TxHash).Code)
	require.Equal(t, before+1, e.nonce(signer), "the refused nonce was reused")
}

// A transfer the relay recorded first (it saw the packet before the
// gateway recorded its row) is the one answered.
func TestSubmitReturnsTheRelaysRow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	key := sender(t)
	raw := e.signedTransfer(key, 5)
	hash := txHashOf(raw)
	_, err := e.pair.Alpha.RPC.SendRawTransaction(t.Context(), raw)
	require.NoError(t, err)
	rc := e.waitReceipt(hash)
	row := &settlement.Transfer{Src: "alpha", Dst: "beta", Seq: 1 << 40, Status: settlement.StatusSourceCommitted,
		Sender: attest.AddressOf(key), Receiver: relaytest.FreshAddress(), Denom: relaytest.Denom,
		Amount: mustAmount(t, "5"), Fee: mustAmount(t, "1"), TimeoutTimeMs: 1,
		Source: settlement.StageRecord{Height: rc.Height, TxHash: hash}}
	relays, _, err := e.store.CreateTransfer(t.Context(), row)
	require.NoError(t, err)

	resp := e.requireAccepted(e.submit("late", signedBody(raw)))
	require.Equal(t, relays.ID, resp.ID, "the committed transaction is the relay's row")
	require.Equal(t, settlement.StatusSourceCommitted, resp.Status)
}

func mustAmount(t testing.TB, s string) *uint256.Int {
	t.Helper()
	v, p := parseDecimal("amount", s)
	require.Nil(t, p)
	return v
}

// behindNode answers status as a node restarted empty would while it
// syncs: far behind, with an old block time. Everything else goes to the
// wrapped node.
type behindNode struct{ Node }

func (behindNode) Status(context.Context) (*chains.Status, error) {
	return &chains.Status{ChainID: "alpha", LatestHeight: 1, LatestTimeMs: 1000, Syncing: true}, nil
}

// An intent's deadline counts from the block time of the endpoint furthest
// ahead, not from whichever answers first: a syncing node's old block time
// would give a deadline already past, and the chain would refuse the
// transfer.
func TestIntentDeadlineFromFreshestEndpoint(t *testing.T) {
	t.Parallel()
	real := testPair(t).Alpha.RPC
	// Read before the gateway starts: every view it takes is at least this
	// fresh, whenever it refreshes its cache.
	st, err := real.Status(t.Context())
	require.NoError(t, err)
	e := newEnv(t, withNodes("alpha", behindNode{real}, real))
	signer := attest.AddressOf(e.signer)
	var list api.ChainList
	e.get("/v1/chains").decode(t, &list)
	require.GreaterOrEqual(t, list.Chains[0].Height, st.LatestHeight, "the chain shows the freshest endpoint")
	require.Equal(t, 2, list.Chains[0].EndpointsUp)

	resp := e.requireAccepted(e.submit(idem(t, 0), intentBody(signer, "4")))
	require.Greater(t, resp.Transfer.TimeoutTimeMs, st.LatestTimeMs, "the deadline is after the chain's block time")
	require.Zero(t, e.waitReceipt(resp.TxHash).Code, "the chain takes it")
}
