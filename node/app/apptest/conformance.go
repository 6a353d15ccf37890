package apptest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/node/app"
)

// RunStateSuite checks that a State implementation behaves as execution
// expects: absent keys read as nil, writes and deletes are visible, values are
// not aliased, and snapshots nest and revert exactly. When the State is also
// app.Iterable, iteration order and prefix bounds are checked. newState must
// return a fresh, empty State on every call.
func RunStateSuite(t *testing.T, newState func(t *testing.T) app.State) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, st app.State)
	}{
		{"absent key reads nil", suiteAbsent},
		{"set get overwrite delete", suiteSetGetDelete},
		{"values are not aliased", suiteNoAliasing},
		{"revert undoes writes since snapshot", suiteRevert},
		{"nested snapshots", suiteNested},
		{"iterate in order under prefix", suiteIterate},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newState(t))
		})
	}
}

func suiteAbsent(t *testing.T, st app.State) {
	v, err := st.Get([]byte("missing"))
	require.NoError(t, err)
	require.Nil(t, v)
	require.NoError(t, st.Delete([]byte("missing")), "deleting an absent key is a no-op")
}

func suiteSetGetDelete(t *testing.T, st app.State) {
	k := []byte("acct/0x01")
	require.NoError(t, st.Set(k, []byte("one")))
	mustGet(t, st, k, "one")
	require.NoError(t, st.Set(k, []byte("two")))
	mustGet(t, st, k, "two")
	require.NoError(t, st.Delete(k))
	v, err := st.Get(k)
	require.NoError(t, err)
	require.Nil(t, v)
}

func suiteNoAliasing(t *testing.T, st app.State) {
	k, v := []byte("k"), []byte("value")
	require.NoError(t, st.Set(k, v))
	v[0], k[0] = 'X', 'X'
	mustGet(t, st, []byte("k"), "value")
	got, err := st.Get([]byte("k"))
	require.NoError(t, err)
	got[0] = 'Y'
	mustGet(t, st, []byte("k"), "value")
}

func suiteRevert(t *testing.T, st app.State) {
	require.NoError(t, st.Set([]byte("keep"), []byte("1")))
	require.NoError(t, st.Set([]byte("gone"), []byte("1")))
	snap := st.Snapshot()
	require.NoError(t, st.Set([]byte("keep"), []byte("2")))
	require.NoError(t, st.Delete([]byte("gone")))
	require.NoError(t, st.Set([]byte("new"), []byte("1")))
	st.RevertToSnapshot(snap)
	mustGet(t, st, []byte("keep"), "1")
	mustGet(t, st, []byte("gone"), "1")
	v, err := st.Get([]byte("new"))
	require.NoError(t, err)
	require.Nil(t, v)
}

func suiteNested(t *testing.T, st app.State) {
	k := []byte("k")
	require.NoError(t, st.Set(k, []byte("0")))
	outer := st.Snapshot()
	require.NoError(t, st.Set(k, []byte("1")))
	inner := st.Snapshot()
	require.NoError(t, st.Set(k, []byte("2")))
	st.RevertToSnapshot(inner)
	mustGet(t, st, k, "1")
	require.NoError(t, st.Set(k, []byte("3")))
	st.RevertToSnapshot(outer)
	mustGet(t, st, k, "0")
}

func suiteIterate(t *testing.T, st app.State) {
	it, ok := st.(app.Iterable)
	if !ok {
		t.Skip("state is not app.Iterable")
	}
	for _, k := range []string{"bal/b", "bal/a", "bal/c/x", "bam", "ba", "supply/a"} {
		require.NoError(t, st.Set([]byte(k), []byte(k)))
	}
	require.NoError(t, st.Delete([]byte("bal/c/x")))
	var seen []string
	require.NoError(t, it.Iterate([]byte("bal/"), func(key, value []byte) error {
		require.Equal(t, string(key), string(value))
		seen = append(seen, string(key))
		return nil
	}))
	require.Equal(t, []string{"bal/a", "bal/b"}, seen)
}

func mustGet(t *testing.T, st app.KV, key []byte, want string) {
	t.Helper()
	v, err := st.Get(key)
	require.NoError(t, err)
	require.Equal(t, want, string(v))
}
