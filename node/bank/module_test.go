package bank_test

import (
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/rlp"
	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/app/apptest"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/tx"
)

// chain is an App with the bank module, after genesis: accounts 0 and 1 hold
// 1000 USD and 5 EUR each.
type chain struct {
	app   *app.App
	gen   *chains.Genesis
	st    *apptest.MemState
	accts []apptest.Account
	vals  *attest.ValidatorSet
}

func newChain(t *testing.T) *chain {
	t.Helper()
	accts := apptest.Accounts(3)
	g := apptest.Genesis([]attest.Address{accts[0].Address, accts[1].Address},
		chains.Coin{Denom: "USD", Amount: "1000"}, chains.Coin{Denom: "EUR", Amount: "5"})
	a, err := app.New(g, nil, bank.NewModule())
	require.NoError(t, err)
	st := apptest.NewMemState()
	require.NoError(t, a.InitChain(st, app.BlockInfo{ChainID: g.ChainID, Genesis: g.Hash()}))
	vals, err := g.ValidatorSet()
	require.NoError(t, err)
	return &chain{app: a, gen: g, st: st, accts: accts, vals: vals}
}

func (c *chain) send(from int, nonce uint64, payload []byte) []byte {
	return apptest.SignedTx(c.gen, c.accts[from], nonce, bank.TypeSend, payload)
}

func (c *chain) execute(t *testing.T, txs ...[]byte) []app.Receipt {
	t.Helper()
	info := app.BlockInfo{ChainID: c.gen.ChainID, Genesis: c.gen.Hash(), Height: 1}
	rs, _, err := c.app.ExecuteBlock(c.st, info, txs, c.vals)
	require.NoError(t, err)
	return rs
}

func payload(to attest.Address, denom string, amt *uint256.Int) []byte {
	_, p := bank.NewSend(to, denom, amt)
	return p
}

func TestGenesisBalancesAndSupply(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	for _, a := range c.accts[:2] {
		require.Equal(t, uint64(1000), mustAmount(t, c.st, &a.Address, "USD"))
		require.Equal(t, uint64(5), mustAmount(t, c.st, &a.Address, "EUR"))
	}
	require.Equal(t, uint64(2000), mustAmount(t, c.st, nil, "USD"))
	require.Equal(t, uint64(10), mustAmount(t, c.st, nil, "EUR"))
}

func TestGenesisSupplyOverflowHalts(t *testing.T) {
	t.Parallel()
	top := maxAmount.Dec()
	accts := apptest.Accounts(2)
	g := apptest.Genesis([]attest.Address{accts[0].Address, accts[1].Address}, chains.Coin{Denom: "USD", Amount: top})
	a, err := app.New(g, nil, bank.NewModule())
	require.NoError(t, err)
	err = a.InitChain(apptest.NewMemState(), app.BlockInfo{ChainID: g.ChainID, Genesis: g.Hash()})
	require.ErrorIs(t, err, app.ErrOverflow)
}

func TestSendDelivers(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	to := c.accts[2].Address
	rs := c.execute(t, c.send(0, 0, payload(to, "USD", u(250))))
	require.Equal(t, app.CodeOK, rs[0].Code, rs[0].Log)
	require.Equal(t, []app.Event{{Type: "transfer", Attrs: []app.Attr{
		{Key: "from", Value: strings.ToLower(c.accts[0].Address.Hex())}, {Key: "to", Value: strings.ToLower(to.Hex())},
		{Key: "denom", Value: "USD"}, {Key: "amount", Value: "250"},
	}}}, rs[0].Events)
	require.Equal(t, uint64(750), mustAmount(t, c.st, &c.accts[0].Address, "USD"))
	require.Equal(t, uint64(250), mustAmount(t, c.st, &to, "USD"))
	require.Equal(t, uint64(2000), mustAmount(t, c.st, nil, "USD"))
}

// badPayloads are bank.send payloads and method names that every entry point
// must reject with the given code.
func badPayloads(to attest.Address) []struct {
	name    string
	method  string
	payload []byte
	want    app.Code
} {
	tooBig, err := rlp.EncodeToBytes([]any{to, "USD", append([]byte{1}, make([]byte, 32)...)})
	if err != nil {
		panic(err)
	}
	return []struct {
		name    string
		method  string
		payload []byte
		want    app.Code
	}{
		{"zero amount", "send", payload(to, "USD", u(0)), app.CodeInvalidAmount},
		{"insufficient", "send", payload(to, "USD", u(1001)), app.CodeInsufficientBalance},
		{"denom not held", "send", payload(to, "JPY", u(1)), app.CodeInsufficientBalance},
		{"bad denom", "send", payload(to, "US$", u(1)), app.CodeInvalidDenom},
		{"amount over 2^256", "send", tooBig, app.CodeMalformed},
		{"garbage payload", "send", []byte{0xde, 0xad}, app.CodeMalformed},
		{"trailing bytes", "send", append(payload(to, "USD", u(1)), 0x00), app.CodeMalformed},
		{"unknown method", "mint", payload(to, "USD", u(1)), app.CodeUnknownTxType},
	}
}

