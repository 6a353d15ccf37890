package postgres_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/store/migrate"
	"github.com/causeway/causeway/settlement/store/postgres"
	"github.com/causeway/causeway/settlement/store/postgres/pgtest"
	"github.com/causeway/causeway/settlement/store/storetest"
)

// open migrates a fresh schema and opens a store on it.
func open(t testing.TB, maxConns int) *postgres.Store {
	t.Helper()
	url := pgtest.SchemaURL(t)
	applied, err := postgres.Migrate(t.Context(), url)
	require.NoError(t, err)
	require.NotEmpty(t, applied)
	cfg := postgres.DefaultConfig()
	cfg.URL, cfg.MaxConns = url, maxConns
	s, err := postgres.Open(t.Context(), cfg)
	require.NoError(t, err)
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) settlement.Store { return open(t, postgres.DefaultMaxConns) })
}

func TestMigrateConcurrent(t *testing.T) {
	t.Parallel()
	url := pgtest.SchemaURL(t)
	const migrators = 4
	results := make(chan int, migrators)
	errs := make(chan error, migrators)
	for range migrators {
		go func() {
			applied, err := postgres.Migrate(t.Context(), url)
			errs <- err
			results <- len(applied)
		}()
	}
	total := 0
	for range migrators {
		require.NoError(t, <-errs)
		total += <-results
	}
	ms, err := postgres.Migrations()
	require.NoError(t, err)
	require.Equal(t, len(ms), total, "the advisory lock lets each migration apply once")
}

func TestOpenChecksSchema(t *testing.T) {
	t.Parallel()
	url := pgtest.SchemaURL(t)
	cfg := postgres.DefaultConfig()
	cfg.URL = url
	_, err := postgres.Open(t.Context(), cfg)
	require.ErrorIs(t, err, migrate.ErrPending, "an unmigrated schema is refused")

	_, err = postgres.Migrate(t.Context(), url)
	require.NoError(t, err)
	s, err := postgres.Open(t.Context(), cfg)
	require.NoError(t, err)
	_, err = s.DB().ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES (9999, 'from_the_future')`)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	_, err = postgres.Open(t.Context(), cfg)
	require.ErrorIs(t, err, migrate.ErrUnknownMigration, "a newer schema is refused")
	_, err = postgres.Migrate(t.Context(), url)
	require.ErrorIs(t, err, migrate.ErrUnknownMigration)
}

func TestSchemaRefusesUnbackedStatus(t *testing.T) {
	t.Parallel()
	storetest.SchemaRefusesUnbackedStatus(t, open(t, 1).Store)
}
