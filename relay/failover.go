package relay

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
)

// failover is one Chain over several nodes of a chain. Each call goes to the
// node that answered last and moves on to the next one when a node cannot be
// reached; an error the node itself returns (an RPC error code) is an answer
// and comes back as is. It lets submission, proofs and reconciliation
// continue while one node of a chain is down.
type failover struct {
	eps []Chain
	cur atomic.Int64
}

// Failover returns a Chain that spreads over eps as described on failover;
// one endpoint is returned as it is.
func Failover(eps ...Chain) Chain {
	if len(eps) == 1 {
		return eps[0]
	}
	return &failover{eps: eps}
}

// unreachable reports whether err means the node did not answer: a
// transport failure rather than an RPC error, and not the caller giving up.
func unreachable(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	_, answered := chains.ErrorCode(err)
	return !answered
}

// try runs call on each endpoint in turn, starting with the current one,
// until one answers.
func try[T any](ctx context.Context, f *failover, call func(Chain) (T, error)) (T, error) {
	start := int(f.cur.Load())
	var errs []error
	for i := range f.eps {
		k := (start + i) % len(f.eps)
		v, err := call(f.eps[k])
		if !unreachable(ctx, err) {
			if i > 0 {
				f.cur.Store(int64(k))
			}
			return v, err
		}
		errs = append(errs, err)
	}
	var zero T
	return zero, errors.Join(errs...)
}

func (f *failover) Status(ctx context.Context) (*chains.Status, error) {
	return try(ctx, f, func(c Chain) (*chains.Status, error) { return c.Status(ctx) })
}

func (f *failover) CertifiedHeader(ctx context.Context, height uint64) (*chains.CertifiedHeader, error) {
	return try(ctx, f, func(c Chain) (*chains.CertifiedHeader, error) { return c.CertifiedHeader(ctx, height) })
}

func (f *failover) BlockEvents(ctx context.Context, height uint64) (*chains.BlockEvents, error) {
	return try(ctx, f, func(c Chain) (*chains.BlockEvents, error) { return c.BlockEvents(ctx, height) })
}

func (f *failover) SubscribeHeads(ctx context.Context, ch chan<- *chains.CertifiedHeader) (Subscription, error) {
	return try(ctx, f, func(c Chain) (Subscription, error) { return c.SubscribeHeads(ctx, ch) })
}

func (f *failover) ValidatorsAt(ctx context.Context, height uint64) (*chains.Validators, error) {
	return try(ctx, f, func(c Chain) (*chains.Validators, error) { return c.ValidatorsAt(ctx, height) })
}

func (f *failover) Account(ctx context.Context, addr attest.Address) (*chains.Account, error) {
	return try(ctx, f, func(c Chain) (*chains.Account, error) { return c.Account(ctx, addr) })
}

// SendRawTransaction moves on only when a node cannot be reached. A node that
// took the transaction and lost the answer may hold it while the next node
// gets it too: both hold the same transaction, which commits once.
func (f *failover) SendRawTransaction(ctx context.Context, raw []byte) (attest.Hash, error) {
	return try(ctx, f, func(c Chain) (attest.Hash, error) { return c.SendRawTransaction(ctx, raw) })
}

func (f *failover) TransactionReceipt(ctx context.Context, txHash attest.Hash) (*chains.Receipt, error) {
	return try(ctx, f, func(c Chain) (*chains.Receipt, error) { return c.TransactionReceipt(ctx, txHash) })
}

type packetProofs struct {
	header *attest.CertifiedHeader
	proofs []*attest.PacketProof
}

func (f *failover) PacketProofs(ctx context.Context, dst string, seqs []uint64, height uint64) (*attest.CertifiedHeader, []*attest.PacketProof, error) {
	r, err := try(ctx, f, func(c Chain) (packetProofs, error) {
		h, ps, err := c.PacketProofs(ctx, dst, seqs, height)
		return packetProofs{h, ps}, err
	})
	return r.header, r.proofs, err
}

type receiptProofs struct {
	header *attest.CertifiedHeader
	proofs []*attest.ReceiptProof
}

func (f *failover) ReceiptProofs(ctx context.Context, src string, seqs []uint64, height uint64) (*attest.CertifiedHeader, []*attest.ReceiptProof, error) {
	r, err := try(ctx, f, func(c Chain) (receiptProofs, error) {
		h, ps, err := c.ReceiptProofs(ctx, src, seqs, height)
		return receiptProofs{h, ps}, err
	})
	return r.header, r.proofs, err
}

func (f *failover) Tasks(ctx context.Context, dst string, seqs []uint64) ([]*chains.Task, error) {
	return try(ctx, f, func(c Chain) ([]*chains.Task, error) { return c.Tasks(ctx, dst, seqs) })
}

func (f *failover) PacketReceipts(ctx context.Context, src string, seqs []uint64) ([]*chains.PacketReceipt, error) {
	return try(ctx, f, func(c Chain) ([]*chains.PacketReceipt, error) { return c.PacketReceipts(ctx, src, seqs) })
}

func (f *failover) ClientState(ctx context.Context, chain string) (*chains.LightClient, error) {
	return try(ctx, f, func(c Chain) (*chains.LightClient, error) { return c.ClientState(ctx, chain) })
}

// Proof reads proofs for the Reconciler from the endpoints that can serve
// them; with none, it fails as a node that cannot answer.
func (f *failover) Proof(ctx context.Context, keys []string, height uint64) (*chains.Proofs, error) {
	return try(ctx, f, func(c Chain) (*chains.Proofs, error) {
		rc, ok := c.(ReconcileChain)
		if !ok {
			return nil, errNoProofs
		}
		return rc.Proof(ctx, keys, height)
	})
}

// errNoProofs: an endpoint that cannot serve cw_getProof.
var errNoProofs = errors.New("endpoint serves no proofs")
