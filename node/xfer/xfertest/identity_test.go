package xfertest_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/rlp"
	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/chains/identitytest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/bank"
	"github.com/causeway/causeway/node/registry"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/node/xfer/xfertest"
)

// consortium gives the chains named the identitytest rule, with their
// validators, users and the relay's account as members, and records each
// chain's regulator and CA keys in keys.
func consortium(keys map[string]*identitytest.Keys, ids ...string) func(s *xfertest.ChainSpec) {
	return func(s *xfertest.ChainSpec) {
		for _, id := range ids {
			if s.ID != id {
				continue
			}
			users := s.Users
			chainID := s.ID
			s.Edit = func(g *chains.Genesis) {
				rule, k := identitytest.Rule(g.Validators)
				for i := range users {
					rule.Members = append(rule.Members, chains.GenesisMember{Address: xfertest.User(i).Address,
						Role: attest.RoleUser, Parent: identitytest.Dept})
				}
				rule.Members = append(rule.Members, chains.GenesisMember{Address: xfertest.Relayer().Address,
					Role: attest.RoleRelayer, Parent: identitytest.Dept})
				g.Identity = rule
				keys[chainID] = k
			}
		}
	}
}

// regulate sends an action signed by two of the three regulators from
// user 0 and commits it.
func regulate(t *testing.T, c *xfertest.Chain, keys *identitytest.Keys, a attest.RegulatoryAction) {
	t.Helper()
	txType, payload := "registry.regulate",
		(&attest.SignedAction{Action: a, Signatures: keys.Regulate(c.GenesisHash, a, "reg-1", "reg-2")}).Encode()
	h, err := c.Send(xfertest.User(0), txType, payload)
	require.NoError(t, err)
	commit(t, c)
	r := requireTx(t, c, h, app.CodeOK)
	require.Equal(t, registry.EventActionApplied, r.Events[0].Type)
}

// Regulators on beta blacklist a member; a transfer to it from alpha gets
// a failed receipt on beta and ends refunded on alpha, every invariant
// holding.
func TestBlacklistedReceiverIsRefunded(t *testing.T) {
	t.Parallel()
	keys := map[string]*identitytest.Keys{}
	n := newNet(t, consortium(keys, beta), alpha, beta)
	a, b := n.Chain(alpha), n.Chain(beta)
	regulate(t, b, keys[beta], attest.RegulatoryAction{Method: attest.MethodBlacklist, Target: xfertest.User(1).Address,
		Nonce: 1, ExpiresMs: b.NextTimeMs() + 60_000})

	before := balance(t, a, xfertest.User(0).Address, usd)
	send(t, a, 0, transferTo(b, 1, usd, 100))
	commit(t, a)
	settle(t, xfertest.NewRelay(n))

	tk := task(t, a, beta, 1)
	require.Equal(t, xfer.TaskRefunded, tk.Status)
	require.Equal(t, uint32(xfer.CodeReceiverBlocked), tk.ReceiptCode)
	require.Equal(t, before, balance(t, a, xfertest.User(0).Address, usd), "the sender has its funds back")
	require.True(t, balance(t, b, xfertest.User(1).Address, "alpha/USD").IsZero())
	auditor, err := xfertest.NewAuditor(n)
	require.NoError(t, err)
	requireAudit(t, auditor)
}

// Regulators on alpha remove a validator: alpha goes on committing with
// the three left, beta's light client follows the handoff, and packets
// certified by the new set still deliver.
func TestRemovedValidatorLeavesAndLightClientFollows(t *testing.T) {
	t.Parallel()
	keys := map[string]*identitytest.Keys{}
	n := newNet(t, consortium(keys, alpha), alpha, beta)
	a, b := n.Chain(alpha), n.Chain(beta)
	removed := xfertest.ValidatorKey(alpha, 3).Address
	regulate(t, a, keys[alpha], attest.RegulatoryAction{Method: attest.MethodRemove, Target: removed,
		Nonce: 1, ExpiresMs: a.NextTimeMs() + 60_000})
	blk, err := a.Block(a.Height())
	require.NoError(t, err)
	require.True(t, blk.Handoff(), "the block that removed it hands alpha to the new set")
	require.Len(t, blk.Next.Validators, 3)
	for _, v := range blk.Next.Validators {
		require.NotEqual(t, removed, v.Address)
	}

	send(t, a, 0, transferTo(b, 1, usd, 40))
	commit(t, a)
	next, err := a.Block(a.Height())
	require.NoError(t, err)
	require.Equal(t, blk.Next.Hash(), next.Signers.Hash(), "signed by the three")
	settle(t, xfertest.NewRelay(n))

	require.Equal(t, xfer.TaskFinished, task(t, a, beta, 1).Status)
	require.Equal(t, uint64(40), balance(t, b, xfertest.User(1).Address, "alpha/USD").Uint64())
	cs, err := xfer.GetClient(b.State(), alpha)
	require.NoError(t, err)
	require.False(t, cs.Frozen)
	auditor, err := xfertest.NewAuditor(n)
	require.NoError(t, err)
	requireAudit(t, auditor)
}

