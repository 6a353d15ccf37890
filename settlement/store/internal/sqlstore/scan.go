package sqlstore

import (
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
)

// transferCols is the column list every transfer query selects, in the
// order scanTransfer reads.
const transferCols = `id, src_chain, dst_chain, seq, status, sender, receiver, denom,
	amount, fee, timeout_height, timeout_time_ms, client_id, client_ref,
	source_height, source_tx_hash, source_time, source_relayer,
	delivery_height, delivery_tx_hash, delivery_time, delivery_relayer, receipt_status, receipt_code,
	confirm_height, confirm_tx_hash, confirm_time, confirm_relayer,
	reject_code, source_attempts, delivery_attempts, confirm_attempts, last_error,
	created_at, updated_at, status_at, row_id`

type scanner interface{ Scan(dest ...any) error }

// dbTime scans a time stored as a timestamp (Postgres) or as unix
// microseconds (SQLite); NULL leaves it zero.
type dbTime struct{ t time.Time }

func (d *dbTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		d.t = time.Time{}
	case time.Time:
		d.t = x.UTC()
	case int64:
		d.t = time.UnixMicro(x).UTC()
	default:
		return fmt.Errorf("scan time from %T", v)
	}
	return nil
}

// stage holds one stage's nullable columns while scanning.
type stage struct {
	height  sql.NullInt64
	tx      sql.NullString
	at      dbTime
	relayer sql.NullString
}

func (st *stage) dest() []any { return []any{&st.height, &st.tx, &st.at, &st.relayer} }

func (st *stage) record() (settlement.StageRecord, error) {
	rec := settlement.StageRecord{Height: uint64(st.height.Int64), Time: st.at.t}
	var err error
	if st.tx.Valid {
		if rec.TxHash, err = parseHash(st.tx.String); err != nil {
			return rec, err
		}
	}
	if st.relayer.Valid {
		if rec.Relayer, err = parseAddress(st.relayer.String); err != nil {
			return rec, err
		}
	}
	return rec, nil
}

func scanTransfer(sc scanner) (*settlement.Transfer, int64, error) {
	var (
		t                       settlement.Transfer
		seq, th, ttm            sql.NullInt64
		sender, receiver        string
		amount, fee             string
		clientRef, receiptStat  sql.NullString
		receiptCode, rejectCode int64
		src, del, conf          stage
		created, updated, at    dbTime
		rowID                   int64
	)
	dest := []any{&t.ID, &t.Src, &t.Dst, &seq, &t.Status, &sender, &receiver, &t.Denom,
		&amount, &fee, &th, &ttm, &t.ClientID, &clientRef}
	dest = append(dest, src.dest()...)
	dest = append(dest, del.dest()...)
	dest = append(dest, &receiptStat, &receiptCode)
	dest = append(dest, conf.dest()...)
	dest = append(dest, &rejectCode, &t.Attempts.Source, &t.Attempts.Delivery, &t.Attempts.Confirm, &t.LastError,
		&created, &updated, &at, &rowID)
	if err := sc.Scan(dest...); err != nil {
		return nil, 0, err
	}
	var err error
	t.Seq, t.TimeoutHeight, t.TimeoutTimeMs = uint64(seq.Int64), uint64(th.Int64), uint64(ttm.Int64)
	t.ClientRef = clientRef.String
	t.RejectCode = uint32(rejectCode)
	t.CreatedAt, t.UpdatedAt, t.StatusAt = created.t, updated.t, at.t
	if t.Sender, err = parseAddress(sender); err != nil {
		return nil, 0, err
	}
	if t.Receiver, err = parseAddress(receiver); err != nil {
		return nil, 0, err
	}
	if t.Amount, err = parseAmount(amount); err != nil {
		return nil, 0, err
	}
	if t.Fee, err = parseAmount(fee); err != nil {
		return nil, 0, err
	}
	if t.Source, err = src.record(); err != nil {
		return nil, 0, err
	}
	if t.Delivery, err = del.record(); err != nil {
		return nil, 0, err
	}
	if t.Confirm, err = conf.record(); err != nil {
		return nil, 0, err
	}
	if receiptStat.Valid {
		t.Receipt = &settlement.Receipt{Status: settlement.ReceiptStatus(receiptStat.String), Code: uint32(receiptCode)}
	}
	return &t, rowID, nil
}

// Encoding of values in columns: hashes and addresses as 0x lowercase hex,
// amounts as decimal strings (NUMERIC on Postgres, TEXT on SQLite).

func hashText(h attest.Hash) string { return h.Hex() }

func addrText(a attest.Address) string { return hexutil.Encode(a[:]) }

// optAddr is NULL for the zero address.
func optAddr(a attest.Address) any {
	if a == (attest.Address{}) {
		return nil
	}
	return addrText(a)
}

// optInt is NULL for 0.
func optInt(v uint64) any {
	if v == 0 {
		return nil
	}
	return int64(v)
}

// optTime is NULL for the zero time.
func (s *Store) optTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.d.Time(t)
}

func parseHash(s string) (attest.Hash, error) {
	b, err := hexutil.Decode(s)
	if err != nil || len(b) != len(attest.Hash{}) {
		return attest.Hash{}, fmt.Errorf("stored hash %q is malformed", s)
	}
	return attest.Hash(b), nil
}

func parseAddress(s string) (attest.Address, error) {
	b, err := hexutil.Decode(s)
	if err != nil || len(b) != len(attest.Address{}) {
		return attest.Address{}, fmt.Errorf("stored address %q is malformed", s)
	}
	return attest.Address(b), nil
}

func parseAmount(s string) (*uint256.Int, error) {
	v, err := uint256.FromDecimal(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("stored amount %q: %w", s, err)
	}
	return v, nil
}

// checkInt64 refuses values a BIGINT column cannot hold.
func checkInt64(what string, vs ...uint64) error {
	for _, v := range vs {
		if v > math.MaxInt64 {
			return fmt.Errorf("%s %d exceeds the storable range: %w", what, v, settlement.ErrInvalid)
		}
	}
	return nil
}
