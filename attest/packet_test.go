package attest_test

import (
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/trie"
	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

// packetsInTrie is how many commitments packetTrie holds.
const packetsInTrie = 32

// testPacket is a well-formed packet alpha→beta with sequence seq.
func testPacket(seq uint64) attest.Packet {
	return attest.Packet{
		Src:           testChainID,
		Dst:           "beta",
		Seq:           seq,
		Sender:        attest.Address{1},
		Receiver:      attest.Address{2},
		Denom:         "USD",
		Amount:        uint256.NewInt(1_000 + seq),
		TimeoutHeight: 500,
		TimeoutTimeMs: 1_700_000_100_000,
		RelayFee:      uint256.NewInt(3),
		Memo:          "invoice 7",
	}
}

// packetTrie is a source chain's state: commitments of testPacket(1..n)
// under testGenesis and receipts of a few packets from gamma.
type packetTrie struct {
	tr   *trie.Trie
	root attest.Hash
}

// Receipts held by packetTrie, by sequence from gamma.
var trieReceipts = map[uint64]attest.PacketReceipt{
	1: {Status: attest.ReceiptOK},
	2: {Status: attest.ReceiptFailed, Code: 7},
	3: {Status: attest.ReceiptTimeout},
}

func newPacketTrie(tb testing.TB) *packetTrie {
	tb.Helper()
	tr := trie.NewEmpty(nil)
	for seq := uint64(1); seq <= packetsInTrie; seq++ {
		p := testPacket(seq)
		require.NoError(tb, tr.Update(attest.PacketKey(p.Dst, p.Seq), attest.PacketCommitment(testGenesis, &p)))
	}
	for seq, r := range trieReceipts {
		require.NoError(tb, tr.Update(attest.ReceiptKey("gamma", seq), attest.EncodeReceipt(&r)))
	}
	return &packetTrie{tr: tr, root: tr.Hash()}
}

func (s *packetTrie) prove(tb testing.TB, key []byte) [][]byte {
	tb.Helper()
	var p proofList
	require.NoError(tb, s.tr.Prove(key, &p))
	return p
}

func (s *packetTrie) packetProof(tb testing.TB, seq uint64) *attest.PacketProof {
	tb.Helper()
	p := testPacket(seq)
	return &attest.PacketProof{Packet: p, Proof: s.prove(tb, attest.PacketKey(p.Dst, p.Seq))}
}

func (s *packetTrie) receiptProof(tb testing.TB, seq uint64) *attest.ReceiptProof {
	tb.Helper()
	return &attest.ReceiptProof{Seq: seq, Receipt: trieReceipts[seq], Proof: s.prove(tb, attest.ReceiptKey("gamma", seq))}
}

func TestValidatePacket(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		mutate func(p *attest.Packet)
		ok     bool
	}{
		{"good", func(*attest.Packet) {}, true},
		{"height timeout only", func(p *attest.Packet) { p.TimeoutTimeMs = 0 }, true},
		{"time timeout only", func(p *attest.Packet) { p.TimeoutHeight = 0 }, true},
		{"zero relay fee", func(p *attest.Packet) { p.RelayFee = new(uint256.Int) }, true},
		{"empty memo", func(p *attest.Packet) { p.Memo = "" }, true},
		{"longest memo", func(p *attest.Packet) { p.Memo = strings.Repeat("m", attest.MaxMemoBytes) }, true},
		{"longest denom", func(p *attest.Packet) { p.Denom = strings.Repeat("d", attest.MaxDenomBytes) }, true},
		{"voucher denom", func(p *attest.Packet) { p.Denom = "gamma/beta/USD" }, true},
		{"largest amount", func(p *attest.Packet) { p.Amount = new(uint256.Int).SetAllOne() }, true},
		{"no source", func(p *attest.Packet) { p.Src = "" }, false},
		{"no destination", func(p *attest.Packet) { p.Dst = "" }, false},
		{"route to itself", func(p *attest.Packet) { p.Dst = p.Src }, false},
		{"sequence 0", func(p *attest.Packet) { p.Seq = 0 }, false},
		{"nil amount", func(p *attest.Packet) { p.Amount = nil }, false},
		{"zero amount", func(p *attest.Packet) { p.Amount = new(uint256.Int) }, false},
		{"nil relay fee", func(p *attest.Packet) { p.RelayFee = nil }, false},
		{"empty denom", func(p *attest.Packet) { p.Denom = "" }, false},
		{"denom too long", func(p *attest.Packet) { p.Denom = strings.Repeat("d", attest.MaxDenomBytes+1) }, false},
		{"memo too long", func(p *attest.Packet) { p.Memo = strings.Repeat("m", attest.MaxMemoBytes+1) }, false},
		{"no timeout", func(p *attest.Packet) { p.TimeoutHeight, p.TimeoutTimeMs = 0, 0 }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := testPacket(5)
			tc.mutate(&p)
			err := attest.ValidatePacket(&p)
			if tc.ok {
				require.NoError(t, err)
				return
			}
			requireCode(t, attest.CodeMalformed, err)
			require.ErrorIs(t, err, attest.ErrMalformed)
		})
	}
}

