package xfertest

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/ethereum/go-ethereum/rlp"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/tx"
	"github.com/causeway/causeway/node/xfer"
)

// Relay limits.
const (
	// txEnvelopeReserve is what a transaction's envelope (chain id, nonce,
	// type, signature, RLP headers) may take beyond its payload.
	txEnvelopeReserve = 512
	// MaxPayloadBytes is the largest recv or ack payload the helpers build,
	// so that the signed transaction stays under tx.MaxTxBytes.
	MaxPayloadBytes = tx.MaxTxBytes - txEnvelopeReserve
	// rlpListReserve covers the RLP list headers and short fields of a payload.
	rlpListReserve = 64
)

// ErrTooLarge is returned when a single proof does not fit in a transaction.
var ErrTooLarge = errors.New("proof does not fit in a transaction")

// ReceiptRef names a receipt a chain wrote: the packet's source and sequence.
type ReceiptRef struct {
	Src string
	Seq uint64
}

// SentPackets returns the packets block h committed, in event order. Events
// leave out the memo, so each packet is read back from its task at h.
func (c *Chain) SentPackets(h uint64) ([]attest.Packet, error) {
	b, err := c.Block(h)
	if err != nil {
		return nil, err
	}
	view, err := c.View(h)
	if err != nil {
		return nil, err
	}
	var out []attest.Packet
	for _, e := range events(b, xfer.EventSend) {
		seq, err := strconv.ParseUint(e.Attr(xfer.AttrSeq), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s block %d: send event seq: %w", c.ID, h, err)
		}
		t, err := xfer.GetTask(view, e.Attr(xfer.AttrDst), seq)
		if err != nil {
			return nil, fmt.Errorf("%s block %d: %w", c.ID, h, err)
		}
		out = append(out, t.Packet)
	}
	return out, nil
}

// WrittenReceipts lists the receipts block h wrote (its xfer.recv events).
func (c *Chain) WrittenReceipts(h uint64) ([]ReceiptRef, error) {
	b, err := c.Block(h)
	if err != nil {
		return nil, err
	}
	var out []ReceiptRef
	for _, e := range events(b, xfer.EventRecv) {
		seq, err := strconv.ParseUint(e.Attr(xfer.AttrSeq), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s block %d: recv event seq: %w", c.ID, h, err)
		}
		out = append(out, ReceiptRef{Src: e.Attr(xfer.AttrSrc), Seq: seq})
	}
	return out, nil
}

// PacketProofs proves each packet's commitment in the state after height h.
func (c *Chain) PacketProofs(h uint64, packets []attest.Packet) ([]attest.PacketProof, error) {
	out := make([]attest.PacketProof, len(packets))
	for i, p := range packets {
		_, proof, err := c.Prove(h, attest.PacketKey(p.Dst, p.Seq))
		if err != nil {
			return nil, err
		}
		out[i] = attest.PacketProof{Packet: p, Proof: proof}
	}
	return out, nil
}

// ReceiptProofs proves the receipts this chain wrote for packets seqs from
// src, in the state after height h.
func (c *Chain) ReceiptProofs(h uint64, src string, seqs []uint64) ([]attest.ReceiptProof, error) {
	out := make([]attest.ReceiptProof, len(seqs))
	for i, seq := range seqs {
		v, proof, err := c.Prove(h, attest.ReceiptKey(src, seq))
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, fmt.Errorf("%s has no receipt for %s #%d at %d: %w", c.ID, src, seq, h, xfer.ErrNotFound)
		}
		r, err := attest.DecodeReceipt(v)
		if err != nil {
			return nil, fmt.Errorf("%s receipt %s #%d: %w", c.ID, src, seq, err)
		}
		out[i] = attest.ReceiptProof{Seq: seq, Receipt: *r, Proof: proof}
	}
	return out, nil
}

// RecvPayloads packs proofs under one certified header of src into as few
// xfer.recv payloads as fit MaxPayloadBytes and xfer.MaxBatch.
func RecvPayloads(src string, header attest.CertifiedHeader, proofs []attest.PacketProof) ([][]byte, error) {
	var out [][]byte
	err := split(len(proofs), encodedLen(&header), func(i int) int { return encodedLen(&proofs[i]) }, func(lo, hi int) {
		_, payload := xfer.NewRecv(src, header, proofs[lo:hi])
		out = append(out, payload)
	})
	return out, err
}

