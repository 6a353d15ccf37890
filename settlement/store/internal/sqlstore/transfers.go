package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
)

// insertTransfers starts a multi-row insert; each row has transferParams
// parameters, its created_at filling created_at, updated_at and status_at
// (see rowPlaceholders). Rows colliding with an existing row on any unique
// key are skipped; RETURNING names the rows written.
const insertTransfers = `INSERT INTO transfers (
	id, src_chain, dst_chain, seq, status, sender, receiver, denom, amount, fee,
	timeout_height, timeout_time_ms, client_id, client_ref,
	source_height, source_tx_hash, source_time, source_relayer,
	created_at, updated_at, status_at)
VALUES `

const (
	transferParams  = 19
	transfersInsert = 200 // rows per INSERT: 3,800 parameters, under both engines' limits
)

// existingTransfer finds the row a create collided with, by any unique key.
const existingTransfer = `SELECT ` + transferCols + ` FROM transfers
WHERE id = $1
   OR (src_chain = $2 AND dst_chain = $3 AND seq = $4)
   OR (src_chain = $2 AND source_tx_hash = $5)
   OR (client_ref IS NOT NULL AND client_id = $6 AND client_ref = $7)
ORDER BY row_id LIMIT 1`

// adoptTransfer hands a row a relay created, with no client, to the client
// whose gateway sent its source transaction; the client reference goes
// with it unless another of the client's transfers holds it.
const adoptTransfer = `UPDATE transfers SET client_id = $2,
  client_ref = CASE WHEN EXISTS (SELECT 1 FROM transfers o WHERE o.client_id = $2 AND o.client_ref = $3)
                    THEN NULL ELSE $3 END
WHERE id = $1 AND client_id = '' AND source_tx_hash = $4
RETURNING ` + transferCols

// The outbox. eventsPerInsert keeps one INSERT's parameters (eventCols
// each) well under both engines' limits.
const (
	nextEventSeqs   = `UPDATE transfer_event_seq SET seq = seq + $1 RETURNING seq`
	insertEvents    = `INSERT INTO transfer_events (seq, transfer_id, src_chain, dst_chain, sender, receiver, status, payload, created_at) VALUES `
	eventCols       = 9
	eventsPerInsert = 200
)

// CreateTransfer implements settlement.Store.
func (s *Store) CreateTransfer(ctx context.Context, in *settlement.Transfer) (*settlement.Transfer, bool, error) {
	res, err := s.CreateTransfers(ctx, []*settlement.Transfer{in})
	if err != nil {
		return nil, false, err
	}
	return res[0].Transfer, res[0].Created, res[0].Err
}

// CreateTransfers implements settlement.Store. Items are written in transfer
// id order, the lock order (as in TransitionBatch): a Postgres insert waits
// on another transaction's uncommitted row with the same key, and one order
// keeps batches overlapping on the same packets from deadlocking. Batches
// that collide only through the source transaction or client reference of
// items with different ids still can; Postgres then fails one of them whole.
// Items with one id keep request order; items with different ids sharing a
// source transaction or client reference resolve in id order (the lower id
// is created). The created rows take their event seqs in request order,
// last, as appendEvents requires. A database error on any item fails the
// batch: on Postgres it aborts the transaction.
func (s *Store) CreateTransfers(ctx context.Context, ins []*settlement.Transfer) ([]settlement.CreateResult, error) {
	if len(ins) > settlement.MaxBatch {
		return nil, fmt.Errorf("create batch of %d, max %d: %w", len(ins), settlement.MaxBatch, settlement.ErrInvalid)
	}
	res := make([]settlement.CreateResult, len(ins))
	rows := make([]*settlement.Transfer, len(ins))
	var order []int // the valid items, in id order
	now := s.clock()
	for i, in := range ins {
		if err := checkNew(in); err != nil {
			res[i].Err = fmt.Errorf("create transfer: %w", err)
			continue
		}
		rows[i] = newRow(in, now)
		order = append(order, i)
	}
	if len(order) == 0 {
		return res, nil
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(string(rows[a].ID), string(rows[b].ID)) })
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		inserted, err := s.insertRows(ctx, tx, rows, order)
		if err != nil {
			return err
		}
		for _, i := range order {
			if inserted[rows[i].ID] {
				delete(inserted, rows[i].ID) // a later item with the same id collided with this one
				res[i] = settlement.CreateResult{Transfer: rows[i], Created: true}
				continue
			}
			t, err := s.collided(ctx, tx, rows[i])
			if err != nil {
				return fmt.Errorf("create transfer %s: %w", rows[i].ID, err)
			}
			res[i] = settlement.CreateResult{Transfer: t}
		}
		var created []*settlement.Transfer
		for _, r := range res {
			if r.Created {
				created = append(created, r.Transfer)
			}
		}
		return s.appendEvents(ctx, tx, created)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// checkNew checks a transfer to create, including what the columns can hold.
