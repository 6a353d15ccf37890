package state_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/state"
)

// Property-test knobs.
const (
	propertySeeds   = 24  // seeds run by TestOverlayMatchesModel
	propertyOps     = 600 // operations per seed
	keyAlphabet     = "ab/1"
	maxShortKey     = 5                             // short keys collide and prefix each other
	longKeyPrefix   = "bal/0x00000000000000000000/" // long shared prefix: big extension nodes
	maxValueBytes   = 48
	oldRootsChecked = 3
)

// model is the reference: a map, a stack of snapshot copies, and the
// contents of every committed root.
type model struct {
	cur       map[string][]byte
	snaps     []map[string][]byte
	committed map[attest.Hash]map[string][]byte
}

// TestOverlayMatchesModel drives an Overlay and a map with the same random
// operations; a failing seed shows in the subtest name and replays with
// -run 'TestOverlayMatchesModel/seed=N'.
func TestOverlayMatchesModel(t *testing.T) {
	t.Parallel()
	for seed := range uint64(propertySeeds) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			runModel(t, seed)
		})
	}
}

func runModel(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	db, nodes := newDB()
	m := &model{cur: map[string][]byte{}, committed: map[attest.Hash]map[string][]byte{}}
	o, err := db.Fork(state.EmptyRoot())
	require.NoError(t, err)
	for range propertyOps {
		o = step(t, rng, db, nodes, o, m)
	}
	root := commitTo(t, o, nodes)
	m.committed[root] = maps.Clone(m.cur)
	checkOldRoots(t, rng, state.New(nodes, 0), m)
}

// step performs one random operation on both sides and checks one property.
func step(t *testing.T, rng *rand.Rand, db *state.DB, nodes *state.MemNodes, o *state.Overlay, m *model) *state.Overlay {
	key := randomKey(rng)
	switch p := rng.IntN(100); {
	case p < 45:
		v := randomValue(rng)
		require.NoError(t, o.Set([]byte(key), v))
		m.cur[key] = v
	case p < 65:
		require.NoError(t, o.Delete([]byte(key)))
		delete(m.cur, key)
	case p < 73:
		require.Equal(t, len(m.snaps), o.Snapshot())
		m.snaps = append(m.snaps, maps.Clone(m.cur))
	case p < 80 && len(m.snaps) > 0:
		id := rng.IntN(len(m.snaps))
		o.RevertToSnapshot(id)
		m.cur, m.snaps = m.snaps[id], m.snaps[:id]
	case p < 86:
		got, err := o.Root()
		require.NoError(t, err)
		require.Equal(t, referenceRoot(t, m.cur, rng), got, "root differs from a fresh trie of the same contents")
	case p < 90:
		prefix := []byte(key[:rng.IntN(len(key)+1)])
		require.Equal(t, modelRange(m.cur, prefix), collect(t, o, prefix), "iterate %q", prefix)
	case p < 93:
		return recommit(t, rng, db, nodes, o, m)
	default:
		got, err := o.Get([]byte(key))
		require.NoError(t, err)
		require.Equal(t, m.cur[key], got, "get %q", key)
	}
	return o
}

// recommit commits the overlay and forks the next one, sometimes through a
// cold DB so that every node must come from the store.
func recommit(t *testing.T, rng *rand.Rand, db *state.DB, nodes *state.MemNodes, o *state.Overlay, m *model) *state.Overlay {
	root := commitTo(t, o, nodes)
	require.Equal(t, referenceRoot(t, m.cur, rng), root)
	m.committed[root] = maps.Clone(m.cur)
	m.snaps = nil
	if rng.IntN(2) == 0 {
		db = state.New(nodes, 0)
	}
	next, err := db.Fork(root)
	require.NoError(t, err)
	return next
}

// checkOldRoots reads and proves every key of a few committed roots.
func checkOldRoots(t *testing.T, rng *rand.Rand, db *state.DB, m *model) {
	checked := 0
	for root, contents := range m.committed {
		if checked == oldRootsChecked || root == state.EmptyRoot() {
			continue
		}
		checked++
		for k, want := range contents {
			got, proof, err := db.Prove(root, []byte(k))
			require.NoError(t, err)
			require.Equal(t, want, got)
			proven, err := attest.VerifyProof(root, []byte(k), proof)
			require.NoError(t, err)
			require.Equal(t, want, proven)
		}
		absent := randomKey(rng)
		if _, ok := contents[absent]; !ok {
			_, proof, err := db.Prove(root, []byte(absent))
			require.NoError(t, err)
			proven, err := attest.VerifyProof(root, []byte(absent), proof)
			require.NoError(t, err)
			require.Nil(t, proven)
		}
	}
}

func randomKey(rng *rand.Rand) string {
	b := make([]byte, 1+rng.IntN(maxShortKey))
	for i := range b {
		b[i] = keyAlphabet[rng.IntN(len(keyAlphabet))]
	}
	if rng.IntN(4) == 0 {
		return longKeyPrefix + string(b)
	}
	return string(b)
}

func randomValue(rng *rand.Rand) []byte {
	v := make([]byte, 1+rng.IntN(maxValueBytes))
	for i := range v {
		v[i] = byte(rng.UintN(256))
	}
	return v
}
