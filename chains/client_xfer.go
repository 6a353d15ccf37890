package chains

import (
	"context"
	"fmt"

	gethrpc "github.com/ethereum/go-ethereum/rpc"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/rpc"
)

// Wire types of the xfer methods, defined by node/rpc.
type (
	Packet           = rpc.Packet
	Task             = rpc.Task
	TaskReceipt      = rpc.TaskReceipt
	PacketReceipt    = rpc.PacketReceipt
	LightClient      = rpc.LightClient
	ClientValidators = rpc.ClientValidators
	Route            = rpc.Route
	RouteLimit       = rpc.RouteLimit
)

// PacketProofs fetches what one xfer.recv needs from the source chain this
// client talks to: the certified header at height (0 means the latest) and,
// for each sequence in seqs, the packet sent to dst with the proof of its
// commitment, or nil where the state at that height holds no commitment
// (never sent, or already acked). Every returned packet is checked to be
// the one asked for and to verify against the header's state root and the
// chain's genesis hash; checking the header's QC is the destination's work.
func (c *Client) PacketProofs(ctx context.Context, dst string, seqs []uint64, height uint64) (*attest.CertifiedHeader, []*attest.PacketProof, error) {
	const method = "cw_getPacketProofs"
	st, err := c.Status(ctx)
	if err != nil {
		return nil, nil, err
	}
	var out rpc.PacketProofs
	if err := c.call(ctx, &out, method, dst, seqs, heightArg(height)); err != nil {
		return nil, nil, err
	}
	ch, err := provenHeader(method, &out.Header, out.Height, height, len(out.Packets), len(seqs))
	if err != nil {
		return nil, nil, err
	}
	pps := make([]*attest.PacketProof, len(seqs))
	for i, wire := range out.Packets {
		if wire == nil {
			continue
		}
		if pps[i], err = checkPacketProof(wire, st.GenesisHash, ch, dst, seqs[i]); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", method, err)
		}
	}
	return ch, pps, nil
}

// ReceiptProofs fetches what one xfer.ack needs from the destination chain
// this client talks to: the certified header at height (0 means the latest)
// and, for each sequence in seqs, the receipt written for the packet from
// src with its proof, or nil where none is written yet. Every returned
// receipt is checked against the header's state root.
func (c *Client) ReceiptProofs(ctx context.Context, src string, seqs []uint64, height uint64) (*attest.CertifiedHeader, []*attest.ReceiptProof, error) {
	const method = "cw_getReceiptProofs"
	var out rpc.ReceiptProofs
	if err := c.call(ctx, &out, method, src, seqs, heightArg(height)); err != nil {
		return nil, nil, err
	}
	ch, err := provenHeader(method, &out.Header, out.Height, height, len(out.Receipts), len(seqs))
	if err != nil {
		return nil, nil, err
	}
	rps := make([]*attest.ReceiptProof, len(seqs))
	for i, wire := range out.Receipts {
		if wire == nil {
			continue
		}
		rp, err := wire.Decode()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", method, badResponse("%v", err))
		}
		if wire.Src != src || rp.Seq != seqs[i] {
			return nil, nil, fmt.Errorf("%s: %w", method, badResponse("asked for %s #%d, got %s #%d", src, seqs[i], wire.Src, rp.Seq))
		}
		if err := attest.VerifyReceiptProof(ch.Header.StateRoot, src, rp); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", method, badResponse("%v", err))
		}
		rps[i] = rp
	}
	return ch, rps, nil
}

// Task returns the task of packet seq sent to dst, or nil and no error when
// there is none, at the latest height.
func (c *Client) Task(ctx context.Context, dst string, seq uint64) (*Task, error) {
	var t *Task
	if err := c.call(ctx, &t, "cw_getTask", dst, seq); err != nil {
		return nil, err
	}
	return t, nil
}

// PacketReceipt returns the receipt this chain wrote for packet seq from
// src, or nil and no error before the packet is received.
func (c *Client) PacketReceipt(ctx context.Context, src string, seq uint64) (*PacketReceipt, error) {
	var r *PacketReceipt
	if err := c.call(ctx, &r, "cw_getReceipt", src, seq); err != nil {
		return nil, err
	}
	return r, nil
}

