package settlement

import "errors"

// Sentinel errors. Stores wrap them with the operation; callers use
// errors.Is.
var (
	// ErrNotFound: no such transfer, submission, cursor or reconciliation.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a compare-and-set lost: the transfer is not in the
	// status the caller expected (another process moved it first), or a
	// unique key (sequence, client reference) belongs to another transfer.
	ErrConflict = errors.New("conflict")
	// ErrInvalidTransition: the lifecycle has no such edge, or the receipt
	// decides the other way (finished needs ok, refunded failed/timeout).
	ErrInvalidTransition = errors.New("invalid transition")
	// ErrMissingEvidence: the chain facts a write needs are missing.
	ErrMissingEvidence = errors.New("missing evidence")
	// ErrInvalid: malformed input (ids, amounts, cursors, filters).
	ErrInvalid = errors.New("invalid argument")
)
