package storetest

import (
	"database/sql"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement"
)

// SQLStore is a store backed by database/sql, whose schema can be probed
// with raw statements.
type SQLStore interface {
	settlement.Store
	DB() *sql.DB
}

// SchemaRefusesUnbackedStatus checks that the schema itself, not only the
// store's Go code, refuses rows the chains do not back: raw UPDATEs that
// skip evidence or contradict the receipt, and negative money, all fail.
func SchemaRefusesUnbackedStatus(t *testing.T, s SQLStore) {
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	c := create(t, s, committed(1))
	d := deliver(t, s, create(t, s, committed(2)), settlement.ReceiptTimeout, 0)
	db := s.DB()
	for _, tc := range []struct {
		name string
		sql  string
		id   settlement.TransferID
	}{
		{"delivered without delivery evidence", `UPDATE transfers SET status = 'delivered' WHERE id = $1`, c.ID},
		{"finished without confirmation", `UPDATE transfers SET status = 'finished' WHERE id = $1`, d.ID},
		{"finished on a timeout receipt", `UPDATE transfers SET status = 'finished', confirm_height = 9,
			confirm_tx_hash = '0x01' WHERE id = $1`, d.ID},
		{"committed without a sequence", `UPDATE transfers SET seq = NULL WHERE id = $1`, c.ID},
		{"unknown status", `UPDATE transfers SET status = 'lost' WHERE id = $1`, c.ID},
		{"unknown receipt", `UPDATE transfers SET receipt_status = 'maybe' WHERE id = $1`, d.ID},
		{"negative amount", `UPDATE transfers SET amount = '-1' WHERE id = $1`, c.ID},
		{"zero amount", `UPDATE transfers SET amount = '0' WHERE id = $1`, c.ID},
	} {
		_, err := db.ExecContext(t.Context(), tc.sql, string(tc.id))
		require.Error(t, err, tc.name)
	}
	require.Equal(t, c, get(t, s, c.ID))
	require.Equal(t, d, get(t, s, d.ID))
}
