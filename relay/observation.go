package relay

import (
	"fmt"
	"strconv"

	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/xfer"
)

// Observation is what one height of a chain means to the relay: its
// certified header and the xfer events it committed, in block order.
type Observation struct {
	Chain  string
	Height uint64
	Header *attest.CertifiedHeader
	// Sends are the packets this chain committed at Height, rebuilt from
	// xfer.send events. Events do not carry the memo, so these are for
	// routing and the record only; the Deliverer forwards the proven
	// packets instead.
	Sends []SendEvent
	// Receipts are the receipts this chain wrote for packets from others.
	Receipts []ReceiptEvent
	// Acks are this chain's tasks resolved by a proven receipt.
	Acks []AckEvent
}

// TxRef names the transaction that emitted an event and who signed it. It
// is zero for an event of the block itself.
type TxRef struct {
	TxHash attest.Hash
	Signer attest.Address
}

// SendEvent is one xfer.send event: a packet this chain committed.
type SendEvent struct {
	attest.Packet
	TxRef
}

// ReceiptEvent is one xfer.recv event: the destination Dst (this chain)
// wrote a receipt for packet Seq of Src.
type ReceiptEvent struct {
	Src, Dst string
	Seq      uint64
	Status   string // xfer.StatusOK, StatusFailed or StatusTimeout
	Code     uint32
	TxRef
}

// AckEvent is one xfer.ack event: the source Src (this chain) resolved
// the task of packet Seq to Dst.
type AckEvent struct {
	Src, Dst string
	Seq      uint64
	Status   string // the receipt's status
	Code     uint32
	Outcome  string // "finished" or "refunded"
	TxRef
}

// Empty reports whether the observation carries no xfer events.
func (o *Observation) Empty() bool {
	return len(o.Sends) == 0 && len(o.Receipts) == 0 && len(o.Acks) == 0
}

// SendsTo returns the sequences of the packets sent to dst.
func (o *Observation) SendsTo(dst string) []uint64 {
	var seqs []uint64
	for i := range o.Sends {
		if o.Sends[i].Dst == dst {
			seqs = append(seqs, o.Sends[i].Seq)
		}
	}
	return seqs
}

// ReceiptsFrom returns the sequences of the receipts written for src.
func (o *Observation) ReceiptsFrom(src string) []uint64 {
	var seqs []uint64
	for _, r := range o.Receipts {
		if r.Src == src {
			seqs = append(seqs, r.Seq)
		}
	}
	return seqs
}

// observe builds the observation of one height from its header and events.
// Events of rejected transactions are ignored: nothing they emitted holds.
func observe(chainID string, header *attest.CertifiedHeader, ev *chains.BlockEvents) (*Observation, error) {
	o := &Observation{Chain: chainID, Height: header.Header.Height, Header: header}
	for _, r := range ev.Receipts {
		if r.Code != 0 {
			continue
		}
		if err := o.add(r.Events, TxRef{TxHash: r.TxHash, Signer: attest.Address(r.Sender)}); err != nil {
			return nil, fmt.Errorf("observe %s %d tx %s: %w", chainID, o.Height, r.TxHash, err)
		}
	}
	if err := o.add(ev.Events, TxRef{}); err != nil {
		return nil, fmt.Errorf("observe %s %d block events: %w", chainID, o.Height, err)
	}
	return o, nil
}

// ObserveReceipt is the observation of one included transaction alone,
// as a stage worker sees its own recv or ack: its events at its height,
// without a header. A failed transaction observes nothing.
func ObserveReceipt(chainID string, r *chains.Receipt) (*Observation, error) {
	o := &Observation{Chain: chainID, Height: r.Height}
	if r.Code != 0 {
		return o, nil
	}
	if err := o.add(r.Events, TxRef{TxHash: r.TxHash, Signer: attest.Address(r.Sender)}); err != nil {
		return nil, fmt.Errorf("observe %s tx %s: %w", chainID, r.TxHash, err)
	}
	return o, nil
}

func (o *Observation) add(evs []chains.Event, ref TxRef) error {
	for i := range evs {
		e := attrs(evs[i])
		switch evs[i].Type {
		case xfer.EventSend:
			o.Sends = append(o.Sends, SendEvent{Packet: e.packet(), TxRef: ref})
		case xfer.EventRecv:
			o.Receipts = append(o.Receipts, ReceiptEvent{Src: e.str(xfer.AttrSrc), Dst: e.str(xfer.AttrDst),
				Seq: e.u64(xfer.AttrSeq), Status: e.str(xfer.AttrStatus), Code: uint32(e.u64(xfer.AttrCode)), TxRef: ref})
		case xfer.EventAck:
			o.Acks = append(o.Acks, AckEvent{Src: e.str(xfer.AttrSrc), Dst: e.str(xfer.AttrDst),
				Seq: e.u64(xfer.AttrSeq), Status: e.str(xfer.AttrStatus), Code: uint32(e.u64(xfer.AttrCode)),
				Outcome: e.str(xfer.AttrOutcome), TxRef: ref})
		default:
			continue
		}
		if e.err != nil {
			return fmt.Errorf("%s event: %w", evs[i].Type, e.err)
		}
	}
	return nil
}

// eventAttrs reads typed attributes, keeping the first error.
type eventAttrs struct {
	ev  chains.Event
	err error
}

func attrs(ev chains.Event) *eventAttrs { return &eventAttrs{ev: ev} }

func (e *eventAttrs) str(key string) string {
	v, ok := e.ev.Attr(key)
	if !ok && e.err == nil {
		e.err = fmt.Errorf("%w: no attribute %q", chains.ErrBadResponse, key)
	}
	return v
}

func (e *eventAttrs) u64(key string) uint64 {
	s := e.str(key)
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil && e.err == nil {
		e.err = fmt.Errorf("%w: attribute %s=%q: %w", chains.ErrBadResponse, key, s, err)
	}
	return v
}

func (e *eventAttrs) amount(key string) *uint256.Int {
	s := e.str(key)
	v, err := uint256.FromDecimal(s)
	if err != nil && e.err == nil {
		e.err = fmt.Errorf("%w: attribute %s=%q: %w", chains.ErrBadResponse, key, s, err)
	}
	return v
}

func (e *eventAttrs) addr(key string) attest.Address {
	s := e.str(key)
	if !common.IsHexAddress(s) && e.err == nil {
		e.err = fmt.Errorf("%w: attribute %s=%q is not an address", chains.ErrBadResponse, key, s)
	}
	return common.HexToAddress(s)
}

func (e *eventAttrs) packet() attest.Packet {
	return attest.Packet{Src: e.str(xfer.AttrSrc), Dst: e.str(xfer.AttrDst), Seq: e.u64(xfer.AttrSeq),
		Sender: e.addr(xfer.AttrSender), Receiver: e.addr(xfer.AttrReceiver), Denom: e.str(xfer.AttrDenom),
		Amount: e.amount(xfer.AttrAmount), RelayFee: e.amount(xfer.AttrFee),
		TimeoutHeight: e.u64(xfer.AttrTimeoutHeight), TimeoutTimeMs: e.u64(xfer.AttrTimeoutTimeMs)}
}
