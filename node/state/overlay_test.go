package state_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/state"
)

var baseContents = map[string]string{
	"acct/alice":         "a1",
	"acct/bob":           "b1",
	"bal/alice/USD":      "100",
	"bal/bob/USD":        "7",
	"xout/beta/1":        "commitment-1",
	"xout/beta/10":       "commitment-10",
	"xout/beta/1/suffix": "prefix-of-another-key",
}

func TestOverlayOperations(t *testing.T) {
	t.Parallel()
	type op struct {
		kind  string // set, del, snap, revert
		key   string
		value string
	}
	tests := []struct {
		name string
		ops  []op
		want map[string]string // key → value; "" means absent
	}{
		{"read committed", nil, map[string]string{"acct/alice": "a1", "acct/carol": ""}},
		{"set new and overwrite", []op{{"set", "acct/carol", "c1"}, {"set", "acct/alice", "a2"}},
			map[string]string{"acct/carol": "c1", "acct/alice": "a2"}},
		{"delete committed and pending", []op{{"set", "acct/carol", "c1"}, {"del", "acct/carol", ""}, {"del", "acct/bob", ""}},
			map[string]string{"acct/carol": "", "acct/bob": "", "acct/alice": "a1"}},
		{"revert undoes writes after snapshot", []op{{"set", "acct/alice", "a2"}, {"snap", "", ""},
			{"set", "acct/alice", "a3"}, {"del", "acct/bob", ""}, {"set", "acct/dave", "d"}, {"revert", "0", ""}},
			map[string]string{"acct/alice": "a2", "acct/bob": "b1", "acct/dave": ""}},
		{"nested snapshots", []op{{"snap", "", ""}, {"set", "k/1", "x"}, {"snap", "", ""}, {"set", "k/1", "y"},
			{"set", "k/2", "z"}, {"revert", "1", ""}},
			map[string]string{"k/1": "x", "k/2": ""}},
		{"prefix key deleted keeps longer key", []op{{"del", "xout/beta/1", ""}},
			map[string]string{"xout/beta/1": "", "xout/beta/1/suffix": "prefix-of-another-key", "xout/beta/10": "commitment-10"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db, nodes := newDB()
			root := buildState(t, db, nodes, baseContents)
			o, err := db.Fork(root)
			require.NoError(t, err)
			snaps := map[string]int{}
			for _, op := range tc.ops {
				switch op.kind {
				case "set":
					require.NoError(t, o.Set([]byte(op.key), []byte(op.value)))
				case "del":
					require.NoError(t, o.Delete([]byte(op.key)))
				case "snap":
					id := o.Snapshot()
					snaps[string(rune('0'+id))] = id
				case "revert":
					o.RevertToSnapshot(snaps[op.key])
				}
			}
			for k, want := range tc.want {
				got, err := o.Get([]byte(k))
				require.NoError(t, err)
				if want == "" {
					require.Nil(t, got, k)
				} else {
					require.Equal(t, want, string(got), k)
				}
			}
		})
	}
}

func TestOverlayRefusals(t *testing.T) {
	t.Parallel()
	db, _ := newDB()
	long := make([]byte, state.MaxKeyBytes+1)
	tests := []struct {
		name string
		run  func(o *state.Overlay) error
		want error
	}{
		{"empty value", func(o *state.Overlay) error { return o.Set([]byte("k"), nil) }, state.ErrEmptyValue},
		{"empty key set", func(o *state.Overlay) error { return o.Set(nil, []byte("v")) }, state.ErrBadKey},
		{"empty key get", func(o *state.Overlay) error { _, err := o.Get(nil); return err }, state.ErrBadKey},
		{"long key delete", func(o *state.Overlay) error { return o.Delete(long) }, state.ErrBadKey},
		{"set after commit", func(o *state.Overlay) error {
			if _, _, err := o.Commit(); err != nil {
				return err
			}
			return o.Set([]byte("k"), []byte("v"))
		}, state.ErrCommitted},
		{"root after commit", func(o *state.Overlay) error {
			if _, _, err := o.Commit(); err != nil {
				return err
			}
			_, err := o.Root()
			return err
		}, state.ErrCommitted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, err := db.Fork(state.EmptyRoot())
			require.NoError(t, err)
			require.ErrorIs(t, tc.run(o), tc.want)
		})
	}
}

func TestRevertUnknownSnapshotPanics(t *testing.T) {
	t.Parallel()
	db, _ := newDB()
	o, err := db.Fork(state.EmptyRoot())
	require.NoError(t, err)
	id := o.Snapshot()
	o.RevertToSnapshot(id)
	require.Panics(t, func() { o.RevertToSnapshot(id) })
}

func TestOverlayValuesAreCopies(t *testing.T) {
	t.Parallel()
	db, nodes := newDB()
	root := buildState(t, db, nodes, baseContents)
	o, err := db.Fork(root)
	require.NoError(t, err)

	buf := []byte("v1")
	require.NoError(t, o.Set([]byte("k"), buf))
	buf[0] = 'X'
	got, err := o.Get([]byte("k"))
	require.NoError(t, err)
	require.Equal(t, "v1", string(got))
	got[0] = 'Y'

	committed, err := o.Get([]byte("acct/alice"))
	require.NoError(t, err)
	committed[0] = 'Z'
	again, err := db.Get(root, []byte("acct/alice"))
	require.NoError(t, err)
	require.Equal(t, "a1", string(again))
}