func checkNew(in *settlement.Transfer) error {
	if err := settlement.ValidateNew(in); err != nil {
		return err
	}
	return checkInt64("height or sequence", in.Seq, in.Source.Height, in.TimeoutHeight, in.TimeoutTimeMs)
}

// insertRows inserts rows[order...] in tx, in that order, transfersInsert
// to a statement, and returns the ids of those written. A row colliding
// with an existing one on any unique key is skipped. Each Postgres
// statement reads the latest commits, waiting on rows another transaction
// has uncommitted, and within tx a row written by an earlier statement or
// an earlier row of the same statement is a collision too.
func (s *Store) insertRows(ctx context.Context, tx *sql.Tx, rows []*settlement.Transfer, order []int) (map[settlement.TransferID]bool, error) {
	inserted := make(map[settlement.TransferID]bool, len(order))
	for chunk := range slices.Chunk(order, transfersInsert) {
		var b strings.Builder
		b.WriteString(insertTransfers)
		args := make([]any, 0, len(chunk)*transferParams)
		for k, i := range chunk {
			t := rows[i]
			if k > 0 {
				b.WriteString(", ")
			}
			b.WriteString(rowPlaceholders(len(args)))
			args = append(args, t.ID, t.Src, t.Dst, optInt(t.Seq), t.Status, addrText(t.Sender), addrText(t.Receiver), t.Denom,
				t.Amount.Dec(), t.Fee.Dec(), int64(t.TimeoutHeight), int64(t.TimeoutTimeMs), t.ClientID, nullString(t.ClientRef),
				optInt(t.Source.Height), hashText(t.Source.TxHash), s.optTime(t.Source.Time), optAddr(t.Source.Relayer),
				s.d.Time(t.CreatedAt))
		}
		b.WriteString(" ON CONFLICT DO NOTHING RETURNING id")
		if err := s.collectIDs(ctx, tx, b.String(), args, inserted); err != nil {
			return nil, fmt.Errorf("insert %d transfers: %w", len(chunk), err)
		}
	}
	return inserted, nil
}

// rowPlaceholders is one row of insertTransfers after k parameters.
func rowPlaceholders(k int) string {
	p := placeholders(k, transferParams)
	last := "$" + strconv.Itoa(k+transferParams)
	return p[:len(p)-1] + ", " + last + ", " + last + ")"
}

// collectIDs runs q in tx and adds every id it returns to ids.
func (s *Store) collectIDs(ctx context.Context, tx *sql.Tx, q string, args []any, ids map[settlement.TransferID]bool) error {
	rs, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return s.mapErr(err)
	}
	defer rs.Close()
	for rs.Next() {
		var id string
		if err := rs.Scan(&id); err != nil {
			return err
		}
		ids[settlement.TransferID(id)] = true
	}
	return s.mapErr(rs.Err())
}

// collided returns the row t collided with, having written nothing but the
// adoption of a relay's row by t's client (see settlement.Store).
func (s *Store) collided(ctx context.Context, tx *sql.Tx, t *settlement.Transfer) (*settlement.Transfer, error) {
	existing, _, err := scanTransfer(s.txQueryRow(ctx, tx, existingTransfer,
		t.ID, t.Src, t.Dst, optInt(t.Seq), hashText(t.Source.TxHash), t.ClientID, nullString(t.ClientRef)))
	if err != nil {
		return nil, fmt.Errorf("read the existing row: %w", err)
	}
	if t.ClientID == "" || existing.ClientID != "" || t.Source.TxHash == (attest.Hash{}) ||
		existing.Source.TxHash != t.Source.TxHash || existing.Src != t.Src {
		return existing, nil
	}
	// A relay saw the packet before the gateway that sent it recorded the
	// transfer: the row becomes the client's.
	adopted, _, err := scanTransfer(s.txQueryRow(ctx, tx, adoptTransfer,
		existing.ID, t.ClientID, nullString(t.ClientRef), hashText(t.Source.TxHash)))
	switch {
	case errors.Is(err, sql.ErrNoRows): // another client took it first
		return existing, nil
	case err != nil:
		return nil, fmt.Errorf("adopt the relay's row: %w", s.mapErr(err))
	}
	return adopted, nil
}

