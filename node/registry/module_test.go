package registry_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/app/apptest"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/registry"
)

func gv(a attest.Address, p uint64) chains.GenesisValidator {
	return chains.GenesisValidator{Address: a, Power: p}
}

// The schedule turns the genesis set into each scheduled set, one height
// after the scheduled height, through ExecuteBlock's validator updates.
func TestScheduleAppliesAtItsHeight(t *testing.T) {
	t.Parallel()
	accts := apptest.Accounts(5)
	g := apptest.Genesis(nil)
	a := func(i int) attest.Address { return accts[i].Address }
	g.Validators = []chains.GenesisValidator{gv(a(0), 1), gv(a(1), 1), gv(a(2), 1), gv(a(3), 1)}
	g.ValidatorSchedule = []chains.ScheduledValidators{
		{Height: 2, Validators: []chains.GenesisValidator{gv(a(0), 3), gv(a(1), 1), gv(a(4), 2)}},
		{Height: 4, Validators: []chains.GenesisValidator{gv(a(4), 1)}},
	}
	require.NoError(t, g.Validate())
	ap, err := app.New(g, app.NewSigCache(16), bank.NewModule(), registry.NewModule())
	require.NoError(t, err)
	st := apptest.NewMemState()
	require.NoError(t, ap.InitChain(st, app.BlockInfo{ChainID: g.ChainID, Genesis: g.Hash()}))
	vals, err := g.ValidatorSet()
	require.NoError(t, err)

	want := map[uint64][]attest.Validator{
		2: {{Address: a(0), Power: 3}, {Address: a(1), Power: 1}, {Address: a(4), Power: 2}},
		4: {{Address: a(4), Power: 1}},
	}
	for h := uint64(1); h <= 5; h++ {
		info := app.BlockInfo{ChainID: g.ChainID, Genesis: g.Hash(), Height: h, TimeMs: h * 1000}
		_, next, err := ap.ExecuteBlock(st, info, nil, vals)
		require.NoError(t, err)
		if w, ok := want[h]; ok {
			require.ElementsMatch(t, w, next.Validators, "set after height %d", h)
		} else {
			require.Equal(t, vals.Hash(), next.Hash(), "height %d changes nothing", h)
		}
		vals = next
	}
}
