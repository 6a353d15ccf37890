package state

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/ethereum/go-ethereum/trie"
	"github.com/ethereum/go-ethereum/trie/trienode"

	"github.com/causeway/causeway/attest"
)

// Overlay is a writable view of the state on a committed root, used to
// execute one block. Writes wait in memory until Root, Iterate or Commit
// applies them to the trie in sorted key order, so the root depends only on
// the final contents, never on the order or history of writes.
//
// An Overlay is not safe for concurrent use, and is unusable after Commit.
type Overlay struct {
	db   *DB
	root attest.Hash // the committed root this overlay forked from
	work *trie.Trie  // root's trie with every flushed write applied
	base *trie.Trie  // root's trie untouched; opened only when a revert needs it

	pending map[string][]byte   // latest value per written key; nil = deleted
	dirty   map[string]struct{} // keys whose pending state the trie doesn't have yet
	flushed map[string]struct{} // keys the work trie holds a non-base value for

	journal   []change // undo log since the oldest live snapshot
	snapshots []int    // journal length at each snapshot, by id

	restored  bool // a flush put a committed value back: Commit may see unchanged nodes
	committed bool
}

// change undoes one write: the key's pending entry before it.
type change struct {
	key     string
	prev    []byte
	existed bool
}

func newOverlay(db *DB, root attest.Hash, t *trie.Trie) *Overlay {
	return &Overlay{
		db:      db,
		root:    root,
		work:    t,
		pending: make(map[string][]byte),
		dirty:   make(map[string]struct{}),
		flushed: make(map[string]struct{}),
	}
}

// Get returns the current value of key, or nil, nil when absent. The
// returned slice is the caller's.
func (o *Overlay) Get(key []byte) ([]byte, error) {
	if err := o.usable(key); err != nil {
		return nil, err
	}
	if v, ok := o.pending[string(key)]; ok {
		return clone(v), nil
	}
	v, err := o.committedValue(key)
	if err != nil {
		return nil, fmt.Errorf("get %q: %w", key, err)
	}
	return clone(v), nil
}

// Set writes value at key. An empty value is refused: use Delete.
func (o *Overlay) Set(key, value []byte) error {
	if err := o.usable(key); err != nil {
		return err
	}
	if len(value) == 0 {
		return fmt.Errorf("set %q: %w", key, ErrEmptyValue)
	}
	o.write(string(key), clone(value))
	return nil
}

// Delete removes key; deleting an absent key is a no-op write.
func (o *Overlay) Delete(key []byte) error {
	if err := o.usable(key); err != nil {
		return err
	}
	o.write(string(key), nil)
	return nil
}

// Iterate calls fn for every key with prefix, in ascending byte order, with
// pending writes applied, until fn returns false. fn gets copies it may keep
// but must not write to the overlay. An empty prefix walks the whole state.
// Iterating applies pending writes to the trie and hashes it, so it costs
// about as much as Root.
func (o *Overlay) Iterate(prefix []byte, fn func(k, v []byte) bool) error {
	if o.committed {
		return ErrCommitted
	}
	if err := o.flush(); err != nil {
		return fmt.Errorf("iterate %q: %w", prefix, err)
	}
	nodes, err := o.work.NodeIteratorWithPrefix(prefix)
	if err != nil {
		return fmt.Errorf("iterate %q: %w", prefix, err)
	}
	it := trie.NewIterator(nodes)
	for it.Next() {
		if !fn(clone(it.Key), clone(it.Value)) {
			return nil
		}
	}
	if it.Err != nil {
		return fmt.Errorf("iterate %q: %w", prefix, it.Err)
	}
	return nil
}

// Root returns the state root with every pending write applied. It may be
// called any number of times, between writes too.
func (o *Overlay) Root() (attest.Hash, error) {
	if o.committed {
		return attest.Hash{}, ErrCommitted
	}
	if err := o.flush(); err != nil {
		return attest.Hash{}, fmt.Errorf("state root: %w", err)
	}
	return o.work.Hash(), nil
}