// newRow is the row CreateTransfers writes for in.
func newRow(in *settlement.Transfer, now time.Time) *settlement.Transfer {
	t := *in
	t.ID = in.DeriveID()
	t.Amount, t.Fee = in.Amount.Clone(), in.Fee.Clone()
	t.Source.Time = in.Source.Time.UTC().Truncate(time.Microsecond)
	if t.Status == settlement.StatusSourceCommitted && t.Source.Time.IsZero() {
		t.Source.Time = now
	}
	t.Attempts, t.LastError, t.RejectCode = settlement.Attempts{}, "", 0
	t.CreatedAt, t.UpdatedAt, t.StatusAt = now, now, now
	return &t
}

// Transition implements settlement.Store.
func (s *Store) Transition(ctx context.Context, id settlement.TransferID, from, to settlement.Status, ev *settlement.Evidence) (*settlement.Transfer, error) {
	res, err := s.TransitionBatch(ctx, []settlement.TransitionRequest{{ID: id, From: from, To: to, Evidence: ev}})
	if err != nil {
		return nil, err
	}
	return res[0].Transfer, res[0].Err
}

// TransitionBatch implements settlement.Store. The compare-and-set is each
// UPDATE's WHERE clause (status, and for the last step the receipt): under
// Postgres' READ COMMITTED a concurrent writer blocks on the row lock and
// then re-checks the WHERE against the committed row, so exactly one of
// several identical transitions matches. A later item on the same transfer
// sees the earlier items of its batch. Items apply, and take their event
// seqs, in transfer id order: the lock order.
func (s *Store) TransitionBatch(ctx context.Context, reqs []settlement.TransitionRequest) ([]settlement.TransitionResult, error) {
	if len(reqs) > settlement.MaxBatch {
		return nil, fmt.Errorf("transition batch of %d, max %d: %w", len(reqs), settlement.MaxBatch, settlement.ErrInvalid)
	}
	res := make([]settlement.TransitionResult, len(reqs))
	var valid []int
	ids := make([]string, 0, len(reqs))
	items := make(map[settlement.TransferID]int, len(reqs))
	for i, r := range reqs {
		if err := checkRequest(r); err != nil {
			res[i].Err = fmt.Errorf("transition %s: %w", r.ID, err)
			continue
		}
		valid = append(valid, i)
		ids = append(ids, string(r.ID))
		items[r.ID]++
	}
	if len(valid) == 0 {
		return res, nil
	}
	// A transition observed twice (by a relay's watcher and by the worker
	// that submitted its transaction) finds its row already moved. One read
	// of every row answers those without writing; a row that moves after
	// the read is left to the UPDATE's compare-and-set.
	current, err := s.currentRows(ctx, ids)
	if err != nil {
		return nil, err
	}
	// The rest are applied in groups sharing an edge and evidence (the
	// packets of one recv or ack transaction share its height, hash and
	// relayer), one UPDATE a group. A transfer with several items in the
	// batch, or found only by its packet key, goes alone, in id order, so
	// each item sees the ones before it.
	groups := make(map[string][]int)
	var keys []string
	var single []int
	var writes []string // ids of the rows the UPDATEs may move
	for _, i := range valid {
		r := reqs[i]
		cur := current[r.ID]
		switch {
		case cur == nil || items[r.ID] > 1:
			single = append(single, i)
		case cur.Status != r.From:
			res[i].Transfer = cur
			res[i].Err = fmt.Errorf("transition %s %s → %s: transfer is %s: %w", r.ID, r.From, r.To, cur.Status, settlement.ErrConflict)
			continue
		default:
			k := groupKey(r)
			if groups[k] == nil {
				keys = append(keys, k)
			}
			groups[k] = append(groups[k], i)
		}
		writes = append(writes, string(r.ID))
	}
	if len(writes) == 0 {
		return res, nil
	}
	slices.SortStableFunc(single, func(a, b int) int { return strings.Compare(string(reqs[a].ID), string(reqs[b].ID)) })
	var missed []int
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		// Lock the rows in id order first, so overlapping batches cannot
		// deadlock whatever order an UPDATE visits its rows in.
		if err := s.lockRows(ctx, tx, writes); err != nil {
			return err
		}
		var moved []*settlement.Transfer
		for _, k := range keys {
			g := groups[k]
			got, err := s.transitionGroup(ctx, tx, reqs, g)
			if err != nil {
				return err
			}
			for _, i := range g {
				t := got[reqs[i].ID]
				if t == nil {
					missed = append(missed, i)
					continue
				}
				res[i].Transfer = t
				moved = append(moved, t)
			}
		}
		for _, i := range single {
			r := reqs[i]
			q, args := s.transitionUpdate(r.ID, r.From, r.To, r.Evidence)
			t, _, err := scanTransfer(s.txQueryRow(ctx, tx, q, args...))
			if errors.Is(err, sql.ErrNoRows) {
				missed = append(missed, i)
				continue
			}
			if err != nil {
				return fmt.Errorf("transition %s %s → %s: %w", r.ID, r.From, r.To, s.mapErr(err))
			}
			res[i].Transfer = t
			moved = append(moved, t)
		}
		return s.appendEvents(ctx, tx, moved)
	})
	if err != nil {
		return nil, err
	}
	for _, i := range missed {
		r := reqs[i]
		cur, why := s.whyNoMatch(ctx, r.ID, r.From, r.To, r.Evidence)
		if errors.Is(why, settlement.ErrConflict) {
			res[i].Transfer = cur
		}
		res[i].Err = fmt.Errorf("transition %s %s → %s: %w", r.ID, r.From, r.To, why)
	}
	return res, nil
}

