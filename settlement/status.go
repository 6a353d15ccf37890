package settlement

import "fmt"

// Status is where a transfer is in its lifecycle.
type Status string

// Transfer statuses.
const (
	// StatusSubmitted: the transfer transaction was sent to the source chain
	// and is not yet included; the sequence is not known yet.
	StatusSubmitted Status = "submitted"
	// StatusSourceCommitted: the source committed the transfer, debited the
	// sender and wrote the packet commitment (the first consensus message).
	StatusSourceCommitted Status = "source_committed"
	// StatusDelivered: the destination wrote its receipt (ok, failed or
	// timeout) for the packet (the second consensus message).
	StatusDelivered Status = "delivered"
	// StatusFinished: the source verified an ok receipt; the receiver is
	// credited for good. Terminal.
	StatusFinished Status = "finished"
	// StatusRefunded: the source verified a failed or timeout receipt and
	// refunded the sender. Terminal.
	StatusRefunded Status = "refunded"
	// StatusRejected: the source refused the transaction; nothing moved.
	// Terminal.
	StatusRejected Status = "rejected"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{
	StatusSubmitted, StatusSourceCommitted, StatusDelivered,
	StatusFinished, StatusRefunded, StatusRejected,
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case StatusSubmitted, StatusSourceCommitted, StatusDelivered,
		StatusFinished, StatusRefunded, StatusRejected:
		return true
	}
	return false
}

// Terminal reports whether no transition leaves s.
func (s Status) Terminal() bool {
	return s == StatusFinished || s == StatusRefunded || s == StatusRejected
}

// ReceiptStatus is the destination's verdict on a packet.
type ReceiptStatus string

// Receipt statuses, as the chains name them.
const (
	ReceiptOK      ReceiptStatus = "ok"
	ReceiptFailed  ReceiptStatus = "failed"
	ReceiptTimeout ReceiptStatus = "timeout"
)

// ReceiptStatuses lists every receipt status.
var ReceiptStatuses = []ReceiptStatus{ReceiptOK, ReceiptFailed, ReceiptTimeout}

// Valid reports whether r is a known receipt status.
func (r ReceiptStatus) Valid() bool {
	return r == ReceiptOK || r == ReceiptFailed || r == ReceiptTimeout
}

// Receipt is what the destination wrote for a packet. Code is the stable
// rejection code of a failed packet and 0 otherwise.
type Receipt struct {
	Status ReceiptStatus `json:"status"`
	Code   uint32        `json:"code"`
}

// Validate checks the receipt's shape: a known status, and a code only on a
// failed receipt (every failure carries one).
func (r *Receipt) Validate() error {
	switch {
	case r == nil:
		return fmt.Errorf("receipt: %w", ErrMissingEvidence)
	case !r.Status.Valid():
		return fmt.Errorf("receipt status %q: %w", r.Status, ErrInvalid)
	case r.Status == ReceiptFailed && r.Code == 0:
		return fmt.Errorf("failed receipt without a code: %w", ErrMissingEvidence)
	case r.Status != ReceiptFailed && r.Code != 0:
		return fmt.Errorf("%s receipt with code %d: %w", r.Status, r.Code, ErrInvalid)
	}
	return nil
}

// Stage is a step a transfer waits in: each non-terminal status is waiting
// for one chain event, and attempts and stuck queries are counted per stage.
type Stage string

// Stages.
const (
	// StageSource waits for the source to include the transfer (submitted).
	StageSource Stage = "source"
	// StageDelivery waits for the destination's receipt (source_committed).
	StageDelivery Stage = "delivery"
	// StageConfirm waits for the source to act on the receipt (delivered).
	StageConfirm Stage = "confirm"
)

// Stages lists the stages in lifecycle order.
var Stages = []Stage{StageSource, StageDelivery, StageConfirm}

