package registry_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/rlp"
	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/chains/identitytest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/app/apptest"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/registry"
	"github.com/causeway/causeway/node/xfer"
)

// Accounts of the identity harness: 0–3 are the validators (genesis
// members), the rest are funded outsiders.
const (
	nValidators = 4
	nAccounts   = 10
	blockMs     = 1000
)

// chain is one consortium chain run block by block in memory, with the
// bank, registry and xfer modules and the identitytest rule.
type chain struct {
	t      *testing.T
	g      *chains.Genesis
	app    *app.App
	st     *apptest.MemState
	accts  []apptest.Account
	keys   *identitytest.Keys
	vals   *attest.ValidatorSet
	height uint64
	nonces map[int]uint64
}

func newChain(t *testing.T, change ...func(r *chains.IdentityRule)) *chain {
	t.Helper()
	accts := apptest.Accounts(nAccounts)
	var funded []attest.Address
	for _, a := range accts[nValidators:] {
		funded = append(funded, a.Address)
	}
	g := apptest.Genesis(funded, chains.Coin{Denom: "USD", Amount: "1000000"})
	g.Validators = nil
	for i := range nValidators {
		g.Validators = append(g.Validators, chains.GenesisValidator{Address: accts[i].Address, Power: 1})
	}
	rule, keys := identitytest.Rule(g.Validators)
	for _, c := range change {
		c(rule)
	}
	g.Identity = rule
	require.NoError(t, g.Validate())
	a, err := app.New(g, app.NewSigCache(64), bank.NewModule(), registry.NewModule(), xfer.NewModule())
	require.NoError(t, err)
	st := apptest.NewMemState()
	require.NoError(t, a.InitChain(st, app.BlockInfo{ChainID: g.ChainID, Genesis: g.Hash()}))
	vals, err := g.ValidatorSet()
	require.NoError(t, err)
	return &chain{t: t, g: g, app: a, st: st, accts: accts, keys: keys, vals: vals, nonces: map[int]uint64{}}
}

// timeMs is the block time of the next block.
func (c *chain) timeMs() uint64 { return (c.height + 1) * blockMs }

// exec runs one block holding one transaction of account from and returns
// its receipt. The validator set follows the block's updates.
func (c *chain) exec(from int, txType string, payload []byte) app.Receipt {
	c.t.Helper()
	raw := apptest.SignedTx(c.g, c.accts[from], c.nonces[from], txType, payload)
	c.nonces[from]++
	c.height++
	info := app.BlockInfo{ChainID: c.g.ChainID, Genesis: c.g.Hash(), Height: c.height, TimeMs: c.height * blockMs}
	rs, next, err := c.app.ExecuteBlock(c.st, info, [][]byte{raw}, c.vals)
	require.NoError(c.t, err)
	c.vals = next
	return rs[0]
}

// check runs the mempool's admission check of a transaction of account
// from at its next nonce.
func (c *chain) check(from int, txType string, payload []byte) error {
	c.t.Helper()
	t, hash, err := c.app.DecodeTx(apptest.SignedTx(c.g, c.accts[from], c.nonces[from], txType, payload))
	require.NoError(c.t, err)
	return c.app.Check(c.st, hash, c.addr(from), t)
}

// requireRefused runs a transaction that must be refused with code and
// change nothing but its sender's nonce.
func (c *chain) requireRefused(code app.Code, from int, txType string, payload []byte) app.Receipt {
	c.t.Helper()
	want := c.st.Clone()
	require.NoError(c.t, app.SetAccountNonce(want, c.accts[from].Address, c.nonces[from]+1))
	r := c.exec(from, txType, payload)
	require.Equal(c.t, code, r.Code, "%s: %s", txType, r.Log)
	require.Equal(c.t, want.Dump(), c.st.Dump(), "a refused %s changes nothing", txType)
	return r
}

func (c *chain) requireOK(from int, txType string, payload []byte) app.Receipt {
	c.t.Helper()
	r := c.exec(from, txType, payload)
	require.Equal(c.t, app.CodeOK, r.Code, "%s: %s", txType, r.Log)
	return r
}

func (c *chain) addr(i int) attest.Address { return c.accts[i].Address }

// registration of account i in role under the harness's department,
// valid for a minute of block time.
func (c *chain) registration(i int, role attest.Role) attest.Registration {
	return attest.Registration{Member: c.addr(i), Role: role, Parent: identitytest.Dept,
		IdentityHash: attest.Keccak([]byte("kyc"), c.addr(i).Bytes()), ExpiresMs: c.timeMs() + 60_000}
}

func registerTx(reg attest.Registration, ends []attest.Endorsement) (string, []byte) {
	return "registry.register", (&attest.Endorsed{Registration: reg, Endorsements: ends}).Encode()
}

// register admits account i in role, endorsed by ca-1 and ca-2.
func (c *chain) register(i int, role attest.Role) {
	c.t.Helper()
	reg := c.registration(i, role)
	typ, p := registerTx(reg, c.keys.Endorse(c.g.Hash(), reg, 1, "ca-1", "ca-2"))
	c.requireOK(i, typ, p)
}

func (c *chain) action(m attest.Method, target attest.Address, params any, nonce uint64) attest.RegulatoryAction {
	var b []byte
	if params != nil {
		var err error
		b, err = rlp.EncodeToBytes(params)
		require.NoError(c.t, err)
	}
	return attest.RegulatoryAction{Method: m, Target: target, Params: b, Nonce: nonce, ExpiresMs: c.timeMs() + 60_000}
}

func regulateTx(a attest.RegulatoryAction, sigs []attest.GroupSig) (string, []byte) {
	return "registry.regulate", (&attest.SignedAction{Action: a, Signatures: sigs}).Encode()
}

// submitter is the member that sends the regulators' signatures: a
// validator no test removes.
const submitter = nValidators - 1

// regulate submits a signed by the named regulators.
func (c *chain) regulate(a attest.RegulatoryAction, regulators ...string) app.Receipt {
	c.t.Helper()
	typ, p := regulateTx(a, c.keys.Regulate(c.g.Hash(), a, regulators...))
	return c.requireOK(submitter, typ, p)
}

func (c *chain) member(i int) *registry.Member {
	c.t.Helper()
	m, err := registry.GetMember(c.st, c.addr(i))
	require.NoError(c.t, err)
	return m
}

func sendTx(to attest.Address, amount uint64) (string, []byte) {
	return bank.NewSend(to, "USD", uint256.NewInt(amount))
}
