package app

import "errors"

// KV is the key-value view of chain state that modules read and write.
// A missing key reads as (nil, nil).
type KV interface {
	Get(key []byte) ([]byte, error)
	Set(key, value []byte) error
	Delete(key []byte) error
}

// State is KV with nested snapshots: RevertToSnapshot(id) undoes every write
// made since Snapshot returned id.
type State interface {
	KV
	Snapshot() int
	RevertToSnapshot(id int)
}

// Iterable is the optional capability to walk keys under a prefix in
// ascending byte order. It is separate from KV so that backends which cannot
// iterate cheaply need not; callers type-assert and fall back or fail with
// ErrNotIterable. fn must not write to the state; a non-nil error from fn
// stops the walk and is returned.
type Iterable interface {
	Iterate(prefix []byte, fn func(key, value []byte) error) error
}

var (
	// ErrReadOnly is returned by writes through a ReadOnly view.
	ErrReadOnly = errors.New("state is read-only")
	// ErrNotIterable is returned by helpers that need Iterable from a KV
	// that does not provide it.
	ErrNotIterable = errors.New("state does not support iteration")
)

// ReadOnly wraps kv as a State that refuses writes with ErrReadOnly. Snapshots
// are no-ops. The mempool runs Module.Check through it.
func ReadOnly(kv KV) State { return readOnly{kv} }

type readOnly struct{ kv KV }

func (r readOnly) Get(key []byte) ([]byte, error) { return r.kv.Get(key) }
func (readOnly) Set(key, _ []byte) error          { return ErrReadOnly }
func (readOnly) Delete(key []byte) error          { return ErrReadOnly }
func (readOnly) Snapshot() int                    { return 0 }
func (readOnly) RevertToSnapshot(int)             {}

// Iterate forwards to the wrapped KV when it is Iterable.
func (r readOnly) Iterate(prefix []byte, fn func(key, value []byte) error) error {
	it, ok := r.kv.(Iterable)
	if !ok {
		return ErrNotIterable
	}
	return it.Iterate(prefix, fn)
}