func TestRootRepeatableAndRevertAfterRoot(t *testing.T) {
	t.Parallel()
	db, nodes := newDB()
	root := buildState(t, db, nodes, baseContents)
	o, err := db.Fork(root)
	require.NoError(t, err)

	same, err := o.Root()
	require.NoError(t, err)
	require.Equal(t, root, same, "no writes keeps the root")

	snap := o.Snapshot()
	require.NoError(t, o.Set([]byte("acct/alice"), []byte("changed")))
	require.NoError(t, o.Delete([]byte("acct/bob")))
	require.NoError(t, o.Set([]byte("acct/erin"), []byte("new")))
	changed, err := o.Root()
	require.NoError(t, err)
	require.NotEqual(t, root, changed)
	again, err := o.Root()
	require.NoError(t, err)
	require.Equal(t, changed, again)

	o.RevertToSnapshot(snap)
	v, err := o.Get([]byte("acct/bob"))
	require.NoError(t, err)
	require.Equal(t, "b1", string(v), "a flushed delete is undone")
	reverted, err := o.Root()
	require.NoError(t, err)
	require.Equal(t, root, reverted)

	final, list, err := o.Commit()
	require.NoError(t, err)
	require.Equal(t, root, final)
	require.Empty(t, list, "an unchanged trie has no new nodes")
}

func TestIterate(t *testing.T) {
	t.Parallel()
	db, nodes := newDB()
	root := buildState(t, db, nodes, baseContents)
	o, err := db.Fork(root)
	require.NoError(t, err)
	require.NoError(t, o.Set([]byte("xout/beta/2"), []byte("c2")))
	require.NoError(t, o.Delete([]byte("xout/beta/10")))
	require.NoError(t, o.Set([]byte("xout/gamma/1"), []byte("g1")))

	tests := []struct {
		prefix string
		want   [][2]string
	}{
		{"xout/beta/", [][2]string{{"xout/beta/1", "commitment-1"}, {"xout/beta/1/suffix", "prefix-of-another-key"}, {"xout/beta/2", "c2"}}},
		{"acct/", [][2]string{{"acct/alice", "a1"}, {"acct/bob", "b1"}}},
		{"xout/beta/1", [][2]string{{"xout/beta/1", "commitment-1"}, {"xout/beta/1/suffix", "prefix-of-another-key"}}},
		{"nothing/", nil},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, collect(t, o, []byte(tc.prefix)), tc.prefix)
	}

	var first []string
	require.NoError(t, o.Iterate(nil, func(k, _ []byte) bool {
		first = append(first, string(k))
		return len(first) < 2
	}))
	require.Equal(t, []string{"acct/alice", "acct/bob"}, first, "fn returning false stops the walk")
}

func TestIterateEmpty(t *testing.T) {
	t.Parallel()
	db, _ := newDB()
	o, err := db.Fork(state.EmptyRoot())
	require.NoError(t, err)
	require.Empty(t, collect(t, o, nil))
}

func TestCommitPersistsEveryNodeNeeded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		contents map[string]string
	}{
		{"single tiny entry", map[string]string{"a": "b"}},
		{"base contents", baseContents},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db, nodes := newDB()
			root := buildState(t, db, nodes, tc.contents)
			cold := state.New(nodes, 0) // empty cache: every read hits the store
			for k, v := range tc.contents {
				got, err := cold.Get(root, []byte(k))
				require.NoError(t, err)
				require.Equal(t, v, string(got))
			}
		})
	}
}

func TestRememberServesWithoutStore(t *testing.T) {
	t.Parallel()
	db := state.New(state.NewMemNodes(), testCacheBytes)
	o, err := db.Fork(state.EmptyRoot())
	require.NoError(t, err)
	require.NoError(t, o.Set([]byte("acct/alice"), []byte("a1")))
	root, list, err := o.Commit()
	require.NoError(t, err)

	_, err = db.Fork(root)
	require.ErrorIs(t, err, state.ErrMissingNode, "nodes not persisted nor remembered")
	db.Remember(list)
	v, err := db.Get(root, []byte("acct/alice"))
	require.NoError(t, err)
	require.Equal(t, "a1", string(v))
}

func TestMissingAndCorruptNodes(t *testing.T) {
	t.Parallel()
	db, nodes := newDB()
	root := buildState(t, db, nodes, baseContents)

	_, err := state.New(nodes, 0).Fork(attest.Keccak([]byte("never committed")))
	require.ErrorIs(t, err, state.ErrMissingNode)
	require.ErrorIs(t, err, state.ErrNodeNotFound, "the store's sentinel stays visible")

	corrupt := state.NewMemNodes()
	corrupt.Put([]state.Node{{Hash: root, Blob: []byte{0xc0}}})
	_, err = state.New(corrupt, 0).Fork(root)
	require.ErrorIs(t, err, state.ErrCorruptNode)
	require.False(t, errors.Is(err, state.ErrMissingNode))
}
