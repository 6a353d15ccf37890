package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
)

// HTTP status bounds of a stored response (the schema checks them too).
const (
	minResponseStatus = 100
	maxResponseStatus = 599
)

// beginAttempts bounds BeginRequest's insert-or-read loop: a retry is
// needed only when the row it collided with was deleted before it could be
// read, which takes a DeleteRequest racing each attempt.
const beginAttempts = 3

const requestCols = `client_id, key, body_hash, state, chain, tx_hash, raw_tx, transfer_id, status, response,
	locked_until, created_at, updated_at`

// Idempotency-record statements. Every one is a single statement, so each
// is atomic on both engines: the insert leaves one row whoever races it,
// and the claim's WHERE is re-checked against the row as the previous
// writer left it (Postgres) or runs under the single write lock (SQLite),
// so exactly one caller matches an expired lock.
const (
	insertRequest = `INSERT INTO gateway_requests
	(client_id, key, body_hash, state, locked_until, created_at, updated_at)
VALUES ($1, $2, $3, 'pending', $4, $5, $5)
ON CONFLICT (client_id, key) DO NOTHING RETURNING ` + requestCols
	claimRequest = `UPDATE gateway_requests SET locked_until = $1, updated_at = $2
WHERE client_id = $3 AND key = $4 AND state <> 'done' AND locked_until < $2 RETURNING ` + requestCols
	selectRequest = `SELECT ` + requestCols + ` FROM gateway_requests WHERE client_id = $1 AND key = $2`
)

func scanRequest(sc scanner) (*settlement.IdempotencyRecord, error) {
	var (
		r                        settlement.IdempotencyRecord
		body                     string
		chain, tx, transfer      sql.NullString
		status                   sql.NullInt64
		locked, created, updated dbTime
	)
	if err := sc.Scan(&r.ClientID, &r.Key, &body, &r.State, &chain, &tx, &r.RawTx, &transfer, &status, &r.Response,
		&locked, &created, &updated); err != nil {
		return nil, err
	}
	var err error
	if r.BodyHash, err = parseHash(body); err != nil {
		return nil, err
	}
	if tx.Valid {
		if r.TxHash, err = parseHash(tx.String); err != nil {
			return nil, err
		}
	}
	r.Chain, r.TransferID, r.Status = chain.String, settlement.TransferID(transfer.String), int(status.Int64)
	r.LockedUntil, r.CreatedAt, r.UpdatedAt = locked.t, created.t, updated.t
	return &r, nil
}

// BeginRequest implements settlement.GatewayStore. Of r it stores the
// identity and BodyHash; what a request recorded comes only through
// UpdateRequest.
func (s *Store) BeginRequest(ctx context.Context, r *settlement.IdempotencyRecord, lease time.Duration) (*settlement.IdempotencyRecord, settlement.BeginOutcome, error) {
	if r.ClientID == "" || r.Key == "" || lease <= 0 {
		return nil, 0, fmt.Errorf("begin request %q of %q: %w", r.Key, r.ClientID, settlement.ErrInvalid)
	}
	for range beginAttempts {
		got, outcome, err := s.beginOnce(ctx, r, lease)
		if !errors.Is(err, sql.ErrNoRows) {
			if err != nil {
				return nil, 0, fmt.Errorf("begin request %q of %q: %w", r.Key, r.ClientID, err)
			}
			return got, outcome, nil
		}
	}
	return nil, 0, fmt.Errorf("begin request %q of %q: deleted under every attempt: %w", r.Key, r.ClientID, settlement.ErrConflict)
}

// beginOnce inserts the request, or claims it when its lock expired, or
// reads it. sql.ErrNoRows means it vanished between the steps.
func (s *Store) beginOnce(ctx context.Context, r *settlement.IdempotencyRecord, lease time.Duration) (*settlement.IdempotencyRecord, settlement.BeginOutcome, error) {
	now := s.clock()
	until := s.d.Time(now.Add(lease).Truncate(time.Microsecond))
	got, err := scanRequest(s.w.QueryRowContext(ctx, insertRequest,
		r.ClientID, r.Key, hashText(r.BodyHash), until, s.d.Time(now)))
	if err == nil {
		return got, settlement.BeginCreated, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, 0, fmt.Errorf("insert: %w", s.mapErr(err))
	}
	got, err = scanRequest(s.w.QueryRowContext(ctx, claimRequest, until, s.d.Time(now), r.ClientID, r.Key))
	if err == nil {
		return got, settlement.BeginClaimed, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, 0, fmt.Errorf("claim: %w", err)
	}
	// Read through the writer: the row the insert collided with is
	// committed there, whatever a reader's snapshot holds.
	got, err = scanRequest(s.w.QueryRowContext(ctx, selectRequest, r.ClientID, r.Key))
	if err != nil {
		return nil, 0, err
	}
	if got.State == settlement.RequestDone {
		return got, settlement.BeginDone, nil
	}
	return got, settlement.BeginInFlight, nil
}

