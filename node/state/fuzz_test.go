package state_test

import (
	"maps"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/node/state"
)

// FuzzOverlay reads the input as a program of overlay operations, runs it
// against the map model, and checks every read and the final root.
func FuzzOverlay(f *testing.F) {
	f.Add([]byte{0, 1, 2, 0, 3, 4, 1, 1, 5, 6, 3, 0})
	f.Add([]byte{2, 0, 0, 1, 9, 9, 2, 0, 4, 1, 2, 3, 0, 5, 1, 6})
	f.Fuzz(func(t *testing.T, program []byte) {
		db, nodes := newDB()
		o, err := db.Fork(state.EmptyRoot())
		require.NoError(t, err)
		m := &model{cur: map[string][]byte{}}
		for len(program) >= 2 {
			op, arg := program[0], program[1]
			program = program[2:]
			o = fuzzStep(t, db, nodes, o, m, op, arg)
		}
		root, err := o.Root()
		require.NoError(t, err)
		require.Equal(t, referenceRoot(t, m.cur, rand.New(rand.NewPCG(1, 2))), root)
	})
}

// fuzzStep runs one operation; arg picks the key, the value and the snapshot.
func fuzzStep(t *testing.T, db *state.DB, nodes *state.MemNodes, o *state.Overlay, m *model, op, arg byte) *state.Overlay {
	key := fuzzKey(arg)
	switch op % 7 {
	case 0:
		v := []byte{arg, op}
		require.NoError(t, o.Set(key, v))
		m.cur[string(key)] = v
	case 1:
		require.NoError(t, o.Delete(key))
		delete(m.cur, string(key))
	case 2:
		o.Snapshot()
		m.snaps = append(m.snaps, maps.Clone(m.cur))
	case 3:
		if len(m.snaps) > 0 {
			id := int(arg) % len(m.snaps)
			o.RevertToSnapshot(id)
			m.cur, m.snaps = m.snaps[id], m.snaps[:id]
		}
	case 4:
		got, err := o.Get(key)
		require.NoError(t, err)
		require.Equal(t, m.cur[string(key)], got)
	case 5:
		require.Equal(t, modelRange(m.cur, key[:1]), collect(t, o, key[:1]))
	case 6:
		root := commitTo(t, o, nodes)
		m.snaps = nil
		next, err := db.Fork(root)
		require.NoError(t, err)
		return next
	}
	return o
}

// fuzzKey maps a byte to one of 256 keys that share prefixes.
func fuzzKey(b byte) []byte {
	return []byte{'k', '0' + b%4, '0' + (b/4)%4, '0' + b/16}[:2+int(b%3)]
}
