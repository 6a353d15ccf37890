package rpc

import (
	"bytes"
	"fmt"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
)

// Task statuses on the wire (DESIGN §3.1).
const (
	TaskPending  = "pending"
	TaskFinished = "finished"
	TaskRefunded = "refunded"
)

// Packet receipt statuses on the wire, one per attest.Receipt* value.
const (
	ReceiptStatusOK      = "ok"
	ReceiptStatusFailed  = "failed"
	ReceiptStatusTimeout = "timeout"
)

// maxAmountDigits is the length of 2^256-1 in decimal.
const maxAmountDigits = 78

// Packet is an attest.Packet on the wire: amounts are decimal strings,
// addresses EIP-55.
type Packet struct {
	Src           string  `json:"src"`
	Dst           string  `json:"dst"`
	Seq           uint64  `json:"seq"`
	Sender        Address `json:"sender"`
	Receiver      Address `json:"receiver"`
	Denom         string  `json:"denom"`
	Amount        string  `json:"amount"`
	TimeoutHeight uint64  `json:"timeout_height"`
	TimeoutTimeMs uint64  `json:"timeout_time_ms"`
	RelayFee      string  `json:"relay_fee"`
	Memo          string  `json:"memo"`
}

// NewPacket renders p. Nil amounts render as "0".
func NewPacket(p *attest.Packet) Packet {
	return Packet{
		Src:           p.Src,
		Dst:           p.Dst,
		Seq:           p.Seq,
		Sender:        Address(p.Sender),
		Receiver:      Address(p.Receiver),
		Denom:         p.Denom,
		Amount:        decimal(p.Amount),
		TimeoutHeight: p.TimeoutHeight,
		TimeoutTimeMs: p.TimeoutTimeMs,
		RelayFee:      decimal(p.RelayFee),
		Memo:          p.Memo,
	}
}

// Attest parses p back into the packet the source chain committed.
func (p *Packet) Attest() (*attest.Packet, error) {
	amount, err := ParseAmount(p.Amount)
	if err != nil {
		return nil, fmt.Errorf("packet %s→%s #%d amount: %w", p.Src, p.Dst, p.Seq, err)
	}
	fee, err := ParseAmount(p.RelayFee)
	if err != nil {
		return nil, fmt.Errorf("packet %s→%s #%d relay fee: %w", p.Src, p.Dst, p.Seq, err)
	}
	return &attest.Packet{
		Src:           p.Src,
		Dst:           p.Dst,
		Seq:           p.Seq,
		Sender:        p.Sender.Attest(),
		Receiver:      p.Receiver.Attest(),
		Denom:         p.Denom,
		Amount:        amount,
		TimeoutHeight: p.TimeoutHeight,
		TimeoutTimeMs: p.TimeoutTimeMs,
		RelayFee:      fee,
		Memo:          p.Memo,
	}, nil
}

// PacketProof is one packet of cw_getPacketProofs with the Merkle proof of
// its commitment. PacketRLP is attest.EncodePacket, what a relay forwards;
// Packet is the same content as JSON.
type PacketProof struct {
	Packet    Packet          `json:"packet"`
	PacketRLP hexutil.Bytes   `json:"packet_rlp"`
	Proof     []hexutil.Bytes `json:"proof"`
}

// NewPacketProof renders p with the proof nodes of its commitment.
func NewPacketProof(p *attest.Packet, proof [][]byte) *PacketProof {
	return &PacketProof{Packet: NewPacket(p), PacketRLP: attest.EncodePacket(p), Proof: bytesList(proof)}
}

// Decode decodes PacketRLP, checks it carries the same packet as the JSON
// fields, and returns the packet with its proof as xfer.recv takes it.
func (p *PacketProof) Decode() (*attest.PacketProof, error) {
	dec, err := attest.DecodePacket(p.PacketRLP)
	if err != nil {
		return nil, fmt.Errorf("packet %s→%s #%d: %w", p.Packet.Src, p.Packet.Dst, p.Packet.Seq, err)
	}
	js, err := p.Packet.Attest()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(attest.EncodePacket(js), p.PacketRLP) {
		return nil, fmt.Errorf("packet %s→%s #%d: rlp differs from json: %w", p.Packet.Src, p.Packet.Dst, p.Packet.Seq, attest.ErrHashMismatch)
	}
	return &attest.PacketProof{Packet: *dec, Proof: nodesOf(p.Proof)}, nil
}

