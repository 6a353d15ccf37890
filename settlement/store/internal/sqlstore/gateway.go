package sqlstore

import (
	"context"
	"fmt"

	"github.com/causeway/causeway/settlement"
)

const reconciliationCols = `id, checked_at, src_chain, dst_chain, denom, escrow, vouchers, in_flight, ok, detail`

func scanReconciliation(sc scanner) (*settlement.Reconciliation, error) {
	var (
		r                          settlement.Reconciliation
		at                         dbTime
		escrow, vouchers, inFlight string
	)
	if err := sc.Scan(&r.ID, &at, &r.Src, &r.Dst, &r.Denom, &escrow, &vouchers, &inFlight, &r.OK, &r.Detail); err != nil {
		return nil, err
	}
	r.At = at.t
	var err error
	if r.Escrow, err = parseAmount(escrow); err != nil {
		return nil, err
	}
	if r.Vouchers, err = parseAmount(vouchers); err != nil {
		return nil, err
	}
	if r.InFlight, err = parseAmount(inFlight); err != nil {
		return nil, err
	}
	return &r, nil
}

// LastEventSeq implements settlement.GatewayStore. The counter row moves
// with the events in one transaction, so its committed value is the seq of
// the newest committed event.
func (s *Store) LastEventSeq(ctx context.Context) (uint64, error) {
	var seq int64
	if err := s.r.QueryRowContext(ctx, `SELECT seq FROM transfer_event_seq`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("last event seq: %w", err)
	}
	return uint64(seq), nil
}

// LatestReconciliations implements settlement.GatewayStore. Newest is the
// highest id, as in LastReconciliation; the route index answers the MAX.
func (s *Store) LatestReconciliations(ctx context.Context) ([]*settlement.Reconciliation, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+reconciliationCols+` FROM reconciliations
WHERE id IN (SELECT MAX(id) FROM reconciliations GROUP BY src_chain, dst_chain, denom)
ORDER BY src_chain, dst_chain, denom`)
	if err != nil {
		return nil, fmt.Errorf("latest reconciliations: %w", err)
	}
	defer rows.Close()
	var out []*settlement.Reconciliation
	for rows.Next() {
		r, err := scanReconciliation(rows)
		if err != nil {
			return nil, fmt.Errorf("latest reconciliations: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("latest reconciliations: %w", err)
	}
	return out, nil
}

// RelayerStats implements settlement.GatewayStore. SUM(CASE …) rather than
// FILTER keeps one query for both engines.
func (s *Store) RelayerStats(ctx context.Context) ([]settlement.RelayerStat, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT chain, signer,
	SUM(CASE WHEN status = 'included' THEN 1 ELSE 0 END),
	SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END),
	SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END),
	SUM(CASE WHEN status = 'dropped' THEN 1 ELSE 0 END),
	SUM(CASE WHEN status = 'included' THEN batch_size ELSE 0 END),
	MAX(updated_at)
FROM relay_submissions GROUP BY chain, signer ORDER BY chain, signer`)
	if err != nil {
		return nil, fmt.Errorf("relayer stats: %w", err)
	}
	defer rows.Close()
	var out []settlement.RelayerStat
	for rows.Next() {
		var (
			st     settlement.RelayerStat
			signer string
			last   dbTime
		)
		if err := rows.Scan(&st.Chain, &signer, &st.Included, &st.Failed, &st.Pending, &st.Dropped, &st.Packets, &last); err != nil {
			return nil, fmt.Errorf("relayer stats: %w", err)
		}
		if st.Signer, err = parseAddress(signer); err != nil {
			return nil, fmt.Errorf("relayer stats: %w", err)
		}
		st.LastAt = last.t
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("relayer stats: %w", err)
	}
	return out, nil
}
