package rpc

import (
	"context"
	"errors"
	"fmt"

	"github.com/causeway/causeway/attest"
)

// Causeway error codes of the RPC layer (9xx). Codes cross the API and are
// never renumbered or reused. Other bands come from elsewhere and pass
// through unchanged: 1xx from attest, 2xx from the node's app modules.
const (
	CodeInternal       = 900 // the node failed; details are in its log
	CodeInvalidParams  = 901 // a parameter is malformed or out of range
	CodeNotFound       = 902 // no such height, or the height is pruned
	CodeUnavailable    = 903 // the node cannot serve this now (shutting down, feed lost)
	CodeSlowSubscriber = 904 // the subscription fell a full buffer behind and was ended
	CodeLimitExceeded  = 905 // too many keys, subscriptions, batch items or bytes
	CodeMethodNotFound = 906 // no such method or subscription
	CodeInvalidRequest = 907 // not a JSON-RPC request
	CodeTimeout        = 908 // the request ran past its deadline
)

// JSON-RPC 2.0 error codes that Causeway codes map onto.
const (
	jsonrpcParseError     = -32700
	jsonrpcInvalidRequest = -32600
	jsonrpcMethodNotFound = -32601
	jsonrpcInvalidParams  = -32602
	jsonrpcInternalError  = -32603
	jsonrpcServerError    = -32000
	jsonrpcTimeout        = -32002
	jsonrpcTooLarge       = -32003
)

var codeNames = map[int]string{
	CodeInternal:       "internal",
	CodeInvalidParams:  "invalid_params",
	CodeNotFound:       "not_found",
	CodeUnavailable:    "unavailable",
	CodeSlowSubscriber: "slow_subscriber",
	CodeLimitExceeded:  "limit_exceeded",
	CodeMethodNotFound: "method_not_found",
	CodeInvalidRequest: "invalid_request",
	CodeTimeout:        "timeout",
}

// attest's verification codes occupy [attestBandLow, attestBandHigh).
const (
	attestBandLow  = 100
	attestBandHigh = 200
)

// attestNames names attest's verification codes on the wire.
var attestNames = map[attest.Code]string{
	attest.CodeMalformed:        "malformed",
	attest.CodeBadSignature:     "bad_signature",
	attest.CodeUnknownSigner:    "unknown_signer",
	attest.CodeInsufficientVote: "insufficient_vote",
	attest.CodeWrongChain:       "wrong_chain",
	attest.CodeWrongValidators:  "wrong_validators",
	attest.CodeHashMismatch:     "hash_mismatch",
	attest.CodeBadProof:         "bad_proof",
	attest.CodeBadEvidence:      "bad_evidence",
}

// Sentinels for errors.Is, which matches an *Error on its Code alone.
var (
	ErrInternal       = sentinel(CodeInternal, "internal error")
	ErrInvalidParams  = sentinel(CodeInvalidParams, "invalid params")
	ErrNotFound       = sentinel(CodeNotFound, "not found")
	ErrUnavailable    = sentinel(CodeUnavailable, "unavailable")
	ErrSlowSubscriber = sentinel(CodeSlowSubscriber, "subscriber fell behind")
	ErrLimitExceeded  = sentinel(CodeLimitExceeded, "limit exceeded")
	ErrMethodNotFound = sentinel(CodeMethodNotFound, "method not found")
	ErrInvalidRequest = sentinel(CodeInvalidRequest, "invalid request")
	ErrTimeout        = sentinel(CodeTimeout, "request timed out")
)

// Error is an API error with a stable Causeway code. On the wire it is a
// JSON-RPC error whose data is ErrorData{Code, Name}; see ErrorCode for the
// JSON-RPC code. A Backend returns (or wraps) an *Error to choose the code
// a client sees; uncoded errors become CodeInternal.
type Error struct {
	Code int    // Causeway code: 1xx attest, 2xx app, 9xx RPC layer
	Name string // snake_case name of Code, stable like the code
	Msg  string // human-readable detail
}

// ErrorData is the data member of every Causeway JSON-RPC error.
type ErrorData struct {
	Code int    `json:"code"`
	Name string `json:"name"`
}

