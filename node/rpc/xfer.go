package rpc

import (
	"bytes"
	"context"
	"fmt"

	"github.com/causeway/causeway/attest"
)

// GetTask returns the task of packet seq on the route to dst, or null when
// there is none (cw_getTask). A null height means the latest.
func (s *service) GetTask(ctx context.Context, dst string, seq uint64, height *uint64) (*Task, error) {
	h, err := s.resolveXfer(dst, seq, height)
	if err != nil {
		return nil, err
	}
	t, err := s.b.Task(ctx, dst, seq, h)
	if err != nil {
		return nil, s.fail("cw_getTask", err)
	}
	return t, nil
}

// GetReceipt returns the receipt this chain wrote for packet seq from src,
// or null before the packet is received (cw_getReceipt).
func (s *service) GetReceipt(ctx context.Context, src string, seq uint64, height *uint64) (*PacketReceipt, error) {
	h, err := s.resolveXfer(src, seq, height)
	if err != nil {
		return nil, err
	}
	r, err := s.b.PacketReceipt(ctx, src, seq, h)
	if err != nil {
		return nil, s.fail("cw_getReceipt", err)
	}
	return r, nil
}

// GetClient returns this chain's light client of chain, or null when it
// has none (cw_getClient).
func (s *service) GetClient(ctx context.Context, chain string, height *uint64) (*LightClient, error) {
	h, err := s.resolveChain(chain, height)
	if err != nil {
		return nil, err
	}
	c, err := s.b.LightClient(ctx, chain, h)
	if err != nil {
		return nil, s.fail("cw_getClient", err)
	}
	if c != nil && c.ValidatorSets == nil {
		c.ValidatorSets = []ClientValidators{}
	}
	return c, nil
}

// GetRoute returns the route with chain, or null when chain is not a
// counterparty (cw_getRoute).
func (s *service) GetRoute(ctx context.Context, chain string, height *uint64) (*Route, error) {
	h, err := s.resolveChain(chain, height)
	if err != nil {
		return nil, err
	}
	r, err := s.b.Route(ctx, chain, h)
	if err != nil {
		return nil, s.fail("cw_getRoute", err)
	}
	if r != nil && r.Limits == nil {
		r.Limits = []RouteLimit{}
	}
	return r, nil
}

// GetPacketProofs returns the certified header at height and, for each
// sequence, the packet sent to dst with the proof of its commitment in that
// header's state, or null when the state holds no commitment for it
// (cw_getPacketProofs): what a relay needs for one xfer.recv. A null height
// means the latest.
func (s *service) GetPacketProofs(ctx context.Context, dst string, seqs []uint64, height *uint64) (*PacketProofs, error) {
	const method = "cw_getPacketProofs"
	h, ch, proofs, err := s.proveXfer(ctx, method, dst, seqs, height, attest.PacketKey)
	if err != nil {
		return nil, err
	}
	st, err := s.b.Status(ctx)
	if err != nil {
		return nil, s.fail(method, err)
	}
	out := &PacketProofs{Height: h, Header: *ch, Packets: make([]*PacketProof, len(seqs))}
	for i, p := range proofs {
		if p.Value == nil {
			continue
		}
		pkt, err := s.committedPacket(ctx, st.GenesisHash, dst, seqs[i], h, p.Value)
		if err != nil {
			return nil, s.fail(method, err)
		}
		out.Packets[i] = NewPacketProof(pkt, p.Proof)
	}
	return out, nil
}

// GetReceiptProofs returns the certified header at height and, for each
// sequence, the receipt this chain wrote for the packet from src with its
// proof, or null where none is written yet (cw_getReceiptProofs): what a
// relay needs for one xfer.ack. A null height means the latest.
func (s *service) GetReceiptProofs(ctx context.Context, src string, seqs []uint64, height *uint64) (*ReceiptProofs, error) {
	const method = "cw_getReceiptProofs"
	h, ch, proofs, err := s.proveXfer(ctx, method, src, seqs, height, attest.ReceiptKey)
	if err != nil {
		return nil, err
	}
	out := &ReceiptProofs{Height: h, Header: *ch, Receipts: make([]*ReceiptProof, len(seqs))}
	for i, p := range proofs {
		if p.Value == nil {
			continue
		}
		r, err := attest.DecodeReceipt(p.Value)
		if err != nil {
			return nil, s.fail(method, fmt.Errorf("stored receipt %s #%d: %w", src, seqs[i], err))
		}
		out.Receipts[i] = NewReceiptProof(src, seqs[i], r, p.Proof)
	}
	return out, nil
}

