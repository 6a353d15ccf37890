package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
)

// List implements settlement.Store. Rows are ordered by row_id, newest first;
// the cursor is the last row_id returned, so rows created while paging sort
// before the first page and never shift later ones.
func (s *Store) List(ctx context.Context, f settlement.ListFilter, cursor string, limit int) ([]*settlement.Transfer, string, error) {
	limit = settlement.PageSize(limit)
	var q setter
	var where []string
	if f.Account != (attest.Address{}) {
		a := addrText(f.Account)
		where = append(where, "("+q.arg("sender", a)+" OR "+q.arg("receiver", a)+")")
	}
	where = q.appendIf(where, f.Src != "", "src_chain", f.Src)
	where = q.appendIf(where, f.Dst != "", "dst_chain", f.Dst)
	where = q.appendIf(where, f.Status != "", "status", string(f.Status))
	where = q.appendIf(where, f.ClientID != "", "client_id", f.ClientID)
	if cursor != "" {
		after, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || after <= 0 {
			return nil, "", fmt.Errorf("list transfers: cursor %q: %w", cursor, settlement.ErrInvalid)
		}
		q.args = append(q.args, after)
		where = append(where, fmt.Sprintf("row_id < $%d", len(q.args)))
	}
	q.args = append(q.args, limit+1)
	query := `SELECT ` + transferCols + ` FROM transfers` + whereClause(where) +
		fmt.Sprintf(" ORDER BY row_id DESC LIMIT $%d", len(q.args))
	rows, err := s.r.QueryContext(ctx, query, q.args...)
	if err != nil {
		return nil, "", fmt.Errorf("list transfers: %w", err)
	}
	defer rows.Close()
	var out []*settlement.Transfer
	var last int64
	for rows.Next() {
		t, rowID, err := scanTransfer(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list transfers: %w", err)
		}
		if len(out) == limit {
			return out, strconv.FormatInt(last, 10), rows.Err()
		}
		out, last = append(out, t), rowID
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list transfers: %w", err)
	}
	return out, "", nil
}

// Stuck implements settlement.Store.
func (s *Store) Stuck(ctx context.Context, stage settlement.Stage, enteredBefore time.Time, limit int) ([]*settlement.Transfer, error) {
	status, ok := stage.Status()
	if !ok {
		return nil, fmt.Errorf("stuck transfers: stage %q: %w", stage, settlement.ErrInvalid)
	}
	out, err := s.queryTransfers(ctx, s.r, `SELECT `+transferCols+` FROM transfers
WHERE status = $1 AND status_at < $2 ORDER BY status_at, row_id LIMIT $3`,
		string(status), s.d.Time(enteredBefore.UTC()), settlement.PageSize(limit))
	if err != nil {
		return nil, fmt.Errorf("stuck transfers in %s: %w", stage, err)
	}
	return out, nil
}

// querier is a pool or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryTransfers runs query, which selects transferCols, on q and returns
// its rows.
func (s *Store) queryTransfers(ctx context.Context, q querier, query string, args ...any) ([]*settlement.Transfer, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []*settlement.Transfer
	for rows.Next() {
		t, _, err := scanTransfer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, s.mapErr(rows.Err())
}

// byID keys ts by id.
func byID(ts []*settlement.Transfer) map[settlement.TransferID]*settlement.Transfer {
	out := make(map[settlement.TransferID]*settlement.Transfer, len(ts))
	for _, t := range ts {
		out[t.ID] = t
	}
	return out
}

// RecordAttempt implements settlement.Store.
func (s *Store) RecordAttempt(ctx context.Context, id settlement.TransferID, stage settlement.Stage, errMsg string) (int, error) {
	status, ok := stage.Status()
	if !ok {
		return 0, fmt.Errorf("record attempt on %s: stage %q: %w", id, stage, settlement.ErrInvalid)
	}
	col := string(stage) + "_attempts" // stage is one of the settlement constants
	var n int
	var q setter
	q.args = append(q.args, errMsg, s.d.Time(s.clock()))
	where := q.idMatch(id) + " AND " + q.arg("status", string(status))
	err := s.w.QueryRowContext(ctx, `UPDATE transfers SET `+col+` = `+col+` + 1, last_error = $1, updated_at = $2
WHERE `+where+` RETURNING `+col, q.args...).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		cur, gerr := s.Get(ctx, id)
		if gerr != nil {
			return 0, fmt.Errorf("record attempt: %w", gerr)
		}
		return 0, fmt.Errorf("record %s attempt on %s: transfer is %s: %w", stage, id, cur.Status, settlement.ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("record %s attempt on %s: %w", stage, id, err)
	}
	return n, nil
}

// Events implements settlement.Store.
func (s *Store) Events(ctx context.Context, afterSeq uint64, limit int, f settlement.EventFilter) ([]settlement.Event, error) {
	if err := checkInt64("event seq", afterSeq); err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	var q setter
	q.args = append(q.args, int64(afterSeq))
	where := []string{"seq > $1"}
	where = q.appendIf(where, f.TransferID != "", "transfer_id", string(f.TransferID))
	if f.Account != (attest.Address{}) {
		a := addrText(f.Account)
		where = append(where, "("+q.arg("sender", a)+" OR "+q.arg("receiver", a)+")")
	}
	where = q.appendIf(where, f.Src != "", "src_chain", f.Src)
	where = q.appendIf(where, f.Dst != "", "dst_chain", f.Dst)
	q.args = append(q.args, settlement.PageSize(limit))
	query := `SELECT seq, transfer_id, src_chain, dst_chain, status, payload, created_at FROM transfer_events` +
		whereClause(where) + fmt.Sprintf(" ORDER BY seq LIMIT $%d", len(q.args))
	rows, err := s.r.QueryContext(ctx, query, q.args...)
	if err != nil {
		return nil, fmt.Errorf("events after %d: %w", afterSeq, err)
	}
	defer rows.Close()
	var out []settlement.Event
	for rows.Next() {
		var e settlement.Event
		var seq int64
		var payload []byte
		var at dbTime
		if err := rows.Scan(&seq, &e.TransferID, &e.Src, &e.Dst, &e.Status, &payload, &at); err != nil {
			return nil, fmt.Errorf("events after %d: %w", afterSeq, err)
		}
		e.Seq, e.Payload, e.At = uint64(seq), payload, at.t
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("events after %d: %w", afterSeq, err)
	}
	return out, nil
}

func (u *setter) appendIf(where []string, ok bool, col string, v any) []string {
	if !ok {
		return where
	}
	return append(where, u.arg(col, v))
}

func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}
