package rpc

import (
	"context"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/block"
)

// Backend is what the server needs from a node. Methods must be safe for
// concurrent use. To choose the code a client sees, return (or wrap) an
// *Error: &rpc.Error{Code: int(app.CodeNonceTooLow), Name: "nonce_too_low",
// Msg: ...} for an admission rejection, ErrNotFound for a missing or pruned
// height. *attest.Error keeps its 1xx code. Any other error reaches the
// client as CodeInternal and is logged here.
//
// Heights: state at height h is the state after block h, whose root is that
// header's StateRoot; height 0 is the genesis state.
type Backend interface {
	ChainReader
	StateReader
	TxSubmitter
	Feeds
	XferReader
	RegistryReader
	RegistryLister
}

// ChainReader reads committed blocks and the node's status.
type ChainReader interface {
	// Status describes the node and its latest committed block.
	Status(ctx context.Context) (*Status, error)
	// LatestHeight is the latest committed height (0 before the first block).
	LatestHeight() uint64
	// Block returns the certified block at height.
	Block(ctx context.Context, height uint64) (*block.Certified, error)
	// CertifiedHeader returns the header at height with the QC that committed it.
	CertifiedHeader(ctx context.Context, height uint64) (*attest.CertifiedHeader, error)
	// Receipt returns a committed transaction's receipt, or nil and no error
	// when the transaction is unknown or still pending.
	Receipt(ctx context.Context, txHash attest.Hash) (*Receipt, error)
	// BlockEvents returns the receipts and block events of height.
	BlockEvents(ctx context.Context, height uint64) (*BlockEvents, error)
	// Validators returns the validator set that signs the block at height.
	Validators(ctx context.Context, height uint64) (*attest.ValidatorSet, error)
}

// StateReader reads state at a committed height.
type StateReader interface {
	// Account returns an account as of height; Address and Height are filled
	// in by the server.
	Account(ctx context.Context, addr attest.Address, height uint64) (*Account, error)
	// Prove returns the state root at height and one proof per key, in order.
	// The root must be the StateRoot of the header at height.
	Prove(ctx context.Context, height uint64, keys [][]byte) (attest.Hash, []StateProof, error)
}

// XferReader reads the cross-chain transfer module's state (DESIGN §3) as
// of a committed height. Each returns nil and no error when there is no
// such record; Height (and the other identifying fields) are filled in by
// the backend. Proofs of packet commitments and receipts come from
// StateReader.Prove.
type XferReader interface {
	// Task returns the task of packet seq on the route to dst.
	Task(ctx context.Context, dst string, seq, height uint64) (*Task, error)
	// PacketReceipt returns the receipt this chain wrote for packet seq from src.
	PacketReceipt(ctx context.Context, src string, seq, height uint64) (*PacketReceipt, error)
	// LightClient returns this chain's light client of chain.
	LightClient(ctx context.Context, chain string, height uint64) (*LightClient, error)
	// Route returns the state of the route with chain; nil when chain is
	// not a counterparty.
	Route(ctx context.Context, chain string, height uint64) (*Route, error)
}

// TxSubmitter admits transactions.
type TxSubmitter interface {
	// SendRawTransaction admits an encoded transaction to the mempool and
	// returns its hash; a rejection carries the admission code.
	SendRawTransaction(ctx context.Context, raw []byte) (attest.Hash, error)
}

// Feeds stream committed blocks. Each returns a channel of at least buffer
// capacity and a cancel function. The backend must never block on the
// channel: when it is full the backend closes it (the server then ends its
// subscribers with CodeUnavailable and subscribes again). The channel also
// closes on cancel or when the node stops. The server drains it promptly.
type Feeds interface {
	// SubscribeHeads streams certified headers in height order.
	SubscribeHeads(buffer int) (<-chan *attest.CertifiedHeader, func())
	// SubscribeEvents streams each committed block's events in height order.
	SubscribeEvents(buffer int) (<-chan *BlockEvents, func())
}

// StateProof is a value (nil when the key is absent) and the Merkle Patricia
// proof nodes of its membership or absence.
type StateProof struct {
	Value []byte
	Proof [][]byte
}
