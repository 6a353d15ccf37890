// Package sqlstore is the settlement.Store implementation shared by the
// Postgres and SQLite stores: one set of queries in the SQL both engines
// speak ($N placeholders, ON CONFLICT, RETURNING), with the differences
// (time encoding, error codes, connection pools) supplied by a Dialect. It
// owns every settlement query; the engine packages only open connections.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/causeway/causeway/settlement"
)

// Dialect is what differs between engines.
type Dialect struct {
	// Time encodes a time for a query argument.
	Time func(time.Time) any
	// IsUnique reports a unique or primary-key violation.
	IsUnique func(error) bool
	// IsCheck reports a CHECK constraint violation.
	IsCheck func(error) bool
	// LockRows ends a SELECT that takes its rows' write locks ("FOR
	// UPDATE"); empty where a write transaction excludes every other.
	LockRows string
}

// Store implements settlement.Store over database/sql.
type Store struct {
	w, r *sql.DB // writer and reader pools; the same pool on Postgres
	d    Dialect
	now  func() time.Time
	// stmts are the write path's statements, prepared once by New and
	// read-only afterwards: each connection then parses and plans them
	// once (on Postgres planning costs more than executing the UPDATE).
	stmts map[string]*sql.Stmt
}

var _ settlement.Store = (*Store)(nil)

// New returns a store writing through w and reading through r (r may be w).
// The store owns both and closes them in Close.
func New(ctx context.Context, w, r *sql.DB, d Dialect) (*Store, error) {
	s := &Store{w: w, r: r, d: d, now: time.Now, stmts: map[string]*sql.Stmt{}}
	for _, q := range s.hotQueries() {
		st, err := w.PrepareContext(ctx, q)
		if err != nil {
			s.closeStmts()
			return nil, fmt.Errorf("prepare %.40q…: %w", q, err)
		}
		s.stmts[q] = st
	}
	return s, nil
}

// hotQueries are the statements every write runs: the read of the row a
// transfer insert collided with (watchers create the same packets),
// one UPDATE per lifecycle edge and the outbox writes of a single event.
func (s *Store) hotQueries() []string {
	qs := []string{existingTransfer, nextEventSeqs, insertEvents + placeholders(0, eventCols)}
	for _, from := range settlement.Statuses {
		for _, to := range settlement.Statuses {
			if settlement.CanTransition(from, to) {
				q, _ := s.transitionUpdate("", from, to, &settlement.Evidence{Receipt: &settlement.Receipt{}})
				qs = append(qs, q)
			}
		}
	}
	return qs
}

// Close closes the statements and the pools.
func (s *Store) Close() error {
	s.closeStmts()
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

func (s *Store) closeStmts() {
	for _, st := range s.stmts {
		_ = st.Close()
	}
}

// txQueryRow runs q in tx, through its prepared statement when it has one.
func (s *Store) txQueryRow(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	if st, ok := s.stmts[q]; ok {
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, q, args...)
}

// txExec is txQueryRow for statements without results.
func (s *Store) txExec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	if st, ok := s.stmts[q]; ok {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, q, args...)
}

// DB returns the writer pool (benchmarks and tests inspect it).
func (s *Store) DB() *sql.DB { return s.w }

// clock returns the current time as stored: UTC, microsecond precision
// (Postgres keeps microseconds).
func (s *Store) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// inTx runs fn in a transaction on the writer and commits it, or rolls back
// when fn or the commit fails.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// mapErr turns constraint violations into settlement sentinels.
func (s *Store) mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case s.d.IsUnique(err):
		return fmt.Errorf("%w: %w", settlement.ErrConflict, err)
	case s.d.IsCheck(err):
		return fmt.Errorf("%w: %w", settlement.ErrInvalid, err)
	}
	return err
}
