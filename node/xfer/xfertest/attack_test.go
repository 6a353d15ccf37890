package xfertest_test

import (
	"crypto/ecdsa"
	"testing"

	"github.com/ethereum/go-ethereum/rlp"
	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/node/xfer/xfertest"
)

// attackFixture is a network where alpha committed, at height sentAt, two
// packets to beta (#1 and #2) and one to gamma (#1), and at sentAt+1 a third
// to beta; beta received alpha's #1 under alpha's header sentAt at its
// height recvAt, so beta's client remembers that header but not the next.
// Every chain committed at least two blocks.
type attackFixture struct {
	n                *xfertest.Network
	a, b, g          *xfertest.Chain
	sentAt, recvAt   uint64
	toBeta           []attest.Packet
	toGamma          attest.Packet
	alphaH1, alphaH2 attest.CertifiedHeader
}

func newAttackFixture(t *testing.T) *attackFixture {
	t.Helper()
	n := newNet(t, nil, alpha, beta, gamma)
	f := &attackFixture{n: n, a: n.Chain(alpha), b: n.Chain(beta), g: n.Chain(gamma)}
	send(t, f.a, 0, transferTo(f.b, 1, usd, 100))
	send(t, f.a, 0, transferTo(f.b, 1, usd, 200))
	send(t, f.a, 0, transferTo(f.g, 1, usd, 300))
	f.sentAt = commit(t, f.a).Header.Header.Height
	send(t, f.a, 2, transferTo(f.b, 1, eur, 50)) // so the next root differs
	commit(t, f.a)
	sent, err := f.a.SentPackets(f.sentAt)
	require.NoError(t, err)
	require.Len(t, sent, 3)
	f.toBeta, f.toGamma = sent[:2], sent[2]
	hashes, err := xfertest.Deliver(f.a, f.b, f.sentAt, f.toBeta[:1])
	require.NoError(t, err)
	f.recvAt = commit(t, f.b).Header.Header.Height
	requireTx(t, f.b, hashes[0], app.CodeOK)
	commit(t, f.b)
	commit(t, f.g)
	commit(t, f.g)
	f.alphaH1 = header(t, f.a, f.sentAt)
	f.alphaH2 = header(t, f.a, f.sentAt+1)
	return f
}

// header returns a deep copy of c's certified header at h, safe to tamper with.
func header(tb testing.TB, c *xfertest.Chain, h uint64) attest.CertifiedHeader {
	tb.Helper()
	ch, err := c.Header(h)
	require.NoError(tb, err)
	b, err := rlp.EncodeToBytes(&ch)
	require.NoError(tb, err)
	var out attest.CertifiedHeader
	require.NoError(tb, rlp.DecodeBytes(b, &out))
	return out
}

// packetProof proves p in c's state after height h.
func packetProof(tb testing.TB, c *xfertest.Chain, h uint64, p attest.Packet) attest.PacketProof {
	tb.Helper()
	proofs, err := c.PacketProofs(h, []attest.Packet{p})
	require.NoError(tb, err)
	return proofs[0]
}

// outsiders are keys that are no chain's validators.
func outsiders(n int) []xfertest.Account {
	out := make([]xfertest.Account, n)
	for i := range out {
		out[i] = xfertest.NewAccount("outsider", i)
	}
	return out
}

// outsiderQC signs ch's header with outsider keys, each filed under the
// validator of set at its position, so the bitmap claims a full quorum.
func outsiderQC(tb testing.TB, genesis attest.Hash, set *attest.ValidatorSet, h *attest.Header) attest.QC {
	tb.Helper()
	votes := map[attest.Address]*attest.Vote{}
	for i, o := range outsiders(set.Size()) {
		v := &attest.Vote{Type: attest.Precommit, Height: h.Height, Round: h.Round, BlockHash: h.Hash()}
		require.NoError(tb, attest.SignVote(genesis, v, o.Key))
		votes[set.Validators[i].Address] = v
	}
	return *attest.NewQC(set, h.Height, h.Round, h.Hash(), votes)
}

// partialQC signs h with the first k validators of c's set at h.
func partialQC(tb testing.TB, c *xfertest.Chain, h *attest.Header, k int) attest.QC {
	tb.Helper()
	b, err := c.Block(h.Height)
	require.NoError(tb, err)
	var keys []*ecdsa.PrivateKey
	for _, v := range b.Signers.Validators[:k] {
		key, err := c.Key(v.Address)
		require.NoError(tb, err)
		keys = append(keys, key)
	}
	qc, err := xfertest.SignQC(c.GenesisHash, b.Signers, h, keys...)
	require.NoError(tb, err)
	return qc
}

