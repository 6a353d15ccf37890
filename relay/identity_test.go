package relay_test

import (
	"context"
	"crypto/ecdsa"
	"testing"

	gethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/chains/identitytest"
	"github.com/causeway/causeway/node/registry"
	"github.com/causeway/causeway/node/tx"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/relay"
	"github.com/causeway/causeway/settlement"
)

// bondMin is what a relayer must lock on the consortium chains of the
// bonded-relay test; a failed verification burns a tenth of it.
const bondMin = 1000

// consortiumPair starts alpha and beta as consortium chains whose relayers
// bond: the identitytest rule, the two users as members, the relay's
// account not yet registered. It returns each chain's CA and regulator keys.
func consortiumPair(t *testing.T) (alpha, beta *testChain, keys map[string]*identitytest.Keys) {
	t.Helper()
	keys = map[string]*identitytest.Keys{}
	alpha, beta = startPairWith(t, func(id string, g *chains.Genesis) {
		rule, k := identitytest.Rule(g.Validators)
		for _, u := range []int{userA, userB} {
			a := g.Accounts[u].Address
			rule.Members = append(rule.Members, chains.GenesisMember{Address: a, Role: attest.RoleUser,
				Parent: identitytest.Dept, IdentityHash: attest.Keccak(a[:])})
		}
		rule.Bonds = &chains.BondParams{Denom: "USD", Min: "1000", UnbondDelayMs: 60_000, SlashPermille: 100}
		g.Identity = rule
		keys[id] = k
	})
	return alpha, beta, keys
}

// registerRelayer admits the relay's account of c as a relayer, endorsed
// by two of c's CAs.
func registerRelayer(t *testing.T, c *testChain, k *identitytest.Keys) {
	t.Helper()
	st, err := c.rpc.Status(t.Context())
	require.NoError(t, err)
	reg := attest.Registration{Member: c.addr(relayerAcct), Role: attest.RoleRelayer, Parent: identitytest.Dept,
		IdentityHash: attest.Keccak([]byte("relay operator")), ExpiresMs: st.LatestTimeMs + 60_000}
	ends := k.Endorse(c.net.Genesis.Hash(), reg, 1, "ca-1", "ca-2")
	requireIncluded(t, c, c.keys[relayerAcct], "registry.register", (&attest.Endorsed{Registration: reg, Endorsements: ends}).Encode())
}

// bond adds amount to the bond of c's relay account.
func bond(t *testing.T, c *testChain, amount uint64) {
	t.Helper()
	b, err := rlp.EncodeToBytes(uint256.NewInt(amount))
	require.NoError(t, err)
	requireIncluded(t, c, c.keys[relayerAcct], "registry.bond", b)
}

// requireIncluded sends a transaction from key and waits for it to succeed.
func requireIncluded(t *testing.T, c *testChain, key *ecdsa.PrivateKey, typ string, payload []byte) {
	t.Helper()
	acct, err := c.rpc.Account(t.Context(), attest.AddressOf(key))
	require.NoError(t, err)
	r := waitReceipt(t, c, broadcast(t, c, key, acct.Nonce, typ, payload))
	require.Zero(t, r.Code, "%s: %s", typ, r.Log)
}