// proveXfer resolves height to a committed block, fetches its certified
// header and proves key(chain, seq) for each sequence against its state.
func (s *service) proveXfer(ctx context.Context, method, chain string, seqs []uint64, height *uint64,
	key func(string, uint64) []byte) (uint64, *CertifiedHeader, []StateProof, error) {
	if err := s.checkSeqs(chain, seqs); err != nil {
		return 0, nil, nil, err
	}
	h := s.b.LatestHeight()
	if height != nil {
		h = *height
	}
	if err := s.checkBlockHeight(h); err != nil {
		return 0, nil, nil, err
	}
	c, err := s.b.CertifiedHeader(ctx, h)
	if err != nil {
		return 0, nil, nil, s.fail(method, err)
	}
	keys := make([][]byte, len(seqs))
	for i, seq := range seqs {
		keys[i] = key(chain, seq)
	}
	root, proofs, err := s.b.Prove(ctx, h, keys)
	if err != nil {
		return 0, nil, nil, s.fail(method, err)
	}
	switch {
	case len(proofs) != len(keys):
		err = fmt.Errorf("backend proved %d of %d keys", len(proofs), len(keys))
	case root != c.Header.StateRoot:
		err = fmt.Errorf("proofs at %d are against root %s, header has %s", h, root, c.Header.StateRoot)
	}
	if err != nil {
		return 0, nil, nil, s.fail(method, err)
	}
	ch, err := NewCertifiedHeader(c)
	if err != nil {
		return 0, nil, nil, s.fail(method, err)
	}
	return h, ch, proofs, nil
}

// committedPacket reads the packet behind a commitment from its task and
// checks that it is the packet committed: a mismatch is the node's fault.
func (s *service) committedPacket(ctx context.Context, genesis attest.Hash, dst string, seq, h uint64, commitment []byte) (*attest.Packet, error) {
	t, err := s.b.Task(ctx, dst, seq, h)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, fmt.Errorf("commitment for %s #%d at %d has no task", dst, seq, h)
	}
	p, err := t.Packet.Attest()
	if err != nil {
		return nil, fmt.Errorf("task %s #%d at %d: %w", dst, seq, h, err)
	}
	if want := attest.PacketCommitment(genesis, p); !bytes.Equal(want, commitment) {
		return nil, fmt.Errorf("task %s #%d at %d commits to %x, state holds %x", dst, seq, h, want, commitment)
	}
	return p, nil
}

// resolveXfer checks a chain id and sequence and resolves a state height.
func (s *service) resolveXfer(chain string, seq uint64, height *uint64) (uint64, error) {
	if seq == 0 {
		return 0, Errorf(CodeInvalidParams, "sequences start at 1")
	}
	return s.resolveChain(chain, height)
}

// resolveChain checks a chain id and resolves a state height.
func (s *service) resolveChain(chain string, height *uint64) (uint64, error) {
	if err := CheckChainID(chain); err != nil {
		return 0, Errorf(CodeInvalidParams, "%v", err)
	}
	return s.resolveHeight(height)
}

func (s *service) checkSeqs(chain string, seqs []uint64) error {
	if err := CheckChainID(chain); err != nil {
		return Errorf(CodeInvalidParams, "%v", err)
	}
	if len(seqs) == 0 {
		return Errorf(CodeInvalidParams, "no sequences")
	}
	if len(seqs) > s.cfg.MaxProofKeys {
		return Errorf(CodeLimitExceeded, "%d sequences; at most %d per call", len(seqs), s.cfg.MaxProofKeys)
	}
	for i, seq := range seqs {
		if seq == 0 {
			return Errorf(CodeInvalidParams, "seqs[%d]: sequences start at 1", i)
		}
	}
	return nil
}
