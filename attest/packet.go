package attest

import (
	"fmt"
	"strconv"

	"github.com/ethereum/go-ethereum/rlp"
	"github.com/holiman/uint256"
)

// TagPacket domain-separates packet commitments from every other hash.
const (
	TagPacket  = "causeway/packet/v1"
	TagReceipt = "causeway/receipt/v1"
)

// Packet is one cross-chain transfer as the source chain commits it. The
// source stores PacketCommitment(p) at PacketKey(p.Dst, p.Seq); the
// destination credits only against a proof of that commitment.
type Packet struct {
	Src           string // source chain id
	Dst           string // destination chain id
	Seq           uint64 // per-route sequence on the source, from 1
	Sender        Address
	Receiver      Address
	Denom         string // as known on the source (a voucher carries its path: "alpha/USD")
	Amount        *uint256.Int
	TimeoutHeight uint64 // destination height at or after which the packet times out (0 = none)
	TimeoutTimeMs uint64 // destination block time at or after which it times out (0 = none)
	RelayFee      *uint256.Int
	Memo          string
}

// Receipt statuses, written once per packet by the destination.
const (
	ReceiptOK      uint8 = 1
	ReceiptFailed  uint8 = 2
	ReceiptTimeout uint8 = 3
)

// PacketReceipt is what the destination writes at ReceiptKey(src, seq).
// Code carries the stable rejection code of a failed packet (0 otherwise).
// Relayer is the account whose recv wrote it, so the source can share the
// relay fee with it; zero in receipts written before the field existed,
// which encode as they always did.
type PacketReceipt struct {
	Status  uint8
	Code    uint32
	Relayer Address `rlp:"optional"`
}

// Limits on packet fields, enforced by ValidatePacket.
const (
	MaxMemoBytes  = 256
	MaxDenomBytes = 128
)

// EncodePacket is the canonical RLP encoding.
func EncodePacket(p *Packet) []byte {
	b, err := rlp.EncodeToBytes(p)
	if err != nil {
		panic("attest: encode packet: " + err.Error())
	}
	return b
}

// DecodePacket decodes a packet and checks its fields are well formed.
func DecodePacket(b []byte) (*Packet, error) {
	var p Packet
	if err := rlp.DecodeBytes(b, &p); err != nil {
		return nil, errorf(CodeMalformed, "decode packet: %v", err)
	}
	if err := ValidatePacket(&p); err != nil {
		return nil, err
	}
	return &p, nil
}

// ValidatePacket checks field shapes (not chain state).
func ValidatePacket(p *Packet) error {
	switch {
	case p.Src == "" || p.Dst == "" || p.Src == p.Dst:
		return errorf(CodeMalformed, "packet route %q→%q", p.Src, p.Dst)
	case p.Seq == 0:
		return errorf(CodeMalformed, "packet sequence 0")
	case p.Amount == nil || p.Amount.IsZero():
		return errorf(CodeMalformed, "packet amount is zero")
	case p.RelayFee == nil:
		return errorf(CodeMalformed, "packet relay fee missing")
	case p.Denom == "" || len(p.Denom) > MaxDenomBytes:
		return errorf(CodeMalformed, "packet denom %q", p.Denom)
	case len(p.Memo) > MaxMemoBytes:
		return errorf(CodeMalformed, "packet memo is %d bytes, max %d", len(p.Memo), MaxMemoBytes)
	case p.TimeoutHeight == 0 && p.TimeoutTimeMs == 0:
		return errorf(CodeMalformed, "packet has no timeout")
	}
	return nil
}

// PacketCommitment is the value the source stores for p: a domain-separated
// hash bound to the source chain's genesis, so a commitment made on one chain
// never matches a packet claimed for another.
func PacketCommitment(srcGenesis Hash, p *Packet) []byte {
	return Digest(TagPacket, srcGenesis, EncodePacket(p)).Bytes()
}

// EncodeReceipt is the canonical encoding stored at ReceiptKey.
func EncodeReceipt(r *PacketReceipt) []byte {
	b, err := rlp.EncodeToBytes(r)
	if err != nil {
		panic("attest: encode receipt: " + err.Error())
	}
	return b
}

