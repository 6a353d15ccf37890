package app

import (
	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
)

// BlockInfo identifies the chain and the block being executed. For a
// mempool Check only ChainID and Genesis are set.
type BlockInfo struct {
	ChainID  string
	Genesis  attest.Hash
	Height   uint64
	TimeMs   uint64
	Proposer attest.Address
}

// Context is what a module sees while handling one call: the block, the
// transaction (zero outside Deliver and Check) and the state to read and write.
type Context struct {
	BlockInfo
	TxHash  attest.Hash
	TxIndex uint32
	State   State

	events []Event
}

// Emit records an event. Events of a transaction that fails are discarded;
// events emitted in InitGenesis, Check and EndBlock are not recorded.
func (c *Context) Emit(e Event) { c.events = append(c.events, e) }

// Events returns the events emitted so far.
func (c *Context) Events() []Event { return c.events }

// Module is an on-chain module.
//
// Errors from Check and Deliver follow one contract: a coded error (*Error,
// or *attest.Error for a failed proof or signature) rejects the transaction
// and becomes its receipt code; any other error is an internal failure (state
// I/O, corruption) that halts the node. Errors from InitGenesis and EndBlock
// always halt, coded or not. A broken internal invariant (a negative balance)
// panics.
type Module interface {
	// Name is the module's name and the prefix of its transaction types
	// ("bank" for "bank.send"). It must not contain a dot.
	Name() string
	// InitGenesis writes the module's initial state at height 0.
	InitGenesis(ctx *Context, g *chains.Genesis) error
	// Check is a cheap admission check against current state for the
	// mempool. ctx.State is read-only.
	Check(ctx *Context, sender attest.Address, method string, payload []byte) error
	// Deliver executes a method. On a coded error the app reverts every
	// write Deliver made.
	Deliver(ctx *Context, sender attest.Address, method string, payload []byte) error
	// EndBlock runs after the block's transactions, in module order, and
	// returns validator power changes; power 0 removes a validator.
	EndBlock(ctx *Context) (valUpdates []attest.Validator, err error)
}

// SenderGate is implemented by a module that decides who may send
// transactions at all: the registry of a consortium chain admits only its
// members. The app asks every gate, in module order, before it routes a
// transaction, both in Check and in Deliver; a coded error rejects the
// transaction.
type SenderGate interface {
	AdmitSender(ctx *Context, sender attest.Address, txType string) error
}

// RejectionObserver is implemented by a module that acts on a transaction
// the chain rejected, after the rejection's writes were reverted: what it
// writes stays (the registry slashes the bond of a relayer whose message
// failed verification). It sees only transactions that reached execution
// with a sender, and a coded rejection; an error it returns halts the block.
//
// Penalizes reports, for a transaction Check is about to refuse with
// rejection, whether OnRejected would penalise it. Check then admits it
// instead, so a block records the penalty: refused at the mempool, the
// misbehaviour would cost its sender nothing.
type RejectionObserver interface {
	OnRejected(ctx *Context, sender attest.Address, txType string, rejection error) error
	Penalizes(ctx *Context, sender attest.Address, txType string, rejection error) (bool, error)
}
