package settlement

import (
	"context"
	"time"

	"github.com/causeway/causeway/attest"
)

// Store is the system of record. Every method is safe for concurrent use by
// many goroutines and many processes sharing one database.
type Store interface {
	GatewayStore

	// CreateTransfer inserts t (see ValidateNew) with its first event and
	// returns the stored row. It is idempotent: when a transfer with the
	// same packet key, source transaction or client reference exists, that
	// one is returned with created false and nothing is written — except
	// that a row a relay created without a client, for the source
	// transaction t names, becomes t's client's (with t's reference unless
	// the client already gave it to another transfer): the gateway that sent
	// a transaction may record it after a relay has seen it commit.
	CreateTransfer(ctx context.Context, t *Transfer) (stored *Transfer, created bool, err error)
	// CreateTransfers is CreateTransfer for many transfers in one
	// transaction: one commit and one run of consecutive event seqs for the
	// rows it creates. Each item is idempotent on its own, exactly as
	// CreateTransfer (an existing row with the same packet key, source
	// transaction or client reference is returned with Created false);
	// an invalid item gets its error in its result and the others still
	// commit. An error returned for the batch as a whole means nothing was
	// written. Results are in request order. At most MaxBatch items; two
	// items of one batch naming the same transfer resolve as if created one
	// after the other (the second returns the first, Created false).
	CreateTransfers(ctx context.Context, ts []*Transfer) ([]CreateResult, error)
	// Transition moves transfer id from one status to another, backed by
	// ev (see CheckTransition), and appends its event in the same
	// transaction. It returns ErrConflict when the transfer is not in from,
	// and writes nothing on any error.
	Transition(ctx context.Context, id TransferID, from, to Status, ev *Evidence) (*Transfer, error)
	// TransitionBatch applies many transitions in one transaction: one
	// commit and one run of consecutive event seqs, as a relay does for the
	// packets of one certified header. Each item is a compare-and-set of its
	// own: an item refused (ErrConflict, ErrNotFound, bad evidence) gets its
	// error in its result and the others still commit. An error returned
	// for the batch as a whole means nothing was written. Items apply, and
	// take their event seqs, in transfer id order (items on one transfer in
	// request order); results are in request order. At most MaxBatch items.
	TransitionBatch(ctx context.Context, reqs []TransitionRequest) ([]TransitionResult, error)
	// Get returns one transfer or ErrNotFound. Get, Transition,
	// TransitionBatch and RecordAttempt find a transfer by its id or, given
	// a packet id (src.dst.seq), by its packet key: a transfer created in
	// submitted keeps the id of its source transaction after the source
	// assigns its sequence, and is also found under its packet id.
	Get(ctx context.Context, id TransferID) (*Transfer, error)
	// GetPacket returns the transfer of packet seq on route src→dst.
	GetPacket(ctx context.Context, src, dst string, seq uint64) (*Transfer, error)
	// List returns transfers matching f, newest first, at most limit (see
	// PageSize), starting after cursor ("" for the first page), and the
	// cursor of the next page ("" after the last). Pages are stable: rows
	// created while paging never shift the rows of later pages.
	List(ctx context.Context, f ListFilter, cursor string, limit int) ([]*Transfer, string, error)
	// Stuck returns transfers waiting in stage since before enteredBefore,
	// oldest first, at most limit.
	Stuck(ctx context.Context, stage Stage, enteredBefore time.Time, limit int) ([]*Transfer, error)
	// RecordAttempt counts one more attempt at stage for transfer id and
	// records errMsg as its last error ("" clears it). It returns the new
	// count, or ErrConflict when the transfer is no longer in that stage.
	RecordAttempt(ctx context.Context, id TransferID, stage Stage, errMsg string) (int, error)

	// Events returns events with seq > afterSeq matching f, in seq order,
	// at most limit.
	Events(ctx context.Context, afterSeq uint64, limit int, f EventFilter) ([]Event, error)

	// GetCursor returns the last processed height of chain, 0 when none.
	GetCursor(ctx context.Context, chain string) (uint64, error)
	// SetCursor moves chain's cursor forward to height. It never moves
	// backwards: a lower height leaves the cursor where it is.
	SetCursor(ctx context.Context, chain string, height uint64) error

	// CreateSubmission records a transaction a relay sent. Recording the
	// same (chain, tx hash) again returns the stored one unchanged.
	CreateSubmission(ctx context.Context, s *Submission) (*Submission, error)
	// UpdateSubmission records what became of a submission.
	UpdateSubmission(ctx context.Context, chain string, tx attest.Hash, u SubmissionUpdate) (*Submission, error)
	// GetSubmission returns one submission or ErrNotFound.
	GetSubmission(ctx context.Context, chain string, tx attest.Hash) (*Submission, error)
	// ListSubmissions returns submissions matching f, newest first, at
	// most limit.
	ListSubmissions(ctx context.Context, f SubmissionFilter, limit int) ([]*Submission, error)

	// SaveReconciliation appends one conservation check and sets r.ID.
	SaveReconciliation(ctx context.Context, r *Reconciliation) error
	// LastReconciliation returns the latest check of route src→dst and
	// denom, or ErrNotFound.
	LastReconciliation(ctx context.Context, src, dst, denom string) (*Reconciliation, error)

	// Close releases the store's connections.
	Close() error
}

// MaxBatch bounds TransitionBatch and CreateTransfers.
const MaxBatch = 1000

// CreateResult is the outcome of one item of CreateTransfers: the stored
// transfer and whether this call created it, or why the item was refused.
type CreateResult struct {
	Transfer *Transfer
	Created  bool
	Err      error
}

// TransitionRequest is one item of TransitionBatch.
type TransitionRequest struct {
	ID       TransferID
	From, To Status
	Evidence *Evidence
}

// TransitionResult is the outcome of one TransitionRequest: the transfer
// after the transition, or why it was refused. A request refused with
// ErrConflict also carries the transfer as the store holds it, so the caller
// can tell a transition already made from one not yet possible.
type TransitionResult struct {
	Transfer *Transfer
	Err      error
}
