package xfer

import (
	"strconv"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
)

// Event types.
const (
	EventSend           = "xfer.send"       // a packet left this chain
	EventRecv           = "xfer.recv"       // a packet from another chain got its receipt here
	EventAck            = "xfer.ack"        // a packet's task was resolved by a proven receipt
	EventClientUpdate   = "client.update"   // a light client accepted a validator-set handoff
	EventClientFrozen   = "client.frozen"   // a light client was frozen by misbehaviour
	EventClientUnfrozen = "client.unfrozen" // governance lifted a freeze
)

// Event attribute keys. Addresses are 0x + 40 lowercase hex, amounts decimal.
const (
	AttrSrc            = "src"
	AttrDst            = "dst"
	AttrSeq            = "seq"
	AttrSender         = "sender"
	AttrReceiver       = "receiver"
	AttrDenom          = "denom"
	AttrAmount         = "amount"
	AttrFee            = "fee"
	AttrTimeoutHeight  = "timeout_height"
	AttrTimeoutTimeMs  = "timeout_time_ms"
	AttrStatus         = "status"
	AttrCode           = "code"
	AttrOutcome        = "outcome"
	AttrRelayer        = "relayer"
	AttrChain          = "chain"
	AttrHeight         = "height"
	AttrFromHeight     = "from_height"
	AttrValidatorsHash = "validators_hash"
	AttrReason         = "reason"
)

// Receipt status names as events and the RPC show them.
const (
	StatusOK      = "ok"
	StatusFailed  = "failed"
	StatusTimeout = "timeout"
)

// Reasons a client.frozen event gives.
const (
	ReasonMisbehaviour    = "misbehaviour"     // submitted by xfer.misbehaviour
	ReasonConflictingHead = "conflicting_head" // a verified header conflicted with a remembered one
)

// ReceiptStatusName is the name of a receipt status ("" for an unknown one).
func ReceiptStatusName(s uint8) string {
	switch s {
	case attest.ReceiptOK:
		return StatusOK
	case attest.ReceiptFailed:
		return StatusFailed
	case attest.ReceiptTimeout:
		return StatusTimeout
	}
	return ""
}

func sendEvent(p *attest.Packet) app.Event {
	return app.Event{Type: EventSend, Attrs: []app.Attr{
		{Key: AttrSrc, Value: p.Src},
		{Key: AttrDst, Value: p.Dst},
		{Key: AttrSeq, Value: u64(p.Seq)},
		{Key: AttrSender, Value: hexAddr(p.Sender)},
		{Key: AttrReceiver, Value: hexAddr(p.Receiver)},
		{Key: AttrDenom, Value: p.Denom},
		{Key: AttrAmount, Value: p.Amount.Dec()},
		{Key: AttrFee, Value: p.RelayFee.Dec()},
		{Key: AttrTimeoutHeight, Value: u64(p.TimeoutHeight)},
		{Key: AttrTimeoutTimeMs, Value: u64(p.TimeoutTimeMs)},
	}}
}

func recvEvent(p *attest.Packet, r *attest.PacketReceipt) app.Event {
	return app.Event{Type: EventRecv, Attrs: []app.Attr{
		{Key: AttrSrc, Value: p.Src},
		{Key: AttrDst, Value: p.Dst},
		{Key: AttrSeq, Value: u64(p.Seq)},
		{Key: AttrStatus, Value: ReceiptStatusName(r.Status)},
		{Key: AttrCode, Value: u64(uint64(r.Code))},
		{Key: AttrReceiver, Value: hexAddr(p.Receiver)},
		{Key: AttrDenom, Value: p.Denom},
		{Key: AttrAmount, Value: p.Amount.Dec()},
	}}
}

func ackEvent(t *Task, relayer attest.Address) app.Event {
	p := &t.Packet
	return app.Event{Type: EventAck, Attrs: []app.Attr{
		{Key: AttrSrc, Value: p.Src},
		{Key: AttrDst, Value: p.Dst},
		{Key: AttrSeq, Value: u64(p.Seq)},
		{Key: AttrStatus, Value: ReceiptStatusName(t.ReceiptStatus)},
		{Key: AttrCode, Value: u64(uint64(t.ReceiptCode))},
		{Key: AttrOutcome, Value: t.Status.String()},
		{Key: AttrSender, Value: hexAddr(p.Sender)},
		{Key: AttrDenom, Value: p.Denom},
		{Key: AttrAmount, Value: p.Amount.Dec()},
		{Key: AttrFee, Value: p.RelayFee.Dec()},
		{Key: AttrRelayer, Value: hexAddr(relayer)},
	}}
}

func clientUpdateEvent(chain string, height uint64, set *TrustedSet, hash attest.Hash) app.Event {
	return app.Event{Type: EventClientUpdate, Attrs: []app.Attr{
		{Key: AttrChain, Value: chain},
		{Key: AttrHeight, Value: u64(height)},
		{Key: AttrFromHeight, Value: u64(set.FromHeight)},
		{Key: AttrValidatorsHash, Value: hash.Hex()},
	}}
}

func clientFrozenEvent(chain string, height uint64, reason string) app.Event {
	return app.Event{Type: EventClientFrozen, Attrs: []app.Attr{
		{Key: AttrChain, Value: chain},
		{Key: AttrHeight, Value: u64(height)},
		{Key: AttrReason, Value: reason},
	}}
}

func u64(v uint64) string { return strconv.FormatUint(v, 10) }

func hexAddr(a attest.Address) string { return string(app.AddressKey(a)) }