func recvPayload(src string, ch attest.CertifiedHeader, pps ...attest.PacketProof) (string, []byte) {
	return xfer.NewRecv(src, ch, pps)
}

// TestAttacks submits forged, replayed and misrouted recv and ack
// transactions; each must fail with its stable code and leave the state as
// a rejected no-op would. The honest rows show the same fixture passes when
// nothing is forged.
func TestAttacks(t *testing.T) {
	t.Parallel()
	f := newAttackFixture(t)
	p2 := f.toBeta[1]
	cases := []struct {
		name  string
		on    string
		build func(t *testing.T) (string, []byte)
		want  app.Code
	}{
		{"honest recv", beta, func(t *testing.T) (string, []byte) {
			return recvPayload(alpha, f.alphaH1, packetProof(t, f.a, f.sentAt, p2))
		}, app.CodeOK},
		{"qc signed by non-validators", beta, func(t *testing.T) (string, []byte) {
			ch := f.alphaH2
			ch.QC = outsiderQC(t, f.a.GenesisHash, f.a.Validators(), &ch.Header)
			return recvPayload(alpha, ch, packetProof(t, f.a, f.sentAt+1, p2))
		}, app.Code(attest.CodeBadSignature)},
		{"header and qc of an outsider set", beta, func(t *testing.T) (string, []byte) {
			out := outsiders(4)
			vals := make([]attest.Validator, len(out))
			for i, o := range out {
				vals[i] = attest.Validator{Address: o.Address, Power: 1}
			}
			set, err := attest.NewValidatorSet(vals)
			require.NoError(t, err)
			ch := f.alphaH2
			ch.Header.ValidatorsHash, ch.Header.NextValidatorsHash = set.Hash(), set.Hash()
			ch.QC, err = xfertest.SignQC(f.a.GenesisHash, set, &ch.Header, out[0].Key, out[1].Key, out[2].Key, out[3].Key)
			require.NoError(t, err)
			return recvPayload(alpha, ch, packetProof(t, f.a, f.sentAt+1, p2))
		}, app.Code(attest.CodeWrongValidators)},
		{"qc with too little power", beta, func(t *testing.T) (string, []byte) {
			ch := f.alphaH2
			ch.QC = partialQC(t, f.a, &ch.Header, 2)
			return recvPayload(alpha, ch, packetProof(t, f.a, f.sentAt+1, p2))
		}, app.Code(attest.CodeInsufficientVote)},
		{"honest recv under a header the client has not seen", beta, func(t *testing.T) (string, []byte) {
			return recvPayload(alpha, f.alphaH2, packetProof(t, f.a, f.sentAt+1, p2))
		}, app.CodeOK},
		{"remembered header is trusted by hash, whatever its qc", beta, func(t *testing.T) (string, []byte) {
			ch := f.alphaH1
			ch.QC = partialQC(t, f.a, &ch.Header, 1)
			return recvPayload(alpha, ch, packetProof(t, f.a, f.sentAt, p2))
		}, app.CodeOK},
		{"qc of another height", beta, func(t *testing.T) (string, []byte) {
			ch := f.alphaH2
			ch.QC = f.alphaH1.QC
			return recvPayload(alpha, ch, packetProof(t, f.a, f.sentAt+1, p2))
		}, app.Code(attest.CodeHashMismatch)},
		{"state root swapped under the qc", beta, func(t *testing.T) (string, []byte) {
			ch := f.alphaH1
			ch.Header.StateRoot = f.alphaH2.Header.StateRoot
			return recvPayload(alpha, ch, packetProof(t, f.a, f.sentAt+1, p2))
		}, app.Code(attest.CodeHashMismatch)},
		{"proof for another height", beta, func(t *testing.T) (string, []byte) {
			return recvPayload(alpha, f.alphaH1, packetProof(t, f.a, f.sentAt+1, p2))
		}, app.Code(attest.CodeBadProof)},
		{"proof from before the packet", beta, func(t *testing.T) (string, []byte) {
			pp := packetProof(t, f.a, f.sentAt-1, p2)
			return recvPayload(alpha, f.alphaH1, pp)
		}, app.Code(attest.CodeBadProof)},
		{"proof for another key", beta, func(t *testing.T) (string, []byte) {
			pp := packetProof(t, f.a, f.sentAt, f.toBeta[0])
			pp.Packet = p2
			return recvPayload(alpha, f.alphaH1, pp)
		}, app.Code(attest.CodeBadProof)},
		{"proof from another chain's state", beta, func(t *testing.T) (string, []byte) {
			pp := packetProof(t, f.g, 1, p2)
			return recvPayload(alpha, f.alphaH1, pp)
		}, app.Code(attest.CodeBadProof)},
		{"header of another chain", beta, func(t *testing.T) (string, []byte) {
			return recvPayload(alpha, header(t, f.g, 1), packetProof(t, f.a, f.sentAt, p2))
		}, app.Code(attest.CodeWrongChain)},
		{"amount inflated", beta, func(t *testing.T) (string, []byte) {
			pp := packetProof(t, f.a, f.sentAt, p2)
			pp.Packet.Amount = uint256.NewInt(200_000)
			return recvPayload(alpha, f.alphaH1, pp)
		}, app.Code(attest.CodeBadProof)},
		{"receiver swapped", beta, func(t *testing.T) (string, []byte) {
			pp := packetProof(t, f.a, f.sentAt, p2)
			pp.Packet.Receiver = xfertest.User(2).Address
			return recvPayload(alpha, f.alphaH1, pp)
		}, app.Code(attest.CodeBadProof)},
		{"packet for beta replayed to gamma", gamma, func(t *testing.T) (string, []byte) {
			return recvPayload(alpha, f.alphaH1, packetProof(t, f.a, f.sentAt, p2))
		}, xfer.CodeWrongRoute},
		{"packet for beta redirected to gamma", gamma, func(t *testing.T) (string, []byte) {
			pp := packetProof(t, f.a, f.sentAt, f.toGamma) // gamma's #1 is committed, with its own content
			pp.Packet = f.toBeta[0]
			pp.Packet.Dst = gamma
			return recvPayload(alpha, f.alphaH1, pp)
		}, app.Code(attest.CodeBadProof)},
		{"packet claiming another source", beta, func(t *testing.T) (string, []byte) {
			pp := packetProof(t, f.a, f.sentAt, p2)
			pp.Packet.Src = gamma
			return recvPayload(alpha, f.alphaH1, pp)
		}, xfer.CodeWrongRoute},
		{"alpha's header passed off as gamma's", beta, func(t *testing.T) (string, []byte) {
			pp := packetProof(t, f.a, f.sentAt, p2)
			pp.Packet.Src = gamma
			return recvPayload(gamma, f.alphaH1, pp)
		}, app.Code(attest.CodeWrongChain)},
		{"unknown source chain", beta, func(t *testing.T) (string, []byte) {
			return recvPayload("delta", f.alphaH1, packetProof(t, f.a, f.sentAt, p2))
		}, xfer.CodeUnknownChain},
		{"recv without packets", beta, func(t *testing.T) (string, []byte) {
			return recvPayload(alpha, f.alphaH1)
		}, xfer.CodeEmptyBatch},
		{"one forged packet sinks the batch", beta, func(t *testing.T) (string, []byte) {
			good := packetProof(t, f.a, f.sentAt, p2)
			bad := packetProof(t, f.a, f.sentAt, p2)
			bad.Packet.Amount = uint256.NewInt(1)
			return recvPayload(alpha, f.alphaH1, good, bad)
		}, app.Code(attest.CodeBadProof)},
		{"honest ack", alpha, func(t *testing.T) (string, []byte) {
			return ackPayload(t, f, 1, nil)
		}, app.CodeOK},
		{"receipt forged for a different sequence", alpha, func(t *testing.T) (string, []byte) {
			return ackPayload(t, f, 1, func(rp *attest.ReceiptProof) { rp.Seq = 2 })
		}, app.Code(attest.CodeBadProof)},
		{"ok receipt claimed as a timeout", alpha, func(t *testing.T) (string, []byte) {
			return ackPayload(t, f, 1, func(rp *attest.ReceiptProof) { rp.Receipt = attest.PacketReceipt{Status: attest.ReceiptTimeout} })
		}, app.Code(attest.CodeBadProof)},
		{"receipt of an undelivered packet", alpha, func(t *testing.T) (string, []byte) {
			_, proof, err := f.b.Prove(f.recvAt, attest.ReceiptKey(alpha, 2))
			require.NoError(t, err)
			rp := attest.ReceiptProof{Seq: 2, Receipt: attest.PacketReceipt{Status: attest.ReceiptTimeout}, Proof: proof}
			_, payload := xfer.NewAck(beta, header(t, f.b, f.recvAt), []attest.ReceiptProof{rp})
			return xfer.TypeAck, payload
		}, app.Code(attest.CodeBadProof)},
		{"ack under gamma's header", alpha, func(t *testing.T) (string, []byte) {
			rps, err := f.b.ReceiptProofs(f.recvAt, alpha, []uint64{1})
			require.NoError(t, err)
			_, payload := xfer.NewAck(beta, header(t, f.g, 1), rps)
			return xfer.TypeAck, payload
		}, app.Code(attest.CodeWrongChain)},
		{"ack with too little power", alpha, func(t *testing.T) (string, []byte) {
			ch := header(t, f.b, f.recvAt)
			ch.QC = partialQC(t, f.b, &ch.Header, 2)
			rps, err := f.b.ReceiptProofs(f.recvAt, alpha, []uint64{1})
			require.NoError(t, err)
			_, payload := xfer.NewAck(beta, ch, rps)
			return xfer.TypeAck, payload
		}, app.Code(attest.CodeInsufficientVote)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := f.n.Chain(tc.on)
			txType, payload := tc.build(t)
			if tc.want != app.CodeOK {
				requireRejectedUnchanged(t, c, txType, payload, tc.want)
				return
			}
			nonce, err := c.Nonce(xfertest.Relayer().Address)
			require.NoError(t, err)
			raw, err := c.SignTxWithNonce(xfertest.Relayer(), nonce, txType, payload)
			require.NoError(t, err)
			_, receipts, err := c.Simulate(raw)
			require.NoError(t, err)
			require.Equal(t, app.CodeOK, receipts[0].Code, receipts[0].Log)
		})
	}
}

