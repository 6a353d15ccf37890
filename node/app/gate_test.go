package app_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/app/apptest"
)

// gate is a module that admits only the senders it lists, and every
// sender for its own "open" method.
type gate struct{ allowed map[attest.Address]bool }

func (*gate) Name() string                                             { return "gate" }
func (*gate) InitGenesis(*app.Context, *chains.Genesis) error          { return nil }
func (*gate) Check(*app.Context, attest.Address, string, []byte) error { return nil }
func (*gate) Deliver(*app.Context, attest.Address, string, []byte) error {
	return nil
}
func (*gate) EndBlock(*app.Context) ([]attest.Validator, error) { return nil, nil }

func (g *gate) AdmitSender(_ *app.Context, sender attest.Address, txType string) error {
	if g.allowed[sender] || txType == "gate.open" {
		return nil
	}
	return app.Errorf(app.CodeUnauthorized, "%s may not send %s", sender, txType)
}

// Every transaction passes the gate, in Check and in Deliver (there for
// another module's), and a refused one changes nothing but its sender's
// nonce.
func TestSenderGate(t *testing.T) {
	t.Parallel()
	accts := apptest.Accounts(2)
	g := apptest.Genesis(nil)
	gt := &gate{allowed: map[attest.Address]bool{accts[0].Address: true}}
	a, err := app.New(g, app.NewSigCache(0), &counter{}, gt)
	require.NoError(t, err)
	st := apptest.NewMemState()
	require.NoError(t, a.InitChain(st, app.BlockInfo{ChainID: g.ChainID, Genesis: g.Hash()}))
	vals, err := g.ValidatorSet()
	require.NoError(t, err)

	check := func(from int, typ string) error {
		raw := apptest.SignedTx(g, accts[from], 0, typ, []byte("k"))
		t2, hash, err := a.DecodeTx(raw)
		require.NoError(t, err)
		return a.Check(st, hash, accts[from].Address, t2)
	}
	require.NoError(t, check(0, "gate.x"))
	require.ErrorIs(t, check(1, "gate.x"), app.ErrUnauthorized)
	require.NoError(t, check(1, "gate.open"))

	want := st.Clone()
	require.NoError(t, app.SetAccountNonce(want, accts[1].Address, 1))
	rs, _, err := a.ExecuteBlock(st, app.BlockInfo{ChainID: g.ChainID, Genesis: g.Hash(), Height: 1, TimeMs: 1000},
		[][]byte{apptest.SignedTx(g, accts[1], 0, "counter.inc", []byte("k"))}, vals)
	require.NoError(t, err)
	require.Equal(t, app.CodeUnauthorized, rs[0].Code, rs[0].Log)
	require.Equal(t, want.Dump(), st.Dump(), "nothing but the nonce moved")
}