// groupKey is the same for transitions one UPDATE can apply together: the
// same edge and the same evidence but for the transfer.
func groupKey(r settlement.TransitionRequest) string {
	ev := r.Evidence
	var rs settlement.ReceiptStatus
	var rc uint32
	if ev.Receipt != nil {
		rs, rc = ev.Receipt.Status, ev.Receipt.Code
	}
	return fmt.Sprintf("%s|%s|%d|%x|%d|%x|%d|%s|%d|%d|%q", r.From, r.To, ev.Height, ev.TxHash, ev.Time.UnixMicro(), ev.Relayer,
		ev.Seq, rs, rc, ev.Code, ev.Reason)
}

// transitionGroup applies the transitions reqs[g...], which share an edge
// and evidence, in one UPDATE and returns the rows it moved by id.
func (s *Store) transitionGroup(ctx context.Context, tx *sql.Tx, reqs []settlement.TransitionRequest, g []int) (map[settlement.TransferID]*settlement.Transfer, error) {
	r := reqs[g[0]]
	ids := make([]string, len(g))
	for k, i := range g {
		ids[k] = string(reqs[i].ID)
	}
	q, args := s.transitionQuery(func(u *setter) string { return u.idIn(ids) }, r.From, r.To, r.Evidence)
	ts, err := s.queryTransfers(ctx, tx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("transition %d transfers %s → %s: %w", len(g), r.From, r.To, err)
	}
	return byID(ts), nil
}