// ackPayload proves beta's receipt for alpha's packet seq at recvAt, lets
// mutate tamper with it, and builds the ack.
func ackPayload(t *testing.T, f *attackFixture, seq uint64, mutate func(*attest.ReceiptProof)) (string, []byte) {
	t.Helper()
	rps, err := f.b.ReceiptProofs(f.recvAt, alpha, []uint64{seq})
	require.NoError(t, err)
	if mutate != nil {
		mutate(&rps[0])
	}
	_, payload := xfer.NewAck(beta, header(t, f.b, f.recvAt), rps)
	return xfer.TypeAck, payload
}

// TestReplayFromTwinChain: a twin of alpha (same chain id and validator
// keys, another genesis) commits a packet to beta. Its certified header does
// not verify on the real beta, since votes are bound to the genesis hash;
// and even when alpha's validators sign the twin's header as alpha's, the
// packet does not verify, since its commitment is bound to the twin's
// genesis. Neither changes anything.
func TestReplayFromTwinChain(t *testing.T) {
	t.Parallel()
	n := newNet(t, nil, alpha, beta)
	twin := newNet(t, func(s *xfertest.ChainSpec) { s.GenesisTimeMs = xfertest.DefaultGenesisTimeMs + 1 }, alpha, beta)
	a, b, ta := n.Chain(alpha), n.Chain(beta), twin.Chain(alpha)
	require.NotEqual(t, a.GenesisHash, ta.GenesisHash)
	require.Equal(t, a.Validators().Hash(), ta.Validators().Hash())

	send(t, ta, 0, transferTo(twin.Chain(beta), 1, usd, 100))
	sent := commit(t, ta).Header.Header.Height
	pps, err := ta.PacketProofs(sent, mustSent(t, ta, sent))
	require.NoError(t, err)
	twinHeader := header(t, ta, sent)

	txType, payload := xfer.NewRecv(alpha, twinHeader, pps)
	requireRejectedUnchanged(t, b, txType, payload, app.Code(attest.CodeBadSignature))

	resigned, err := a.SignHeader(twinHeader.Header)
	require.NoError(t, err)
	txType, payload = xfer.NewRecv(alpha, resigned, pps)
	requireRejectedUnchanged(t, b, txType, payload, app.Code(attest.CodeBadProof))
}
