package state

import "errors"

// Sentinel errors; match them with errors.Is.
var (
	// ErrMissingNode means a trie node needed to serve a read is neither cached
	// nor in the NodeStore: the root was never committed, or the store is damaged.
	ErrMissingNode = errors.New("state: trie node missing")
	// ErrCorruptNode means the NodeStore returned a blob whose hash is not the
	// hash it was asked for.
	ErrCorruptNode = errors.New("state: trie node does not match its hash")
	// ErrBadKey refuses an empty key or one longer than MaxKeyBytes.
	ErrBadKey = errors.New("state: key empty or too long")
	// ErrEmptyValue refuses Set with an empty value; use Delete.
	ErrEmptyValue = errors.New("state: empty value (use Delete)")
	// ErrCommitted refuses any use of an Overlay after Commit.
	ErrCommitted = errors.New("state: overlay already committed")
	// ErrEmptyState is returned by Prove at EmptyRoot: an empty trie has no
	// node to prove absence with, so the verifier must treat EmptyRoot itself
	// as the proof.
	ErrEmptyState = errors.New("state: empty state has no proof nodes")
)