// PacketProofs is the result of cw_getPacketProofs: the certified header at
// Height and, in the order asked, each packet whose commitment is in that
// header's state, with its proof. An entry is null when the state at Height
// holds no commitment for that sequence (never sent, or already acked).
type PacketProofs struct {
	Height  uint64          `json:"height"`
	Header  CertifiedHeader `json:"header"`
	Packets []*PacketProof  `json:"packets"`
}

// ReceiptProof is one receipt of cw_getReceiptProofs with the Merkle proof
// of it. ReceiptRLP is attest.EncodeReceipt, the value proven.
type ReceiptProof struct {
	Src        string          `json:"src"`
	Seq        uint64          `json:"seq"`
	Status     string          `json:"status"`
	Code       uint32          `json:"code"`
	ReceiptRLP hexutil.Bytes   `json:"receipt_rlp"`
	Proof      []hexutil.Bytes `json:"proof"`
}

// NewReceiptProof renders the receipt of packet seq from src.
func NewReceiptProof(src string, seq uint64, r *attest.PacketReceipt, proof [][]byte) *ReceiptProof {
	return &ReceiptProof{Src: src, Seq: seq, Status: ReceiptStatusName(r.Status), Code: r.Code,
		ReceiptRLP: attest.EncodeReceipt(r), Proof: bytesList(proof)}
}

// Decode decodes ReceiptRLP, checks it agrees with Status and Code, and
// returns the receipt with its proof as xfer.ack takes it.
func (r *ReceiptProof) Decode() (*attest.ReceiptProof, error) {
	dec, err := attest.DecodeReceipt(r.ReceiptRLP)
	if err != nil {
		return nil, fmt.Errorf("receipt %s #%d: %w", r.Src, r.Seq, err)
	}
	if ReceiptStatusName(dec.Status) != r.Status || dec.Code != r.Code {
		return nil, fmt.Errorf("receipt %s #%d: rlp says %s/%d, json %s/%d: %w", r.Src, r.Seq,
			ReceiptStatusName(dec.Status), dec.Code, r.Status, r.Code, attest.ErrHashMismatch)
	}
	return &attest.ReceiptProof{Seq: r.Seq, Receipt: *dec, Proof: nodesOf(r.Proof)}, nil
}

// ReceiptProofs is the result of cw_getReceiptProofs: the certified header
// at Height and, in the order asked, each receipt present in that header's
// state with its proof; null where no receipt was written yet.
type ReceiptProofs struct {
	Height   uint64          `json:"height"`
	Header   CertifiedHeader `json:"header"`
	Receipts []*ReceiptProof `json:"receipts"`
}

// ReceiptStatusName names an attest receipt status ("ok", "failed",
// "timeout"), or "status_<n>" for an unknown one.
func ReceiptStatusName(s uint8) string {
	switch s {
	case attest.ReceiptOK:
		return ReceiptStatusOK
	case attest.ReceiptFailed:
		return ReceiptStatusFailed
	case attest.ReceiptTimeout:
		return ReceiptStatusTimeout
	}
	return fmt.Sprintf("status_%d", s)
}

// ParseAmount parses a canonical decimal uint256: digits only, no sign, no
// leading zeros, at most 2^256-1.
func ParseAmount(s string) (*uint256.Int, error) {
	if s == "" || len(s) > maxAmountDigits || (len(s) > 1 && s[0] == '0') {
		return nil, fmt.Errorf("amount %q is not a canonical decimal integer", s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return nil, fmt.Errorf("amount %q is not a canonical decimal integer", s)
		}
	}
	v, err := uint256.FromDecimal(s)
	if err != nil {
		return nil, fmt.Errorf("amount %q: %w", s, err)
	}
	return v, nil
}

func decimal(v *uint256.Int) string {
	if v == nil {
		return "0"
	}
	return v.Dec()
}

func nodesOf(in []hexutil.Bytes) [][]byte {
	out := make([][]byte, len(in))
	for i, n := range in {
		out[i] = n
	}
	return out
}