func TestDecodePacket(t *testing.T) {
	t.Parallel()
	good := testPacket(9)
	noTimeout := testPacket(9)
	noTimeout.TimeoutHeight, noTimeout.TimeoutTimeMs = 0, 0
	enc := attest.EncodePacket(&good)
	cases := []struct {
		name string
		in   []byte
		want *attest.Packet // nil: rejected as malformed
	}{
		{"round trip", enc, &good},
		{"trailing byte", append(append([]byte{}, enc...), 0x00), nil},
		{"truncated", enc[:len(enc)-1], nil},
		{"empty", nil, nil},
		{"empty list", []byte{0xc0}, nil},
		{"decodes but invalid", attest.EncodePacket(&noTimeout), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := attest.DecodePacket(tc.in)
			if tc.want == nil {
				requireCode(t, attest.CodeMalformed, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.in, attest.EncodePacket(got))
		})
	}
}

// TestPacketCommitment: a commitment is bound to the source genesis, the
// packet domain and every packet field.
func TestPacketCommitment(t *testing.T) {
	t.Parallel()
	p := testPacket(4)
	base := attest.PacketCommitment(testGenesis, &p)
	require.Len(t, base, 32)
	require.Equal(t, base, attest.PacketCommitment(testGenesis, &p), "deterministic")
	require.NotEqual(t, base, attest.PacketCommitment(otherGenesis, &p), "another source genesis")
	enc := attest.EncodePacket(&p)
	require.NotEqual(t, base, crypto.Keccak256(enc), "plain keccak of the packet")
	require.NotEqual(t, base, attest.Digest(attest.TagReceipt, testGenesis, enc).Bytes(), "receipt domain")
	require.NotEqual(t, base, attest.Digest(attest.TagTx, testGenesis, enc).Bytes(), "tx domain")
	require.Equal(t, base, attest.Digest(attest.TagPacket, testGenesis, enc).Bytes())

	fields := map[string]func(p *attest.Packet){
		"src":            func(p *attest.Packet) { p.Src = "gamma" },
		"dst":            func(p *attest.Packet) { p.Dst = "gamma" },
		"seq":            func(p *attest.Packet) { p.Seq++ },
		"sender":         func(p *attest.Packet) { p.Sender[19] ^= 1 },
		"receiver":       func(p *attest.Packet) { p.Receiver[0] ^= 1 },
		"denom":          func(p *attest.Packet) { p.Denom = "EUR" },
		"amount":         func(p *attest.Packet) { p.Amount = new(uint256.Int).AddUint64(p.Amount, 1) },
		"timeout height": func(p *attest.Packet) { p.TimeoutHeight++ },
		"timeout time":   func(p *attest.Packet) { p.TimeoutTimeMs++ },
		"relay fee":      func(p *attest.Packet) { p.RelayFee = uint256.NewInt(4) },
		"memo":           func(p *attest.Packet) { p.Memo += "." },
	}
	for name, mutate := range fields {
		q := testPacket(4)
		mutate(&q)
		require.NotEqual(t, base, attest.PacketCommitment(testGenesis, &q), "field %s", name)
	}
}

