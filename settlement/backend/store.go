// Package backend opens the settlement store and the stage queue a process
// is configured with, from one URL each: postgres:// or sqlite: for the
// store, redis:// or memory: for the queue. It is how commands and the relay
// service turn configuration into a settlement.Store and a queue.Queue
// without knowing the implementations.
//
// It owns URL parsing and the choice of implementation, nothing else: the
// stores and queues themselves live in settlement/store/… and
// settlement/queue/…, and this package must not add behaviour to them.
package backend

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/store/postgres"
	"github.com/causeway/causeway/settlement/store/sqlite"
)

// URL schemes accepted for the store.
const (
	SchemePostgres   = "postgres"
	SchemePostgreSQL = "postgresql"
	SchemeSQLite     = "sqlite"
)

// sqliteDirMode is the mode of a directory created for a SQLite file: the
// settlement record is readable by its owner and group only.
const sqliteDirMode = 0o750

// Sentinel errors.
var (
	// ErrUnsupportedScheme: a URL names no store or queue this binary has.
	ErrUnsupportedScheme = errors.New("unsupported scheme")
	// ErrBadURL: the URL has an accepted scheme but cannot be used.
	ErrBadURL = errors.New("bad url")
)

// StoreSchemes lists the accepted store URL forms, for messages.
const StoreSchemes = "postgres://, sqlite:"

// StoreOptions tunes OpenStore.
type StoreOptions struct {
	// Migrate applies pending migrations before opening (on Postgres under
	// the advisory lock `causeway migrate` takes). Without it, a Postgres
	// schema that is behind is refused (migrate.ErrPending). SQLite always
	// migrates on open: the embedded store has no operator step.
	Migrate bool
	// MaxConns bounds the Postgres pool; 0 takes postgres.DefaultMaxConns.
	MaxConns int
	// Dir resolves a relative sqlite: path; "" leaves it relative to the
	// working directory.
	Dir string
}

// OpenStore opens the store at rawURL:
//
//	postgres://user@host:5432/db?sslmode=disable   (or postgresql://)
//	sqlite:relative/settlement.db                  (resolved against opts.Dir)
//	sqlite:/abs/settlement.db  or  sqlite:///abs/settlement.db
//
// A SQLite file's directory is created when missing.
func OpenStore(ctx context.Context, rawURL string, opts StoreOptions) (settlement.Store, error) {
	scheme, err := StoreScheme(rawURL)
	if err != nil {
		return nil, err
	}
	if scheme == SchemeSQLite {
		return openSQLite(ctx, rawURL, opts)
	}
	return openPostgres(ctx, rawURL, opts)
}

// StoreScheme checks rawURL's form without connecting and returns its
// scheme, SchemePostgres for both Postgres spellings.
func StoreScheme(rawURL string) (string, error) {
	switch scheme(rawURL) {
	case SchemePostgres, SchemePostgreSQL:
		if _, err := url.Parse(rawURL); err != nil {
			return "", fmt.Errorf("%w: postgres url does not parse", ErrBadURL)
		}
		return SchemePostgres, nil
	case SchemeSQLite:
		if _, err := SQLitePath(rawURL); err != nil {
			return "", err
		}
		return SchemeSQLite, nil
	default:
		return "", schemeError(rawURL, StoreSchemes)
	}
}

// SQLitePath is the file a sqlite: URL names: "sqlite:PATH" or
// "sqlite:///ABS/PATH". A host ("sqlite://host/…") is refused.
func SQLitePath(rawURL string) (string, error) {
	rest, ok := strings.CutPrefix(rawURL, SchemeSQLite+":")
	if !ok {
		return "", fmt.Errorf("%w: %q is not a sqlite: url", ErrBadURL, rawURL)
	}
	if after, ok := strings.CutPrefix(rest, "//"); ok {
		if !strings.HasPrefix(after, "/") {
			return "", fmt.Errorf("%w: %q names a host; want sqlite:PATH or sqlite:///ABS/PATH", ErrBadURL, rawURL)
		}
		rest = after
	}
	if rest == "" || strings.ContainsAny(rest, "?#") {
		return "", fmt.Errorf("%w: %q: want sqlite:PATH with a file path without '?' or '#'", ErrBadURL, rawURL)
	}
	return rest, nil
}

func openSQLite(ctx context.Context, rawURL string, opts StoreOptions) (settlement.Store, error) {
	path, err := SQLitePath(rawURL)
	if err != nil {
		return nil, err
	}
	if !filepath.IsAbs(path) && opts.Dir != "" {
		path = filepath.Join(opts.Dir, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), sqliteDirMode); err != nil {
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}
	cfg := sqlite.DefaultConfig()
	cfg.Path = path
	s, err := sqlite.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func openPostgres(ctx context.Context, rawURL string, opts StoreOptions) (settlement.Store, error) {
	if opts.Migrate {
		if _, err := postgres.Migrate(ctx, rawURL); err != nil {
			return nil, fmt.Errorf("migrate postgres store at %s: %w", redact(rawURL), err)
		}
	}
	cfg := postgres.DefaultConfig()
	cfg.URL = rawURL
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	s, err := postgres.Open(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres store at %s: %w", redact(rawURL), err)
	}
	return s, nil
}

// schemeError explains why rawURL is none of the accepted forms.
func schemeError(rawURL, accepted string) error {
	switch {
	case rawURL == "":
		return fmt.Errorf("%w: missing (want %s)", ErrBadURL, accepted)
	case scheme(rawURL) == "":
		return fmt.Errorf("%w: no scheme (want %s)", ErrBadURL, accepted)
	}
	return fmt.Errorf("%w %q (want %s)", ErrUnsupportedScheme, scheme(rawURL), accepted)
}

// scheme is rawURL's scheme, lower-cased; "" when it has none.
func scheme(rawURL string) string {
	s, _, ok := strings.Cut(rawURL, ":")
	if !ok {
		return ""
	}
	return strings.ToLower(s)
}

// redact hides a URL's password for messages and logs; a string that does
// not parse as a URL is reduced to its scheme.
func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return scheme(rawURL) + "://…"
	}
	return u.Redacted()
}
