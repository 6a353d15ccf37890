// Package pgtest gives each test its own Postgres schema, as the store tests
// of every package that talks to Postgres need. The server comes from
// CAUSEWAY_TEST_POSTGRES_URL (`make test` sets it); when it is unreachable a
// test fails under CI=true and is skipped, loudly, otherwise.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq" // registers the "postgres" driver
)

// Environment and defaults.
const (
	EnvURL       = "CAUSEWAY_TEST_POSTGRES_URL"
	DefaultURL   = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	SchemaPrefix = "cw_test_"

	connectTimeout = 5 * time.Second  // reachability probe
	dropTimeout    = 30 * time.Second // schema cleanup
	schemaRandLen  = 8                // random bytes in a schema name
)

// ServerURL is the test server's URL: $CAUSEWAY_TEST_POSTGRES_URL or
// DefaultURL.
func ServerURL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

// SchemaURL creates a fresh schema cw_test_<random> and returns a URL whose
// search_path is that schema. The schema is dropped when t ends.
func SchemaURL(t testing.TB) string {
	t.Helper()
	base := ServerURL()
	db, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatalf("pgtest: open %s: %v", EnvURL, err)
	}
	t.Cleanup(func() { db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		unreachable(t, err)
	}
	b := make([]byte, schemaRandLen)
	_, _ = rand.Read(b)
	schema := SchemaPrefix + hex.EncodeToString(b)
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("pgtest: create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), dropTimeout)
		defer cancel()
		if _, err := db.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("pgtest: drop schema %s: %v", schema, err)
		}
	})
	return WithSearchPath(t, base, schema)
}

// WithSearchPath returns base with search_path set to schema, for URL and
// key=value connection strings alike.
func WithSearchPath(t testing.TB, base, schema string) string {
	t.Helper()
	if !strings.Contains(base, "://") {
		return base + " search_path=" + schema
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("pgtest: parse %s: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func unreachable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("pgtest: Postgres at %s is unreachable (CI=true, so this fails): %v", EnvURL, err)
	}
	t.Skipf("\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"+
		"!! SKIPPED: Postgres is unreachable (%v).\n"+
		"!! Run `make services` or set %s; under CI=true this fails.\n"+
		"!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", err, EnvURL)
}
