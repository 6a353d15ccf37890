package rpc

import (
	"fmt"
	"regexp"

	"github.com/causeway/causeway/attest"
)

// chainIDRe is the shape of a chain id (DESIGN §2.1); the rpc package checks
// it itself because chains, which owns the genesis rules, imports rpc.
var chainIDRe = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

// Task is the result of cw_getTask: the source chain's record of one packet
// it sent (xtask/<dst>/<seq>) as of Height.
type Task struct {
	Height uint64 `json:"height"`
	Packet Packet `json:"packet"`
	// Status is "pending" until the ack, then "finished" (the destination
	// credited) or "refunded" (it failed or timed out; the sender got the
	// amount back).
	Status string `json:"status"`
	// CreatedHeight is the source height of the xfer.transfer;
	// ResolvedHeight the source height of the ack (0 while pending).
	CreatedHeight  uint64 `json:"created_height"`
	ResolvedHeight uint64 `json:"resolved_height"`
	// Receipt is the destination's receipt as the ack proved it; null while
	// pending.
	Receipt *TaskReceipt `json:"receipt"`
}

// TaskReceipt is the destination's verdict on a packet as recorded by the ack.
type TaskReceipt struct {
	Status string `json:"status"` // "ok", "failed" or "timeout"
	Code   uint32 `json:"code"`   // the stable rejection code of a failed packet
	Name   string `json:"name"`   // Code's snake_case name; "" for 0
	// Height is the destination height whose certified header proved the
	// receipt to the source.
	Height uint64 `json:"height"`
}

// PacketReceipt is the result of cw_getReceipt: what the destination wrote
// at xin/<src>/<seq> when it received the packet, as of Height.
type PacketReceipt struct {
	Height uint64 `json:"height"`
	Src    string `json:"src"`
	Seq    uint64 `json:"seq"`
	Status string `json:"status"` // "ok", "failed" or "timeout"
	Code   uint32 `json:"code"`
	Name   string `json:"name"` // Code's snake_case name; "" for 0
}

// LightClient is the result of cw_getClient: this chain's light client of a
// counterparty (client/<chain>) as of Height.
type LightClient struct {
	Height      uint64      `json:"height"`
	ChainID     string      `json:"chain_id"`
	GenesisHash attest.Hash `json:"genesis_hash"`
	// ValidatorSets are the trusted sets in the order they took over; each
	// signs the counterparty's headers from FromHeight on.
	ValidatorSets []ClientValidators `json:"validator_sets"`
	// LatestHeight is the highest counterparty height verified.
	LatestHeight uint64 `json:"latest_height"`
	// Frozen is set by proven misbehaviour at FrozenHeight (a counterparty
	// height); a frozen client's route refuses recv and ack.
	Frozen       bool   `json:"frozen"`
	FrozenHeight uint64 `json:"frozen_height"`
}

// ClientValidators is a validator set a light client trusts from
// FromHeight on.
type ClientValidators struct {
	FromHeight     uint64      `json:"from_height"`
	ValidatorsHash attest.Hash `json:"validators_hash"`
	Validators     []Validator `json:"validators"`
	TotalPower     uint64      `json:"total_power"`
}

// Route is the result of cw_getRoute: the state of this chain's route with
// a counterparty as of Height.
type Route struct {
	Height uint64 `json:"height"`
	Chain  string `json:"chain"`
	// Open is false once the light client of Chain is frozen: the route
	// refuses recv and ack.
	Open bool `json:"open"`
	// NextSequence is the sequence the next packet sent to Chain gets.
	NextSequence uint64 `json:"next_sequence"`
	// Limits are the caps on packets received from Chain, per denomination,
	// with the current window's usage.
	Limits []RouteLimit `json:"limits"`
}

// RouteLimit caps one denomination (as packets name it) on a route. An
// empty MaxPerPacket means no per-packet cap; WindowMs 0 means no window cap.
type RouteLimit struct {
	Denom        string `json:"denom"`
	MaxPerPacket string `json:"max_per_packet"`
	WindowAmount string `json:"window_amount"`
	WindowMs     uint64 `json:"window_ms"`
	// WindowStartMs and WindowUsed are the current window: the block time
	// it opened at and the amount received in it so far.
	WindowStartMs uint64 `json:"window_start_ms"`
	WindowUsed    string `json:"window_used"`
}

// CheckChainID checks that id is a well-formed chain id.
func CheckChainID(id string) error {
	if !chainIDRe.MatchString(id) {
		return fmt.Errorf("chain id %q must match [a-z0-9-]{1,32}", id)
	}
	return nil
}