// Commit applies every pending write and returns the new root with the trie
// nodes created since Fork, for the caller to persist (and, once durable,
// hand to DB.Remember). The overlay is unusable afterwards.
func (o *Overlay) Commit() (attest.Hash, []Node, error) {
	if o.committed {
		return attest.Hash{}, nil, ErrCommitted
	}
	if err := o.flush(); err != nil {
		return attest.Hash{}, nil, fmt.Errorf("commit state: %w", err)
	}
	root, set := o.work.Commit(false)
	nodes := newNodes(set, o.restored)
	o.db.flat.advance(o.root, root, o.pending)
	o.release()
	return root, nodes, nil
}

// write records a new pending value for key and journals the old one.
func (o *Overlay) write(key string, value []byte) {
	if len(o.snapshots) > 0 {
		prev, existed := o.pending[key]
		o.journal = append(o.journal, change{key: key, prev: prev, existed: existed})
	}
	o.pending[key] = value
	o.dirty[key] = struct{}{}
}

// committedValue is key's value at the forked root, for a key with no pending write.
func (o *Overlay) committedValue(key []byte) ([]byte, error) {
	if _, ok := o.flushed[string(key)]; ok {
		return o.baseValue(key)
	}
	if v, ok := o.db.flat.get(o.root, key); ok {
		return v, nil
	}
	v, err := o.work.Get(key)
	if err == nil {
		o.db.flat.put(o.root, key, v)
	}
	return v, err
}

// baseValue reads key at the forked root, ignoring every write.
func (o *Overlay) baseValue(key []byte) ([]byte, error) {
	if o.base == nil {
		t, err := o.db.open(o.root)
		if err != nil {
			return nil, err
		}
		o.base = t
	}
	return o.base.Get(key)
}

// flush applies the dirty keys to the work trie in sorted order.
func (o *Overlay) flush() error {
	if len(o.dirty) == 0 {
		return nil
	}
	keys := make([]string, 0, len(o.dirty))
	for k := range o.dirty {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := o.apply(k); err != nil {
			return err
		}
		delete(o.dirty, k)
	}
	return nil
}

// apply brings the work trie's value for key in line with the overlay.
func (o *Overlay) apply(key string) error {
	value, ok := o.pending[key]
	if ok {
		o.flushed[key] = struct{}{}
	} else {
		// Reverted after an earlier flush: restore the committed value.
		v, err := o.baseValue([]byte(key))
		if err != nil {
			return fmt.Errorf("restore %q: %w", key, err)
		}
		value = v
		delete(o.flushed, key)
		o.restored = true
	}
	var err error
	if value == nil {
		err = o.work.Delete([]byte(key))
	} else {
		err = o.work.Update([]byte(key), value)
	}
	if err != nil {
		return fmt.Errorf("apply %q: %w", key, err)
	}
	return nil
}

// usable checks that the overlay is open and key is acceptable.
func (o *Overlay) usable(key []byte) error {
	if o.committed {
		return ErrCommitted
	}
	return checkKey(key)
}

// release drops everything the committed overlay held.
func (o *Overlay) release() {
	o.committed = true
	o.work, o.base = nil, nil
	o.pending, o.dirty, o.flushed = nil, nil, nil
	o.journal, o.snapshots = nil, nil
}

// newNodes lists a commit's new nodes in no particular order (the batch they
// go to doesn't care, and sorting costs a tenth of a commit). Deletions are
// dropped, as the archive keeps every node. When restored is set, nodes
// rewritten unchanged (a revert put back a value an earlier flush replaced)
// are dropped too.
func newNodes(set *trienode.NodeSet, restored bool) []Node {
	if set == nil {
		return nil
	}
	out := make([]Node, 0, len(set.Nodes))
	for path, n := range set.Nodes {
		if n.IsDeleted() || restored && bytes.Equal(set.Origins[path], n.Blob) {
			continue
		}
		out = append(out, Node{Hash: n.Hash, Blob: n.Blob})
	}
	return out
}
