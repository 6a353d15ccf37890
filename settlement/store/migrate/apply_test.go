package migrate_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/causeway/causeway/settlement/store/migrate"
)

var testDialect = migrate.Dialect{
	CreateTable: `CREATE TABLE IF NOT EXISTS ` + migrate.Table + ` (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT)`,
}

func openDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db")+"?_txlock=immediate")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func mig(v int64, name, sql string) migrate.Migration {
	return migrate.Migration{Version: v, Name: name, SQL: sql}
}

func TestApply(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	v1 := []migrate.Migration{mig(1, "a", "CREATE TABLE a (x INTEGER);")}
	v2 := append(v1, mig(2, "b", "CREATE TABLE b (x INTEGER); INSERT INTO b VALUES (1);"))

	require.ErrorIs(t, migrate.Check(t.Context(), db, testDialect, v1), migrate.ErrPending)
	applied, err := migrate.Apply(t.Context(), db, testDialect, v1)
	require.NoError(t, err)
	require.Equal(t, v1, applied)
	require.NoError(t, migrate.Check(t.Context(), db, testDialect, v1))

	applied, err = migrate.Apply(t.Context(), db, testDialect, v2)
	require.NoError(t, err)
	require.Equal(t, v2[1:], applied, "only the new one")
	var n int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM b`).Scan(&n))
	require.Equal(t, 1, n, "a multi-statement migration runs whole")

	applied, err = migrate.Apply(t.Context(), db, testDialect, v2)
	require.NoError(t, err)
	require.Empty(t, applied)

	// An older binary (knows only v1) refuses the newer database.
	_, err = migrate.Apply(t.Context(), db, testDialect, v1)
	require.ErrorIs(t, err, migrate.ErrUnknownMigration)
	require.ErrorIs(t, migrate.Check(t.Context(), db, testDialect, v1), migrate.ErrUnknownMigration)
	// So does one whose migration 2 is a different migration.
	_, err = migrate.Apply(t.Context(), db, testDialect, []migrate.Migration{v1[0], mig(2, "other", "SELECT 1;")})
	require.ErrorIs(t, err, migrate.ErrUnknownMigration)
}

func TestApplyRollsBackAFailedMigration(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	ms := []migrate.Migration{
		mig(1, "a", "CREATE TABLE a (x INTEGER);"),
		mig(2, "broken", "CREATE TABLE c (x INTEGER); INSERT INTO nowhere VALUES (1);"),
	}
	applied, err := migrate.Apply(t.Context(), db, testDialect, ms)
	require.Error(t, err)
	require.Equal(t, ms[:1], applied)
	var n int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'c'`).Scan(&n))
	require.Zero(t, n, "the failed migration left nothing behind")
	pending, err := migrate.Pending(t.Context(), db, testDialect, ms)
	require.NoError(t, err)
	require.Equal(t, ms[1:], pending)
}

func TestApplyRefusesHoles(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	_, err := migrate.Apply(t.Context(), db, testDialect, []migrate.Migration{mig(1, "a", "SELECT 1;"), mig(3, "c", "SELECT 3;")})
	require.NoError(t, err)
	_, err = migrate.Apply(t.Context(), db, testDialect, []migrate.Migration{
		mig(1, "a", "SELECT 1;"), mig(2, "b", "SELECT 2;"), mig(3, "c", "SELECT 3;")})
	require.ErrorIs(t, err, migrate.ErrOutOfOrder)
}