// TestPacketKeys: keys of different routes, directions and sequences never
// collide.
func TestPacketKeys(t *testing.T) {
	t.Parallel()
	require.Equal(t, "xout/beta/12", string(attest.PacketKey("beta", 12)))
	require.Equal(t, "xin/alpha/12", string(attest.ReceiptKey("alpha", 12)))
	seen := map[string]string{}
	for _, chain := range []string{"alpha", "beta", "beta-1"} {
		for _, seq := range []uint64{1, 2, 12, 120, 1 << 63} {
			for kind, key := range map[string][]byte{"packet": attest.PacketKey(chain, seq), "receipt": attest.ReceiptKey(chain, seq)} {
				id := kind + " " + chain + " " + strconv.FormatUint(seq, 10)
				prev, dup := seen[string(key)]
				require.False(t, dup, "%s and %s share key %q", id, prev, key)
				seen[string(key)] = id
			}
		}
	}
}

func TestReceiptEncoding(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   []byte
		want *attest.PacketReceipt // nil: rejected as malformed
	}{
		{"ok", attest.EncodeReceipt(&attest.PacketReceipt{Status: attest.ReceiptOK}), &attest.PacketReceipt{Status: attest.ReceiptOK}},
		{"failed with code", attest.EncodeReceipt(&attest.PacketReceipt{Status: attest.ReceiptFailed, Code: 305}), &attest.PacketReceipt{Status: attest.ReceiptFailed, Code: 305}},
		{"timeout", attest.EncodeReceipt(&attest.PacketReceipt{Status: attest.ReceiptTimeout}), &attest.PacketReceipt{Status: attest.ReceiptTimeout}},
		{"ok with a code", attest.EncodeReceipt(&attest.PacketReceipt{Status: attest.ReceiptOK, Code: 1}), nil},
		{"status 0", attest.EncodeReceipt(&attest.PacketReceipt{}), nil},
		{"status 4", attest.EncodeReceipt(&attest.PacketReceipt{Status: 4}), nil},
		{"trailing byte", append(attest.EncodeReceipt(&attest.PacketReceipt{Status: attest.ReceiptOK}), 0), nil},
		{"not a list", []byte{0x01}, nil},
		{"empty", nil, nil},
		{"non-canonical code", []byte{0xc3, 0x02, 0x81, 0x05}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := attest.DecodeReceipt(tc.in)
			if tc.want == nil {
				requireCode(t, attest.CodeMalformed, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.in, attest.EncodeReceipt(got))
		})
	}
	// Distinct receipts have distinct encodings: a stored receipt proves one outcome.
	ok := attest.EncodeReceipt(&attest.PacketReceipt{Status: attest.ReceiptOK})
	failed := attest.EncodeReceipt(&attest.PacketReceipt{Status: attest.ReceiptFailed})
	timeout := attest.EncodeReceipt(&attest.PacketReceipt{Status: attest.ReceiptTimeout})
	require.NotEqual(t, ok, failed)
	require.NotEqual(t, ok, timeout)
	require.NotEqual(t, failed, timeout)
}

