package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
)

// GetCursor implements settlement.Store.
func (s *Store) GetCursor(ctx context.Context, chain string) (uint64, error) {
	var h int64
	err := s.r.QueryRowContext(ctx, `SELECT height FROM chain_cursors WHERE chain = $1`, chain).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("get cursor of %s: %w", chain, err)
	}
	return uint64(h), nil
}

// SetCursor implements settlement.Store: the upsert only ever raises height.
func (s *Store) SetCursor(ctx context.Context, chain string, height uint64) error {
	if err := checkInt64("height", height); err != nil {
		return fmt.Errorf("set cursor of %s: %w", chain, err)
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO chain_cursors (chain, height, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (chain) DO UPDATE SET height = excluded.height, updated_at = excluded.updated_at
WHERE chain_cursors.height < excluded.height`, chain, int64(height), s.d.Time(s.clock())); err != nil {
		return fmt.Errorf("set cursor of %s to %d: %w", chain, height, err)
	}
	return nil
}

const submissionCols = `chain, tx_hash, kind, signer, nonce, batch_size, status, attempts, height, error, created_at, updated_at`

func scanSubmission(sc scanner) (*settlement.Submission, error) {
	var (
		sub              settlement.Submission
		tx, signer       string
		nonce, height    int64
		created, updated dbTime
	)
	if err := sc.Scan(&sub.Chain, &tx, &sub.Kind, &signer, &nonce, &sub.BatchSize, &sub.Status,
		&sub.Attempts, &height, &sub.Error, &created, &updated); err != nil {
		return nil, err
	}
	var err error
	if sub.TxHash, err = parseHash(tx); err != nil {
		return nil, err
	}
	if sub.Signer, err = parseAddress(signer); err != nil {
		return nil, err
	}
	sub.Nonce, sub.Height = uint64(nonce), uint64(height)
	sub.CreatedAt, sub.UpdatedAt = created.t, updated.t
	return &sub, nil
}

// CreateSubmission implements settlement.Store.
func (s *Store) CreateSubmission(ctx context.Context, sub *settlement.Submission) (*settlement.Submission, error) {
	switch {
	case !settlement.ValidChainID(sub.Chain), sub.TxHash == (attest.Hash{}), !sub.Kind.Valid(),
		sub.BatchSize < 0, sub.Status != "" && !sub.Status.Valid():
		return nil, fmt.Errorf("create submission on %s: %w", sub.Chain, settlement.ErrInvalid)
	}
	if err := checkInt64("nonce or height", sub.Nonce, sub.Height); err != nil {
		return nil, fmt.Errorf("create submission: %w", err)
	}
	status := sub.Status
	if status == "" {
		status = settlement.SubmissionPending
	}
	now := s.d.Time(s.clock())
	if _, err := s.w.ExecContext(ctx, `INSERT INTO relay_submissions
	(chain, tx_hash, kind, signer, nonce, batch_size, status, attempts, height, error, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
ON CONFLICT (chain, tx_hash) DO NOTHING`,
		sub.Chain, hashText(sub.TxHash), string(sub.Kind), addrText(sub.Signer), int64(sub.Nonce), sub.BatchSize,
		string(status), sub.Attempts, int64(sub.Height), sub.Error, now); err != nil {
		return nil, fmt.Errorf("create submission %s on %s: %w", sub.TxHash.Hex(), sub.Chain, s.mapErr(err))
	}
	return s.GetSubmission(ctx, sub.Chain, sub.TxHash)
}

// UpdateSubmission implements settlement.Store.
func (s *Store) UpdateSubmission(ctx context.Context, chain string, tx attest.Hash, u settlement.SubmissionUpdate) (*settlement.Submission, error) {
	if !u.Status.Valid() || u.Attempts < 0 {
		return nil, fmt.Errorf("update submission %s on %s: %w", tx.Hex(), chain, settlement.ErrInvalid)
	}
	if err := checkInt64("height", u.Height); err != nil {
		return nil, fmt.Errorf("update submission: %w", err)
	}
	sub, err := scanSubmission(s.w.QueryRowContext(ctx, `UPDATE relay_submissions
SET status = $1, height = $2, error = $3, attempts = CASE WHEN $4 > 0 THEN $4 ELSE attempts END, updated_at = $5
WHERE chain = $6 AND tx_hash = $7 RETURNING `+submissionCols,
		string(u.Status), int64(u.Height), u.Error, u.Attempts, s.d.Time(s.clock()), chain, hashText(tx)))
	if err != nil {
		return nil, fmt.Errorf("update submission %s on %s: %w", tx.Hex(), chain, notFound(err))
	}
	return sub, nil
}

// GetSubmission implements settlement.Store.
func (s *Store) GetSubmission(ctx context.Context, chain string, tx attest.Hash) (*settlement.Submission, error) {
	sub, err := scanSubmission(s.r.QueryRowContext(ctx,
		`SELECT `+submissionCols+` FROM relay_submissions WHERE chain = $1 AND tx_hash = $2`, chain, hashText(tx)))
	if err != nil {
		return nil, fmt.Errorf("get submission %s on %s: %w", tx.Hex(), chain, notFound(err))
	}
	return sub, nil
}

// ListSubmissions implements settlement.Store.
func (s *Store) ListSubmissions(ctx context.Context, f settlement.SubmissionFilter, limit int) ([]*settlement.Submission, error) {
	var q setter
	var where []string
	where = q.appendIf(where, f.Chain != "", "chain", f.Chain)
	where = q.appendIf(where, f.Signer != (attest.Address{}), "signer", addrText(f.Signer))
	where = q.appendIf(where, f.Status != "", "status", string(f.Status))
	where = q.appendIf(where, f.Kind != "", "kind", string(f.Kind))
	q.args = append(q.args, settlement.PageSize(limit))
	rows, err := s.r.QueryContext(ctx, `SELECT `+submissionCols+` FROM relay_submissions`+whereClause(where)+
		fmt.Sprintf(" ORDER BY row_id DESC LIMIT $%d", len(q.args)), q.args...)
	if err != nil {
		return nil, fmt.Errorf("list submissions: %w", err)
	}
	defer rows.Close()
	var out []*settlement.Submission
	for rows.Next() {
		sub, err := scanSubmission(rows)
		if err != nil {
			return nil, fmt.Errorf("list submissions: %w", err)
		}
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list submissions: %w", err)
	}
	return out, nil
}

// SaveReconciliation implements settlement.Store.
func (s *Store) SaveReconciliation(ctx context.Context, r *settlement.Reconciliation) error {
	if r.Escrow == nil || r.Vouchers == nil || r.InFlight == nil || r.Denom == "" ||
		!settlement.ValidChainID(r.Src) || !settlement.ValidChainID(r.Dst) {
		return fmt.Errorf("save reconciliation %s→%s %s: %w", r.Src, r.Dst, r.Denom, settlement.ErrInvalid)
	}
	if r.At.IsZero() {
		r.At = s.clock()
	}
	r.At = r.At.UTC().Truncate(time.Microsecond)
	err := s.w.QueryRowContext(ctx, `INSERT INTO reconciliations
	(checked_at, src_chain, dst_chain, denom, escrow, vouchers, in_flight, ok, detail)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		s.d.Time(r.At), r.Src, r.Dst, r.Denom, r.Escrow.Dec(), r.Vouchers.Dec(), r.InFlight.Dec(), r.OK, r.Detail).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("save reconciliation %s→%s %s: %w", r.Src, r.Dst, r.Denom, s.mapErr(err))
	}
	return nil
}

// LastReconciliation implements settlement.Store.
func (s *Store) LastReconciliation(ctx context.Context, src, dst, denom string) (*settlement.Reconciliation, error) {
	r, err := scanReconciliation(s.r.QueryRowContext(ctx, `SELECT `+reconciliationCols+`
FROM reconciliations WHERE src_chain = $1 AND dst_chain = $2 AND denom = $3 ORDER BY id DESC LIMIT 1`, src, dst, denom))
	if err != nil {
		return nil, fmt.Errorf("last reconciliation %s→%s %s: %w", src, dst, denom, notFound(err))
	}
	return r, nil
}
