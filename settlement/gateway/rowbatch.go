package gateway

import (
	"context"
	"sync"

	"github.com/causeway/causeway/settlement"
)

// maxRowBatch bounds one CreateTransfers call of the row batcher.
const maxRowBatch = 256

// rowBatcher commits the transfer rows of concurrent submissions together:
// group commit. Each transfer row takes the next seqs of the store's event
// outbox, which serialises the commits that create them; one
// CreateTransfers call writes many rows in one transaction and one run of
// seqs instead. A submission that finds no batch being written writes its
// row at once (alone, or with whatever queued meanwhile); rows that arrive
// while a batch is being written wait and go in the next one, written by
// the first of them. There is no timer and no goroutine of its own: a lone
// submission costs one store call, as before.
type rowBatcher struct {
	store settlement.Store

	mu    sync.Mutex
	queue []*pendingRow
	busy  bool // a batch is being written; the queue's head will lead next
}

// pendingRow is one queued row and where its result goes.
type pendingRow struct {
	row  *settlement.Transfer
	wake chan struct{} // one send per wake-up: the result is in, or lead is set
	lead bool          // this row's caller writes the next batch
	res  settlement.CreateResult
	// failed: the batch as a whole failed (nothing was written), so the
	// caller creates its row alone.
	failed bool
}

func newRowBatcher(store settlement.Store) *rowBatcher { return &rowBatcher{store: store} }

// create is settlement.Store.CreateTransfer through the batcher.
func (b *rowBatcher) create(ctx context.Context, row *settlement.Transfer) (*settlement.Transfer, error) {
	p := &pendingRow{row: row, wake: make(chan struct{}, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, p)
	lead := !b.busy
	b.busy = true
	b.mu.Unlock()
	for {
		if lead {
			b.writeBatch(ctx)
		}
		<-p.wake
		if !p.lead {
			break
		}
		lead, p.lead = true, false
	}
	if p.failed {
		// Postgres may abort a batch whole (a deadlock with a relay's
		// batch on the same rows); alone, the row goes in on its own.
		stored, _, err := b.store.CreateTransfer(ctx, row)
		return stored, err
	}
	return p.res.Transfer, p.res.Err
}

// writeBatch writes the head of the queue (the caller's own row first) and
// hands the lead to the next queued row, or ends the busy spell.
func (b *rowBatcher) writeBatch(ctx context.Context) {
	b.mu.Lock()
	n := min(len(b.queue), maxRowBatch)
	batch := append([]*pendingRow(nil), b.queue[:n]...)
	b.queue = append(b.queue[:0], b.queue[n:]...)
	b.mu.Unlock()

	rows := make([]*settlement.Transfer, len(batch))
	for i, p := range batch {
		rows[i] = p.row
	}
	res, err := b.store.CreateTransfers(ctx, rows)
	for i, p := range batch {
		if err != nil {
			p.failed = true
		} else {
			p.res = res[i]
		}
		p.wake <- struct{}{}
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queue) == 0 {
		b.busy = false
		return
	}
	next := b.queue[0]
	next.lead = true
	next.wake <- struct{}{}
}
