package migrate

import (
	"bufio"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Goose annotations understood by Parse.
const (
	annotUp             = "-- +goose Up"
	annotDown           = "-- +goose Down"
	annotStmtBegin      = "-- +goose StatementBegin"
	annotStmtEnd        = "-- +goose StatementEnd"
	annotNoTransaction  = "-- +goose NO TRANSACTION"
	annotPrefix         = "-- +goose"
	migrationFileSuffix = ".sql"
)

// fileNameRe is NNNN_name.sql: a positive version and a snake_case name.
var fileNameRe = regexp.MustCompile(`^([0-9]+)_([a-z0-9_]+)\.sql$`)

// Load reads every *.sql file in dir of fsys as a migration, sorted by
// version. Versions must be unique and positive.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("migrate: load %s: %w", dir, err)
	}
	var ms []Migration
	seen := map[int64]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), migrationFileSuffix) {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("migrate: load %s: %w", e.Name(), err)
		}
		m, err := Parse(e.Name(), string(b))
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[m.Version]; dup {
			return nil, fmt.Errorf("migrate: %s and %s share version %d: %w", prev, e.Name(), m.Version, ErrMalformed)
		}
		seen[m.Version] = e.Name()
		ms = append(ms, m)
	}
	sortMigrations(ms)
	return ms, nil
}

// Parse reads one goose-format migration named NNNN_name.sql: the SQL between
// "-- +goose Up" and "-- +goose Down" (or the end). Down sections are ignored
// (migrations are forward-only); NO TRANSACTION is refused because every
// migration runs in a transaction. StatementBegin/End are accepted and
// dropped: the Up section runs as one script.
func Parse(name, text string) (Migration, error) {
	bad := func(format string, args ...any) (Migration, error) {
		return Migration{}, fmt.Errorf("migrate: %s: %s: %w", name, fmt.Sprintf(format, args...), ErrMalformed)
	}
	mm := fileNameRe.FindStringSubmatch(name)
	if mm == nil {
		return bad("want NNNN_name.sql")
	}
	version, err := strconv.ParseInt(mm[1], 10, 64)
	if err != nil || version <= 0 {
		return bad("version %q", mm[1])
	}
	var up strings.Builder
	inUp, sawUp := false, false
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(nil, len(text)+1)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == annotUp:
			if sawUp {
				return bad("two Up sections")
			}
			inUp, sawUp = true, true
			continue
		case trimmed == annotDown:
			inUp = false
			continue
		case trimmed == annotNoTransaction:
			return bad("NO TRANSACTION is not supported")
		case trimmed == annotStmtBegin || trimmed == annotStmtEnd:
			continue
		case strings.HasPrefix(trimmed, annotPrefix):
			return bad("unknown annotation %q", trimmed)
		}
		if inUp {
			up.WriteString(line)
			up.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return bad("%v", err)
	}
	if !sawUp || strings.TrimSpace(up.String()) == "" {
		return bad("no Up section")
	}
	return Migration{Version: version, Name: mm[2], SQL: up.String()}, nil
}
