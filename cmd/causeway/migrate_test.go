package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement/store/postgres/pgtest"
)

func TestMigrateSQLite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "settlement.db")
	r := causeway(t, "migrate", "--sqlite", path)
	requireOK(t, r)
	require.Contains(t, r.stdout, "applied 0001_settlement")
	require.Contains(t, r.stdout, "applied 0002_gateway")
	r = causeway(t, "migrate", "--sqlite", path)
	requireOK(t, r)
	require.Contains(t, r.stdout, "up to date at 0002_gateway")
}

func TestMigratePostgres(t *testing.T) {
	t.Parallel()
	url := pgtest.SchemaURL(t)
	r := causeway(t, "migrate", "--postgres", url)
	requireOK(t, r)
	require.Contains(t, r.stdout, "postgres: applied 0001_settlement")
	r = causeway(t, "migrate", "--postgres", url)
	requireOK(t, r)
	require.Contains(t, r.stdout, "up to date")
}

func TestMigrateNeedsOneTarget(t *testing.T) {
	t.Setenv(envPostgresURL, "")
	r := causeway(t, "migrate")
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "exactly one of --postgres")
	r = causeway(t, "migrate", "--postgres", "postgres://x", "--sqlite", "x.db")
	require.Equal(t, exitError, r.code)
}
