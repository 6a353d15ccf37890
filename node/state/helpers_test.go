package state_test

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/trie"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/state"
)

// testCacheBytes keeps test caches small so that evictions happen.
const testCacheBytes = state.MinCacheBytes

// newDB returns a DB over a fresh in-memory node store.
func newDB() (*state.DB, *state.MemNodes) {
	nodes := state.NewMemNodes()
	return state.New(nodes, testCacheBytes), nodes
}

// commitTo commits o and persists its nodes, returning the new root.
func commitTo(t testing.TB, o *state.Overlay, nodes *state.MemNodes) attest.Hash {
	t.Helper()
	root, list, err := o.Commit()
	require.NoError(t, err)
	nodes.Put(list)
	return root
}

// buildState writes contents on the empty root and commits them.
func buildState(t testing.TB, db *state.DB, nodes *state.MemNodes, contents map[string]string) attest.Hash {
	t.Helper()
	o, err := db.Fork(state.EmptyRoot())
	require.NoError(t, err)
	for k, v := range contents {
		require.NoError(t, o.Set([]byte(k), []byte(v)))
	}
	return commitTo(t, o, nodes)
}

// referenceRoot builds the trie of contents directly with go-ethereum, in a
// shuffled order, as an independent oracle for Overlay.Root.
func referenceRoot(t testing.TB, contents map[string][]byte, rng *rand.Rand) attest.Hash {
	t.Helper()
	keys := sortedKeys(contents)
	rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	tr := trie.NewEmpty(nil)
	for _, k := range keys {
		require.NoError(t, tr.Update([]byte(k), contents[k]))
	}
	return tr.Hash()
}

// collect returns everything Iterate yields for prefix, in order.
func collect(t testing.TB, o *state.Overlay, prefix []byte) [][2]string {
	t.Helper()
	var out [][2]string
	require.NoError(t, o.Iterate(prefix, func(k, v []byte) bool {
		out = append(out, [2]string{string(k), string(v)})
		return true
	}))
	return out
}

// modelRange is what Iterate must yield for prefix over model.
func modelRange(model map[string][]byte, prefix []byte) [][2]string {
	var out [][2]string
	for _, k := range sortedKeys(model) {
		if bytes.HasPrefix([]byte(k), prefix) {
			out = append(out, [2]string{k, string(model[k])})
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
