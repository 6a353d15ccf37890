package gateway

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// answer is the response to a submission, and what the metrics count it
// as.
type answer struct {
	status   int
	body     []byte // JSON, for a 202
	location string
	problem  *api.Problem
	result   string
	replayed bool
}

func problemAnswer(p *api.Problem, result string) answer {
	return answer{status: p.Status, problem: p, result: result}
}

// submit is POST /v1/transfers. It checks the request without side
// effects, claims its Idempotency-Key, and then either replays the answer
// of a finished submission, refuses one in flight, resumes one a dead
// gateway left behind, or processes it (see process).
func (s *server) submit(w http.ResponseWriter, r *http.Request, c caller) {
	a := s.handleSubmit(r, c)
	s.metrics.submission(a.result)
	if a.problem != nil {
		writeProblem(w, a.problem)
		return
	}
	if a.location != "" {
		w.Header().Set("Location", a.location)
	}
	if a.replayed {
		w.Header().Set(api.HeaderReplayed, "true")
	}
	writeBody(w, a.status, contentTypeJSON, a.body)
}

func (s *server) handleSubmit(r *http.Request, c caller) answer {
	key, body, p := s.readSubmission(r)
	if p != nil {
		return problemAnswer(p, resultInvalid)
	}
	pl, p := s.parseSubmission(body, c)
	if p != nil {
		return problemAnswer(p, resultInvalid)
	}
	// From here on the submission runs to its end even if the client goes
	// away, within the part of the lease that keeps its key locked.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), s.flowTimeout())
	defer cancel()
	rec := &settlement.IdempotencyRecord{ClientID: c.clientID(), Key: key, BodyHash: sha256.Sum256(body)}
	got, outcome, err := s.store.BeginRequest(ctx, rec, s.cfg.Idempotency.Lease.Duration())
	if err != nil {
		s.log.Error("begin request", zap.String("client_id", rec.ClientID), zap.Error(err))
		return problemAnswer(api.NewProblem(api.CodeInternal, "the submission could not be recorded"), resultError)
	}
	if got.BodyHash != rec.BodyHash {
		return problemAnswer(api.NewProblem(api.CodeIdempotencyReused,
			"Idempotency-Key "+strconv.Quote(key)+" was first used with another request body"), resultInvalid)
	}
	switch {
	case outcome == settlement.BeginDone:
		return replay(got)
	case outcome == settlement.BeginInFlight:
		return problemAnswer(api.NewProblem(api.CodeIdempotencyInFlight,
			"the first request with Idempotency-Key "+strconv.Quote(key)+" is still running; retry later"), resultInFlight)
	case outcome == settlement.BeginClaimed && got.State == settlement.RequestSent:
		return s.resume(ctx, got, c)
	}
	return s.process(ctx, pl, c, key)
}

// flowTimeout bounds a submission after its key is claimed: well inside
// the lease, so no retry can claim the key while this one still runs.
func (s *server) flowTimeout() time.Duration {
	return s.cfg.Idempotency.Lease.Duration() * 2 / 3
}

// readSubmission checks the media type and the Idempotency-Key and reads
// the body under the size limit.
func (s *server) readSubmission(r *http.Request) (key string, body []byte, p *api.Problem) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != contentTypeJSON {
		return "", nil, api.NewProblem(api.CodeUnsupportedMedia, "send the body as Content-Type: application/json")
	}
	key = r.Header.Get(api.HeaderIdempotencyKey)
	switch {
	case len(r.Header.Values(api.HeaderIdempotencyKey)) == 0:
		return "", nil, api.NewProblem(api.CodeIdempotencyMissing, "set an Idempotency-Key header unique to this transfer")
	case len(r.Header.Values(api.HeaderIdempotencyKey)) > 1 || !api.ValidIdempotencyKey(key):
		return "", nil, api.NewProblem(api.CodeIdempotencyInvalid,
			"Idempotency-Key must be one value of 1 to 128 letters, digits and _ . : -")
	}
	limit := s.cfg.Limits.MaxBodyBytes
	tooLarge := api.NewProblem(api.CodeBodyTooLarge, "the body is over "+strconv.FormatInt(limit, 10)+" bytes")
	if r.ContentLength > limit {
		return "", nil, tooLarge
	}
	body, err = io.ReadAll(io.LimitReader(r.Body, limit+1))
	switch {
	case err != nil:
		return "", nil, api.NewProblem(api.CodeInvalidJSON, "the body could not be read: "+err.Error())
	case int64(len(body)) > limit:
		return "", nil, tooLarge
	}
	return key, body, nil
}

