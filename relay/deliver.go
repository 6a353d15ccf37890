package relay

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/xfer"
)

// Deliverer submits xfer.recv batches to a destination for packets its
// source committed, updating the destination's light client first when the
// source's validators changed.
type Deliverer struct{ *hop }

// NewDeliverer builds the deliverer of route srcID→dstID; dstSub signs on dst.
func NewDeliverer(srcID, dstID string, src, dst Chain, dstSub *Submitter, batch BatchConfig, log *zap.Logger) (*Deliverer, error) {
	h, err := newHop(srcID, dstID, src, dst, dstSub, batch, log.Named("deliverer"))
	if err != nil {
		return nil, err
	}
	return &Deliverer{h}, nil
}

// Deliver carries packets seqs, committed on the source at or before
// height, to the destination against the source's certified header at
// height (0: the latest). Packets the destination already received, and
// those with no commitment at height (already acknowledged), are skipped.
func (d *Deliverer) Deliver(ctx context.Context, height uint64, seqs []uint64) (*Result, error) {
	res := &Result{Height: height}
	receipts, err := d.to.PacketReceipts(ctx, d.fromID, seqs)
	if err != nil {
		return res, fmt.Errorf("receipts of %s packets on %s: %w", d.fromID, d.toID, err)
	}
	var pending []uint64
	for i, seq := range seqs {
		if receipts[i] != nil {
			res.Skipped = append(res.Skipped, seq)
			continue
		}
		pending = append(pending, seq)
	}
	if len(pending) == 0 {
		return res, nil
	}
	header, proofs, err := proveInChunks(ctx, pending, height, func(ctx context.Context, seqs []uint64, h uint64) (*attest.CertifiedHeader, []*attest.PacketProof, error) {
		return d.from.PacketProofs(ctx, d.toID, seqs, h)
	})
	if err != nil {
		return res, fmt.Errorf("packet proofs %s→%s at %d: %w", d.fromID, d.toID, height, err)
	}
	res.Height = header.Header.Height
	var packets []attest.PacketProof
	for i, pp := range proofs {
		if pp == nil {
			res.Skipped = append(res.Skipped, pending[i])
			continue
		}
		packets = append(packets, *pp)
	}
	if len(packets) == 0 {
		return res, nil
	}
	if res.Handoffs, err = d.ensureTrusted(ctx, header); err != nil {
		return res, err
	}
	build := func(b []attest.PacketProof) (string, []byte) { return xfer.NewRecv(d.fromID, *header, b) }
	seqOf := func(p attest.PacketProof) uint64 { return p.Packet.Seq }
	return res, submitBatches(ctx, d.hop, packets, seqOf, build, res)
}

// Confirmer submits xfer.ack batches to a source for receipts its
// destination wrote, updating the source's light client of the destination
// first when needed.
type Confirmer struct{ *hop }

// NewConfirmer builds the confirmer of route srcID→dstID: it reads receipts
// on dst and acks them on src, signed by srcSub.
func NewConfirmer(srcID, dstID string, src, dst Chain, srcSub *Submitter, batch BatchConfig, log *zap.Logger) (*Confirmer, error) {
	h, err := newHop(dstID, srcID, dst, src, srcSub, batch, log.Named("confirmer"))
	if err != nil {
		return nil, err
	}
	return &Confirmer{h}, nil
}

// Confirm carries the destination's receipts for packets seqs, written at
// or before height, back to the source against the destination's
// certified header at height (0: the latest). Tasks already resolved, and
// packets with no receipt yet, are skipped.
func (c *Confirmer) Confirm(ctx context.Context, height uint64, seqs []uint64) (*Result, error) {
	res := &Result{Height: height}
	tasks, err := c.to.Tasks(ctx, c.fromID, seqs)
	if err != nil {
		return res, fmt.Errorf("tasks %s→%s: %w", c.toID, c.fromID, err)
	}
	var pending []uint64
	for i, seq := range seqs {
		if t := tasks[i]; t == nil || t.Status != rpc.TaskPending {
			res.Skipped = append(res.Skipped, seq)
			continue
		}
		pending = append(pending, seq)
	}
	if len(pending) == 0 {
		return res, nil
	}
	header, proofs, err := proveInChunks(ctx, pending, height, func(ctx context.Context, seqs []uint64, h uint64) (*attest.CertifiedHeader, []*attest.ReceiptProof, error) {
		return c.from.ReceiptProofs(ctx, c.toID, seqs, h)
	})
	if err != nil {
		return res, fmt.Errorf("receipt proofs %s→%s at %d: %w", c.toID, c.fromID, height, err)
	}
	res.Height = header.Header.Height
	var receipts []attest.ReceiptProof
	for i, rp := range proofs {
		if rp == nil {
			res.Skipped = append(res.Skipped, pending[i])
			continue
		}
		receipts = append(receipts, *rp)
	}
	if len(receipts) == 0 {
		return res, nil
	}
	if res.Handoffs, err = c.ensureTrusted(ctx, header); err != nil {
		return res, err
	}
	build := func(b []attest.ReceiptProof) (string, []byte) { return xfer.NewAck(c.fromID, *header, b) }
	seqOf := func(r attest.ReceiptProof) uint64 { return r.Seq }
	return res, submitBatches(ctx, c.hop, receipts, seqOf, build, res)
}

// proofChunk is how many sequences one proof call asks for: a node's
// default cap (rpc.DefaultMaxProofKeys).
const proofChunk = rpc.DefaultMaxProofKeys

// proveInChunks fetches the proofs of seqs in calls of at most proofChunk,
// all against one certified header: the first call's (at height, or the
// latest when height is 0).
func proveInChunks[P any](ctx context.Context, seqs []uint64, height uint64,
	fetch func(context.Context, []uint64, uint64) (*attest.CertifiedHeader, []*P, error)) (*attest.CertifiedHeader, []*P, error) {
	var header *attest.CertifiedHeader
	out := make([]*P, 0, len(seqs))
	for start := 0; start < len(seqs); start += proofChunk {
		h, ps, err := fetch(ctx, seqs[start:min(len(seqs), start+proofChunk)], height)
		if err != nil {
			return nil, nil, err
		}
		if header == nil {
			header, height = h, h.Header.Height
		}
		out = append(out, ps...)
	}
	return header, out, nil
}

func newUpdateClient(chain string, header *attest.CertifiedHeader, next []attest.Validator) (string, []byte) {
	return xfer.NewUpdateClient(chain, *header, next)
}
