package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/store/sqlite"
	"github.com/causeway/causeway/settlement/store/storetest"
)

func open(t testing.TB) *sqlite.Store {
	t.Helper()
	cfg := sqlite.DefaultConfig()
	cfg.Path = filepath.Join(t.TempDir(), "settlement.db")
	s, err := sqlite.Open(t.Context(), cfg)
	require.NoError(t, err)
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) settlement.Store { return open(t) })
}

func TestReopenKeepsState(t *testing.T) {
	t.Parallel()
	cfg := sqlite.DefaultConfig()
	cfg.Path = filepath.Join(t.TempDir(), "settlement.db")
	s, err := sqlite.Open(t.Context(), cfg)
	require.NoError(t, err)
	require.NoError(t, s.SetCursor(t.Context(), "alpha", 9))
	require.NoError(t, s.Close())

	applied, err := sqlite.MigratePath(t.Context(), cfg.Path)
	require.NoError(t, err)
	require.Empty(t, applied, "an opened database is already migrated")

	s, err = sqlite.Open(t.Context(), cfg)
	require.NoError(t, err)
	defer s.Close()
	h, err := s.GetCursor(t.Context(), "alpha")
	require.NoError(t, err)
	require.Equal(t, uint64(9), h)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	cfg := sqlite.DefaultConfig()
	require.Error(t, cfg.Validate(), "no path")
	cfg.Path = "a?b"
	require.Error(t, cfg.Validate())
	cfg.Path = "ok.db"
	require.NoError(t, cfg.Validate())
	cfg.Readers = 0
	require.Error(t, cfg.Validate())
}

func TestSchemaRefusesUnbackedStatus(t *testing.T) {
	t.Parallel()
	storetest.SchemaRefusesUnbackedStatus(t, open(t).Store)
}