// ErrorObject is a JSON-RPC error object. A subscription that the server
// ends sends one last notification, SubscriptionEnd, carrying one.
type ErrorObject struct {
	Code    int        `json:"code"`
	Message string     `json:"message"`
	Data    *ErrorData `json:"data,omitempty"`
}

// SubscriptionEnd is the final notification of a subscription the server
// ends (slow subscriber, node shutting down). No other notification has a
// top-level "error" member.
type SubscriptionEnd struct {
	Error ErrorObject `json:"error"`
}

// Errorf builds an *Error with a registered RPC-layer code.
func Errorf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Name: CodeName(code), Msg: fmt.Sprintf(format, args...)}
}

func sentinel(code int, msg string) *Error {
	return &Error{Code: code, Name: CodeName(code), Msg: msg}
}

// Error returns the message; it becomes the JSON-RPC error message.
func (e *Error) Error() string { return e.Msg }

// Is lets errors.Is match on the code alone: errors.Is(err, rpc.ErrNotFound).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// ErrorCode is the JSON-RPC code: the standard invalid-params, internal,
// method-not-found and invalid-request codes for those Causeway codes, and the
// Causeway code itself for every other (application-defined) error.
func (e *Error) ErrorCode() int {
	switch e.Code {
	case CodeInvalidParams:
		return jsonrpcInvalidParams
	case CodeInternal:
		return jsonrpcInternalError
	case CodeMethodNotFound:
		return jsonrpcMethodNotFound
	case CodeInvalidRequest:
		return jsonrpcInvalidRequest
	}
	return e.Code
}

// ErrorData is the JSON-RPC error data: {"code": <Causeway code>, "name": ...}.
func (e *Error) ErrorData() any { return ErrorData{Code: e.Code, Name: e.Name} }

// Object is e as a JSON-RPC error object.
func (e *Error) Object() ErrorObject {
	return ErrorObject{Code: e.ErrorCode(), Message: e.Msg, Data: &ErrorData{Code: e.Code, Name: e.Name}}
}

// CodeName is the registered name of an RPC-layer or attest code, and
// "code_<n>" for any other.
func CodeName(code int) string {
	if name, ok := codeNames[code]; ok {
		return name
	}
	if code >= attestBandLow && code < attestBandHigh {
		if name, ok := attestNames[attest.Code(code)]; ok {
			return name
		}
	}
	return fmt.Sprintf("code_%d", code)
}

// FromObject rebuilds an *Error from a JSON-RPC error as a client sees it.
// Errors without Causeway data (the JSON-RPC library's own) get the Causeway
// code matching their JSON-RPC code.
func FromObject(o ErrorObject) *Error {
	if o.Data != nil {
		name := o.Data.Name
		if name == "" {
			name = CodeName(o.Data.Code)
		}
		return &Error{Code: o.Data.Code, Name: name, Msg: o.Message}
	}
	code := codeForJSONRPC(o.Code)
	return &Error{Code: code, Name: CodeName(code), Msg: o.Message}
}

func codeForJSONRPC(code int) int {
	switch code {
	case jsonrpcParseError, jsonrpcInvalidRequest:
		return CodeInvalidRequest
	case jsonrpcMethodNotFound:
		return CodeMethodNotFound
	case jsonrpcInvalidParams:
		return CodeInvalidParams
	case jsonrpcTimeout:
		return CodeTimeout
	case jsonrpcTooLarge:
		return CodeLimitExceeded
	}
	return CodeInternal
}

// apiError turns any error into the *Error sent to the client. It reports
// whether err was uncoded, so the caller logs it: the client only learns
// that the node failed.
func apiError(err error) (out *Error, uncoded bool) {
	var e *Error
	if errors.As(err, &e) {
		return &Error{Code: e.Code, Name: nameOr(e.Name, e.Code), Msg: err.Error()}, false
	}
	var ae *attest.Error
	if errors.As(err, &ae) {
		return &Error{Code: int(ae.Code), Name: CodeName(int(ae.Code)), Msg: err.Error()}, false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return Errorf(CodeTimeout, "%v", err), false
	}
	return sentinel(CodeInternal, ErrInternal.Msg), true
}

func nameOr(name string, code int) string {
	if name != "" {
		return name
	}
	return CodeName(code)
}
