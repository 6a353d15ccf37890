package app_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/app/apptest"
)

// fines is a module whose "bad" method always fails after writing, and
// which fines the senders it lists for it: the fine outlives the rejection.
type fines struct{ liable map[attest.Address]bool }

func (*fines) Name() string                                    { return "fines" }
func (*fines) InitGenesis(*app.Context, *chains.Genesis) error { return nil }
func (*fines) Check(_ *app.Context, _ attest.Address, method string, _ []byte) error {
	if method == "bad" {
		return app.Errorf(app.CodeMalformed, "bad")
	}
	return nil
}
func (*fines) Deliver(ctx *app.Context, _ attest.Address, method string, _ []byte) error {
	if err := ctx.State.Set([]byte("fines/written"), []byte{1}); err != nil {
		return err
	}
	if method == "bad" {
		return app.Errorf(app.CodeMalformed, "bad")
	}
	return nil
}
func (*fines) EndBlock(*app.Context) ([]attest.Validator, error) { return nil, nil }

func (f *fines) Penalizes(_ *app.Context, sender attest.Address, txType string, rejection error) (bool, error) {
	return f.liable[sender] && txType == "fines.bad" && app.CodeOf(rejection) == app.CodeMalformed, nil
}

func (f *fines) OnRejected(ctx *app.Context, sender attest.Address, txType string, rejection error) error {
	if ok, _ := f.Penalizes(ctx, sender, txType, rejection); !ok {
		return nil
	}
	return ctx.State.Set(append([]byte("fines/fined/"), app.AddressKey(sender)...), []byte{1})
}

// Check admits a transaction it would refuse when an observer penalises
// the refusal, so a block carries it; there the rejection reverts the
// transaction's writes and keeps the penalty.
func TestPenalizedRejectionIsAdmitted(t *testing.T) {
	t.Parallel()
	accts := apptest.Accounts(2)
	g := apptest.Genesis(nil)
	a, err := app.New(g, app.NewSigCache(0), &fines{liable: map[attest.Address]bool{accts[0].Address: true}})
	require.NoError(t, err)
	st := apptest.NewMemState()
	require.NoError(t, a.InitChain(st, app.BlockInfo{ChainID: g.ChainID, Genesis: g.Hash()}))
	vals, err := g.ValidatorSet()
	require.NoError(t, err)

	check := func(from int, typ string) error {
		t2, hash, err := a.DecodeTx(apptest.SignedTx(g, accts[from], 0, typ, nil))
		require.NoError(t, err)
		return a.Check(st, hash, accts[from].Address, t2)
	}
	require.NoError(t, check(0, "fines.bad"), "liable: admitted to be fined")
	require.ErrorIs(t, check(1, "fines.bad"), app.ErrMalformed, "not liable: refused as before")
	require.NoError(t, check(1, "fines.ok"))

	rs, _, err := a.ExecuteBlock(st, app.BlockInfo{ChainID: g.ChainID, Genesis: g.Hash(), Height: 1, TimeMs: 1000},
		[][]byte{apptest.SignedTx(g, accts[0], 0, "fines.bad", nil)}, vals)
	require.NoError(t, err)
	require.Equal(t, app.CodeMalformed, rs[0].Code)
	fined, err := st.Get(append([]byte("fines/fined/"), app.AddressKey(accts[0].Address)...))
	require.NoError(t, err)
	require.NotNil(t, fined, "the fine stays")
	written, err := st.Get([]byte("fines/written"))
	require.NoError(t, err)
	require.Nil(t, written, "the rejected transaction's own writes are reverted")
}
