package xfer

import (
	"fmt"

	"github.com/causeway/causeway/node/app"
)

// The xfer registry of stable rejection codes, in the 3xx band (attest owns
// 1xx, the app 2xx). A code is carried by a rejected transaction's receipt or
// by a failed packet receipt on the destination, so a number is never
// renumbered or reused; new codes are appended.
const (
	CodeUnknownChain    app.Code = 300 // no light client of the named chain
	CodeClientFrozen    app.Code = 301 // the light client is frozen by misbehaviour; its route is halted
	CodeWrongRoute      app.Code = 302 // a packet or receipt names another source or destination
	CodeBadTimeout      app.Code = 303 // no timeout, or one that has already passed
	CodeTimeoutTooLong  app.Code = 304 // time deadline beyond the chain's maximum transfer timeout
	CodeReceiverBlocked app.Code = 305 // receiver is blocked on the destination (failed receipt)
	CodeOverPacketLimit app.Code = 306 // amount over the route's per-packet cap (failed receipt)
	CodeRateLimited     app.Code = 307 // amount over the route's window allowance (failed receipt)
	CodeHandoffMismatch app.Code = 308 // next validators do not hash to the header's NextValidatorsHash
	CodeNotHandoff      app.Code = 309 // header keeps its validator set: nothing to hand off
	CodeStaleHandoff    app.Code = 310 // handoff at or below a set the client already trusts
	CodeMemoTooLarge    app.Code = 311 // memo over attest.MaxMemoBytes
	CodeEmptyBatch      app.Code = 312 // recv or ack with no packets or receipts
	CodeBatchTooLarge   app.Code = 313 // recv or ack over MaxBatch entries
	CodeNoTrustedSet    app.Code = 314 // header height below every trusted validator set
)

var codeNames = map[app.Code]string{
	CodeUnknownChain:    "unknown_chain",
	CodeClientFrozen:    "client_frozen",
	CodeWrongRoute:      "wrong_route",
	CodeBadTimeout:      "bad_timeout",
	CodeTimeoutTooLong:  "timeout_too_long",
	CodeReceiverBlocked: "receiver_blocked",
	CodeOverPacketLimit: "over_packet_limit",
	CodeRateLimited:     "rate_limited",
	CodeHandoffMismatch: "handoff_mismatch",
	CodeNotHandoff:      "not_handoff",
	CodeStaleHandoff:    "stale_handoff",
	CodeMemoTooLarge:    "memo_too_large",
	CodeEmptyBatch:      "empty_batch",
	CodeBatchTooLarge:   "batch_too_large",
	CodeNoTrustedSet:    "no_trusted_set",
}

// The names are registered with the app so every coded error shows them.
var _ = app.RegisterCodes(codeNames)

// CodeName is the snake_case name of an xfer code, and app.Code.String for
// any other code (app and attest codes appear in failed receipts too).
func CodeName(c app.Code) string {
	if name, ok := codeNames[c]; ok {
		return name
	}
	return c.String()
}

// Sentinels for errors.Is; app.Error matches on the code alone.
var (
	ErrUnknownChain    = sentinel(CodeUnknownChain)
	ErrClientFrozen    = sentinel(CodeClientFrozen)
	ErrWrongRoute      = sentinel(CodeWrongRoute)
	ErrBadTimeout      = sentinel(CodeBadTimeout)
	ErrTimeoutTooLong  = sentinel(CodeTimeoutTooLong)
	ErrHandoffMismatch = sentinel(CodeHandoffMismatch)
	ErrNotHandoff      = sentinel(CodeNotHandoff)
	ErrStaleHandoff    = sentinel(CodeStaleHandoff)
	ErrMemoTooLarge    = sentinel(CodeMemoTooLarge)
	ErrEmptyBatch      = sentinel(CodeEmptyBatch)
	ErrBatchTooLarge   = sentinel(CodeBatchTooLarge)
	ErrNoTrustedSet    = sentinel(CodeNoTrustedSet)
)

func sentinel(c app.Code) *app.Error { return &app.Error{Code: c, Msg: CodeName(c)} }

// rejectf builds a coded rejection; its Error() starts with the code's name.
func rejectf(c app.Code, format string, args ...any) error {
	return &app.Error{Code: c, Msg: fmt.Sprintf(format, args...)}
}
