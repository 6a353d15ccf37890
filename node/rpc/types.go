package rpc

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/holiman/uint256"

	"github.com/causeway/causeway/attest"
)

// Status is the result of cw_status.
type Status struct {
	ChainID      string      `json:"chain_id"`
	GenesisHash  attest.Hash `json:"genesis_hash"`
	LatestHeight uint64      `json:"latest_height"`
	LatestHash   attest.Hash `json:"latest_hash"`
	LatestTimeMs uint64      `json:"latest_time_ms"`
	Validator    *Address    `json:"validator"` // this node's validator address; null for a full node
	// NextProposer is the validator scheduled to propose round 0 of the
	// next height, as this node sees it.
	NextProposer *Address `json:"next_proposer"`
	Syncing      bool     `json:"syncing"`
	Peers        int      `json:"peers"`
}

// Attr is one key/value attribute of an event.
type Attr struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Event is something a module emitted while executing a transaction or a block.
type Event struct {
	Type  string `json:"type"`
	Attrs []Attr `json:"attrs"`
}

// Attr returns the value of the first attribute named key.
func (e *Event) Attr(key string) (string, bool) {
	for _, a := range e.Attrs {
		if a.Key == key {
			return a.Value, true
		}
	}
	return "", false
}

// Receipt is the outcome of one committed transaction (cw_getTransactionReceipt).
// Code 0 is success; any other is the module's stable rejection code.
type Receipt struct {
	TxHash attest.Hash `json:"tx_hash"`
	Height uint64      `json:"height"`
	Index  uint32      `json:"index"`
	Sender Address     `json:"sender"`
	Type   string      `json:"type"`
	Code   uint32      `json:"code"`
	Log    string      `json:"log"`
	Events []Event     `json:"events"`
}

// BlockEvents is what one block emitted (cw_getBlockEvents): the receipts of
// its transactions in block order, and the events of the block itself (such
// as timeouts processed at the end of the block), which belong to no transaction.
type BlockEvents struct {
	Height   uint64    `json:"height"`
	Receipts []Receipt `json:"receipts"`
	Events   []Event   `json:"events"`
}

// TxEvent is an event in an events notification. TxHash is null for an
// event of the block itself.
type TxEvent struct {
	TxHash *attest.Hash `json:"tx_hash"`
	Event
}

// EventsNotification is one block's notification on an "events"
// subscription: the block's events that pass the filter, in block order
// (transactions first, then the block's own). Every committed block gets one,
// with an empty list when nothing matched, so a subscriber can advance its
// cursor past quiet blocks.
type EventsNotification struct {
	Height uint64    `json:"height"`
	Events []TxEvent `json:"events"`
}

// EventFilter selects events by type on an "events" subscription. An empty
// Types passes every event.
type EventFilter struct {
	Types []string `json:"types,omitempty"`
}

// Coin is an amount of one denomination; Amount is a decimal uint256.
type Coin struct {
	Denom  string `json:"denom"`
	Amount string `json:"amount"`
}

// Int parses Amount.
func (c Coin) Int() (*uint256.Int, error) {
	v, err := uint256.FromDecimal(c.Amount)
	if err != nil {
		return nil, fmt.Errorf("parse amount %q of %s: %w", c.Amount, c.Denom, err)
	}
	return v, nil
}

// Account is the result of cw_getAccount. An address the chain has never
// seen has nonce 0 and no balances.
type Account struct {
	Address  Address `json:"address"`
	Height   uint64  `json:"height"`
	Nonce    uint64  `json:"nonce"`
	Balances []Coin  `json:"balances"`
}

// Validator is one member of a validator set.
type Validator struct {
	Address Address `json:"address"`
	Power   uint64  `json:"power"`
}

// Validators is the result of cw_getValidators: the set that signs the block
// at Height, whose hash is that header's validators_hash.
type Validators struct {
	Height         uint64      `json:"height"`
	ValidatorsHash attest.Hash `json:"validators_hash"`
	Validators     []Validator `json:"validators"`
	TotalPower     uint64      `json:"total_power"`
}

// NewValidators renders set as the validators of height.
func NewValidators(height uint64, set *attest.ValidatorSet) *Validators {
	out := &Validators{Height: height, ValidatorsHash: set.Hash(), TotalPower: set.TotalPower()}
	out.Validators = make([]Validator, len(set.Validators))
	for i, v := range set.Validators {
		out.Validators[i] = Validator{Address: Address(v.Address), Power: v.Power}
	}
	return out
}

// Set rebuilds the attest validator set, checking it hashes to ValidatorsHash.
func (v *Validators) Set() (*attest.ValidatorSet, error) {
	vals := make([]attest.Validator, len(v.Validators))
	for i, x := range v.Validators {
		vals[i] = attest.Validator{Address: x.Address.Attest(), Power: x.Power}
	}
	set, err := attest.NewValidatorSet(vals)
	if err != nil {
		return nil, fmt.Errorf("validators at %d: %w", v.Height, err)
	}
	if set.Hash() != v.ValidatorsHash {
		return nil, fmt.Errorf("validators at %d: hash %s, reported %s: %w", v.Height, set.Hash(), v.ValidatorsHash, attest.ErrWrongValidators)
	}
	return set, nil
}

// Proofs is the result of cw_getProof: Merkle Patricia proofs for a list of
// keys against the state root of the header at Height.
type Proofs struct {
	Height    uint64      `json:"height"`
	StateRoot attest.Hash `json:"state_root"`
	Proofs    []KeyProof  `json:"proofs"`
}

// KeyProof proves one key's value, or its absence when Value is null.
type KeyProof struct {
	Key   string          `json:"key"`
	Value *hexutil.Bytes  `json:"value"`
	Proof []hexutil.Bytes `json:"proof"`
}

// Nodes returns the proof nodes as attest.VerifyProof takes them.
func (p *KeyProof) Nodes() [][]byte {
	out := make([][]byte, len(p.Proof))
	for i, n := range p.Proof {
		out[i] = n
	}
	return out
}

// Verify checks every proof against StateRoot and that each proves the value
// it claims (absence for a null value).
func (p *Proofs) Verify() error {
	for i := range p.Proofs {
		kp := &p.Proofs[i]
		got, err := attest.VerifyProof(p.StateRoot, []byte(kp.Key), kp.Nodes())
		if err != nil {
			return fmt.Errorf("verify proof of %q at %d: %w", kp.Key, p.Height, err)
		}
		var want []byte
		if kp.Value != nil {
			want = *kp.Value
		}
		if string(got) != string(want) || (got == nil) != (kp.Value == nil) {
			return fmt.Errorf("verify proof of %q at %d: proves %x, response says %x: %w", kp.Key, p.Height, got, want, attest.ErrBadProof)
		}
	}
	return nil
}