// TestFailedSendChangesOnlyNonce checks every rejection through execution:
// the receipt carries the code and the only state change is the nonce.
func TestFailedSendChangesOnlyNonce(t *testing.T) {
	t.Parallel()
	for _, tc := range badPayloads(attest.Address{0x77}) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newChain(t)
			want := c.st.Clone()
			require.NoError(t, app.SetAccountNonce(want, c.accts[0].Address, 1))
			raw := apptest.SignedTx(c.gen, c.accts[0], 0, bank.ModuleName+"."+tc.method, tc.payload)
			rs := c.execute(t, raw)
			require.Equal(t, tc.want, rs[0].Code, rs[0].Log)
			require.Empty(t, rs[0].Events)
			require.Equal(t, want.Dump(), c.st.Dump())
		})
	}
}

func TestCheckRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range badPayloads(attest.Address{0x77}) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newChain(t)
			before := c.st.Dump()
			tr, err := tx.Decode(apptest.SignedTx(c.gen, c.accts[0], 0, bank.ModuleName+"."+tc.method, tc.payload))
			require.NoError(t, err)
			err = c.app.Check(c.st, tr.Hash(), c.accts[0].Address, tr)
			require.Equal(t, tc.want, app.CodeOf(err), "%v", err)
			require.Equal(t, before, c.st.Dump())
		})
	}
}

func TestSendsInOneBlockSeeEachOther(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	to := c.accts[2].Address
	rs := c.execute(t,
		c.send(0, 0, payload(to, "USD", u(600))),
		c.send(0, 1, payload(to, "USD", u(600))), // only 400 left: fails, nonce consumed
		c.send(0, 2, payload(to, "USD", u(400))),
		c.send(2, 0, payload(c.accts[1].Address, "USD", u(1000))),
	)
	codes := []app.Code{rs[0].Code, rs[1].Code, rs[2].Code, rs[3].Code}
	require.Equal(t, []app.Code{app.CodeOK, app.CodeInsufficientBalance, app.CodeOK, app.CodeOK}, codes)
	require.Zero(t, mustAmount(t, c.st, &c.accts[0].Address, "USD"))
	require.Equal(t, uint64(2000), mustAmount(t, c.st, &c.accts[1].Address, "USD"))
	require.Equal(t, uint64(2000), mustAmount(t, c.st, nil, "USD"))
}

func TestSendRoundTrip(t *testing.T) {
	t.Parallel()
	typ, p := bank.NewSend(attest.Address{9}, "alpha/USD", maxAmount)
	require.Equal(t, "bank.send", typ)
	got, err := bank.DecodeSend(p)
	require.NoError(t, err)
	require.Equal(t, &bank.Send{To: attest.Address{9}, Denom: "alpha/USD", Amount: maxAmount}, got)
}

func FuzzDecodeSend(f *testing.F) {
	f.Add(payload(attest.Address{1}, "USD", u(5)))
	f.Add(payload(attest.Address{}, "", u(0)))
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := bank.DecodeSend(b)
		if err != nil {
			require.Equal(t, app.CodeMalformed, app.CodeOf(err))
			return
		}
		_, again := bank.NewSend(s.To, s.Denom, s.Amount)
		require.Equal(t, b, again, "decoding is canonical")
	})
}

// Module accounts (escrows, fee pools) back other records; a user send into
// one is refused and moves nothing.
func TestSendToModuleAccountRefused(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	escrow := attest.Address{0xe5}
	require.NoError(t, bank.MarkModuleAccount(c.st, escrow))
	ok, err := bank.IsModuleAccount(c.st, escrow)
	require.NoError(t, err)
	require.True(t, ok)
	rs := c.execute(t, c.send(0, 0, payload(escrow, "USD", u(10))))
	require.Equal(t, app.CodeUnauthorized, rs[0].Code, rs[0].Log)
	require.Equal(t, uint64(1000), mustAmount(t, c.st, &c.accts[0].Address, "USD"))
	require.Equal(t, uint64(0), mustAmount(t, c.st, &escrow, "USD"))
}
