package xfer_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/app/apptest"
	"github.com/causeway/causeway/node/xfer"
)

func TestGenesisSeedsClientsRoutesAndBlocked(t *testing.T) {
	t.Parallel()
	blocked := attest.Address{0xbb}
	alpha, beta := newPair(t, chainOpts{tweak: func(g *chains.Genesis) {
		g.Xfer.Blocked = []attest.Address{blocked}
		g.Xfer.Routes = []chains.RouteParams{{Chain: "beta", Limits: []chains.DenomLimit{
			{Denom: "USD", MaxPerPacket: "0"},
			{Denom: "EUR", WindowAmount: "500", WindowMs: 60_000},
		}}}
	}}, chainOpts{})

	c, err := xfer.GetClient(alpha.st, "beta")
	require.NoError(t, err)
	require.Equal(t, "beta", c.ChainID)
	require.Equal(t, beta.gen.Hash(), c.GenesisHash)
	require.Equal(t, []xfer.TrustedSet{{FromHeight: 1, Validators: beta.vals.Validators}}, c.Sets)
	require.False(t, c.Frozen)

	r, err := xfer.GetRoute(alpha.st, "beta")
	require.NoError(t, err)
	require.Len(t, r.Limits, 2)
	require.True(t, r.Limits[0].HasPacketCap)
	require.True(t, r.Limits[0].MaxPerPacket.IsZero())
	require.False(t, r.Limits[1].HasPacketCap)
	require.Equal(t, u(500), r.Limits[1].WindowAmount)
	require.Equal(t, uint64(60_000), r.Limits[1].WindowMs)

	open, err := xfer.GetRoute(beta.st, "alpha")
	require.NoError(t, err)
	require.Equal(t, &xfer.Route{Chain: "alpha"}, open, "no limits configured")

	isBlocked, err := xfer.IsBlocked(alpha.st, blocked)
	require.NoError(t, err)
	require.True(t, isBlocked)
	isBlocked, err = xfer.IsBlocked(beta.st, blocked)
	require.NoError(t, err)
	require.False(t, isBlocked)

	_, err = xfer.GetClient(alpha.st, "gamma")
	require.ErrorIs(t, err, xfer.ErrNotFound)
	_, err = xfer.GetTask(alpha.st, "beta", 1)
	require.ErrorIs(t, err, xfer.ErrNotFound)
	_, err = xfer.GetVerifiedHeader(alpha.st, "beta", 1)
	require.ErrorIs(t, err, xfer.ErrNotFound)
}

func TestGenesisRejects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		edit func(g *chains.Genesis)
	}{
		{"denom shadowing a counterparty's vouchers", func(g *chains.Genesis) {
			g.Accounts[0].Balances = append(g.Accounts[0].Balances, chains.Coin{Denom: "beta/USD", Amount: "1"})
		}},
		{"route listed twice", func(g *chains.Genesis) {
			g.Xfer.Routes = []chains.RouteParams{{Chain: "beta"}, {Chain: "beta"}}
		}},
		{"denom limited twice", func(g *chains.Genesis) {
			g.Xfer.Routes = []chains.RouteParams{{Chain: "beta", Limits: []chains.DenomLimit{{Denom: "USD"}, {Denom: "USD"}}}}
		}},
		{"counterparty listed twice", func(g *chains.Genesis) {
			g.Counterparties = append(g.Counterparties, g.Counterparties[0])
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, b := newTestnet(t, "alpha", testVals), newTestnet(t, "beta", testVals)
			require.NoError(t, chains.LinkCounterparties(a.Genesis, b.Genesis))
			g := a.Genesis
			tc.edit(g)
			ctx := &app.Context{BlockInfo: app.BlockInfo{ChainID: g.ChainID, Genesis: g.Hash()}, State: apptest.NewMemState()}
			require.Error(t, xfer.NewModule().InitGenesis(ctx, g))
		})
	}
}

func TestModuleAddresses(t *testing.T) {
	t.Parallel()
	require.Equal(t, xfer.EscrowAddress("beta"), xfer.EscrowAddress("beta"))
	require.NotEqual(t, xfer.EscrowAddress("beta"), xfer.EscrowAddress("gamma"))
	require.NotEqual(t, xfer.EscrowAddress("beta"), xfer.FeeAddress())
	want := attest.Keccak([]byte("causeway/xfer/escrow/beta"))
	require.Equal(t, want[12:], xfer.EscrowAddress("beta").Bytes())
	require.Equal(t, "alpha/USD", xfer.VoucherDenom("alpha", "USD"))
	require.Equal(t, "beta/alpha/USD", xfer.VoucherDenom("beta", "alpha/USD"))
}
