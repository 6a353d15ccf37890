package migrate_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement/store/migrate"
	cwsql "github.com/causeway/causeway/sql"
)

func TestParse(t *testing.T) {
	t.Parallel()
	m, err := migrate.Parse("0007_add_things.sql", "-- comment\n-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE a (x INT);\n-- +goose StatementEnd\n-- +goose Down\nDROP TABLE a;\n")
	require.NoError(t, err)
	require.Equal(t, int64(7), m.Version)
	require.Equal(t, "add_things", m.Name)
	require.Equal(t, "CREATE TABLE a (x INT);\n", m.SQL, "only the Up section, annotations dropped")

	for name, text := range map[string]string{
		"1_x.sql":      "CREATE TABLE a (x INT);",                             // no Up
		"2_x.sql":      "-- +goose Up\n",                                      // empty Up
		"3_x.sql":      "-- +goose Up\n-- +goose NO TRANSACTION\nSELECT 1;\n", // unsupported
		"4_x.sql":      "-- +goose Up\nSELECT 1;\n-- +goose Up\nSELECT 2;\n",  // two Ups
		"5_x.sql":      "-- +goose Up\n-- +goose envsub on\nSELECT 1;\n",      // unknown annotation
		"0_x.sql":      "-- +goose Up\nSELECT 1;\n",                           // version 0
		"x_name.sql":   "-- +goose Up\nSELECT 1;\n",                           // no version
		"6_Bad-N.sql":  "-- +goose Up\nSELECT 1;\n",                           // name grammar
		"7_x.sql.orig": "-- +goose Up\nSELECT 1;\n",                           // suffix
	} {
		_, err := migrate.Parse(name, text)
		require.ErrorIs(t, err, migrate.ErrMalformed, name)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"m/0002_b.sql":   {Data: []byte("-- +goose Up\nSELECT 2;\n")},
		"m/0001_a.sql":   {Data: []byte("-- +goose Up\nSELECT 1;\n")},
		"m/README.md":    {Data: []byte("not a migration")},
		"dup/0001_a.sql": {Data: []byte("-- +goose Up\nSELECT 1;\n")},
		"dup/001_b.sql":  {Data: []byte("-- +goose Up\nSELECT 1;\n")},
	}
	ms, err := migrate.Load(fsys, "m")
	require.NoError(t, err)
	require.Len(t, ms, 2)
	require.Equal(t, int64(1), ms[0].Version)
	require.Equal(t, int64(2), ms[1].Version)
	_, err = migrate.Load(fsys, "dup")
	require.ErrorIs(t, err, migrate.ErrMalformed)
}

// TestEmbeddedTwins: every Postgres migration has a SQLite twin with the
// same number and name, so both engines stay on one schema version.
func TestEmbeddedTwins(t *testing.T) {
	t.Parallel()
	pg, err := migrate.Load(cwsql.Migrations, cwsql.PostgresDir)
	require.NoError(t, err)
	lite, err := migrate.Load(cwsql.Migrations, cwsql.SQLiteDir)
	require.NoError(t, err)
	require.NotEmpty(t, pg)
	require.Len(t, lite, len(pg))
	for i := range pg {
		require.Equal(t, pg[i].Version, lite[i].Version)
		require.Equal(t, pg[i].Name, lite[i].Name)
		require.Equal(t, int64(i+1), pg[i].Version, "versions are 1, 2, 3, … without holes")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("0001_a.sql", "-- +goose Up\nCREATE TABLE a (x INT);\n-- +goose Down\nDROP TABLE a;\n")
	f.Add("0002_b.sql", "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- +goose StatementEnd\n")
	f.Fuzz(func(t *testing.T, name, text string) {
		m, err := migrate.Parse(name, text)
		if err != nil {
			require.ErrorIs(t, err, migrate.ErrMalformed)
			return
		}
		require.Positive(t, m.Version)
		require.NotEmpty(t, m.Name)
		for _, line := range strings.Split(m.SQL, "\n") {
			require.False(t, strings.HasPrefix(strings.TrimSpace(line), "-- +goose"), "annotation left in the SQL: %q", line)
		}
	})
}