// lockRows takes the write locks of the transfers whose id is in ids, in id
// order, where the engine has row locks (Dialect.LockRows).
func (s *Store) lockRows(ctx context.Context, tx *sql.Tx, ids []string) error {
	if s.d.LockRows == "" {
		return nil
	}
	var u setter
	rows, err := tx.QueryContext(ctx, `SELECT id FROM transfers WHERE `+u.idIn(ids)+` ORDER BY id `+s.d.LockRows, u.args...)
	if err != nil {
		return fmt.Errorf("lock %d transfers: %w", len(ids), s.mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
	}
	return s.mapErr(rows.Err())
}

// currentRows reads the transfers whose id is in ids, keyed by id. A
// transfer found only by its packet key is not in the map.
func (s *Store) currentRows(ctx context.Context, ids []string) (map[settlement.TransferID]*settlement.Transfer, error) {
	var u setter
	ts, err := s.queryTransfers(ctx, s.r, `SELECT `+transferCols+` FROM transfers WHERE `+u.idIn(ids), u.args...)
	if err != nil {
		return nil, fmt.Errorf("read %d transfers: %w", len(ids), err)
	}
	return byID(ts), nil
}

func checkRequest(r settlement.TransitionRequest) error {
	if err := settlement.CheckEvidence(r.From, r.To, r.Evidence); err != nil {
		return err
	}
	return checkInt64("height or sequence", r.Evidence.Height, r.Evidence.Seq)
}

// transitionUpdate builds the compare-and-set UPDATE of one transition. The
// query text depends only on the edge, so New prepares one per edge.
func (s *Store) transitionUpdate(id settlement.TransferID, from, to settlement.Status, ev *settlement.Evidence) (string, []any) {
	return s.transitionQuery(func(u *setter) string { return u.idMatch(id) }, from, to, ev)
}

// transitionQuery is the UPDATE of a transition of the transfers match
// selects.
func (s *Store) transitionQuery(match func(*setter) string, from, to settlement.Status, ev *settlement.Evidence) (string, []any) {
	now := s.clock()
	at := ev.Time.UTC().Truncate(time.Microsecond)
	if at.IsZero() {
		at = now
	}
	var u setter
	u.set("status", string(to))
	switch to {
	case settlement.StatusSourceCommitted:
		u.set("seq", int64(ev.Seq))
		u.set("source_height", int64(ev.Height))
		u.set("source_time", s.d.Time(at))
		u.setKeep("source_relayer", optAddr(ev.Relayer))
	case settlement.StatusDelivered:
		u.set("delivery_height", int64(ev.Height))
		u.set("delivery_tx_hash", hashText(ev.TxHash))
		u.set("delivery_time", s.d.Time(at))
		u.set("delivery_relayer", optAddr(ev.Relayer))
		u.set("receipt_status", string(ev.Receipt.Status))
		u.set("receipt_code", int64(ev.Receipt.Code))
	case settlement.StatusFinished, settlement.StatusRefunded:
		u.set("confirm_height", int64(ev.Height))
		u.set("confirm_tx_hash", hashText(ev.TxHash))
		u.set("confirm_time", s.d.Time(at))
		u.set("confirm_relayer", optAddr(ev.Relayer))
	case settlement.StatusRejected:
		u.set("reject_code", int64(ev.Code))
		u.set("last_error", ev.Reason)
		u.setKeep("source_height", optInt(ev.Height))
		var t any // a rejection inside a block records its height and time
		if ev.Height != 0 {
			t = s.d.Time(at)
		}
		u.setKeep("source_time", t)
	}
	u.set("updated_at", s.d.Time(now))
	u.set("status_at", s.d.Time(now))
	where := []string{match(&u), u.arg("status", string(from))}
	if to == settlement.StatusSourceCommitted {
		// The block must have included the transaction we submitted.
		where = append(where, u.arg("source_tx_hash", hashText(ev.TxHash)))
	}
	if from == settlement.StatusDelivered {
		where = append(where, "receipt_status IN ("+receiptsAllowing(to)+")")
	}
	return "UPDATE transfers SET " + strings.Join(u.cols, ", ") +
		" WHERE " + strings.Join(where, " AND ") + " RETURNING " + transferCols, u.args
}

// receiptsAllowing lists, as SQL literals, the receipt statuses that let a
// delivered transfer end in to. The values are settlement constants.
func receiptsAllowing(to settlement.Status) string {
	var lits []string
	for _, r := range settlement.ReceiptStatuses {
		if settlement.ReceiptAllows(r, to) {
			lits = append(lits, "'"+string(r)+"'")
		}
	}
	return strings.Join(lits, ", ")
}

// whyNoMatch reads the row a compare-and-set missed and names the reason.
// It returns the row as read, nil when there is none.
func (s *Store) whyNoMatch(ctx context.Context, id settlement.TransferID, from, to settlement.Status, ev *settlement.Evidence) (*settlement.Transfer, error) {
	cur, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case cur.Status != from:
		return cur, fmt.Errorf("transfer is %s: %w", cur.Status, settlement.ErrConflict)
	case to == settlement.StatusSourceCommitted && cur.Source.TxHash != ev.TxHash:
		return cur, fmt.Errorf("included tx %s is not the submitted %s: %w", ev.TxHash.Hex(), cur.Source.TxHash.Hex(), settlement.ErrInvalid)
	}
	// In from and the tx matches: the receipt decides the other way.
	return cur, settlement.CheckTransition(cur.Status, cur.Receipt, to, ev)
}

