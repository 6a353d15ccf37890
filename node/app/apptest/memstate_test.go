package apptest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/app/apptest"
)

func TestMemStateConformance(t *testing.T) {
	t.Parallel()
	apptest.RunStateSuite(t, func(*testing.T) app.State { return apptest.NewMemState() })
}

func TestMemStateCloneAndCommit(t *testing.T) {
	t.Parallel()
	s := apptest.NewMemState()
	require.NoError(t, s.Set([]byte("a"), []byte("1")))
	c := s.Clone()
	require.NoError(t, c.Set([]byte("a"), []byte("2")))
	require.Equal(t, "a=31\n", s.Dump())
	require.Equal(t, "a=32\n", c.Dump())
	s.Commit()
	require.Equal(t, 0, s.Snapshot())
	require.Panics(t, func() { s.RevertToSnapshot(1) })
}

func TestFaulty(t *testing.T) {
	t.Parallel()
	f := &apptest.Faulty{State: apptest.NewMemState(), FailOn: func(op apptest.Op, _ []byte) bool { return op == apptest.OpSet }}
	require.ErrorIs(t, f.Set([]byte("k"), []byte("v")), apptest.ErrInjected)
	require.NoError(t, f.Delete([]byte("k")))
	v, err := f.Get([]byte("k"))
	require.NoError(t, err)
	require.Nil(t, v)
}

func TestAccountsAreDeterministic(t *testing.T) {
	t.Parallel()
	a, b := apptest.Accounts(3), apptest.Accounts(3)
	for i := range a {
		require.Equal(t, a[i].Address, b[i].Address)
	}
	require.NotEqual(t, a[0].Address, a[1].Address)
	require.NoError(t, apptest.Genesis([]attest.Address{a[1].Address}).Validate())
}