// AckPayloads packs receipt proofs under one certified header of dst into
// as few xfer.ack payloads as fit.
func AckPayloads(dst string, header attest.CertifiedHeader, receipts []attest.ReceiptProof) ([][]byte, error) {
	var out [][]byte
	err := split(len(receipts), encodedLen(&header), func(i int) int { return encodedLen(&receipts[i]) }, func(lo, hi int) {
		_, payload := xfer.NewAck(dst, header, receipts[lo:hi])
		out = append(out, payload)
	})
	return out, err
}

// Deliver queues on dst, signed by the relayer, the recv transactions for
// packets proven at src's height h. It returns the transaction hashes.
func Deliver(src, dst *Chain, h uint64, packets []attest.Packet) ([]attest.Hash, error) {
	header, err := src.Header(h)
	if err != nil {
		return nil, err
	}
	proofs, err := src.PacketProofs(h, packets)
	if err != nil {
		return nil, err
	}
	payloads, err := RecvPayloads(src.ID, header, proofs)
	if err != nil {
		return nil, fmt.Errorf("deliver %s→%s at %d: %w", src.ID, dst.ID, h, err)
	}
	return sendAll(dst, xfer.TypeRecv, payloads)
}

// Acknowledge queues on src the ack transactions for the receipts dst wrote
// for seqs, proven at dst's height h.
func Acknowledge(dst, src *Chain, h uint64, seqs []uint64) ([]attest.Hash, error) {
	header, err := dst.Header(h)
	if err != nil {
		return nil, err
	}
	proofs, err := dst.ReceiptProofs(h, src.ID, seqs)
	if err != nil {
		return nil, err
	}
	payloads, err := AckPayloads(dst.ID, header, proofs)
	if err != nil {
		return nil, fmt.Errorf("acknowledge %s→%s at %d: %w", dst.ID, src.ID, h, err)
	}
	return sendAll(src, xfer.TypeAck, payloads)
}

// HandOff queues on to the update_client that carries c's validator-set
// handoff at height h (a block whose NextValidatorsHash names a new set).
func HandOff(c, to *Chain, h uint64) (attest.Hash, error) {
	b, err := c.Block(h)
	if err != nil {
		return attest.Hash{}, err
	}
	txType, payload := xfer.NewUpdateClient(c.ID, b.Header, b.Next.Validators)
	return to.Send(Relayer(), txType, payload)
}

func sendAll(c *Chain, txType string, payloads [][]byte) ([]attest.Hash, error) {
	hashes := make([]attest.Hash, 0, len(payloads))
	for _, p := range payloads {
		h, err := c.Send(Relayer(), txType, p)
		if err != nil {
			return nil, err
		}
		hashes = append(hashes, h)
	}
	return hashes, nil
}

// split cuts n items of the given encoded sizes into consecutive runs whose
// payload (fixed bytes plus items) fits MaxPayloadBytes and xfer.MaxBatch,
// calling emit for each run.
func split(n, fixed int, size func(i int) int, emit func(lo, hi int)) error {
	budget := MaxPayloadBytes - fixed - rlpListReserve
	lo, used := 0, 0
	for i := range n {
		s := size(i)
		if s > budget {
			return fmt.Errorf("item %d is %d bytes, budget %d: %w", i, s, budget, ErrTooLarge)
		}
		if used+s > budget || i-lo == xfer.MaxBatch {
			emit(lo, i)
			lo, used = i, 0
		}
		used += s
	}
	if n > lo {
		emit(lo, n)
	}
	return nil
}

func encodedLen(v any) int {
	b, err := rlp.EncodeToBytes(v)
	if err != nil {
		panic("xfertest: encode: " + err.Error())
	}
	return len(b)
}

func events(b *Block, typ string) []app.Event {
	var out []app.Event
	for _, r := range b.Receipts {
		for _, e := range r.Events {
			if e.Type == typ {
				out = append(out, e)
			}
		}
	}
	return out
}
