package app_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/app/apptest"
	"github.com/causeway/causeway/node/tx"
)

type named struct {
	counter
	name string
}

func (n *named) Name() string { return n.name }

func TestNewRejects(t *testing.T) {
	t.Parallel()
	g := apptest.Genesis(nil)
	cases := []struct {
		name    string
		gen     *chains.Genesis
		modules []app.Module
		want    error
	}{
		{"nil genesis", nil, nil, chains.ErrInvalidGenesis},
		{"invalid genesis", &chains.Genesis{ChainID: "Bad Id"}, nil, chains.ErrInvalidGenesis},
		{"nil module", g, []app.Module{nil}, app.ErrInvalidModule},
		{"unnamed", g, []app.Module{&named{name: ""}}, app.ErrInvalidModule},
		{"dotted", g, []app.Module{&named{name: "a.b"}}, app.ErrInvalidModule},
		{"twice", g, []app.Module{&counter{}, &counter{}}, app.ErrInvalidModule},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := app.New(tc.gen, nil, tc.modules...)
			require.ErrorIs(t, err, tc.want)
		})
	}
}

func TestInitChain(t *testing.T) {
	t.Parallel()
	g := apptest.Genesis(nil)
	a, err := app.New(g, nil, &counter{})
	require.NoError(t, err)
	require.Equal(t, g.ChainID, a.ChainID())
	require.Equal(t, g.Hash(), a.GenesisHash())
	require.NotNil(t, a.Cache())

	st := apptest.NewMemState()
	err = a.InitChain(st, app.BlockInfo{ChainID: g.ChainID, Genesis: g.Hash(), Height: 1})
	require.ErrorIs(t, err, app.ErrWrongBlockInfo)
	require.Zero(t, st.Len())

	require.NoError(t, a.InitChain(st, app.BlockInfo{ChainID: g.ChainID, Genesis: g.Hash()}))
	v, err := st.Get([]byte("counter/genesis"))
	require.NoError(t, err)
	require.Equal(t, "1", string(v))
}

func TestCheckIsReadOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	check := func(typ string) error {
		tr, err := tx.Decode(h.tx(0, 0, typ, "p"))
		require.NoError(t, err)
		return h.app.Check(h.st, tr.Hash(), h.accts[0].Address, tr)
	}
	before := h.st.Dump()
	require.ErrorIs(t, check("counter.inc"), app.ErrReadOnly)
	require.ErrorIs(t, check("counter.fail"), app.ErrUnauthorized)
	require.ErrorIs(t, check("nosuch.x"), app.ErrUnknownTxType)
	require.Equal(t, before, h.st.Dump())
}

func TestDecodeTx(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	raw := h.tx(0, 4, "counter.inc", "p")
	got, hash, err := h.app.DecodeTx(raw)
	require.NoError(t, err)
	require.Equal(t, uint64(4), got.Nonce)
	require.Equal(t, got.Hash(), hash)
	_, _, err = h.app.DecodeTx(apptest.SignedTxFor("other", attest.Hash{}, h.accts[0], 0, "x.y", nil))
	require.ErrorIs(t, err, app.ErrWrongChain)
}

func TestAccountNonce(t *testing.T) {
	t.Parallel()
	st := apptest.NewMemState()
	addr := attest.Address{0xab}
	n, err := app.AccountNonce(st, addr)
	require.NoError(t, err)
	require.Zero(t, n)
	require.NoError(t, app.SetAccountNonce(st, addr, 42))
	n, err = app.AccountNonce(st, addr)
	require.NoError(t, err)
	require.Equal(t, uint64(42), n)
	require.Equal(t, "acct/0xab00000000000000000000000000000000000000", string(app.AccountKey(addr)))

	require.NoError(t, st.Set(app.AccountKey(addr), []byte{0xff}))
	_, err = app.AccountNonce(st, addr)
	require.Error(t, err)
}
