package apptest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/causeway/causeway/node/app"
)

// MemState is an in-memory app.State with a write journal for snapshots.
// Values are copied on the way in and out. It is not safe for concurrent use.
type MemState struct {
	data    map[string][]byte
	journal []change
}

// change records a key's value before one write, so it can be restored.
type change struct {
	key     string
	prev    []byte
	existed bool
}

var (
	_ app.State    = (*MemState)(nil)
	_ app.Iterable = (*MemState)(nil)
)

// NewMemState returns an empty state.
func NewMemState() *MemState { return &MemState{data: make(map[string][]byte)} }

// Get returns a copy of the value, or nil when the key is absent.
func (s *MemState) Get(key []byte) ([]byte, error) {
	v, ok := s.data[string(key)]
	if !ok {
		return nil, nil
	}
	return bytes.Clone(v), nil
}

// Set stores a copy of value.
func (s *MemState) Set(key, value []byte) error {
	s.record(string(key))
	s.data[string(key)] = bytes.Clone(value)
	return nil
}

// Delete removes key; deleting an absent key is a no-op.
func (s *MemState) Delete(key []byte) error {
	s.record(string(key))
	delete(s.data, string(key))
	return nil
}

// Snapshot marks the current journal position.
func (s *MemState) Snapshot() int { return len(s.journal) }

// RevertToSnapshot undoes every write since Snapshot returned id. An id that
// was never handed out, or was discarded by an earlier revert or Commit, is a
// caller bug and panics.
func (s *MemState) RevertToSnapshot(id int) {
	if id < 0 || id > len(s.journal) {
		panic(fmt.Sprintf("apptest: revert to snapshot %d, journal has %d entries", id, len(s.journal)))
	}
	for i := len(s.journal) - 1; i >= id; i-- {
		c := s.journal[i]
		if c.existed {
			s.data[c.key] = c.prev
		} else {
			delete(s.data, c.key)
		}
	}
	s.journal = s.journal[:id]
}

// Commit forgets the journal, invalidating all snapshots, as a block commit does.
func (s *MemState) Commit() { s.journal = nil }

// Iterate calls fn for every key with prefix, in ascending byte order.
func (s *MemState) Iterate(prefix []byte, fn func(key, value []byte) error) error {
	for _, k := range s.sortedKeys(string(prefix)) {
		if err := fn([]byte(k), bytes.Clone(s.data[k])); err != nil {
			return err
		}
	}
	return nil
}

// Len is the number of keys.
func (s *MemState) Len() int { return len(s.data) }

// Clone returns an independent copy with an empty journal.
func (s *MemState) Clone() *MemState {
	out := &MemState{data: make(map[string][]byte, len(s.data))}
	for k, v := range s.data {
		out.data[k] = v // values are never mutated in place
	}
	return out
}

// Dump renders every key and value in key order, hex-encoded, so that two
// states compare as strings and a diff reads well.
func (s *MemState) Dump() string {
	var b strings.Builder
	for _, k := range s.sortedKeys("") {
		fmt.Fprintf(&b, "%s=%x\n", k, s.data[k])
	}
	return b.String()
}

func (s *MemState) sortedKeys(prefix string) []string {
	keys := make([]string, 0, len(s.data))
	for k := range s.data {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func (s *MemState) record(key string) {
	prev, existed := s.data[key]
	s.journal = append(s.journal, change{key: key, prev: prev, existed: existed})
}
