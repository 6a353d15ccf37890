package app_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/app/apptest"
	"github.com/causeway/causeway/node/tx"
)

// harness is an App with the counter module over a fresh MemState.
type harness struct {
	app   *app.App
	gen   *chains.Genesis
	mod   *counter
	st    *apptest.MemState
	accts []apptest.Account
	vals  *attest.ValidatorSet
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	accts := apptest.Accounts(3)
	g := apptest.Genesis(nil)
	mod := &counter{}
	a, err := app.New(g, app.NewSigCache(0), mod)
	require.NoError(t, err)
	st := apptest.NewMemState()
	require.NoError(t, a.InitChain(st, app.BlockInfo{ChainID: g.ChainID, Genesis: g.Hash()}))
	vals, err := g.ValidatorSet()
	require.NoError(t, err)
	return &harness{app: a, gen: g, mod: mod, st: st, accts: accts, vals: vals}
}

func (h *harness) info(height uint64) app.BlockInfo {
	return app.BlockInfo{ChainID: h.gen.ChainID, Genesis: h.gen.Hash(), Height: height, TimeMs: 1000 * height}
}

func (h *harness) tx(from int, nonce uint64, typ, payload string) []byte {
	return apptest.SignedTx(h.gen, h.accts[from], nonce, typ, []byte(payload))
}

func (h *harness) execute(t testing.TB, txs ...[]byte) []app.Receipt {
	t.Helper()
	rs, _, err := h.app.ExecuteBlock(h.st, h.info(1), txs, h.vals)
	require.NoError(t, err)
	require.Len(t, rs, len(txs))
	return rs
}

func badSignature(h *harness) []byte {
	t, err := tx.Decode(h.tx(0, 0, "counter.inc", "x"))
	if err != nil {
		panic(err)
	}
	// A recovery id out of range never recovers a signer. (Flipping bits of
	// R or S would usually recover some other address, which is a valid
	// signature by someone else, not a bad one.)
	t.Sig[attest.SignatureLength-1] = 7
	return t.Encode()
}

func TestExecuteRejectsWithoutStateChange(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		raw  func(h *harness) []byte
		want app.Code
	}{
		{"garbage", func(*harness) []byte { return []byte{0x01, 0x02} }, app.CodeMalformed},
		{"oversize", func(*harness) []byte { return make([]byte, tx.MaxTxBytes+1) }, app.CodeTooLarge},
		{"wrong chain", func(h *harness) []byte {
			return apptest.SignedTxFor("otherchain", h.gen.Hash(), h.accts[0], 0, "counter.inc", []byte("x"))
		}, app.CodeWrongChain},
		{"bad signature", badSignature, app.CodeBadSignature},
		{"signed under another genesis", func(h *harness) []byte {
			// Recovers to an unrelated address whose next nonce is 0.
			return apptest.SignedTxFor(h.gen.ChainID, attest.Hash{9}, h.accts[0], 1, "counter.inc", []byte("x"))
		}, app.CodeNonceTooHigh},
		{"nonce too high", func(h *harness) []byte { return h.tx(0, 1, "counter.inc", "x") }, app.CodeNonceTooHigh},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			before := h.st.Dump()
			raw := tc.raw(h)
			rs := h.execute(t, raw)
			require.Equal(t, tc.want, rs[0].Code, rs[0].Log)
			require.Equal(t, attest.Keccak(raw), rs[0].TxHash)
			require.Empty(t, rs[0].Events)
			require.Equal(t, before, h.st.Dump(), "a rejected tx must not touch state")
		})
	}
}

func TestExecuteNonceTooLowIsReplay(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	raw := h.tx(0, 0, "counter.inc", "a")
	require.Equal(t, app.CodeOK, h.execute(t, raw)[0].Code)
	before := h.st.Dump()
	rs := h.execute(t, raw)
	require.Equal(t, app.CodeNonceTooLow, rs[0].Code)
	require.Equal(t, before, h.st.Dump())
}

func TestExecuteFailedTxConsumesOnlyItsNonce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		typ  string
		want app.Code
	}{
		{"module rejects", "counter.fail", app.CodeUnauthorized},
		{"attest code passes through", "counter.proof", app.Code(attest.CodeBadProof)},
		{"unknown module", "nosuch.inc", app.CodeUnknownTxType},
		{"no method", "counter", app.CodeUnknownTxType},
		{"unknown method", "counter.nosuch", app.CodeUnknownTxType},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			want := h.st.Clone()
			require.NoError(t, app.SetAccountNonce(want, h.accts[0].Address, 1))
			rs := h.execute(t, h.tx(0, 0, tc.typ, "k"))
			require.Equal(t, tc.want, rs[0].Code, rs[0].Log)
			require.Equal(t, h.accts[0].Address, rs[0].Sender)
			require.Equal(t, tc.typ, rs[0].Type)
			require.Empty(t, rs[0].Events)
			require.NotEmpty(t, rs[0].Log)
			require.Equal(t, want.Dump(), h.st.Dump())
		})
	}
}

