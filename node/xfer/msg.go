package xfer

import (
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
)

// Module name, methods and the transaction types they form.
const (
	ModuleName         = "xfer"
	MethodTransfer     = "transfer"
	MethodRecv         = "recv"
	MethodAck          = "ack"
	MethodUpdateClient = "update_client"
	MethodMisbehaviour = "misbehaviour"

	TypeTransfer     = ModuleName + app.TypeSeparator + MethodTransfer
	TypeRecv         = ModuleName + app.TypeSeparator + MethodRecv
	TypeAck          = ModuleName + app.TypeSeparator + MethodAck
	TypeUpdateClient = ModuleName + app.TypeSeparator + MethodUpdateClient
	TypeMisbehaviour = ModuleName + app.TypeSeparator + MethodMisbehaviour
)

// MaxBatch bounds the packets of one recv and the receipts of one ack, so
// one transaction's verification work stays bounded (each proof is at most
// attest.MaxProofNodes nodes).
const MaxBatch = 1024

// Transfer is the payload of xfer.transfer: send Amount of Denom from the
// signer to Receiver on chain Dst. At least one of TimeoutHeight (Dst's
// height) and TimeoutTimeMs (Dst's block time) must be set; a transfer with
// only a height gets the time deadline block time + maximum transfer timeout. RelayFee, in
// Denom, is held by the module and paid to whoever lands the ack.
type Transfer struct {
	Dst           string
	Receiver      attest.Address
	Denom         string
	Amount        *uint256.Int
	TimeoutHeight uint64
	TimeoutTimeMs uint64
	RelayFee      *uint256.Int
	Memo          string
}

// Recv is the payload of xfer.recv: packets committed by Src, each with its
// proof against Header's state root.
type Recv struct {
	Src     string
	Header  attest.CertifiedHeader
	Packets []attest.PacketProof
}

// Ack is the payload of xfer.ack: receipts Dst wrote for packets this chain
// sent, each with its proof against Header's state root.
type Ack struct {
	Dst      string
	Header   attest.CertifiedHeader
	Receipts []attest.ReceiptProof
}

// UpdateClient is the payload of xfer.update_client: Header is the last
// header Chain's current set signs, and NextValidators the set that signs
// from Header.Height+1 on.
type UpdateClient struct {
	Chain          string
	Header         attest.CertifiedHeader
	NextValidators []attest.Validator
}

// SubmitMisbehaviour is the payload of xfer.misbehaviour: two conflicting
// certified headers of Chain that freeze its light client.
type SubmitMisbehaviour struct {
	Chain        string
	Misbehaviour attest.Misbehaviour
}

// NewTransfer builds the type and payload of an xfer.transfer. Nil amounts
// encode as zero.
func NewTransfer(t Transfer) (txType string, payload []byte) {
	t.Amount = orZero(t.Amount)
	t.RelayFee = orZero(t.RelayFee)
	return TypeTransfer, encode(&t)
}

// NewRecv builds the type and payload of an xfer.recv.
func NewRecv(src string, header attest.CertifiedHeader, packets []attest.PacketProof) (txType string, payload []byte) {
	return TypeRecv, encode(&Recv{Src: src, Header: header, Packets: packets})
}

// NewAck builds the type and payload of an xfer.ack.
func NewAck(dst string, header attest.CertifiedHeader, receipts []attest.ReceiptProof) (txType string, payload []byte) {
	return TypeAck, encode(&Ack{Dst: dst, Header: header, Receipts: receipts})
}

// NewUpdateClient builds the type and payload of an xfer.update_client.
func NewUpdateClient(chain string, header attest.CertifiedHeader, next []attest.Validator) (txType string, payload []byte) {
	return TypeUpdateClient, encode(&UpdateClient{Chain: chain, Header: header, NextValidators: next})
}

// NewSubmitMisbehaviour builds the type and payload of an xfer.misbehaviour.
func NewSubmitMisbehaviour(chain string, m attest.Misbehaviour) (txType string, payload []byte) {
	return TypeMisbehaviour, encode(&SubmitMisbehaviour{Chain: chain, Misbehaviour: m})
}

// DecodeTransfer parses an xfer.transfer payload. Anything but one canonical
// RLP Transfer is a Malformed rejection; field checks happen on delivery.
func DecodeTransfer(payload []byte) (*Transfer, error) {
	var t Transfer
	if err := decode(MethodTransfer, payload, &t); err != nil {
		return nil, err
	}
	t.Amount = orZero(t.Amount)
	t.RelayFee = orZero(t.RelayFee)
	return &t, nil
}

// DecodeRecv parses an xfer.recv payload.
func DecodeRecv(payload []byte) (*Recv, error) {
	var r Recv
	if err := decode(MethodRecv, payload, &r); err != nil {
		return nil, err
	}
	if err := checkBatch(len(r.Packets)); err != nil {
		return nil, err
	}
	return &r, nil
}

// DecodeAck parses an xfer.ack payload.
func DecodeAck(payload []byte) (*Ack, error) {
	var a Ack
	if err := decode(MethodAck, payload, &a); err != nil {
		return nil, err
	}
	if err := checkBatch(len(a.Receipts)); err != nil {
		return nil, err
	}
	return &a, nil
}

// DecodeUpdateClient parses an xfer.update_client payload.
func DecodeUpdateClient(payload []byte) (*UpdateClient, error) {
	var u UpdateClient
	if err := decode(MethodUpdateClient, payload, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// DecodeSubmitMisbehaviour parses an xfer.misbehaviour payload.
func DecodeSubmitMisbehaviour(payload []byte) (*SubmitMisbehaviour, error) {
	var m SubmitMisbehaviour
	if err := decode(MethodMisbehaviour, payload, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

func checkBatch(n int) error {
	switch {
	case n == 0:
		return rejectf(CodeEmptyBatch, "no entries")
	case n > MaxBatch:
		return rejectf(CodeBatchTooLarge, "%d entries, max %d", n, MaxBatch)
	}
	return nil
}

func encode(v any) []byte {
	b, err := rlp.EncodeToBytes(v)
	if err != nil {
		panic("xfer: encode payload: " + err.Error())
	}
	return b
}

func decode(method string, payload []byte, v any) error {
	if err := rlp.DecodeBytes(payload, v); err != nil {
		return app.Errorf(app.CodeMalformed, "decode xfer.%s: %v", method, err)
	}
	return nil
}

func orZero(v *uint256.Int) *uint256.Int {
	if v == nil {
		return new(uint256.Int)
	}
	return v
}
