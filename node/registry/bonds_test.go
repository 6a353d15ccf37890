package registry_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/rlp"
	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/registry"
)

const (
	bondMin     = 1000
	unbondDelay = 10 * blockMs
)

func withBonds(r *chains.IdentityRule) {
	r.Bonds = &chains.BondParams{Denom: "USD", Min: "1000", UnbondDelayMs: unbondDelay, SlashPermille: 100}
}

func bondTx(amount uint64) (string, []byte) {
	b, err := rlp.EncodeToBytes(uint256.NewInt(amount))
	if err != nil {
		panic(err)
	}
	return "registry.bond", b
}

// relayMsg is a relay message the gate judges before the transfer module
// sees it: garbage, so once admitted the module refuses it as malformed.
const relayMsg = "xfer.recv"

func (c *chain) usd(i int) uint64 {
	c.t.Helper()
	b, err := bank.Balance(c.st, c.addr(i), "USD")
	require.NoError(c.t, err)
	return b.Uint64()
}

// Only a relayer bonded at or above the minimum relays; unbonding stops it
// at once and returns the bond after the delay.
func TestBonds(t *testing.T) {
	t.Parallel()
	c := newChain(t, withBonds)
	c.register(6, attest.RoleRelayer)
	c.register(4, attest.RoleExchange)
	start := c.usd(6)

	c.requireRefused(registry.CodeNotBonded, 6, relayMsg, []byte{1})
	typ, p := bondTx(500)
	c.requireOK(6, typ, p)
	c.requireRefused(registry.CodeNotBonded, 6, relayMsg, []byte{1}) // below the minimum
	r := c.requireOK(6, typ, p)
	require.Equal(t, registry.EventBonded, r.Events[1].Type)
	require.Equal(t, "1000", r.Events[1].Attr(registry.AttrAmount))
	c.requireRefused(app.CodeMalformed, 6, relayMsg, []byte{1}) // past the gate, to the transfer module
	require.Equal(t, start-bondMin, c.usd(6))
	held, err := bank.Balance(c.st, registry.BondAddress(), "USD")
	require.NoError(t, err)
	require.Equal(t, uint64(bondMin), held.Uint64())

	c.requireRefused(registry.CodeNotRelayer, 4, typ, p)
	zeroTyp, zero := bondTx(0)
	c.requireRefused(app.CodeMalformed, 6, zeroTyp, zero)
	send := func(to attest.Address) (string, []byte) { return bank.NewSend(to, "USD", uint256.NewInt(1)) }
	st, sp := send(registry.BondAddress())
	c.requireRefused(app.CodeUnauthorized, 4, st, sp) // nobody sends to the bond account

	r = c.requireOK(6, "registry.unbond", nil)
	require.Equal(t, registry.EventUnbond, r.Events[0].Type)
	release := c.height*blockMs + unbondDelay
	c.requireRefused(registry.CodeNotBonded, 6, relayMsg, []byte{1})
	c.requireRefused(registry.CodeUnbonding, 6, typ, p)
	c.requireRefused(registry.CodeUnbonding, 6, "registry.unbond", nil)
	st, sp = send(c.addr(5))
	for c.timeMs() < release {
		require.Equal(t, start-bondMin, c.usd(6), "held until the delay passes")
		c.requireOK(4, st, sp) // any block moves time on
	}
	c.requireOK(4, st, sp) // the block at the release time returns it
	require.Equal(t, start, c.usd(6))
	b, err := registry.GetBond(c.st, c.addr(6))
	require.NoError(t, err)
	require.Nil(t, b)
	c.requireRefused(registry.CodeNotBonded, 6, "registry.unbond", nil)
}

func TestNoBondingTerms(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	c.register(6, attest.RoleRelayer)
	typ, p := bondTx(5)
	c.requireRefused(registry.CodeNoBonds, 6, typ, p)
	c.requireRefused(app.CodeMalformed, 6, relayMsg, []byte{1}) // relays unbonded
}
