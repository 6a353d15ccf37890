package xfer

import (
	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
)

// TaskStatus is where a sent packet stands on its source chain.
type TaskStatus uint8

// Task statuses. A task leaves TaskPending exactly once.
const (
	TaskPending  TaskStatus = 1 // sent, no ack yet
	TaskFinished TaskStatus = 2 // ack proved an ok receipt; the destination credited
	TaskRefunded TaskStatus = 3 // ack proved a failed or timeout receipt; the sender got the amount back
)

// String is the status as the RPC shows it.
func (s TaskStatus) String() string {
	switch s {
	case TaskPending:
		return "pending"
	case TaskFinished:
		return "finished"
	case TaskRefunded:
		return "refunded"
	}
	return "unknown"
}

// Task is the source chain's record of one packet it sent, at
// xtask/<dst>/<seq>. ReceiptStatus and ReceiptCode are the destination's
// receipt as the ack proved it (zero while pending); ReceiptHeight is the
// destination height whose certified header proved it.
type Task struct {
	Packet         attest.Packet
	Status         TaskStatus
	CreatedHeight  uint64
	ResolvedHeight uint64
	ReceiptStatus  uint8
	ReceiptCode    uint32
	ReceiptHeight  uint64
}

// TrustedSet is a validator set a light client trusts to sign the
// counterparty's headers from FromHeight on (until the next set's FromHeight).
type TrustedSet struct {
	FromHeight uint64
	Validators []attest.Validator
}

// ClientState is this chain's light client of a counterparty, at
// client/<chain>. Sets are in ascending FromHeight; the first starts at 1.
type ClientState struct {
	ChainID      string
	GenesisHash  attest.Hash
	Sets         []TrustedSet
	LatestHeight uint64 // highest counterparty height verified
	Frozen       bool
	FrozenHeight uint64 // height of the conflicting headers that froze it
}

// VerifiedHeader is what the light client remembers of a counterparty header
// it verified, at clienthdr/<chain>/<height>: enough to check later proofs
// against it without the QC, and to notice a conflicting header.
type VerifiedHeader struct {
	Hash      attest.Hash
	StateRoot attest.Hash
}

// Route is the state of the route from a counterparty to this chain, at
// route/<chain>: per-denomination limits on packets received, with the
// current window's usage. A chain without a route entry has no limits.
type Route struct {
	Chain  string
	Limits []RouteLimit
}

// RouteLimit caps one denomination (as the packet names it) on a route.
// HasPacketCap tells a cap of zero (nothing passes) from no cap. The window
// cap applies when WindowMs > 0: at most WindowAmount per aligned window of
// WindowMs of this chain's block time; WindowStartMs and WindowUsed are the
// current window.
type RouteLimit struct {
	Denom         string
	HasPacketCap  bool
	MaxPerPacket  *uint256.Int
	WindowAmount  *uint256.Int
	WindowMs      uint64
	WindowStartMs uint64
	WindowUsed    *uint256.Int
}

// Params are the module parameters copied from genesis, at xparams.
type Params struct {
	MaxTransferTimeoutMs uint64
	// RecvFeePermille is the share of a packet's relay fee, in thousandths,
	// paid to the relayer whose recv wrote the receipt; the ack's relayer
	// gets the rest. 0 (and every chain whose genesis predates it) pays the
	// ack's relayer alone.
	RecvFeePermille uint32 `rlp:"optional"`
}