func TestVerifyPacketProof(t *testing.T) {
	t.Parallel()
	st := newPacketTrie(t)
	cases := []struct {
		name    string
		genesis attest.Hash
		root    attest.Hash
		pp      func() *attest.PacketProof
		want    attest.Code
	}{
		{"membership", testGenesis, st.root, func() *attest.PacketProof { return st.packetProof(t, 7) }, attest.CodeOK},
		{"first", testGenesis, st.root, func() *attest.PacketProof { return st.packetProof(t, 1) }, attest.CodeOK},
		{"last", testGenesis, st.root, func() *attest.PacketProof { return st.packetProof(t, packetsInTrie) }, attest.CodeOK},
		{"another source genesis", otherGenesis, st.root, func() *attest.PacketProof { return st.packetProof(t, 7) }, attest.CodeBadProof},
		{"another root", testGenesis, attest.Keccak([]byte("root")), func() *attest.PacketProof { return st.packetProof(t, 7) }, attest.CodeBadProof},
		{"amount raised", testGenesis, st.root, func() *attest.PacketProof {
			pp := st.packetProof(t, 7)
			pp.Packet.Amount = uint256.NewInt(1 << 40)
			return pp
		}, attest.CodeBadProof},
		{"receiver changed", testGenesis, st.root, func() *attest.PacketProof {
			pp := st.packetProof(t, 7)
			pp.Packet.Receiver = attest.Address{9}
			return pp
		}, attest.CodeBadProof},
		{"source changed", testGenesis, st.root, func() *attest.PacketProof {
			pp := st.packetProof(t, 7)
			pp.Packet.Src = "gamma"
			return pp
		}, attest.CodeBadProof},
		{"proof of another sequence", testGenesis, st.root, func() *attest.PacketProof {
			pp := st.packetProof(t, 7)
			pp.Proof = st.prove(t, attest.PacketKey("beta", 8))
			return pp
		}, attest.CodeBadProof},
		{"sequence moved with its proof", testGenesis, st.root, func() *attest.PacketProof {
			pp := st.packetProof(t, 7)
			pp.Packet.Seq = 8
			pp.Proof = st.prove(t, attest.PacketKey("beta", 8))
			return pp
		}, attest.CodeBadProof},
		{"redirected to another destination", testGenesis, st.root, func() *attest.PacketProof {
			pp := st.packetProof(t, 7)
			pp.Packet.Dst = "gamma"
			pp.Proof = st.prove(t, attest.PacketKey("gamma", 7))
			return pp
		}, attest.CodeBadProof},
		{"never committed", testGenesis, st.root, func() *attest.PacketProof {
			p := testPacket(packetsInTrie + 1)
			return &attest.PacketProof{Packet: p, Proof: st.prove(t, attest.PacketKey(p.Dst, p.Seq))}
		}, attest.CodeBadProof},
		{"tampered proof node", testGenesis, st.root, func() *attest.PacketProof {
			pp := st.packetProof(t, 7)
			last := pp.Proof[len(pp.Proof)-1]
			last[len(last)-1] ^= 1
			return pp
		}, attest.CodeBadProof},
		{"no proof", testGenesis, st.root, func() *attest.PacketProof {
			pp := st.packetProof(t, 7)
			pp.Proof = nil
			return pp
		}, attest.CodeBadProof},
		{"malformed packet", testGenesis, st.root, func() *attest.PacketProof {
			pp := st.packetProof(t, 7)
			pp.Packet.Amount = new(uint256.Int)
			return pp
		}, attest.CodeMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := attest.VerifyPacketProof(tc.genesis, tc.root, tc.pp())
			if tc.want == attest.CodeOK {
				require.NoError(t, err)
				return
			}
			requireCode(t, tc.want, err)
		})
	}
}

func TestVerifyReceiptProof(t *testing.T) {
	t.Parallel()
	st := newPacketTrie(t)
	cases := []struct {
		name string
		root attest.Hash
		src  string
		rp   func() *attest.ReceiptProof
		ok   bool
	}{
		{"ok receipt", st.root, "gamma", func() *attest.ReceiptProof { return st.receiptProof(t, 1) }, true},
		{"failed receipt", st.root, "gamma", func() *attest.ReceiptProof { return st.receiptProof(t, 2) }, true},
		{"timeout receipt", st.root, "gamma", func() *attest.ReceiptProof { return st.receiptProof(t, 3) }, true},
		{"failed claimed ok", st.root, "gamma", func() *attest.ReceiptProof {
			rp := st.receiptProof(t, 2)
			rp.Receipt = attest.PacketReceipt{Status: attest.ReceiptOK}
			return rp
		}, false},
		{"timeout claimed ok", st.root, "gamma", func() *attest.ReceiptProof {
			rp := st.receiptProof(t, 3)
			rp.Receipt = attest.PacketReceipt{Status: attest.ReceiptOK}
			return rp
		}, false},
		{"code changed", st.root, "gamma", func() *attest.ReceiptProof {
			rp := st.receiptProof(t, 2)
			rp.Receipt.Code++
			return rp
		}, false},
		{"forged for another sequence", st.root, "gamma", func() *attest.ReceiptProof {
			rp := st.receiptProof(t, 1)
			rp.Seq = 4
			return rp
		}, false},
		{"moved to a sequence with a receipt", st.root, "gamma", func() *attest.ReceiptProof {
			rp := st.receiptProof(t, 1)
			rp.Seq = 2
			return rp
		}, false},
		{"another source", st.root, "delta", func() *attest.ReceiptProof { return st.receiptProof(t, 1) }, false},
		{"proof of absence", st.root, "gamma", func() *attest.ReceiptProof {
			return &attest.ReceiptProof{Seq: 9, Receipt: attest.PacketReceipt{Status: attest.ReceiptOK}, Proof: st.prove(t, attest.ReceiptKey("gamma", 9))}
		}, false},
		{"another root", attest.Keccak([]byte("root")), "gamma", func() *attest.ReceiptProof { return st.receiptProof(t, 1) }, false},
		{"tampered proof node", st.root, "gamma", func() *attest.ReceiptProof {
			rp := st.receiptProof(t, 1)
			rp.Proof[0][3] ^= 1
			return rp
		}, false},
		{"no proof", st.root, "gamma", func() *attest.ReceiptProof {
			rp := st.receiptProof(t, 1)
			rp.Proof = nil
			return rp
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := attest.VerifyReceiptProof(tc.root, tc.src, tc.rp())
			if tc.ok {
				require.NoError(t, err)
				return
			}
			requireCode(t, attest.CodeBadProof, err)
		})
	}
}

