package attest

import (
	"errors"
	"fmt"
)

// Code is a stable numeric error code. Codes cross the RPC boundary and appear
// in transaction receipts, so they are never renumbered.
type Code uint32

// Verification error codes (1xx).
const (
	CodeOK               Code = 0
	CodeMalformed        Code = 100
	CodeBadSignature     Code = 101
	CodeUnknownSigner    Code = 102
	CodeInsufficientVote Code = 103
	CodeWrongChain       Code = 104
	CodeWrongValidators  Code = 105
	CodeHashMismatch     Code = 106
	CodeBadProof         Code = 107
	CodeBadEvidence      Code = 108
)

// Error is a verification failure with a stable code.
type Error struct {
	Code Code
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("attest code %d: %s", e.Code, e.Msg) }

// Is lets errors.Is match on the code alone: errors.Is(err, ErrBadSignature).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

func errorf(code Code, format string, args ...any) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Sentinels for errors.Is.
var (
	ErrMalformed        = &Error{Code: CodeMalformed, Msg: "malformed"}
	ErrBadSignature     = &Error{Code: CodeBadSignature, Msg: "bad signature"}
	ErrUnknownSigner    = &Error{Code: CodeUnknownSigner, Msg: "signer is not in the validator set"}
	ErrInsufficientVote = &Error{Code: CodeInsufficientVote, Msg: "signatures carry less than a quorum of voting power"}
	ErrWrongChain       = &Error{Code: CodeWrongChain, Msg: "wrong chain"}
	ErrWrongValidators  = &Error{Code: CodeWrongValidators, Msg: "validator set hash mismatch"}
	ErrHashMismatch     = &Error{Code: CodeHashMismatch, Msg: "hash mismatch"}
	ErrBadProof         = &Error{Code: CodeBadProof, Msg: "bad merkle proof"}
	ErrBadEvidence      = &Error{Code: CodeBadEvidence, Msg: "bad evidence"}
)

// CodeOf returns the stable code of err (looking through wrapping), or
// CodeMalformed for foreign errors.
func CodeOf(err error) Code {
	if err == nil {
		return CodeOK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeMalformed
}
