package attest_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/rlp"
	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

// The packet decoders accept only canonical, valid encodings; the verifiers
// never accept anything the seeded state and signatures do not back.

func FuzzDecodePacket(f *testing.F) {
	for _, seq := range []uint64{1, 1 << 40} {
		p := testPacket(seq)
		f.Add(attest.EncodePacket(&p))
	}
	big := testPacket(2)
	big.Amount = new(uint256.Int).SetAllOne()
	big.Memo, big.TimeoutHeight = "", 0
	f.Add(attest.EncodePacket(&big))
	f.Add(encode(f, &attest.Packet{}))
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := attest.DecodePacket(data)
		if err != nil {
			requireCode(t, attest.CodeMalformed, err)
			return
		}
		require.NoError(t, attest.ValidatePacket(p))
		require.Equal(t, data, attest.EncodePacket(p), "non-canonical encoding accepted")
		require.Equal(t, attest.PacketCommitment(testGenesis, p), attest.Digest(attest.TagPacket, testGenesis, data).Bytes())
	})
}

func FuzzDecodeReceipt(f *testing.F) {
	for _, r := range []attest.PacketReceipt{
		{Status: attest.ReceiptOK},
		{Status: attest.ReceiptFailed, Code: 305},
		{Status: attest.ReceiptTimeout},
		{},
	} {
		f.Add(attest.EncodeReceipt(&r))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := attest.DecodeReceipt(data)
		if err != nil {
			requireCode(t, attest.CodeMalformed, err)
			return
		}
		require.Equal(t, data, attest.EncodeReceipt(r), "non-canonical encoding accepted")
		require.True(t, r.Status >= attest.ReceiptOK && r.Status <= attest.ReceiptTimeout)
		if r.Status == attest.ReceiptOK {
			require.Zero(t, r.Code)
		}
	})
}

// FuzzDecodeMisbehaviour: the seeds hold the only two headers ever signed,
// so evidence that verifies must be made of exactly those two.
func FuzzDecodeMisbehaviour(f *testing.F) {
	fx := newFixture(f, 4, nil)
	a, b := fx.conflicting(f)
	signed := map[attest.Hash]bool{a.Header.Hash(): true, b.Header.Hash(): true}
	f.Add(encode(f, &attest.Misbehaviour{A: a, B: b}))
	f.Add(encode(f, &attest.Misbehaviour{A: b, B: a}))
	f.Add(encode(f, &attest.Misbehaviour{A: a, B: a}))
	f.Add(encode(f, &attest.Misbehaviour{}))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := attest.DecodeMisbehaviour(data)
		if err != nil {
			requireCode(t, attest.CodeMalformed, err)
			return
		}
		require.Equal(t, data, encode(t, m), "non-canonical encoding accepted")
		if err := attest.VerifyMisbehaviour(testGenesis, testChainID, fx.vals, m); err != nil {
			require.NotEqual(t, attest.CodeOK, attest.CodeOf(err))
			return
		}
		require.True(t, signed[m.A.Header.Hash()], "forged header A")
		require.True(t, signed[m.B.Header.Hash()], "forged header B")
		require.NotEqual(t, m.A.Header.Hash(), m.B.Header.Hash())
	})
}

// FuzzVerifyPacketProof: a packet proof that verifies must name a packet the
// source state committed, field for field.
func FuzzVerifyPacketProof(f *testing.F) {
	st := newPacketTrie(f)
	for _, seq := range []uint64{1, 7, packetsInTrie, packetsInTrie + 1} {
		p := testPacket(seq)
		f.Add(attest.EncodePacket(&p), encode(f, st.prove(f, attest.PacketKey(p.Dst, p.Seq))))
	}
	p := testPacket(3)
	f.Add(attest.EncodePacket(&p), encode(f, st.prove(f, attest.ReceiptKey("gamma", 1))))
	f.Fuzz(func(t *testing.T, packetRLP, proofRLP []byte) {
		var pp attest.PacketProof
		if rlp.DecodeBytes(packetRLP, &pp.Packet) != nil || rlp.DecodeBytes(proofRLP, &pp.Proof) != nil {
			return
		}
		if err := attest.VerifyPacketProof(testGenesis, st.root, &pp); err != nil {
			require.NotEqual(t, attest.CodeOK, attest.CodeOf(err))
			return
		}
		require.True(t, pp.Packet.Seq >= 1 && pp.Packet.Seq <= packetsInTrie, "seq %d was never committed", pp.Packet.Seq)
		want := testPacket(pp.Packet.Seq)
		require.Equal(t, attest.EncodePacket(&want), attest.EncodePacket(&pp.Packet), "forged packet")
	})
}
