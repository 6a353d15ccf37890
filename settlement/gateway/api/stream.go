package api

import (
	"time"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
)

// StreamPath is the WebSocket feed.
const StreamPath = "/v1/stream"

// Client → server operations.
const (
	OpSubscribe   = "subscribe"
	OpUnsubscribe = "unsubscribe"
)

// Server → client message types.
const (
	MsgSubscribed   = "subscribed"   // the subscription is registered; Seq is the feed head
	MsgReplayed     = "replayed"     // replay from from_seq is complete; live events follow
	MsgEvent        = "event"        // one transfer change
	MsgUnsubscribed = "unsubscribed" //
	MsgHeartbeat    = "heartbeat"    // every heartbeat interval; Seq is the last seq sent or passed
	MsgError        = "error"        // a bad client message; the connection stays open
)

// WebSocket close codes beyond RFC 6455's.
const (
	CloseBadRequest   = 4000 // unparseable or oversize client message
	CloseUnauthorized = 4001 // missing or invalid API key where one is required
	CloseSlowConsumer = 4008 // the client did not read fast enough; reconnect with from_seq
	CloseTooManySubs  = 4009 // over the per-connection subscription limit
	CloseGoingAway    = 1001 // the gateway is shutting down; reconnect with from_seq
)

// ClientMessage is what a client sends. A subscribe names exactly one of
// Transfer, Account and Route. FromSeq, when present, asks for a replay of
// every matching event with seq > FromSeq before live ones (0 replays the
// whole history); absent, the subscription is live only.
type ClientMessage struct {
	Op       string                `json:"op"`
	ID       string                `json:"id"` // the client's name for the subscription, 1–64 bytes
	Transfer settlement.TransferID `json:"transfer,omitzero"`
	Account  attest.Address        `json:"account,omitzero"`
	Route    string                `json:"route,omitzero"` // "src.dst"
	FromSeq  *uint64               `json:"from_seq,omitempty"`
}

// ServerMessage is what the server sends. Sub names the subscription an
// event matched (an event matching several subscriptions of one connection
// is sent once per subscription). Seq increases across all messages of a
// connection's subscription.
type ServerMessage struct {
	Type       string                `json:"type"`
	ID         string                `json:"id,omitzero"`  // subscription, for subscribed/replayed/unsubscribed/error
	Sub        string                `json:"sub,omitzero"` // subscription, for event
	Seq        uint64                `json:"seq"`
	TransferID settlement.TransferID `json:"transfer_id,omitzero"`
	Status     settlement.Status     `json:"status,omitzero"`
	At         time.Time             `json:"at,omitzero"`
	Transfer   *Transfer             `json:"transfer,omitempty"`
	Code       string                `json:"code,omitzero"`
	Detail     string                `json:"detail,omitzero"`
	Time       time.Time             `json:"time,omitzero"` // heartbeat
}

// Codes of MsgError beyond the problem codes a malformed message gets
// (invalid_json, unknown_field, invalid_field). The connection stays open.
const (
	StreamCodeUnknownOp    = "unknown_op"             // op is neither subscribe nor unsubscribe
	StreamCodeDuplicateSub = "duplicate_subscription" // the connection already has a subscription with this id
	StreamCodeUnknownSub   = "unknown_subscription"   // unsubscribe names no subscription of the connection
	StreamCodeTooManySubs  = "too_many_subscriptions" // over the per-connection limit; the subscribe is refused
	StreamCodeReplayFailed = "replay_failed"          // the store did not answer; the subscription is dropped, subscribe again
)