// DecodeReceipt decodes a stored receipt.
func DecodeReceipt(b []byte) (*PacketReceipt, error) {
	var r PacketReceipt
	if err := rlp.DecodeBytes(b, &r); err != nil {
		return nil, errorf(CodeMalformed, "decode receipt: %v", err)
	}
	if r.Status < ReceiptOK || r.Status > ReceiptTimeout {
		return nil, errorf(CodeMalformed, "receipt status %d", r.Status)
	}
	if r.Status == ReceiptOK && r.Code != 0 {
		return nil, errorf(CodeMalformed, "ok receipt with code %d", r.Code)
	}
	return &r, nil
}

// PacketKey is the state key of the commitment of packet seq on route src→dst,
// in the source chain's state.
func PacketKey(dst string, seq uint64) []byte {
	return []byte("xout/" + dst + "/" + strconv.FormatUint(seq, 10))
}

// ReceiptKey is the state key of the receipt for packet seq from src, in the
// destination chain's state.
func ReceiptKey(src string, seq uint64) []byte {
	return []byte("xin/" + src + "/" + strconv.FormatUint(seq, 10))
}

// PacketProof is a packet with the Merkle proof of its commitment.
type PacketProof struct {
	Packet Packet
	Proof  [][]byte
}

// ReceiptProof is a receipt of one packet with the Merkle proof of it.
type ReceiptProof struct {
	Seq     uint64
	Receipt PacketReceipt
	Proof   [][]byte
}

// VerifyPacketProof checks that the source chain's state with root
// committed p: the value at PacketKey(p.Dst, p.Seq) is p's commitment.
func VerifyPacketProof(srcGenesis Hash, root Hash, pp *PacketProof) error {
	if err := ValidatePacket(&pp.Packet); err != nil {
		return err
	}
	v, err := VerifyProof(root, PacketKey(pp.Packet.Dst, pp.Packet.Seq), pp.Proof)
	if err != nil {
		return err
	}
	if want := PacketCommitment(srcGenesis, &pp.Packet); string(v) != string(want) {
		return errorf(CodeBadProof, "packet %s→%s #%d: state holds %x, packet commits to %x",
			pp.Packet.Src, pp.Packet.Dst, pp.Packet.Seq, v, want)
	}
	return nil
}

// VerifyReceiptProof checks that the destination chain's state with root
// holds rp.Receipt for packet rp.Seq from src.
func VerifyReceiptProof(root Hash, src string, rp *ReceiptProof) error {
	v, err := VerifyProof(root, ReceiptKey(src, rp.Seq), rp.Proof)
	if err != nil {
		return err
	}
	if v == nil {
		return errorf(CodeBadProof, "no receipt for %s #%d", src, rp.Seq)
	}
	if want := EncodeReceipt(&rp.Receipt); string(v) != string(want) {
		return errorf(CodeBadProof, "receipt for %s #%d: state holds %x, claimed %x", src, rp.Seq, v, want)
	}
	return nil
}

// Misbehaviour is two certified headers for one height of one chain with
// different hashes: proof that the chain's validators (at least a third of
// their power) signed conflicting blocks.
type Misbehaviour struct {
	A CertifiedHeader
	B CertifiedHeader
}

// VerifyMisbehaviour checks that both headers verify against vals for chainID
// and conflict.
func VerifyMisbehaviour(genesis Hash, chainID string, vals *ValidatorSet, m *Misbehaviour) error {
	if m.A.Header.Height != m.B.Header.Height {
		return errorf(CodeBadEvidence, "headers at heights %d and %d", m.A.Header.Height, m.B.Header.Height)
	}
	if m.A.Header.Hash() == m.B.Header.Hash() {
		return errorf(CodeBadEvidence, "headers are the same")
	}
	if err := VerifyCertifiedHeader(genesis, chainID, vals, &m.A); err != nil {
		return fmt.Errorf("misbehaviour header A: %w", err)
	}
	if err := VerifyCertifiedHeader(genesis, chainID, vals, &m.B); err != nil {
		return fmt.Errorf("misbehaviour header B: %w", err)
	}
	return nil
}

// DecodeMisbehaviour decodes RLP misbehaviour.
func DecodeMisbehaviour(b []byte) (*Misbehaviour, error) {
	var m Misbehaviour
	if err := rlp.DecodeBytes(b, &m); err != nil {
		return nil, errorf(CodeMalformed, "decode misbehaviour: %v", err)
	}
	return &m, nil
}
