package settlement

import (
	"fmt"
	"time"

	"github.com/causeway/causeway/attest"
)

// Evidence is the chain fact behind a transition: the block and transaction
// that made it so. Which fields a transition needs:
//
//	→ source_committed   Seq, Height, TxHash (the source block with the commitment)
//	→ delivered          Height, TxHash, Receipt (the destination block with the receipt)
//	→ finished|refunded  Height, TxHash (the source block with the ack)
//	→ rejected           Reason (Code, Height and TxHash when the source included and failed it)
//
// Time and Relayer are recorded when given; a zero Time means the store's
// clock at the transition.
type Evidence struct {
	Height  uint64
	TxHash  attest.Hash
	Time    time.Time
	Relayer attest.Address
	Seq     uint64   // → source_committed only: the sequence the source assigned
	Receipt *Receipt // → delivered only: the destination's receipt
	Code    uint32   // → rejected only: the source's stable rejection code
	Reason  string   // → rejected only: why the source refused the transaction
}

// check verifies that ev backs a move to status to.
func (ev *Evidence) check(to Status) error {
	if to == StatusRejected {
		if ev.Reason == "" {
			return fmt.Errorf("rejection without a reason: %w", ErrMissingEvidence)
		}
		if ev.Seq != 0 || ev.Receipt != nil {
			return fmt.Errorf("rejection carries a sequence or receipt: %w", ErrInvalid)
		}
		return nil
	}
	if ev.Height == 0 {
		return fmt.Errorf("no height: %w", ErrMissingEvidence)
	}
	if ev.TxHash == (attest.Hash{}) {
		return fmt.Errorf("no transaction hash: %w", ErrMissingEvidence)
	}
	if ev.Code != 0 || ev.Reason != "" {
		return fmt.Errorf("rejection code or reason on a %s transition: %w", to, ErrInvalid)
	}
	if (to == StatusSourceCommitted) != (ev.Seq != 0) {
		if ev.Seq == 0 {
			return fmt.Errorf("no sequence: %w", ErrMissingEvidence)
		}
		return fmt.Errorf("sequence on a %s transition: %w", to, ErrInvalid)
	}
	if to == StatusDelivered {
		return ev.Receipt.Validate()
	}
	if ev.Receipt != nil {
		return fmt.Errorf("receipt on a %s transition: %w", to, ErrInvalid)
	}
	return nil
}
