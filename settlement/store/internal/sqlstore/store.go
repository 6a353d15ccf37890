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
}

// Store implements settlement.Store over database/sql.
type Store struct {
	w, r *sql.DB // writer and reader pools; the same pool on Postgres
	d    Dialect
	now  func() time.Time
}

var _ settlement.Store = (*Store)(nil)

// New returns a store writing through w and reading through r (r may be w).
// The store owns both and closes them in Close.
func New(w, r *sql.DB, d Dialect) *Store {
	return &Store{w: w, r: r, d: d, now: time.Now}
}

// Close closes the pools.
func (s *Store) Close() error {
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
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
