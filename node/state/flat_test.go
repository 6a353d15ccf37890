package state_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/state"
)

// Reads at the latest committed root come from the flat cache after the
// first read; they must always agree with the trie, across commits, deletes,
// reverted writes, and forks of older roots.
func TestFlatCacheFollowsCommits(t *testing.T) {
	t.Parallel()
	db, nodes := newDB()
	root := state.EmptyRoot()
	model := map[string]string{}
	var roots []attest.Hash
	var models []map[string]string
	for round := 0; round < 6; round++ {
		o, err := db.Fork(root)
		require.NoError(t, err)
		for i := 0; i < 20; i++ {
			k := fmt.Sprintf("k/%d", (round*7+i)%30)
			v, err := o.Get([]byte(k)) // warms the cache at root
			require.NoError(t, err)
			require.Equal(t, model[k], string(v), "round %d key %s", round, k)
			switch i % 4 {
			case 0:
				require.NoError(t, o.Delete([]byte(k)))
				delete(model, k)
			case 3:
				snap := o.Snapshot()
				require.NoError(t, o.Set([]byte(k), []byte("reverted")))
				o.RevertToSnapshot(snap)
			default:
				val := fmt.Sprintf("v%d-%d", round, i)
				require.NoError(t, o.Set([]byte(k), []byte(val)))
				model[k] = val
			}
		}
		root = commitTo(t, o, nodes)
		roots = append(roots, root)
		snap := map[string]string{}
		for k, v := range model {
			snap[k] = v
		}
		models = append(models, snap)
		// A fresh DB on the same nodes has no flat cache: it must agree.
		cold := state.New(nodes, testCacheBytes)
		for i := 0; i < 30; i++ {
			k := fmt.Sprintf("k/%d", i)
			want, err := cold.Get(root, []byte(k))
			require.NoError(t, err)
			view, err := db.Fork(root)
			require.NoError(t, err)
			got, err := view.Get([]byte(k))
			require.NoError(t, err)
			require.Equal(t, string(want), string(got), "key %s after round %d", k, round)
		}
	}
	// Older roots bypass the cache and still read their own values.
	for i, r := range roots[:len(roots)-1] {
		view, err := db.Fork(r)
		require.NoError(t, err)
		for k, v := range models[i] {
			got, err := view.Get([]byte(k))
			require.NoError(t, err)
			require.Equal(t, v, string(got))
		}
	}
}
