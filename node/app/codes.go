package app

import (
	"errors"
	"fmt"
	"sync"

	"github.com/causeway/causeway/attest"
)

// Code is a stable rejection code carried by receipts and mempool errors. Codes
// cross the RPC boundary and are stored in receipts, so a code is never
// renumbered or reused; new codes are appended.
//
// The app registry uses 2xx. Codes below 200 are attest's verification codes
// (1xx), which a module may pass through unchanged when a proof or signature
// it checks fails.
type Code uint32

// The registry. Never renumber or reuse a number; append new codes at the end.
const (
	CodeOK                  Code = 0   // success
	CodeMalformed           Code = 200 // undecodable transaction or payload
	CodeWrongChain          Code = 201 // transaction signed for another chain
	CodeBadSignature        Code = 202 // signature does not verify
	CodeNonceTooLow         Code = 203 // nonce already used (replay)
	CodeNonceTooHigh        Code = 204 // nonce beyond the account's next or the mempool window
	CodeInsufficientBalance Code = 205 // balance below the amount
	CodeTooLarge            Code = 206 // encoded transaction over the size cap
	CodeMempoolFull         Code = 207 // mempool at its transaction or byte cap
	CodeDuplicate           Code = 208 // transaction (or its sender and nonce) already pending
	CodeUnknownTxType       Code = 209 // no module or method of that name
	CodeInvalidAmount       Code = 210 // zero or otherwise unusable amount
	CodeInvalidDenom        Code = 211 // denomination not well formed
	CodeUnauthorized        Code = 212 // sender may not perform this action
	CodeOverflow            Code = 213 // result exceeds 2^256-1
	CodeInternal            Code = 214 // internal failure; never in a receipt
)

var codeNames = map[Code]string{
	CodeOK:                  "ok",
	CodeMalformed:           "malformed",
	CodeWrongChain:          "wrong_chain",
	CodeBadSignature:        "bad_signature",
	CodeNonceTooLow:         "nonce_too_low",
	CodeNonceTooHigh:        "nonce_too_high",
	CodeInsufficientBalance: "insufficient_balance",
	CodeTooLarge:            "too_large",
	CodeMempoolFull:         "mempool_full",
	CodeDuplicate:           "duplicate",
	CodeUnknownTxType:       "unknown_tx_type",
	CodeInvalidAmount:       "invalid_amount",
	CodeInvalidDenom:        "invalid_denom",
	CodeUnauthorized:        "unauthorized",
	CodeOverflow:            "overflow",
	CodeInternal:            "internal",
}

// attestCodeCeiling bounds the range reserved for attest's verification codes.
const attestCodeCeiling = 200

// moduleCodes holds the names modules register for their own code bands.
var moduleCodes sync.Map // Code → string

// RegisterCodes names a module's codes so that Code.String, and with it
// errors and the RPC layer, show them. It panics if a code is already named
// differently: two modules claiming one number is a programming error.
func RegisterCodes(names map[Code]string) bool {
	for c, name := range names {
		if old, ok := codeNames[c]; ok && old != name {
			panic(fmt.Sprintf("app: code %d is %q, cannot register %q", c, old, name))
		}
		if old, loaded := moduleCodes.LoadOrStore(c, name); loaded && old != name {
			panic(fmt.Sprintf("app: code %d is %q, cannot register %q", c, old, name))
		}
	}
	return true
}

// String is the snake_case name of a registered code, "attest_<n>" for an
// attest code and "code_<n>" otherwise.
func (c Code) String() string {
	if name, ok := codeNames[c]; ok {
		return name
	}
	if name, ok := moduleCodes.Load(c); ok {
		return name.(string)
	}
	if c < attestCodeCeiling {
		return fmt.Sprintf("attest_%d", uint32(c))
	}
	return fmt.Sprintf("code_%d", uint32(c))
}

// Error is a rejection with a stable code. errors.Is matches on Code alone.
type Error struct {
	Code Code
	Msg  string
}

func (e *Error) Error() string { return e.Code.String() + ": " + e.Msg }

// Is lets errors.Is match on the code: errors.Is(err, app.ErrNonceTooLow).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Errorf builds a coded rejection.
func Errorf(code Code, format string, args ...any) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Sentinels for errors.Is; each carries its code's name as message.
var (
	ErrMalformed           = sentinel(CodeMalformed)
	ErrWrongChain          = sentinel(CodeWrongChain)
	ErrBadSignature        = sentinel(CodeBadSignature)
	ErrNonceTooLow         = sentinel(CodeNonceTooLow)
	ErrNonceTooHigh        = sentinel(CodeNonceTooHigh)
	ErrInsufficientBalance = sentinel(CodeInsufficientBalance)
	ErrTooLarge            = sentinel(CodeTooLarge)
	ErrMempoolFull         = sentinel(CodeMempoolFull)
	ErrDuplicate           = sentinel(CodeDuplicate)
	ErrUnknownTxType       = sentinel(CodeUnknownTxType)
	ErrInvalidAmount       = sentinel(CodeInvalidAmount)
	ErrInvalidDenom        = sentinel(CodeInvalidDenom)
	ErrUnauthorized        = sentinel(CodeUnauthorized)
	ErrOverflow            = sentinel(CodeOverflow)
)

func sentinel(c Code) *Error { return &Error{Code: c, Msg: c.String()} }

// CodeOf returns the stable code carried anywhere in err's chain: an *Error's
// code, an *attest.Error's code (1xx), CodeOK for nil and CodeInternal for an
// uncoded error.
func CodeOf(err error) Code {
	if c, ok := codeOf(err); ok {
		return c
	}
	return CodeInternal
}

// IsRejection reports whether err carries a stable code, meaning the input was
// refused, as opposed to an internal failure that must halt execution.
func IsRejection(err error) bool {
	c, ok := codeOf(err)
	return ok && c != CodeOK && c != CodeInternal
}

func codeOf(err error) (Code, bool) {
	if err == nil {
		return CodeOK, true
	}
	var ae *Error
	if errors.As(err, &ae) {
		return ae.Code, true
	}
	var te *attest.Error
	if errors.As(err, &te) {
		return Code(te.Code), true
	}
	return CodeInternal, false
}