// UpdateRequest implements settlement.GatewayStore. Fields left zero in u
// keep their stored values, so a request done after it was sent keeps its
// transaction.
func (s *Store) UpdateRequest(ctx context.Context, clientID, key string, u settlement.RequestUpdate, lease time.Duration) (*settlement.IdempotencyRecord, error) {
	if err := checkRequestUpdate(u, lease); err != nil {
		return nil, fmt.Errorf("update request %q of %q: %w", key, clientID, err)
	}
	now := s.clock()
	var q setter
	q.set("state", string(u.State))
	q.setKeep("chain", nullString(u.Chain))
	q.setKeep("tx_hash", optHash(u.TxHash))
	q.setKeep("raw_tx", optBytes(u.RawTx))
	q.setKeep("transfer_id", nullString(string(u.TransferID)))
	q.setKeep("status", optStatus(u.Status))
	response := u.Response
	if u.State == settlement.RequestDone && response == nil {
		response = []byte{} // an empty body is an answer too
	}
	q.setKeep("response", optBytes(response))
	q.set("locked_until", s.d.Time(now.Add(lease).Truncate(time.Microsecond)))
	q.set("updated_at", s.d.Time(now))
	q.args = append(q.args, clientID, key)
	n := len(q.args)
	got, err := scanRequest(s.w.QueryRowContext(ctx, fmt.Sprintf(`UPDATE gateway_requests SET %s
WHERE client_id = $%d AND key = $%d AND state <> 'done' RETURNING `, strings.Join(q.cols, ", "), n-1, n)+requestCols, q.args...))
	if errors.Is(err, sql.ErrNoRows) {
		err = s.requestGoneOrDone(ctx, clientID, key)
	}
	if err != nil {
		return nil, fmt.Errorf("update request %q of %q to %s: %w", key, clientID, u.State, s.mapErr(err))
	}
	return got, nil
}

func checkRequestUpdate(u settlement.RequestUpdate, lease time.Duration) error {
	switch {
	case lease <= 0:
		return fmt.Errorf("lease %s: %w", lease, settlement.ErrInvalid)
	case u.Status != 0 && (u.Status < minResponseStatus || u.Status > maxResponseStatus):
		return fmt.Errorf("status %d: %w", u.Status, settlement.ErrInvalid)
	}
	switch u.State {
	case settlement.RequestSent:
		if u.Chain == "" || u.TxHash == (attest.Hash{}) || len(u.RawTx) == 0 {
			return fmt.Errorf("sent without its transaction: %w", settlement.ErrInvalid)
		}
	case settlement.RequestDone:
		if u.Status == 0 {
			return fmt.Errorf("done without a status: %w", settlement.ErrInvalid)
		}
	default:
		return fmt.Errorf("state %q: %w", u.State, settlement.ErrInvalid)
	}
	return nil
}

// requestGoneOrDone explains why a write matching only requests not done
// touched nothing: ErrConflict when the request is done, ErrNotFound when
// there is none.
func (s *Store) requestGoneOrDone(ctx context.Context, clientID, key string) error {
	cur, err := scanRequest(s.w.QueryRowContext(ctx, selectRequest, clientID, key))
	if err != nil {
		return notFound(err)
	}
	return fmt.Errorf("request is %s: %w", cur.State, settlement.ErrConflict)
}

// DeleteRequest implements settlement.GatewayStore.
func (s *Store) DeleteRequest(ctx context.Context, clientID, key string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM gateway_requests WHERE client_id = $1 AND key = $2 AND state <> 'done'`,
		clientID, key)
	if err != nil {
		return fmt.Errorf("delete request %q of %q: %w", key, clientID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	if err := s.requestGoneOrDone(ctx, clientID, key); !errors.Is(err, settlement.ErrNotFound) {
		return fmt.Errorf("delete request %q of %q: %w", key, clientID, err)
	}
	return nil
}

// PurgeRequests implements settlement.GatewayStore.
func (s *Store) PurgeRequests(ctx context.Context, before time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM gateway_requests WHERE state = 'done' AND created_at < $1`,
		s.d.Time(before.UTC()))
	if err != nil {
		return 0, fmt.Errorf("purge requests before %s: %w", before, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("purge requests before %s: %w", before, err)
	}
	return int(n), nil
}

// GetRequest implements settlement.GatewayStore. It reads through the
// writer, like BeginRequest, so it sees every committed update.
func (s *Store) GetRequest(ctx context.Context, clientID, key string) (*settlement.IdempotencyRecord, error) {
	got, err := scanRequest(s.w.QueryRowContext(ctx, selectRequest, clientID, key))
	if err != nil {
		return nil, fmt.Errorf("get request %q of %q: %w", key, clientID, notFound(err))
	}
	return got, nil
}

// AbandonedRequests implements settlement.GatewayStore. It names the states
// rather than excluding done, so the (state, created_at) index serves it.
func (s *Store) AbandonedRequests(ctx context.Context, before time.Time, limit int) ([]*settlement.IdempotencyRecord, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("abandoned requests: limit %d: %w", limit, settlement.ErrInvalid)
	}
	rows, err := s.w.QueryContext(ctx, `SELECT `+requestCols+` FROM gateway_requests
WHERE state IN ('pending', 'sent') AND locked_until < $1 ORDER BY locked_until, client_id, key LIMIT $2`,
		s.d.Time(before.UTC().Truncate(time.Microsecond)), limit)
	if err != nil {
		return nil, fmt.Errorf("abandoned requests: %w", err)
	}
	defer rows.Close()
	var out []*settlement.IdempotencyRecord
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, fmt.Errorf("abandoned requests: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("abandoned requests: %w", err)
	}
	return out, nil
}

// optHash is NULL for the zero hash.
func optHash(h attest.Hash) any {
	if h == (attest.Hash{}) {
		return nil
	}
	return hashText(h)
}

// optBytes is NULL for nil (an empty, non-nil slice is stored empty).
func optBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// optStatus is NULL for 0.
func optStatus(v int) any {
	if v == 0 {
		return nil
	}
	return v
}
