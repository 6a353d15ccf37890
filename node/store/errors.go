package store

import "errors"

// Sentinel errors; match them with errors.Is.
var (
	// ErrNotFound means no such block, transaction, node, receipts or metadata.
	ErrNotFound = errors.New("store: not found")
	// ErrHeightGap refuses a batch whose block height is not Height()+1.
	ErrHeightGap = errors.New("store: block height does not follow the latest")
	// ErrBadBatch refuses a batch that is not one whole block: no block, two
	// blocks, entries for another height, or use after Commit or Discard.
	ErrBadBatch = errors.New("store: malformed block batch")
	// ErrCorrupt means a stored value has the wrong shape.
	ErrCorrupt = errors.New("store: corrupt value")
	// ErrClosed refuses use of a closed store.
	ErrClosed = errors.New("store: closed")
)