// On consortium chains the relay starts only with signers that are
// bonded relayers, and says what is missing; bonded, it settles a
// transfer and the chain pays it the relay fee. A forged QC from its key
// is taken into a block and slashes its bond, with the evidence listed.
func TestBondedRelay(t *testing.T) {
	t.Parallel()
	alpha, beta, keys := consortiumPair(t)
	log := zaptest.NewLogger(t, zaptest.Level(zap.InfoLevel))
	open := func() (*relay.Service, error) { return relay.Open(t.Context(), serviceConfig(t, alpha, beta), log) }

	_, err := open()
	require.ErrorContains(t, err, "chains[0].signers[0] "+alpha.addr(relayerAcct).Hex()+" is not a member of alpha")
	require.ErrorContains(t, err, "causeway tx register")
	for _, c := range []*testChain{alpha, beta} {
		registerRelayer(t, c, keys[c.id])
	}
	_, err = open()
	require.ErrorContains(t, err, "has no bond on alpha: bond at least 1000 USD")

	bond(t, alpha, bondMin/2)
	bond(t, beta, bondMin)
	_, err = open()
	require.ErrorContains(t, err, "has 500 USD bonded on alpha, below the minimum 1000")
	bond(t, alpha, bondMin/2)

	sum, err := relay.Check(t.Context(), serviceConfig(t, alpha, beta), log)
	require.NoError(t, err)
	for _, c := range sum.Chains {
		require.True(t, c.Consortium, c.ID)
		require.Equal(t, []string{"1000 USD"}, c.Bonds, c.ID)
	}

	svc, err := open()
	require.NoError(t, err)
	seq := relayOneTransfer(t, svc, alpha, beta)
	require.NoError(t, svc.Close())

	// The ack's relayer, alpha's signer, was paid the whole fee on alpha.
	rl, err := alpha.rpc.Relayers(t.Context())
	require.NoError(t, err)
	require.Equal(t, &chains.BondTerms{Denom: "USD", Min: "1000", UnbondDelayMs: 60_000, SlashPermille: 100}, rl.Terms)
	var mine *chains.Relayer
	for _, r := range rl.Relayers {
		if r.Address == alpha.addr(relayerAcct) {
			mine = r
		}
	}
	require.NotNil(t, mine, "%+v", rl.Relayers)
	require.Equal(t, []chains.Balance{{Denom: "USD", Amount: "1"}}, mine.FeesEarned)
	require.Equal(t, "1000", mine.Bond.Amount)
	require.Equal(t, attest.RoleRelayer, *mine.Role)
	require.Zero(t, mine.Slashes)
	members, err := alpha.rpc.Members(t.Context(), chains.MemberQuery{Role: "relayer"})
	require.NoError(t, err)
	require.Len(t, members.Members, 1)
	require.Equal(t, []chains.Balance{{Denom: "USD", Amount: "1"}}, members.Members[0].FeesEarned)

	// A recv of a later packet under a QC no validator signed, from beta's
	// bonded relayer: the mempool takes it, the block refuses it and burns
	// a tenth of the bond.
	seq2 := sendTransfers(t, alpha, beta, userA, 1, 5)[0]
	require.Equal(t, seq+1, seq2)
	st, err := alpha.rpc.Status(t.Context())
	require.NoError(t, err)
	header, proofs, err := alpha.rpc.PacketProofs(t.Context(), beta.id, []uint64{seq2}, st.LatestHeight)
	require.NoError(t, err)
	forged := *header
	forged.QC = forgedQC(t, alpha, &forged.Header)
	typ, payload := xfer.NewRecv(alpha.id, forged, []attest.PacketProof{*proofs[0]})
	acct, err := beta.rpc.Account(t.Context(), beta.addr(relayerAcct))
	require.NoError(t, err)
	h := broadcast(t, beta, beta.keys[relayerAcct], acct.Nonce, typ, payload)
	r := waitReceipt(t, beta, h)
	require.Equal(t, uint32(attest.CodeBadSignature), r.Code, r.Log)

	slashes, err := beta.rpc.Slashes(t.Context(), chains.SlashQuery{})
	require.NoError(t, err)
	require.Equal(t, []*chains.Slash{{Relayer: beta.addr(relayerAcct), TxHash: h, Type: "xfer.recv",
		Code: uint32(attest.CodeBadSignature), Height: r.Height, Denom: "USD", Amount: "100"}}, slashes.Slashes)
	m, err := beta.rpc.Member(t.Context(), beta.addr(relayerAcct))
	require.NoError(t, err)
	require.Equal(t, &chains.MemberBond{Denom: "USD", Amount: "900", Slashed: "100"}, m.Bond)

	// Now below the minimum, it may not relay: the relay will not start.
	_, err = open()
	require.ErrorContains(t, err, "has 900 USD bonded on beta, below the minimum 1000")
	code, _ := chains.ErrorCode(sendAs(t, beta, beta.keys[relayerAcct], typ, payload))
	require.Equal(t, int(registry.CodeNotBonded), code, "the mempool refuses it now")
}

// forgedQC signs h with fresh keys in place of c's validators.
func forgedQC(t *testing.T, c *testChain, h *attest.Header) attest.QC {
	t.Helper()
	vals, err := c.rpc.Validators(t.Context())
	require.NoError(t, err)
	set, err := vals.Set()
	require.NoError(t, err)
	votes := map[attest.Address]*attest.Vote{}
	for _, v := range set.Validators {
		k, err := gethcrypto.GenerateKey()
		require.NoError(t, err)
		vote := &attest.Vote{Type: attest.Precommit, Height: h.Height, Round: h.Round, BlockHash: h.Hash()}
		require.NoError(t, attest.SignVote(c.net.Genesis.Hash(), vote, k))
		votes[v.Address] = vote
	}
	return *attest.NewQC(set, h.Height, h.Round, h.Hash(), votes)
}

// sendAs submits a transaction from key at its next nonce and returns
// what the node answered.
func sendAs(t *testing.T, c *testChain, key *ecdsa.PrivateKey, typ string, payload []byte) error {
	t.Helper()
	acct, err := c.rpc.Account(t.Context(), attest.AddressOf(key))
	require.NoError(t, err)
	tr := &tx.Tx{ChainID: c.id, Nonce: acct.Nonce, Type: typ, Payload: payload}
	require.NoError(t, tr.Sign(c.net.Genesis.Hash(), key))
	_, err = c.rpc.SendRawTransaction(t.Context(), tr.Encode())
	return err
}

// relayOneTransfer runs svc until a transfer alpha→beta it relays ends
// finished, checks both chains agree, runs each of during while svc still
// runs, and stops it; it returns the transfer's sequence.
func relayOneTransfer(t *testing.T, svc *relay.Service, alpha, beta *testChain, during ...func()) uint64 {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	defer func() {
		cancel()
		require.NoError(t, <-done, "Run ends cleanly")
	}()
	seq := sendTransfers(t, alpha, beta, userA, 1, 100)[0]
	var last *settlement.Transfer
	eventually(t, "transfer alpha→beta finished in the store", func() (bool, error) {
		tr, err := svc.Store.GetPacket(t.Context(), alpha.id, beta.id, seq)
		if err != nil {
			return false, nil // not seen by the watcher yet
		}
		if last == nil || tr.Status != last.Status {
			t.Logf("transfer %s: %s", tr.ID, tr.Status)
		}
		last = tr
		require.NotEqual(t, settlement.StatusRefunded, tr.Status, "%+v", tr)
		return tr.Status == settlement.StatusFinished, nil
	})
	require.Equal(t, settlement.ReceiptOK, last.Receipt.Status)
	requireFinished(t, alpha, beta, []uint64{seq})
	for _, f := range during {
		f()
	}
	return seq
}