// replay answers a repeated key with the first answer, byte for byte.
func replay(rec *settlement.IdempotencyRecord) answer {
	a := answer{status: rec.Status, body: rec.Response, result: resultReplayed, replayed: true}
	if rec.TransferID != "" {
		a.location = api.TransferPath(rec.TransferID)
	}
	return a
}

// forget deletes a request that changed nothing, so its key is free again.
func (s *server) forget(ctx context.Context, c caller, key string) {
	if err := s.store.DeleteRequest(ctx, c.clientID(), key); err != nil {
		// The row stays locked until its lease ends; a retry then starts over.
		s.log.Warn("delete request", zap.String("client_id", c.clientID()), zap.Error(err))
	}
}

// accept records the transfer of a transaction the chain took, and the
// answer under the request's key.
func (s *server) accept(ctx context.Context, st *signedTx, c caller, key string) answer {
	stored, err := s.createTransfer(ctx, st, c.clientID(), key)
	if err != nil {
		// The request stays sent: a retry (or the resubmitter) resends the
		// same transaction and creates the row then.
		s.log.Error("create transfer", zap.String("tx_hash", st.hash.Hex()), zap.Error(err))
		return problemAnswer(api.NewProblem(api.CodeInternal, "the transaction was sent but its transfer could not be recorded; retry with the same Idempotency-Key"), resultError)
	}
	resp := api.SubmitResponse{ID: stored.ID, URL: api.TransferPath(stored.ID), Status: stored.Status, TxHash: st.hash,
		Transfer: api.ViewOf(stored, ownedBy(stored, c))}
	body, err := encodeJSON(resp)
	if err != nil {
		return problemAnswer(api.NewProblem(api.CodeInternal, "encode response"), resultError)
	}
	_, err = s.store.UpdateRequest(ctx, c.clientID(), key, settlement.RequestUpdate{State: settlement.RequestDone,
		TransferID: stored.ID, Status: http.StatusAccepted, Response: body}, s.cfg.Idempotency.Lease.Duration())
	if err != nil && !errors.Is(err, settlement.ErrConflict) {
		// The answer stands; a retry resends and gets the same transfer.
		s.log.Warn("record answer", zap.String("transfer_id", string(stored.ID)), zap.Error(err))
	}
	return answer{status: http.StatusAccepted, body: body, location: resp.URL, result: resultAccepted}
}

// createTransfer stores the transfer of st in submitted. The store returns
// the row the relay already made when it saw the packet first, now the
// client's. A client
// reference taken by another transfer (a key reused after its record was
// purged) is dropped rather than misattribute the row.
func (s *server) createTransfer(ctx context.Context, st *signedTx, clientID, key string) (*settlement.Transfer, error) {
	x := st.xfer
	row := &settlement.Transfer{Src: st.tx.ChainID, Dst: x.Dst, Status: settlement.StatusSubmitted,
		Sender: st.sender, Receiver: x.Receiver, Denom: x.Denom, Amount: x.Amount, Fee: x.RelayFee,
		TimeoutHeight: x.TimeoutHeight, TimeoutTimeMs: x.TimeoutTimeMs, ClientID: clientID, ClientRef: key,
		Source: settlement.StageRecord{TxHash: st.hash}}
	stored, err := s.rows.create(ctx, row)
	if err != nil || stored.Source.TxHash == st.hash {
		return stored, err
	}
	s.log.Warn("client reference names another transfer; recording this one without it",
		zap.String("client_id", clientID), zap.String("transfer_id", string(stored.ID)))
	row.ClientRef = ""
	stored, _, err = s.store.CreateTransfer(ctx, row)
	return stored, err
}

// txHashOf is the hash a chain gives raw: of the bytes as sent.
func txHashOf(raw []byte) attest.Hash { return attest.Keccak(raw) }
