package settlement

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
)

// Field limits checked by ValidateNew.
const (
	MaxDenomBytes     = 128 // as the chains enforce
	MaxClientRefBytes = 128 // an exchange's idempotency reference
	MaxClientIDBytes  = 64
	idSeparator       = "."
)

// chainIDRe is the chain id grammar of the genesis document.
var chainIDRe = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

// TransferID names a transfer in APIs. It is derived from the packet's key
// when the sequence is known ("alpha.beta.42"), otherwise from the source
// transaction ("alpha.beta.0x…"), and never changes afterwards. The
// separator is a dot because chain ids may contain hyphens.
type TransferID string

// PacketTransferID is the id of packet seq on route src→dst.
func PacketTransferID(src, dst string, seq uint64) TransferID {
	return TransferID(src + idSeparator + dst + idSeparator + strconv.FormatUint(seq, 10))
}

// SubmittedTransferID is the id of a transfer created before the source
// assigned its sequence, named after its source transaction.
func SubmittedTransferID(src, dst string, tx attest.Hash) TransferID {
	return TransferID(src + idSeparator + dst + idSeparator + tx.Hex())
}

// ParseTransferID checks that s is a well-formed transfer id and returns its
// route.
func ParseTransferID(s string) (id TransferID, src, dst string, err error) {
	parts := strings.Split(s, idSeparator)
	if len(parts) != 3 || !ValidChainID(parts[0]) || !ValidChainID(parts[1]) {
		return "", "", "", fmt.Errorf("transfer id %q: %w", s, ErrInvalid)
	}
	last := parts[2]
	if strings.HasPrefix(last, "0x") {
		if len(last) != 2+2*len(attest.Hash{}) || strings.ToLower(last) != last {
			return "", "", "", fmt.Errorf("transfer id %q: %w", s, ErrInvalid)
		}
	} else if seq, perr := strconv.ParseUint(last, 10, 64); perr != nil || seq == 0 || strconv.FormatUint(seq, 10) != last {
		return "", "", "", fmt.Errorf("transfer id %q: %w", s, ErrInvalid)
	}
	return TransferID(s), parts[0], parts[1], nil
}

// ValidChainID reports whether s is a well-formed chain id.
func ValidChainID(s string) bool { return chainIDRe.MatchString(s) }

// StageRecord is what a store keeps about one stage: the block and
// transaction that completed it, when, and who submitted it.
type StageRecord struct {
	Height  uint64         `json:"height,omitzero"`
	TxHash  attest.Hash    `json:"tx_hash,omitzero"`
	Time    time.Time      `json:"time,omitzero"`
	Relayer attest.Address `json:"relayer,omitzero"`
}

// Attempts counts submissions per stage; they persist so backoff survives a
// restart.
type Attempts struct {
	Source   int `json:"source"`
	Delivery int `json:"delivery"`
	Confirm  int `json:"confirm"`
}

// Of returns the count of stage s.
func (a Attempts) Of(s Stage) int {
	switch s {
	case StageSource:
		return a.Source
	case StageDelivery:
		return a.Delivery
	case StageConfirm:
		return a.Confirm
	}
	return 0
}

// Transfer is one packet's row in the system of record.
type Transfer struct {
	ID     TransferID `json:"id"`
	Src    string     `json:"src"`
	Dst    string     `json:"dst"`
	Seq    uint64     `json:"seq,omitzero"` // 0 while submitted
	Status Status     `json:"status"`

	Sender        attest.Address `json:"sender"`
	Receiver      attest.Address `json:"receiver"`
	Denom         string         `json:"denom"`
	Amount        *uint256.Int   `json:"amount"`
	Fee           *uint256.Int   `json:"fee"`
	TimeoutHeight uint64         `json:"timeout_height,omitzero"`
	TimeoutTimeMs uint64         `json:"timeout_time_ms,omitzero"`

	// ClientID is the API client that submitted the transfer and ClientRef
	// its idempotency reference, unique per client ("" when none).
	ClientID  string `json:"client_id,omitzero"`
	ClientRef string `json:"client_ref,omitzero"`

	Source   StageRecord `json:"source,omitzero"`
	Delivery StageRecord `json:"delivery,omitzero"`
	Confirm  StageRecord `json:"confirm,omitzero"`
	Receipt  *Receipt    `json:"receipt,omitempty"`

	RejectCode uint32   `json:"reject_code,omitzero"`
	Attempts   Attempts `json:"attempts"`
	LastError  string   `json:"last_error,omitzero"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	StatusAt  time.Time `json:"status_at"` // when it entered Status
}

// Lifecycle returns the transfer's state machine.
func (t *Transfer) Lifecycle() Lifecycle { return NewLifecycle(t.Status, t.Receipt) }

// DeriveID is the id the transfer gets: from its packet key once the
// sequence is known, else from its source transaction.
func (t *Transfer) DeriveID() TransferID {
	if t.Seq != 0 {
		return PacketTransferID(t.Src, t.Dst, t.Seq)
	}
	return SubmittedTransferID(t.Src, t.Dst, t.Source.TxHash)
}

// ValidateNew checks a transfer about to be created. It may start in
// submitted (the gateway sent the transaction: the source transaction hash is
// known, the sequence not yet) or in source_committed (a watcher saw the
// packet: sequence, height and transaction hash are known).
func ValidateNew(t *Transfer) error {
	if err := validateNewFields(t); err != nil {
		return fmt.Errorf("new transfer %s→%s: %w", t.Src, t.Dst, err)
	}
	return nil
}

func validateNewFields(t *Transfer) error {
	switch {
	case !ValidChainID(t.Src) || !ValidChainID(t.Dst) || t.Src == t.Dst:
		return fmt.Errorf("route: %w", ErrInvalid)
	case t.Sender == (attest.Address{}) || t.Receiver == (attest.Address{}):
		return fmt.Errorf("sender or receiver missing: %w", ErrInvalid)
	case t.Denom == "" || len(t.Denom) > MaxDenomBytes:
		return fmt.Errorf("denom %q: %w", t.Denom, ErrInvalid)
	case t.Amount == nil || t.Amount.IsZero():
		return fmt.Errorf("amount is zero: %w", ErrInvalid)
	case t.Fee == nil:
		return fmt.Errorf("fee missing: %w", ErrInvalid)
	case t.TimeoutHeight == 0 && t.TimeoutTimeMs == 0:
		return fmt.Errorf("no timeout: %w", ErrInvalid)
	case len(t.ClientRef) > MaxClientRefBytes || len(t.ClientID) > MaxClientIDBytes:
		return fmt.Errorf("client reference too long: %w", ErrInvalid)
	case t.Source.TxHash == (attest.Hash{}):
		return fmt.Errorf("no source transaction hash: %w", ErrMissingEvidence)
	case t.Receipt != nil || t.Delivery != (StageRecord{}) || t.Confirm != (StageRecord{}):
		return fmt.Errorf("later stages filled in: %w", ErrInvalid)
	}
	switch t.Status {
	case StatusSubmitted:
		if t.Seq != 0 || t.Source.Height != 0 {
			return fmt.Errorf("submitted with a sequence or height: %w", ErrInvalid)
		}
	case StatusSourceCommitted:
		if t.Seq == 0 || t.Source.Height == 0 {
			return fmt.Errorf("source_committed without sequence or height: %w", ErrMissingEvidence)
		}
	default:
		return fmt.Errorf("cannot start in %q: %w", t.Status, ErrInvalidTransition)
	}
	return nil
}