// Tasks is Task for many packets sent to dst, asked in JSON-RPC batches:
// out[i] is seqs[i]'s task, or nil when there is none.
func (c *Client) Tasks(ctx context.Context, dst string, seqs []uint64) ([]*Task, error) {
	return lookupMany[Task](ctx, c, "cw_getTask", dst, seqs)
}

// PacketReceipts is PacketReceipt for many packets from src, asked in
// JSON-RPC batches: out[i] is seqs[i]'s receipt, or nil before it is
// received.
func (c *Client) PacketReceipts(ctx context.Context, src string, seqs []uint64) ([]*PacketReceipt, error) {
	return lookupMany[PacketReceipt](ctx, c, "cw_getReceipt", src, seqs)
}

// maxBatchItems is how many calls one JSON-RPC batch carries: a node's
// default cap.
const maxBatchItems = rpc.DefaultBatchItemLimit

// lookupMany calls method(chain, seq) for every seq, maxBatchItems to a
// round trip. A null answer is a nil entry; any call's error fails all.
func lookupMany[T any](ctx context.Context, c *Client, method, chain string, seqs []uint64) ([]*T, error) {
	out := make([]*T, len(seqs))
	for start := 0; start < len(seqs); start += maxBatchItems {
		elems := make([]gethrpc.BatchElem, min(len(seqs), start+maxBatchItems)-start)
		for i := range elems {
			elems[i] = gethrpc.BatchElem{Method: method, Args: []any{chain, seqs[start+i]}, Result: &out[start+i]}
		}
		if err := c.rpc.BatchCallContext(ctx, elems); err != nil {
			return nil, fmt.Errorf("%s batch: %w", method, nodeError(err))
		}
		for i, e := range elems {
			if e.Error != nil {
				return nil, fmt.Errorf("%s %s #%d: %w", method, chain, seqs[start+i], nodeError(e.Error))
			}
		}
	}
	return out, nil
}

// ClientState returns this chain's light client of chain, or nil and no
// error when it has none.
func (c *Client) ClientState(ctx context.Context, chain string) (*LightClient, error) {
	var lc *LightClient
	if err := c.call(ctx, &lc, "cw_getClient", chain); err != nil {
		return nil, err
	}
	return lc, nil
}

// Route returns this chain's route with chain, or nil and no error when
// chain is not a counterparty.
func (c *Client) Route(ctx context.Context, chain string) (*Route, error) {
	var r *Route
	if err := c.call(ctx, &r, "cw_getRoute", chain); err != nil {
		return nil, err
	}
	return r, nil
}

// heightArg is the wire height: null for the latest.
func heightArg(height uint64) *uint64 {
	if height == 0 {
		return nil
	}
	return &height
}

// provenHeader decodes the header of a proofs answer and checks its shape:
// the height asked for (when one was) and one entry per sequence.
func provenHeader(method string, wire *rpc.CertifiedHeader, gotHeight, asked uint64, entries, seqs int) (*attest.CertifiedHeader, error) {
	ch, err := wire.Decode()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, badResponse("%v", err))
	}
	switch {
	case asked != 0 && gotHeight != asked:
		err = badResponse("asked for height %d, got %d", asked, gotHeight)
	case ch.Header.Height != gotHeight:
		err = badResponse("answer for height %d carries the header of %d", gotHeight, ch.Header.Height)
	case entries != seqs:
		err = badResponse("asked for %d sequences, got %d entries", seqs, entries)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	return ch, nil
}

func checkPacketProof(wire *rpc.PacketProof, genesis attest.Hash, ch *attest.CertifiedHeader, dst string, seq uint64) (*attest.PacketProof, error) {
	pp, err := wire.Decode()
	if err != nil {
		return nil, badResponse("%v", err)
	}
	p := &pp.Packet
	if p.Src != ch.Header.ChainID || p.Dst != dst || p.Seq != seq {
		return nil, badResponse("asked for %s→%s #%d, got %s→%s #%d", ch.Header.ChainID, dst, seq, p.Src, p.Dst, p.Seq)
	}
	if err := attest.VerifyPacketProof(genesis, ch.Header.StateRoot, pp); err != nil {
		return nil, badResponse("%v", err)
	}
	return pp, nil
}