// conflicting returns two certified headers of f's set for testHeight with
// different state roots.
func (f fixture) conflicting(tb testing.TB) (a, b attest.CertifiedHeader) {
	tb.Helper()
	a = *f.certified(tb)
	hb := f.header()
	hb.StateRoot = attest.Keccak([]byte("forked state"))
	b = attest.CertifiedHeader{Header: hb, QC: *f.qc(tb, hb.Height, hb.Round, hb.Hash(), all(f.vals.Size())...)}
	return a, b
}

// outsiderQC is a full QC over h by keys outside vals, laid out as if the
// signers were vals' members.
func outsiderQC(tb testing.TB, vals *attest.ValidatorSet, h attest.Header) *attest.QC {
	tb.Helper()
	votes := make(map[attest.Address]*attest.Vote, vals.Size())
	for i, v := range vals.Validators {
		vote := &attest.Vote{Type: attest.Precommit, Height: h.Height, Round: h.Round, BlockHash: h.Hash()}
		require.NoError(tb, attest.SignVote(testGenesis, vote, seedKey(tb, "outsider"+strconv.Itoa(i))))
		votes[v.Address] = vote // filed under the member it impersonates
	}
	return attest.NewQC(vals, h.Height, h.Round, h.Hash(), votes)
}

func TestVerifyMisbehaviour(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4, nil)
	other := newFixture(t, 5, nil)
	cases := []struct {
		name    string
		genesis attest.Hash
		chainID string
		vals    *attest.ValidatorSet
		mutate  func(m *attest.Misbehaviour)
		want    attest.Code
	}{
		{"conflict", testGenesis, testChainID, f.vals, func(*attest.Misbehaviour) {}, attest.CodeOK},
		{"conflict in either order", testGenesis, testChainID, f.vals, func(m *attest.Misbehaviour) { m.A, m.B = m.B, m.A }, attest.CodeOK},
		{"conflict in another round", testGenesis, testChainID, f.vals, func(m *attest.Misbehaviour) {
			m.B.Header.Round = testRound + 1
			m.B.QC = *f.qc(t, testHeight, testRound+1, m.B.Header.Hash(), all(4)...)
		}, attest.CodeOK},
		{"same header twice", testGenesis, testChainID, f.vals, func(m *attest.Misbehaviour) { m.B = m.A }, attest.CodeBadEvidence},
		{"same header, another qc", testGenesis, testChainID, f.vals, func(m *attest.Misbehaviour) {
			m.B = m.A
			m.B.QC = *f.qc(t, testHeight, testRound, m.A.Header.Hash(), 0, 1, 2)
		}, attest.CodeBadEvidence},
		{"different heights", testGenesis, testChainID, f.vals, func(m *attest.Misbehaviour) {
			m.B.Header.Height++
			m.B.QC = *f.qc(t, m.B.Header.Height, testRound, m.B.Header.Hash(), all(4)...)
		}, attest.CodeBadEvidence},
		{"B without quorum", testGenesis, testChainID, f.vals, func(m *attest.Misbehaviour) {
			m.B.QC = *f.qc(t, testHeight, testRound, m.B.Header.Hash(), 0, 1)
		}, attest.CodeInsufficientVote},
		{"A without quorum", testGenesis, testChainID, f.vals, func(m *attest.Misbehaviour) {
			m.A.QC = *f.qc(t, testHeight, testRound, m.A.Header.Hash(), 3)
		}, attest.CodeInsufficientVote},
		{"B signed by outsiders", testGenesis, testChainID, f.vals, func(m *attest.Misbehaviour) {
			m.B.QC = *outsiderQC(t, f.vals, m.B.Header)
		}, attest.CodeBadSignature},
		{"B's qc for another block", testGenesis, testChainID, f.vals, func(m *attest.Misbehaviour) { m.B.QC = m.A.QC }, attest.CodeHashMismatch},
		{"another chain", testGenesis, "beta", f.vals, func(*attest.Misbehaviour) {}, attest.CodeWrongChain},
		{"another genesis", otherGenesis, testChainID, f.vals, func(*attest.Misbehaviour) {}, attest.CodeBadSignature},
		{"another trusted set", testGenesis, testChainID, other.vals, func(*attest.Misbehaviour) {}, attest.CodeWrongValidators},
		{"empty", testGenesis, testChainID, f.vals, func(m *attest.Misbehaviour) { *m = attest.Misbehaviour{} }, attest.CodeBadEvidence},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, b := f.conflicting(t)
			m := &attest.Misbehaviour{A: a, B: b}
			tc.mutate(m)
			err := attest.VerifyMisbehaviour(tc.genesis, tc.chainID, tc.vals, m)
			if tc.want == attest.CodeOK {
				require.NoError(t, err)
				return
			}
			// VerifyMisbehaviour wraps the header errors, so read the code
			// with errors.As (attest.CodeOf does not unwrap).
			var ae *attest.Error
			require.ErrorAs(t, err, &ae)
			require.Equal(t, tc.want, ae.Code, "error: %v", err)
			require.ErrorIs(t, err, &attest.Error{Code: tc.want})
		})
	}
}