// Status is the status a transfer waiting in stage s has.
func (s Stage) Status() (Status, bool) {
	switch s {
	case StageSource:
		return StatusSubmitted, true
	case StageDelivery:
		return StatusSourceCommitted, true
	case StageConfirm:
		return StatusDelivered, true
	}
	return "", false
}

// transitions is the lifecycle graph: from → the statuses it may move to.
var transitions = map[Status][]Status{
	StatusSubmitted:       {StatusSourceCommitted, StatusRejected},
	StatusSourceCommitted: {StatusDelivered},
	StatusDelivered:       {StatusFinished, StatusRefunded},
}

// CanTransition reports whether the lifecycle allows moving from one status
// to another. A transfer whose destination never answers is not refunded
// straight from source_committed: the destination writes a timeout receipt
// when the late packet arrives, so refunds always go through delivered.
func CanTransition(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// ReceiptAllows reports whether a receipt of status r lets a delivered
// transfer end in to: ok finishes, failed and timeout refund.
func ReceiptAllows(r ReceiptStatus, to Status) bool {
	switch to {
	case StatusFinished:
		return r == ReceiptOK
	case StatusRefunded:
		return r == ReceiptFailed || r == ReceiptTimeout
	}
	return true
}

// Lifecycle is one transfer's state machine: the current status and, once
// delivered, the receipt that decides how it ends. It is a pure value: Apply
// checks a transition and its evidence and moves on, with no I/O.
type Lifecycle struct {
	status  Status
	receipt *Receipt
}

// NewLifecycle returns the state machine of a transfer in status with
// receipt (nil before delivery).
func NewLifecycle(status Status, receipt *Receipt) Lifecycle {
	return Lifecycle{status: status, receipt: receipt}
}

// Status is the current status.
func (l Lifecycle) Status() Status { return l.status }

// Receipt is the destination's receipt, nil before delivery.
func (l Lifecycle) Receipt() *Receipt { return l.receipt }

// Apply moves the machine to status to backed by ev, or returns why it may
// not: ErrInvalidTransition when the lifecycle has no such edge or the
// receipt decides otherwise, ErrMissingEvidence or ErrInvalid when the
// evidence does not back the transition.
func (l *Lifecycle) Apply(to Status, ev *Evidence) error {
	if err := CheckTransition(l.status, l.receipt, to, ev); err != nil {
		return err
	}
	l.status = to
	if to == StatusDelivered {
		r := *ev.Receipt
		l.receipt = &r
	}
	return nil
}

// CheckTransition is Lifecycle.Apply without the state: it checks that a
// transfer in from, holding receipt (nil before delivery), may move to to
// with evidence ev. Stores call it before writing and enforce the receipt
// condition again inside the compare-and-set.
func CheckTransition(from Status, receipt *Receipt, to Status, ev *Evidence) error {
	if err := CheckEvidence(from, to, ev); err != nil {
		return err
	}
	if from == StatusDelivered {
		if receipt == nil {
			return fmt.Errorf("%s → %s: transfer holds no receipt: %w", from, to, ErrMissingEvidence)
		}
		if !ReceiptAllows(receipt.Status, to) {
			return fmt.Errorf("%s → %s with a %s receipt: %w", from, to, receipt.Status, ErrInvalidTransition)
		}
	}
	return nil
}

// CheckEvidence is CheckTransition without the receipt condition: the edge
// exists and ev backs it. A store that cannot see the row before writing
// checks this first and puts the receipt condition in its compare-and-set.
func CheckEvidence(from, to Status, ev *Evidence) error {
	if !CanTransition(from, to) {
		return fmt.Errorf("%s → %s: %w", from, to, ErrInvalidTransition)
	}
	if ev == nil {
		return fmt.Errorf("%s → %s: no evidence: %w", from, to, ErrMissingEvidence)
	}
	if err := ev.check(to); err != nil {
		return fmt.Errorf("%s → %s: %w", from, to, err)
	}
	return nil
}
