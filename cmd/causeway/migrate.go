package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/causeway/causeway/settlement/store/migrate"
	"github.com/causeway/causeway/settlement/store/postgres"
	"github.com/causeway/causeway/settlement/store/sqlite"
)

// Flags of causeway migrate and the environment variable behind --postgres
// (so a password need not appear on the command line).
const (
	flagMigratePostgres = "postgres"
	flagMigrateSQLite   = "sqlite"
	envPostgresURL      = "CAUSEWAY_POSTGRES_URL"
)

var errMigrateTarget = errors.New("migrate: give exactly one of --" + flagMigratePostgres +
	" URL (or $" + envPostgresURL + ") and --" + flagMigrateSQLite + " PATH")

func newMigrateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate (--postgres URL | --sqlite PATH)",
		Short: "Apply the embedded settlement schema migrations to Postgres or a SQLite file",
		Long: "migrate applies the numbered, forward-only migrations built into this binary that the\n" +
			"database lacks, each in its own transaction (under an advisory lock on Postgres), and\n" +
			"prints what it did. It refuses a database that has a migration this binary does not\n" +
			"know: run the newer binary instead.",
		Args: cobra.NoArgs,
		RunE: runMigrate,
	}
	f := cmd.Flags()
	f.String(flagMigratePostgres, "", "Postgres connection URL (default $"+envPostgresURL+")")
	f.String(flagMigrateSQLite, "", "SQLite database file (created when missing)")
	return cmd
}

func runMigrate(cmd *cobra.Command, _ []string) error {
	pgURL, _ := cmd.Flags().GetString(flagMigratePostgres)
	litePath, _ := cmd.Flags().GetString(flagMigrateSQLite)
	if pgURL == "" && litePath == "" {
		pgURL = os.Getenv(envPostgresURL)
	}
	if (pgURL == "") == (litePath == "") {
		return errMigrateTarget
	}
	ctx := cmd.Context()
	var (
		engine  string
		applied []migrate.Migration
		known   []migrate.Migration
		err     error
	)
	if pgURL != "" {
		engine = "postgres"
		if known, err = postgres.Migrations(); err == nil {
			applied, err = postgres.Migrate(ctx, pgURL)
		}
	} else {
		engine = "sqlite " + litePath
		if known, err = sqlite.Migrations(); err == nil {
			applied, err = sqlite.MigratePath(ctx, litePath)
		}
	}
	printMigrations(cmd.OutOrStdout(), engine, applied)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", engine, err)
	}
	if len(applied) == 0 && len(known) > 0 {
		last := known[len(known)-1]
		fmt.Fprintf(cmd.OutOrStdout(), "%s: up to date at %04d_%s\n", engine, last.Version, last.Name)
	}
	return nil
}

// printMigrations reports what a run applied, also when it stopped partway.
func printMigrations(w io.Writer, engine string, applied []migrate.Migration) {
	for _, m := range applied {
		fmt.Fprintf(w, "%s: applied %04d_%s\n", engine, m.Version, m.Name)
	}
}