func TestDecodeMisbehaviour(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 4, nil)
	a, b := f.conflicting(t)
	m := &attest.Misbehaviour{A: a, B: b}
	enc := encode(t, m)
	got, err := attest.DecodeMisbehaviour(enc)
	require.NoError(t, err)
	require.Equal(t, m, got)
	require.NoError(t, attest.VerifyMisbehaviour(testGenesis, testChainID, f.vals, got))
	for name, in := range map[string][]byte{
		"trailing byte": append(append([]byte{}, enc...), 0),
		"truncated":     enc[:len(enc)-1],
		"empty":         nil,
		"not a list":    {0x80},
	} {
		_, err := attest.DecodeMisbehaviour(in)
		requireCode(t, attest.CodeMalformed, err)
		require.Error(t, err, name)
	}
}

// TestPacketVectors pins the encodings relays and other chains depend on.
// A change here is a wire-format change: every chain's commitments move.
func TestPacketVectors(t *testing.T) {
	t.Parallel()
	p := testPacket(1)
	cases := []struct {
		name string
		got  []byte
		want string
	}{
		// [src "alpha", dst "beta", seq 1, sender, receiver, denom "USD", amount 1001,
		//  timeout height 500, timeout time 1700000100000, relay fee 3, memo "invoice 7"]
		{"packet", attest.EncodePacket(&p), "f85285616c706861846265746101940100000000000000000000000000000000000000940200000000000000000000000000000000000000835553448203e98201f486018bcfe6eea00389696e766f6963652037"},
		{"commitment", attest.PacketCommitment(testGenesis, &p), "62b05305f43952ad8745e37b03745edd5c0ca4db30c8dcfb0f3451ba8ecd0549"},
		{"ok receipt", attest.EncodeReceipt(&attest.PacketReceipt{Status: attest.ReceiptOK}), "c20180"},
		{"failed receipt", attest.EncodeReceipt(&attest.PacketReceipt{Status: attest.ReceiptFailed, Code: 305}), "c402820131"},
		{"timeout receipt", attest.EncodeReceipt(&attest.PacketReceipt{Status: attest.ReceiptTimeout}), "c20380"},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, hex.EncodeToString(tc.got), tc.name)
	}
}
