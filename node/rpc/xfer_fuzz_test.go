package rpc

import (
	"encoding/json"
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

func fuzzPacket() *attest.Packet {
	return &attest.Packet{Src: "alpha", Dst: "beta", Seq: 3, Denom: "alpha/USD", Amount: uint256.NewInt(5),
		TimeoutTimeMs: 9, RelayFee: uint256.NewInt(0), Memo: "x"}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"0", "1", "007", "-1", "1.5", "1e3", " 1", "115792089237316195423570985008687907853269984665640564039457584007913129639935",
		"115792089237316195423570985008687907853269984665640564039457584007913129639936"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseAmount(s)
		if err != nil {
			return
		}
		// Only the canonical decimal form of a value parses.
		require.Equal(t, s, v.Dec())
	})
}

func FuzzPacketProofDecode(f *testing.F) {
	good, err := json.Marshal(NewPacketProof(fuzzPacket(), [][]byte{{0xc0}}))
	require.NoError(f, err)
	f.Add(good)
	f.Add([]byte(`{"packet":{"amount":"1"},"packet_rlp":"0xc0","proof":[]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var pp PacketProof
		if json.Unmarshal(in, &pp) != nil {
			return
		}
		dec, err := pp.Decode()
		if err != nil {
			return
		}
		// What decodes is a valid packet whose JSON and RLP agree, and
		// rendering it again gives the same wire form.
		require.NoError(t, attest.ValidatePacket(&dec.Packet))
		again := NewPacketProof(&dec.Packet, dec.Proof)
		require.Equal(t, []byte(pp.PacketRLP), []byte(again.PacketRLP))
		require.Equal(t, pp.Packet, again.Packet)
	})
}

func FuzzReceiptProofDecode(f *testing.F) {
	good, err := json.Marshal(NewReceiptProof("beta", 2, &attest.PacketReceipt{Status: attest.ReceiptFailed, Code: 306}, [][]byte{{1}}))
	require.NoError(f, err)
	f.Add(good)
	f.Add([]byte(`{"status":"ok","code":0,"receipt_rlp":"0xc20100"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var rp ReceiptProof
		if json.Unmarshal(in, &rp) != nil {
			return
		}
		dec, err := rp.Decode()
		if err != nil {
			return
		}
		again := NewReceiptProof(rp.Src, dec.Seq, &dec.Receipt, dec.Proof)
		require.Equal(t, []byte(rp.ReceiptRLP), []byte(again.ReceiptRLP))
		require.Equal(t, rp.Status, again.Status)
		require.Equal(t, rp.Code, again.Code)
	})
}

func TestPacketProofDecodeRefusesDisagreement(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*PacketProof)
	}{
		{"json amount", func(p *PacketProof) { p.Packet.Amount = "6" }},
		{"json receiver", func(p *PacketProof) { p.Packet.Receiver[0] ^= 1 }},
		{"json amount not canonical", func(p *PacketProof) { p.Packet.Amount = "05" }},
		{"rlp garbage", func(p *PacketProof) { p.PacketRLP = []byte{0xc1} }},
		{"rlp of an invalid packet", func(p *PacketProof) {
			bad := fuzzPacket()
			bad.Seq = 0
			p.PacketRLP = attest.EncodePacket(bad)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pp := NewPacketProof(fuzzPacket(), [][]byte{{1}})
			_, err := pp.Decode()
			require.NoError(t, err)
			tt.mutate(pp)
			_, err = pp.Decode()
			require.Error(t, err)
		})
	}
}

func TestReceiptProofDecodeRefusesDisagreement(t *testing.T) {
	t.Parallel()
	rp := NewReceiptProof("beta", 2, &attest.PacketReceipt{Status: attest.ReceiptFailed, Code: 306}, nil)
	rp.Status = ReceiptStatusOK
	_, err := rp.Decode()
	require.ErrorIs(t, err, attest.ErrHashMismatch)
	rp = NewReceiptProof("beta", 2, &attest.PacketReceipt{Status: attest.ReceiptTimeout}, nil)
	rp.Code = 1
	_, err = rp.Decode()
	require.ErrorIs(t, err, attest.ErrHashMismatch)
}
