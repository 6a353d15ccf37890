package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
)

const apiKeyCols = `id, client_id, hash, rate_per_sec, burst, created_at, revoked_at`

func scanAPIKey(sc scanner) (*settlement.APIKey, error) {
	var (
		k                settlement.APIKey
		hash             string
		created, revoked dbTime
	)
	if err := sc.Scan(&k.ID, &k.ClientID, &hash, &k.RatePerSec, &k.Burst, &created, &revoked); err != nil {
		return nil, err
	}
	var err error
	if k.Hash, err = parseHash(hash); err != nil {
		return nil, err
	}
	k.CreatedAt, k.RevokedAt = created.t, revoked.t
	return &k, nil
}

// CreateAPIKey implements settlement.GatewayStore. A zero CreatedAt is
// stamped with the store's clock; k is updated to what was stored.
func (s *Store) CreateAPIKey(ctx context.Context, k *settlement.APIKey) error {
	if k.ID == "" || k.ClientID == "" || k.Hash == (attest.Hash{}) || k.RatePerSec < 0 || k.Burst < 0 {
		return fmt.Errorf("create api key %q: %w", k.ID, settlement.ErrInvalid)
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = s.clock()
	}
	k.CreatedAt = k.CreatedAt.UTC().Truncate(time.Microsecond)
	if !k.RevokedAt.IsZero() {
		k.RevokedAt = k.RevokedAt.UTC().Truncate(time.Microsecond)
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO api_keys (`+apiKeyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		k.ID, k.ClientID, hashText(k.Hash), k.RatePerSec, k.Burst, s.d.Time(k.CreatedAt), s.optTime(k.RevokedAt)); err != nil {
		return fmt.Errorf("create api key %q: %w", k.ID, s.mapErr(err))
	}
	return nil
}

// GetAPIKey implements settlement.GatewayStore.
func (s *Store) GetAPIKey(ctx context.Context, id string) (*settlement.APIKey, error) {
	k, err := scanAPIKey(s.r.QueryRowContext(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("get api key %q: %w", id, notFound(err))
	}
	return k, nil
}

// ListAPIKeys implements settlement.GatewayStore.
func (s *Store) ListAPIKeys(ctx context.Context, clientID string) ([]*settlement.APIKey, error) {
	var q setter
	where := q.appendIf(nil, clientID != "", "client_id", clientID)
	rows, err := s.r.QueryContext(ctx, `SELECT `+apiKeyCols+` FROM api_keys`+whereClause(where)+
		` ORDER BY created_at, id`, q.args...)
	if err != nil {
		return nil, fmt.Errorf("list api keys of %q: %w", clientID, err)
	}
	defer rows.Close()
	var out []*settlement.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("list api keys of %q: %w", clientID, err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list api keys of %q: %w", clientID, err)
	}
	return out, nil
}

// RevokeAPIKey implements settlement.GatewayStore: COALESCE keeps the first
// revocation time, and the row still counts as matched, so only an unknown
// id affects nothing.
func (s *Store) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	if at.IsZero() {
		return fmt.Errorf("revoke api key %q: zero time: %w", id, settlement.ErrInvalid)
	}
	res, err := s.w.ExecContext(ctx, `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2`,
		s.d.Time(at.UTC().Truncate(time.Microsecond)), id)
	if err != nil {
		return fmt.Errorf("revoke api key %q: %w", id, err)
	}
	return affectedOrNotFound(res, "revoke api key "+id)
}

// affectedOrNotFound returns ErrNotFound when res touched no row.
func affectedOrNotFound(res sql.Result, op string) error {
	n, err := res.RowsAffected()
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w", op, err)
	case n == 0:
		return fmt.Errorf("%s: %w", op, settlement.ErrNotFound)
	}
	return nil
}
