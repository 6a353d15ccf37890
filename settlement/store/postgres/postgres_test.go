package postgres_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement"
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
