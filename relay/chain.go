package relay

import (
	"context"
	"errors"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
)

// Chain is what the relay needs from one node of a chain. *chains.Client
// provides it through FromClient; tests use hand-written fakes.
type Chain interface {
	Status(ctx context.Context) (*chains.Status, error)
	CertifiedHeader(ctx context.Context, height uint64) (*chains.CertifiedHeader, error)
	BlockEvents(ctx context.Context, height uint64) (*chains.BlockEvents, error)
	// SubscribeHeads delivers every new certified header to ch in height order.
	SubscribeHeads(ctx context.Context, ch chan<- *chains.CertifiedHeader) (Subscription, error)
	ValidatorsAt(ctx context.Context, height uint64) (*chains.Validators, error)

	Account(ctx context.Context, addr attest.Address) (*chains.Account, error)
	SendRawTransaction(ctx context.Context, raw []byte) (attest.Hash, error)
	TransactionReceipt(ctx context.Context, txHash attest.Hash) (*chains.Receipt, error)

	PacketProofs(ctx context.Context, dst string, seqs []uint64, height uint64) (*attest.CertifiedHeader, []*attest.PacketProof, error)
	ReceiptProofs(ctx context.Context, src string, seqs []uint64, height uint64) (*attest.CertifiedHeader, []*attest.ReceiptProof, error)
	// Tasks and PacketReceipts answer for many packets at once: out[i] is
	// seqs[i]'s, nil when there is none.
	Tasks(ctx context.Context, dst string, seqs []uint64) ([]*chains.Task, error)
	PacketReceipts(ctx context.Context, src string, seqs []uint64) ([]*chains.PacketReceipt, error)
	ClientState(ctx context.Context, chain string) (*chains.LightClient, error)
}

// Subscription is a live stream of heads; see chains.Subscription.
type Subscription interface {
	Err() <-chan error
	Unsubscribe()
}

// Sentinel errors.
var (
	// ErrClientFrozen: the destination's light client of the source is
	// frozen; its route is halted until governance unfreezes it.
	ErrClientFrozen = errors.New("light client frozen")
	// ErrNoClient: the chain has no light client of the counterparty.
	ErrNoClient = errors.New("no light client of counterparty")
	// ErrNotIncluded: a transaction was admitted but no receipt appeared
	// within the wait; it may still land, so the nonce was resynchronised.
	ErrNotIncluded = errors.New("transaction not included")
	// ErrRejected matches every *RejectedError.
	ErrRejected = errors.New("transaction rejected")
	// ErrNoEndpoints: a Watcher needs at least one endpoint.
	ErrNoEndpoints = errors.New("no endpoints")
	// ErrNoSigners: a Submitter needs at least one key.
	ErrNoSigners = errors.New("no signer keys")
)

// clientChain adapts *chains.Client to Chain.
type clientChain struct{ *chains.Client }

// FromClient wraps a client as a Chain. Heads subscriptions need a ws://
// or wss:// client.
func FromClient(c *chains.Client) Chain { return clientChain{c} }

func (c clientChain) SubscribeHeads(ctx context.Context, ch chan<- *chains.CertifiedHeader) (Subscription, error) {
	return c.SubscribeNewHeads(ctx, ch)
}
