// Package postgres is the production settlement store: settlement.Store on
// Postgres through lib/pq and a pooled database/sql. Money is NUMERIC(78,0),
// events come from a counter row locked until commit (gap-free, in commit
// order), and transitions are compare-and-set UPDATEs under READ COMMITTED.
// Open refuses a database whose schema is behind or ahead of this binary;
// Migrate (what `causeway migrate --postgres` runs) brings it up to date.
// The queries themselves are shared with the SQLite store.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lib/pq"

	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/store/internal/sqlstore"
	"github.com/causeway/causeway/settlement/store/migrate"
	cwsql "github.com/causeway/causeway/sql"
)

// Pool defaults.
const (
	DefaultMaxConns        = 16
	DefaultConnMaxIdleTime = 5 * time.Minute
	DefaultConnMaxLifetime = time.Hour
)

// migrateLockClass is the first key of the advisory lock that serialises
// migrations; the second is the hash of the schema being migrated, so
// migrations of different schemas (one per test) do not wait on each other.
const migrateLockClass = 0x43570001

// SQLSTATE codes mapped to settlement sentinels.
const (
	sqlStateUnique = "23505"
	sqlStateCheck  = "23514"
)

// Config configures a store.
type Config struct {
	// URL is a lib/pq connection string, e.g.
	// postgres://user@host:5432/db?sslmode=disable (add search_path=… to use
	// a schema other than public).
	URL string
	// MaxConns bounds the pool (open and idle).
	MaxConns int
}

// DefaultConfig returns a config with the pool defaults and no URL.
func DefaultConfig() Config { return Config{MaxConns: DefaultMaxConns} }

// Validate checks the config.
func (c Config) Validate() error {
	switch {
	case c.URL == "":
		return errors.New("postgres: url: empty")
	case c.MaxConns <= 0:
		return fmt.Errorf("postgres: max_conns %d: must be positive", c.MaxConns)
	}
	return nil
}

// Store is settlement.Store on Postgres.
type Store struct {
	*sqlstore.Store
}

var _ settlement.Store = (*Store)(nil)

// Open connects, checks that the schema matches this binary's migrations
// (migrate.ErrPending when behind, migrate.ErrUnknownMigration when ahead)
// and returns the store.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	db, err := connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	ms, err := Migrations()
	if err == nil {
		err = migrate.Check(ctx, db, Dialect, ms)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	s, err := sqlstore.New(ctx, db, db, sqlDialect)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	return &Store{s}, nil
}

// Migrate applies the migrations this binary ships that the database lacks,
// under an advisory lock, and returns those it applied.
func Migrate(ctx context.Context, url string) ([]migrate.Migration, error) {
	cfg := DefaultConfig()
	cfg.URL, cfg.MaxConns = url, 1
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	db, err := connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	return migrate.Apply(ctx, db, Dialect, ms)
}

// Migrations are the Postgres migrations embedded in this binary.
func Migrations() ([]migrate.Migration, error) {
	return migrate.Load(cwsql.Migrations, cwsql.PostgresDir)
}

// Dialect is the migrate dialect of Postgres.
var Dialect = migrate.Dialect{
	CreateTable: `CREATE TABLE IF NOT EXISTS ` + migrate.Table + ` (
	version    BIGINT      PRIMARY KEY,
	name       TEXT        NOT NULL,
	applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
	Lock: advisoryLock,
}

func advisoryLock(ctx context.Context, conn *sql.Conn) (func() error, error) {
	const key = `$1, hashtext(current_schema())`
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+key+`)`, migrateLockClass); err != nil {
		return nil, err
	}
	return func() error {
		// A fresh context: the lock must be released even when ctx is done.
		_, err := conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(`+key+`)`, migrateLockClass)
		return err
	}, nil
}

var sqlDialect = sqlstore.Dialect{
	LockRows: "FOR UPDATE",
	Time:     func(t time.Time) any { return t },
	IsUnique: func(err error) bool { return sqlState(err) == sqlStateUnique },
	IsCheck:  func(err error) bool { return sqlState(err) == sqlStateCheck },
}

func sqlState(err error) string {
	var se interface{ SQLState() string }
	if errors.As(err, &se) {
		return se.SQLState()
	}
	return ""
}

func connect(ctx context.Context, cfg Config) (*sql.DB, error) {
	pcfg, err := pq.NewConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	// One round trip per parameterised query instead of two (prepare, then
	// execute). It changes only []byte, which the store passes to BYTEA
	// columns alone, where binary is their native encoding.
	pcfg.BinaryParameters = true
	connector, err := pq.NewConnectorConfig(pcfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(cfg.MaxConns)
	db.SetMaxIdleConns(cfg.MaxConns)
	db.SetConnMaxIdleTime(DefaultConnMaxIdleTime)
	db.SetConnMaxLifetime(DefaultConnMaxLifetime)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	return db, nil
}