// Bonded relaying on beta: an unbonded member's recv is refused before the
// transfer module sees it; a bonded relayer's recv under a forged QC fails
// verification and costs it a tenth of its bond, with the evidence kept;
// honest relaying then settles the transfer.
func TestForgedQCSlashesTheBond(t *testing.T) {
	t.Parallel()
	keys := map[string]*identitytest.Keys{}
	n := newNet(t, func(s *xfertest.ChainSpec) {
		consortium(keys, beta)(s)
		if s.ID != beta {
			return
		}
		edit := s.Edit
		s.Edit = func(g *chains.Genesis) {
			edit(g)
			g.Identity.Bonds = &chains.BondParams{Denom: usd, Min: "1000", UnbondDelayMs: 60_000, SlashPermille: 100}
			g.Accounts = append(g.Accounts, chains.GenesisAccount{Address: xfertest.Relayer().Address,
				Balances: []chains.Coin{{Denom: usd, Amount: "50000"}}})
		}
	}, alpha, beta)
	a, b := n.Chain(alpha), n.Chain(beta)
	amount, err := rlp.EncodeToBytes(uint256.NewInt(10_000))
	require.NoError(t, err)
	h, err := b.Send(xfertest.Relayer(), "registry.bond", amount)
	require.NoError(t, err)
	commit(t, b)
	requireTx(t, b, h, app.CodeOK)

	send(t, a, 0, transferTo(b, 1, usd, 70))
	sentAt := commit(t, a).Header.Header.Height
	sent, err := a.SentPackets(sentAt)
	require.NoError(t, err)
	proof := packetProof(t, a, sentAt, sent[0])
	honest := header(t, a, sentAt)

	typ, payload := recvPayload(alpha, honest, proof)
	h, err = b.Send(xfertest.User(2), typ, payload) // a member, but not bonded
	require.NoError(t, err)
	commit(t, b)
	requireTx(t, b, h, registry.CodeNotBonded)

	forged := header(t, a, sentAt)
	forged.QC = outsiderQC(t, a.GenesisHash, a.Validators(), &forged.Header)
	typ, payload = recvPayload(alpha, forged, proof)
	supply := balanceOfSupply(t, b)
	h, err = b.Send(xfertest.Relayer(), typ, payload)
	require.NoError(t, err)
	commit(t, b)
	requireTx(t, b, h, app.Code(attest.CodeBadSignature))
	bond, err := registry.GetBond(b.State(), xfertest.Relayer().Address)
	require.NoError(t, err)
	require.Equal(t, uint64(9_000), bond.Amount.Uint64())
	require.Equal(t, uint64(1_000), bond.Slashed.Uint64())
	ev, err := registry.GetSlash(b.State(), h)
	require.NoError(t, err)
	require.NotNil(t, ev, "the evidence is on chain")
	require.Equal(t, uint32(attest.CodeBadSignature), ev.Code)
	require.Equal(t, "xfer.recv", ev.Type)
	require.Equal(t, supply-1_000, balanceOfSupply(t, b), "the slashed amount is burned")
	relayer := xfertest.Relayer().Address
	all, more, err := registry.ListSlashes(b.State(), nil, nil, 0)
	require.NoError(t, err)
	require.False(t, more)
	require.Equal(t, []*registry.Slash{ev}, all, "listed with the evidence")
	mine, _, err := registry.ListSlashes(b.State(), &relayer, nil, 1)
	require.NoError(t, err)
	require.Equal(t, all, mine)
	none, _, err := registry.ListSlashes(b.State(), &attest.Address{7}, nil, 0)
	require.NoError(t, err)
	require.Empty(t, none)
	after, _, err := registry.ListSlashes(b.State(), nil, &h, 0)
	require.NoError(t, err)
	require.Empty(t, after, "nothing after the last")
	bonds, err := registry.ListBonds(b.State())
	require.NoError(t, err)
	require.Equal(t, []registry.BondRecord{{Relayer: relayer, Bond: bond}}, bonds)

	r := xfertest.NewRelay(n)
	require.NoError(t, r.Settle(settleRounds))
	require.Len(t, r.Failures, 1, "only the forged recv failed")
	require.Equal(t, xfer.TaskFinished, task(t, a, beta, 1).Status)
	require.Equal(t, uint64(70), balance(t, b, xfertest.User(1).Address, "alpha/USD").Uint64())
}

