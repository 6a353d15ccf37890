package settlement

import (
	"time"

	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
)

// Event is one outbox entry: a transfer's new state, committed in the same
// transaction as the change. Seq is global, increases by one per event and
// follows commit order, so a reader that has seen n has seen every event up
// to n.
type Event struct {
	Seq        uint64     `json:"seq"`
	TransferID TransferID `json:"transfer_id"`
	Src        string     `json:"src"`
	Dst        string     `json:"dst"`
	Status     Status     `json:"status"`
	// Payload is the transfer after the change, as JSON (Transfer's
	// encoding: amounts as decimal strings, stage data included).
	Payload []byte    `json:"payload"`
	At      time.Time `json:"at"`
}

// EventFilter narrows Events. Zero fields match everything; set fields must
// all match.
type EventFilter struct {
	TransferID TransferID
	Account    attest.Address // sender or receiver
	Src, Dst   string         // route (either side may be set alone)
}

// ListFilter narrows List. Zero fields match everything.
type ListFilter struct {
	Account  attest.Address // sender or receiver
	Src, Dst string
	Status   Status
	ClientID string
}

// Page limits.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// PageSize clamps a requested page size to (0, MaxPageSize], using
// DefaultPageSize for zero or negative.
func PageSize(limit int) int {
	switch {
	case limit <= 0:
		return DefaultPageSize
	case limit > MaxPageSize:
		return MaxPageSize
	}
	return limit
}

// SubmissionKind is what a relay submission carries.
type SubmissionKind string

// Submission kinds.
const (
	KindRecv         SubmissionKind = "recv"
	KindAck          SubmissionKind = "ack"
	KindUpdateClient SubmissionKind = "update_client"
)

// Valid reports whether k is a known kind.
func (k SubmissionKind) Valid() bool {
	return k == KindRecv || k == KindAck || k == KindUpdateClient
}

// SubmissionStatus is where a relay transaction is.
type SubmissionStatus string

// Submission statuses.
const (
	SubmissionPending  SubmissionStatus = "pending"  // sent, not yet included
	SubmissionIncluded SubmissionStatus = "included" // in a committed block
	SubmissionFailed   SubmissionStatus = "failed"   // included with an error, or refused
	SubmissionDropped  SubmissionStatus = "dropped"  // never included (replaced, expired)
)

// Valid reports whether s is a known status.
func (s SubmissionStatus) Valid() bool {
	switch s {
	case SubmissionPending, SubmissionIncluded, SubmissionFailed, SubmissionDropped:
		return true
	}
	return false
}

// Submission is one transaction a relay sent to a chain, keyed by (Chain,
// TxHash).
type Submission struct {
	Chain     string           `json:"chain"`
	TxHash    attest.Hash      `json:"tx_hash"`
	Kind      SubmissionKind   `json:"kind"`
	Signer    attest.Address   `json:"signer"`
	Nonce     uint64           `json:"nonce"`
	BatchSize int              `json:"batch_size"`
	Status    SubmissionStatus `json:"status"`
	Attempts  int              `json:"attempts"`
	Height    uint64           `json:"height,omitzero"` // inclusion height
	Error     string           `json:"error,omitzero"`
	CreatedAt time.Time        `json:"created_at"`
	UpdatedAt time.Time        `json:"updated_at"`
}

// SubmissionUpdate is the new state of a submission. Attempts replaces the
// stored count when non-zero.
type SubmissionUpdate struct {
	Status   SubmissionStatus
	Height   uint64
	Attempts int
	Error    string
}

// SubmissionFilter narrows ListSubmissions. Zero fields match everything.
type SubmissionFilter struct {
	Chain  string
	Signer attest.Address
	Status SubmissionStatus
	Kind   SubmissionKind
}

// Reconciliation is one conservation check of a route and denom: escrow on
// the origin must equal vouchers on the other side plus amounts in flight.
type Reconciliation struct {
	ID       int64        `json:"id"`
	At       time.Time    `json:"at"`
	Src      string       `json:"src"` // the origin chain holding the escrow
	Dst      string       `json:"dst"` // the chain holding the vouchers
	Denom    string       `json:"denom"`
	Escrow   *uint256.Int `json:"escrow"`
	Vouchers *uint256.Int `json:"vouchers"`
	InFlight *uint256.Int `json:"in_flight"`
	OK       bool         `json:"ok"`
	Detail   string       `json:"detail,omitzero"`
}