func TestExecuteSuccess(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	txs := [][]byte{
		h.tx(0, 0, "counter.inc", "a"),
		h.tx(0, 1, "counter.fail", "b"),
		h.tx(1, 0, "counter.inc", "c"),
		h.tx(0, 2, "counter.inc", "d"),
	}
	rs := h.execute(t, txs...)
	codes := make([]app.Code, len(rs))
	for i, r := range rs {
		codes[i] = r.Code
		require.Equal(t, uint32(i), r.Index)
		require.Equal(t, uint64(1), r.Height)
	}
	require.Equal(t, []app.Code{app.CodeOK, app.CodeUnauthorized, app.CodeOK, app.CodeOK}, codes)
	require.Equal(t, []app.Event{{Type: "inc", Attrs: []app.Attr{{Key: "key", Value: "a"}}}}, rs[0].Events)
	for key, want := range map[string]string{"counter/a": "1", "counter/b": "", "counter/c": "1", "counter/d": "1"} {
		v, err := h.st.Get([]byte(key))
		require.NoError(t, err)
		require.Equal(t, want, string(v), key)
	}
	n, err := app.AccountNonce(h.st, h.accts[0].Address)
	require.NoError(t, err)
	require.Equal(t, uint64(3), n)
}

func TestExecuteInternalFailuresHalt(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		typ    string
		failOn func(op apptest.Op, key []byte) bool
		want   error
	}{
		{"uncoded module error", "counter.boom", never, errBoom},
		{"nonce read fails", "counter.inc", onPrefix(apptest.OpGet, app.AccountPrefix), apptest.ErrInjected},
		{"nonce write fails", "counter.inc", onPrefix(apptest.OpSet, app.AccountPrefix), apptest.ErrInjected},
		{"module write fails", "counter.inc", onPrefix(apptest.OpSet, "counter/"), apptest.ErrInjected},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			st := &apptest.Faulty{State: h.st, FailOn: tc.failOn}
			rs, next, err := h.app.ExecuteBlock(st, h.info(1), [][]byte{h.tx(0, 0, tc.typ, "k")}, h.vals)
			require.ErrorIs(t, err, tc.want)
			require.Nil(t, rs)
			require.Nil(t, next)
		})
	}
}

func never(apptest.Op, []byte) bool { return false }

func onPrefix(op apptest.Op, prefix string) func(apptest.Op, []byte) bool {
	return func(o apptest.Op, key []byte) bool { return o == op && bytes.HasPrefix(key, []byte(prefix)) }
}

func TestExecuteIsDeterministic(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var txs [][]byte
	for n := range uint64(20) {
		for from := range h.accts {
			typ := "counter.inc"
			if n%3 == 2 {
				typ = "counter.fail"
			}
			txs = append(txs, h.tx(from, n, typ, string(rune('a'+from))+string(rune('a'+n))))
		}
	}
	base := h.st.Clone()
	var dumps, encoded []string
	for range 3 {
		st := base.Clone()
		rs, _, err := h.app.ExecuteBlock(st, h.info(1), txs, h.vals)
		require.NoError(t, err)
		dumps = append(dumps, st.Dump())
		encoded = append(encoded, string(app.EncodeReceipts(rs)))
	}
	require.Equal(t, dumps[0], dumps[1])
	require.Equal(t, dumps[0], dumps[2])
	require.Equal(t, encoded[0], encoded[1])
	require.Equal(t, encoded[0], encoded[2])
}

func TestExecuteVerifiesEachSignatureOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var txs [][]byte
	for n := range uint64(16) {
		txs = append(txs, h.tx(int(n%3), n/3, "counter.inc", string(rune('a'+n))))
	}
	cache := h.app.Cache()
	start := cache.Verifications()
	_, _, err := h.app.ExecuteBlock(h.st.Clone(), h.info(1), txs, h.vals)
	require.NoError(t, err)
	require.Equal(t, uint64(len(txs)), cache.Verifications()-start, "cold cache: one recovery per tx")
	_, _, err = h.app.ExecuteBlock(h.st.Clone(), h.info(1), txs, h.vals)
	require.NoError(t, err)
	require.Equal(t, uint64(len(txs)), cache.Verifications()-start, "warm cache: no new recoveries")
}

func TestExecuteRefusesForeignBlockInfo(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	info := h.info(1)
	info.ChainID = "other"
	_, _, err := h.app.ExecuteBlock(h.st, info, nil, h.vals)
	require.ErrorIs(t, err, app.ErrWrongBlockInfo)
	info = h.info(1)
	info.Genesis = attest.Hash{1}
	_, _, err = h.app.ExecuteBlock(h.st, info, nil, h.vals)
	require.ErrorIs(t, err, app.ErrWrongBlockInfo)
}

func TestCheckNonce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		nonce, want uint64
		code        app.Code
	}{
		{"equal", 5, 5, app.CodeOK},
		{"low", 4, 5, app.CodeNonceTooLow},
		{"high", 6, 5, app.CodeNonceTooHigh},
		{"exhausted", ^uint64(0), ^uint64(0), app.CodeNonceTooHigh},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.code, app.CodeOf(app.CheckNonce(tc.nonce, tc.want)))
		})
	}
}