func balanceOfSupply(t *testing.T, c *xfertest.Chain) uint64 {
	t.Helper()
	s, err := bank.Supply(c.State(), usd)
	require.NoError(t, err)
	return s.Uint64()
}

// With recv_fee_permille set on the source, the relay fee splits: the
// relayer whose recv wrote the receipt (named in it) gets its share, the
// ack's relayer the rest.
func TestRelayFeeSplitsBetweenRecvAndAck(t *testing.T) {
	t.Parallel()
	n := newNet(t, func(s *xfertest.ChainSpec) {
		if s.ID == alpha {
			s.Edit = func(g *chains.Genesis) { g.Xfer.RecvFeePermille = 300 }
		}
	}, alpha, beta)
	a, b := n.Chain(alpha), n.Chain(beta)
	deliverer := xfertest.NewAccount("relayer", 1)
	x := transferTo(b, 1, usd, 100)
	x.RelayFee = uint256.NewInt(10)
	send(t, a, 0, x)
	sentAt := commit(t, a).Header.Header.Height
	sent, err := a.SentPackets(sentAt)
	require.NoError(t, err)
	proofs, err := a.PacketProofs(sentAt, sent)
	require.NoError(t, err)
	payloads, err := xfertest.RecvPayloads(alpha, header(t, a, sentAt), proofs)
	require.NoError(t, err)
	h, err := b.Send(deliverer, "xfer.recv", payloads[0])
	require.NoError(t, err)
	recvAt := commit(t, b).Header.Header.Height
	requireTx(t, b, h, app.CodeOK)
	rc, err := xfer.GetReceipt(b.State(), alpha, sent[0].Seq)
	require.NoError(t, err)
	require.Equal(t, deliverer.Address, rc.Relayer, "the receipt names who delivered it")

	_, err = xfertest.Acknowledge(b, a, recvAt, []uint64{sent[0].Seq})
	require.NoError(t, err)
	commit(t, a)
	require.Equal(t, xfer.TaskFinished, task(t, a, beta, sent[0].Seq).Status)
	require.Equal(t, uint64(3), balance(t, a, deliverer.Address, usd).Uint64(), "30% to the recv relayer")
	require.Equal(t, uint64(7), balance(t, a, xfertest.Relayer().Address, usd).Uint64(), "the rest to the ack relayer")

	// The chain keeps what each relayer earned, listed from state.
	earned := func(addr attest.Address) []bank.Coin {
		coins, err := xfer.Earned(a.State(), addr)
		require.NoError(t, err)
		return coins
	}
	require.Equal(t, []bank.Coin{{Denom: usd, Amount: uint256.NewInt(3)}}, earned(deliverer.Address))
	require.Equal(t, []bank.Coin{{Denom: usd, Amount: uint256.NewInt(7)}}, earned(xfertest.Relayer().Address))
	require.Empty(t, earned(attest.Address{9}))
	earners, err := xfer.Earners(a.State())
	require.NoError(t, err)
	require.ElementsMatch(t, []attest.Address{deliverer.Address, xfertest.Relayer().Address}, earners)
	require.True(t, slices.IsSortedFunc(earners, func(x, y attest.Address) int { return bytes.Compare(x[:], y[:]) }))
}
