package api

import (
	"time"

	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
)

// Timeline stage names, in lifecycle order. A transfer's timeline lists
// submitted (when the gateway sent it; absent for transfers not submitted
// through a gateway), source_committed, delivered and then finished,
// refunded or rejected.
const (
	StageSubmitted       = "submitted"
	StageSourceCommitted = "source_committed"
	StageDelivered       = "delivered"
	StageFinished        = "finished"
	StageRefunded        = "refunded"
	StageRejected        = "rejected"
)

// Step states of a timeline entry.
const (
	StepDone    = "done"
	StepPending = "pending" // the stage the transfer waits in
	StepFuture  = "future"  // not reached yet
)

// Transfer is a transfer as the API shows it: the stored row plus its
// timeline. Amounts are decimal strings.
type Transfer struct {
	ID            settlement.TransferID `json:"id"`
	URL           string                `json:"url"`
	Src           string                `json:"src"`
	Dst           string                `json:"dst"`
	Seq           uint64                `json:"seq,omitzero"`
	Status        settlement.Status     `json:"status"`
	Sender        attest.Address        `json:"sender"`
	Receiver      attest.Address        `json:"receiver"`
	Denom         string                `json:"denom"`
	Amount        string                `json:"amount"`
	Fee           string                `json:"fee"`
	TimeoutHeight uint64                `json:"timeout_height,omitzero"`
	TimeoutTimeMs uint64                `json:"timeout_time_ms,omitzero"`
	// ClientRef is the Idempotency-Key it was submitted with; shown only
	// to the client that submitted it.
	ClientRef string `json:"client_ref,omitzero"`
	// Receipt is the destination's receipt once delivered: ok, failed (with
	// the chain's stable code and its name) or timeout.
	Receipt *Receipt `json:"receipt,omitempty"`
	// Reject is why the source refused the transaction (status rejected).
	Reject    *Reject   `json:"reject,omitempty"`
	Timeline  []Step    `json:"timeline"`
	Attempts  Attempts  `json:"attempts"`
	LastError string    `json:"last_error,omitzero"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	StatusAt  time.Time `json:"status_at"`
	// LatencyMs is created → finished or refunded, once terminal.
	LatencyMs int64 `json:"latency_ms,omitzero"`
}

// Attempts counts submissions per stage.
type Attempts = settlement.Attempts

// Receipt is the destination's receipt.
type Receipt struct {
	Status settlement.ReceiptStatus `json:"status"`
	Code   uint32                   `json:"code,omitzero"`
}

// Reject is the source's refusal.
type Reject struct {
	Code   uint32 `json:"code"`
	Reason string `json:"reason,omitzero"`
}

// Step is one entry of a transfer's timeline: the block and transaction
// that completed the stage, when, and the relayer that submitted it.
type Step struct {
	Stage   string         `json:"stage"`
	State   string         `json:"state"` // done, pending or future
	Height  uint64         `json:"height,omitzero"`
	TxHash  attest.Hash    `json:"tx_hash,omitzero"`
	Time    time.Time      `json:"time,omitzero"`
	Relayer attest.Address `json:"relayer,omitzero"`
}

// TransferPage is one page of GET /v1/transfers. NextCursor is "" after the
// last page.
type TransferPage struct {
	Transfers  []*Transfer `json:"transfers"`
	NextCursor string      `json:"next_cursor"`
}

// TransferPath is the URL path of transfer id.
func TransferPath(id settlement.TransferID) string { return "/v1/transfers/" + string(id) }

// ViewOf renders t for the API. withClientRef shows the idempotency
// reference (the caller is the client that submitted it).
func ViewOf(t *settlement.Transfer, withClientRef bool) *Transfer {
	v := &Transfer{
		ID: t.ID, URL: TransferPath(t.ID), Src: t.Src, Dst: t.Dst, Seq: t.Seq, Status: t.Status,
		Sender: t.Sender, Receiver: t.Receiver, Denom: t.Denom, Amount: decimal(t.Amount), Fee: decimal(t.Fee),
		TimeoutHeight: t.TimeoutHeight, TimeoutTimeMs: t.TimeoutTimeMs,
		Attempts: t.Attempts, LastError: t.LastError,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, StatusAt: t.StatusAt,
	}
	if withClientRef {
		v.ClientRef = t.ClientRef
	}
	if t.Receipt != nil {
		v.Receipt = &Receipt{Status: t.Receipt.Status, Code: t.Receipt.Code}
	}
	if t.Status == settlement.StatusRejected {
		v.Reject = &Reject{Code: t.RejectCode, Reason: t.LastError}
	}
	if t.Status.Terminal() && !t.CreatedAt.IsZero() {
		v.LatencyMs = t.StatusAt.Sub(t.CreatedAt).Milliseconds()
	}
	v.Timeline = Timeline(t)
	return v
}

// Timeline lists t's stages with what completed each.
func Timeline(t *settlement.Transfer) []Step {
	var steps []Step
	if t.ClientID != "" || t.Status == settlement.StatusSubmitted || t.Seq == 0 {
		steps = append(steps, Step{Stage: StageSubmitted, State: StepDone, Time: t.CreatedAt, TxHash: t.Source.TxHash})
	}
	if t.Status == settlement.StatusRejected {
		return append(steps, step(StageRejected, StepDone, t.Source))
	}
	reached := rank(t.Status)
	last := StageFinished
	if t.Status == settlement.StatusRefunded ||
		(t.Receipt != nil && t.Receipt.Status != settlement.ReceiptOK) {
		last = StageRefunded
	}
	for i, st := range []struct {
		name string
		rec  settlement.StageRecord
	}{{StageSourceCommitted, t.Source}, {StageDelivered, t.Delivery}, {last, t.Confirm}} {
		state := StepFuture
		switch {
		case i+1 <= reached:
			state = StepDone
		case i+1 == reached+1:
			state = StepPending
		}
		s := step(st.name, state, st.rec)
		if state != StepDone {
			s = Step{Stage: st.name, State: state}
		}
		steps = append(steps, s)
	}
	return steps
}

// rank is how many of source_committed, delivered and the ending a status
// has completed.
func rank(s settlement.Status) int {
	switch s {
	case settlement.StatusSourceCommitted:
		return 1
	case settlement.StatusDelivered:
		return 2
	case settlement.StatusFinished, settlement.StatusRefunded:
		return 3
	}
	return 0
}

func step(name, state string, r settlement.StageRecord) Step {
	return Step{Stage: name, State: state, Height: r.Height, TxHash: r.TxHash, Time: r.Time, Relayer: r.Relayer}
}

// decimal renders an amount; nil is "0".
func decimal(x *uint256.Int) string {
	if x == nil {
		return "0"
	}
	return x.Dec()
}
