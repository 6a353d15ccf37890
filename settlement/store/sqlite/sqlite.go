// Package sqlite is the embedded settlement store: settlement.Store on a
// single SQLite file through modernc.org/sqlite (pure Go, no cgo). It runs in
// WAL mode with one writer connection (every write transaction begins
// IMMEDIATE, so writers queue instead of failing) and a small pool of
// read-only connections; a busy timeout covers other processes on the same
// file. Money is decimal TEXT, times unix microseconds. Open applies the
// embedded migrations, because the embedded default has no operator step.
// The queries themselves are shared with the Postgres store.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/store/internal/sqlstore"
	"github.com/causeway/causeway/settlement/store/migrate"
	cwsql "github.com/causeway/causeway/sql"
)

// Defaults.
const (
	DefaultBusyTimeout = 5 * time.Second
	DefaultReaders     = 4
	driverName         = "sqlite"
)

// Config configures a store.
type Config struct {
	// Path is the database file; it is created when missing.
	Path string
	// BusyTimeout is how long a connection waits for another process's
	// lock before failing.
	BusyTimeout time.Duration
	// Readers bounds the read-only connection pool.
	Readers int
}

// DefaultConfig returns a config with the defaults and no path.
func DefaultConfig() Config {
	return Config{BusyTimeout: DefaultBusyTimeout, Readers: DefaultReaders}
}

// Validate checks the config.
func (c Config) Validate() error {
	switch {
	case c.Path == "" || strings.ContainsAny(c.Path, "?#"):
		return fmt.Errorf("sqlite: path %q: want a file path without '?' or '#'", c.Path)
	case c.BusyTimeout <= 0:
		return fmt.Errorf("sqlite: busy_timeout %s: must be positive", c.BusyTimeout)
	case c.Readers <= 0:
		return fmt.Errorf("sqlite: readers %d: must be positive", c.Readers)
	}
	return nil
}

// Store is settlement.Store on SQLite.
type Store struct {
	*sqlstore.Store
}

var _ settlement.Store = (*Store)(nil)

// Open opens (creating when missing) and migrates the database at cfg.Path.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	w, err := connect(ctx, cfg, false)
	if err != nil {
		return nil, err
	}
	if _, err := Migrate(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", cfg.Path, err)
	}
	r, err := connect(ctx, cfg, true)
	if err != nil {
		w.Close()
		return nil, err
	}
	s, err := sqlstore.New(ctx, w, r, sqlDialect)
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", cfg.Path, err)
	}
	return &Store{s}, nil
}

// MigratePath applies the embedded migrations to the database at path and
// returns those it applied (what `causeway migrate --sqlite` runs).
func MigratePath(ctx context.Context, path string) ([]migrate.Migration, error) {
	cfg := DefaultConfig()
	cfg.Path = path
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	db, err := connect(ctx, cfg, false)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return Migrate(ctx, db)
}

// Migrate applies the embedded migrations through db.
func Migrate(ctx context.Context, db *sql.DB) ([]migrate.Migration, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	return migrate.Apply(ctx, db, Dialect, ms)
}

// Migrations are the SQLite migrations embedded in this binary.
func Migrations() ([]migrate.Migration, error) {
	return migrate.Load(cwsql.Migrations, cwsql.SQLiteDir)
}

// Dialect is the migrate dialect of SQLite. It needs no lock: write
// transactions begin IMMEDIATE, which serialises them across processes.
var Dialect = migrate.Dialect{
	CreateTable: `CREATE TABLE IF NOT EXISTS ` + migrate.Table + ` (
	version    INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP)`,
}

var sqlDialect = sqlstore.Dialect{
	Time: func(t time.Time) any { return t.UnixMicro() },
	IsUnique: func(err error) bool {
		c := code(err)
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	},
	IsCheck: func(err error) bool { return code(err) == sqlite3.SQLITE_CONSTRAINT_CHECK },
}

func code(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// dsn is the connection string of one pool.
func dsn(cfg Config, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(cfg.BusyTimeout.Milliseconds(), 10)+")")
	q.Add("_pragma", "journal_mode(WAL)")
	// FULL: a committed transition survives power loss, as a system of
	// record must.
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return cfg.Path + "?" + q.Encode()
}

func connect(ctx context.Context, cfg Config, readOnly bool) (*sql.DB, error) {
	db, err := sql.Open(driverName, dsn(cfg, readOnly))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", cfg.Path, err)
	}
	conns := 1 // the one writer
	if readOnly {
		conns = cfg.Readers
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", cfg.Path, err)
	}
	return db, nil
}
