// Package sql holds Causeway's database migrations: numbered, forward-only
// goose-format files, one directory per engine (postgres/, sqlite/ — the
// SQLite twin of each Postgres migration carries the same number and name).
// It only embeds them; settlement/store/migrate applies them. No Go logic
// belongs here.
package sql

import "embed"

// Migrations are the embedded migration files, under postgres/ and sqlite/.
//
//go:embed postgres/*.sql sqlite/*.sql
var Migrations embed.FS

// Directories of each engine's migrations in Migrations.
const (
	PostgresDir = "postgres"
	SQLiteDir   = "sqlite"
)
