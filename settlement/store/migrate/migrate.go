// Package migrate applies Causeway's embedded SQL migrations (package sql)
// to a database: numbered goose-format files, forward-only, each in its own
// transaction, recorded in schema_migrations. It refuses a database that has
// applied a migration this binary does not know, so an old binary never
// writes to a newer schema. Engines plug in through Dialect (the store
// packages provide theirs); this package knows no engine.
package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

// Sentinel errors.
var (
	// ErrUnknownMigration: the database has applied a migration (version or
	// name) that this binary does not ship; it is newer than the binary.
	ErrUnknownMigration = errors.New("database has a migration this binary does not know")
	// ErrOutOfOrder: a migration this binary ships is missing below the
	// newest applied one; forward-only migrations never fill holes.
	ErrOutOfOrder = errors.New("migration missing below the newest applied one")
	// ErrMalformed: a migration file breaks the naming or goose format.
	ErrMalformed = errors.New("malformed migration")
	// ErrPending: the database lacks migrations this binary ships.
	ErrPending = errors.New("database schema is behind: run `causeway migrate`")
)

// Table is where applied migrations are recorded.
const Table = "schema_migrations"

// Dialect is what an engine provides.
type Dialect struct {
	// CreateTable creates Table (version, name, applied_at) if missing.
	CreateTable string
	// Lock, when set, takes a lock held across processes on conn until the
	// returned release runs (Postgres: an advisory lock).
	Lock func(ctx context.Context, conn *sql.Conn) (release func() error, err error)
}

// Migration is one numbered migration.
type Migration struct {
	Version int64
	Name    string
	SQL     string // the Up section
}

// Apply brings db up to date with ms (sorted by Load) and returns the
// migrations it applied, in order; none when the database was current.
func Apply(ctx context.Context, db *sql.DB, d Dialect, ms []Migration) ([]Migration, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: connect: %w", err)
	}
	defer conn.Close()
	if d.Lock != nil {
		release, err := d.Lock(ctx, conn)
		if err != nil {
			return nil, fmt.Errorf("migrate: lock: %w", err)
		}
		defer release()
	}
	if _, err := conn.ExecContext(ctx, d.CreateTable); err != nil {
		return nil, fmt.Errorf("migrate: create %s: %w", Table, err)
	}
	pending, err := pendingOn(ctx, conn, ms)
	if err != nil {
		return nil, err
	}
	for i, m := range pending {
		if err := applyOne(ctx, conn, m); err != nil {
			return pending[:i], err
		}
	}
	return pending, nil
}

// Pending returns the migrations of ms that db lacks, and ErrUnknownMigration
// or ErrOutOfOrder when db does not fit this binary at all. A database without
// Table lacks every migration.
func Pending(ctx context.Context, db *sql.DB, d Dialect, ms []Migration) ([]Migration, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: connect: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, d.CreateTable); err != nil {
		return nil, fmt.Errorf("migrate: create %s: %w", Table, err)
	}
	return pendingOn(ctx, conn, ms)
}

// Check returns nil when db has exactly the migrations ms, ErrPending when
// some are missing, and the errors of Pending otherwise.
func Check(ctx context.Context, db *sql.DB, d Dialect, ms []Migration) error {
	pending, err := Pending(ctx, db, d, ms)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		return fmt.Errorf("migrate: %d pending, first %04d_%s: %w", len(pending), pending[0].Version, pending[0].Name, ErrPending)
	}
	return nil
}

func pendingOn(ctx context.Context, conn *sql.Conn, ms []Migration) ([]Migration, error) {
	applied, err := appliedOn(ctx, conn)
	if err != nil {
		return nil, err
	}
	known := make(map[int64]string, len(ms))
	for _, m := range ms {
		known[m.Version] = m.Name
	}
	var newest int64
	for v, name := range applied {
		if kn, ok := known[v]; !ok || kn != name {
			return nil, fmt.Errorf("migrate: applied %04d_%s: %w", v, name, ErrUnknownMigration)
		}
		newest = max(newest, v)
	}
	var pending []Migration
	for _, m := range ms {
		if _, ok := applied[m.Version]; ok {
			continue
		}
		if m.Version < newest {
			return nil, fmt.Errorf("migrate: %04d_%s is missing below applied %04d: %w", m.Version, m.Name, newest, ErrOutOfOrder)
		}
		pending = append(pending, m)
	}
	return pending, nil
}

func appliedOn(ctx context.Context, conn *sql.Conn) (map[int64]string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT version, name FROM `+Table)
	if err != nil {
		return nil, fmt.Errorf("migrate: read %s: %w", Table, err)
	}
	defer rows.Close()
	applied := make(map[int64]string)
	for rows.Next() {
		var v int64
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			return nil, fmt.Errorf("migrate: read %s: %w", Table, err)
		}
		applied[v] = name
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("migrate: read %s: %w", Table, err)
	}
	return applied, nil
}

// applyOne runs m and records it in one transaction. It re-checks inside the
// transaction, so two processes racing without a Lock apply m once.
func applyOne(ctx context.Context, conn *sql.Conn, m Migration) (err error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %04d_%s: begin: %w", m.Version, m.Name, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+Table+` WHERE version = $1`, m.Version).Scan(&n); err != nil {
		return fmt.Errorf("migrate: %04d_%s: check: %w", m.Version, m.Name, err)
	}
	if n > 0 {
		return tx.Rollback()
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migrate: %04d_%s: %w", m.Version, m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+Table+` (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
		return fmt.Errorf("migrate: %04d_%s: record: %w", m.Version, m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %04d_%s: commit: %w", m.Version, m.Name, err)
	}
	return nil
}

// sortMigrations orders ms by version.
func sortMigrations(ms []Migration) {
	slices.SortFunc(ms, func(a, b Migration) int {
		switch {
		case a.Version < b.Version:
			return -1
		case a.Version > b.Version:
			return 1
		}
		return 0
	})
}