// appendEvents writes one event per transfer with the next global seqs, in
// order. Taking the seqs locks the counter row until commit, so seqs are
// gap-free and become visible in order; it is the last thing a write does,
// to hold that lock briefly.
func (s *Store) appendEvents(ctx context.Context, tx *sql.Tx, ts []*settlement.Transfer) error {
	if len(ts) == 0 {
		return nil
	}
	var last int64
	if err := s.txQueryRow(ctx, tx, nextEventSeqs, int64(len(ts))).Scan(&last); err != nil {
		return fmt.Errorf("next event seq: %w", err)
	}
	seq := last - int64(len(ts))
	for chunk := range slices.Chunk(ts, eventsPerInsert) {
		var b strings.Builder
		b.WriteString(insertEvents)
		args := make([]any, 0, len(chunk)*eventCols)
		for i, t := range chunk {
			payload, err := json.Marshal(t)
			if err != nil {
				return fmt.Errorf("encode event of %s: %w", t.ID, err)
			}
			seq++
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(placeholders(len(args), eventCols))
			args = append(args, seq, t.ID, t.Src, t.Dst, addrText(t.Sender), addrText(t.Receiver),
				t.Status, string(payload), s.d.Time(t.UpdatedAt))
		}
		if _, err := s.txExec(ctx, tx, b.String(), args...); err != nil {
			return fmt.Errorf("insert events: %w", err)
		}
	}
	return nil
}

// placeholders is "($k+1, …, $k+n)".
func placeholders(k, n int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(k+i))
	}
	b.WriteByte(')')
	return b.String()
}

// Get implements settlement.Store.
func (s *Store) Get(ctx context.Context, id settlement.TransferID) (*settlement.Transfer, error) {
	var q setter
	t, _, err := scanTransfer(s.r.QueryRowContext(ctx, `SELECT `+transferCols+` FROM transfers WHERE `+q.idMatch(id), q.args...))
	if err != nil {
		return nil, fmt.Errorf("get transfer %s: %w", id, notFound(err))
	}
	return t, nil
}

// GetPacket implements settlement.Store.
func (s *Store) GetPacket(ctx context.Context, src, dst string, seq uint64) (*settlement.Transfer, error) {
	if err := checkInt64("sequence", seq); err != nil {
		return nil, fmt.Errorf("get packet: %w", err)
	}
	t, _, err := scanTransfer(s.r.QueryRowContext(ctx,
		`SELECT `+transferCols+` FROM transfers WHERE src_chain = $1 AND dst_chain = $2 AND seq = $3`, src, dst, int64(seq)))
	if err != nil {
		return nil, fmt.Errorf("get packet %s→%s #%d: %w", src, dst, seq, notFound(err))
	}
	return t, nil
}

// setter collects "col = $n" assignments and their arguments.
type setter struct {
	cols []string
	args []any
}

func (u *setter) arg(col string, v any) string {
	u.args = append(u.args, v)
	return fmt.Sprintf("%s = $%d", col, len(u.args))
}

func (u *setter) set(col string, v any) { u.cols = append(u.cols, u.arg(col, v)) }

// setKeep assigns v, or keeps the column's value when v is NULL.
func (u *setter) setKeep(col string, v any) {
	u.args = append(u.args, v)
	u.cols = append(u.cols, fmt.Sprintf("%s = COALESCE($%d, %s)", col, len(u.args), col))
}

// idMatch is the condition that finds transfer id: by its id or, for a
// packet id (src.dst.seq), by its packet key. A transfer the gateway
// created under its source transaction keeps that id once the source
// assigns its sequence, and the relay, which sees packets, names it by its
// packet id.
func (u *setter) idMatch(id settlement.TransferID) string {
	src, dst, seq := packetKeyOf(id)
	return "(" + u.arg("id", string(id)) + " OR (" + u.arg("src_chain", src) + " AND " + u.arg("dst_chain", dst) +
		" AND " + u.arg("seq", seq) + "))"
}

// idIn is the condition that finds the transfers whose id is in ids.
func (u *setter) idIn(ids []string) string {
	for _, id := range ids {
		u.args = append(u.args, id)
	}
	return "id IN " + placeholders(len(u.args)-len(ids), len(ids))
}

// packetKeyOf splits a packet id; any other id gets a key no row has.
func packetKeyOf(id settlement.TransferID) (src, dst string, seq int64) {
	parts := strings.Split(string(id), ".")
	if len(parts) == 3 {
		if n, err := strconv.ParseInt(parts[2], 10, 64); err == nil && n > 0 {
			return parts[0], parts[1], n
		}
	}
	return "", "", -1
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return settlement.ErrNotFound
	}
	return err
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
