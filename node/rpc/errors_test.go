package rpc

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
)

func TestErrorCodeMapsOntoJSONRPC(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code    int
		jsonrpc int
		name    string
	}{
		{CodeInvalidParams, -32602, "invalid_params"},
		{CodeInternal, -32603, "internal"},
		{CodeMethodNotFound, -32601, "method_not_found"},
		{CodeInvalidRequest, -32600, "invalid_request"},
		{CodeNotFound, CodeNotFound, "not_found"},
		{CodeSlowSubscriber, CodeSlowSubscriber, "slow_subscriber"},
		{int(attest.CodeBadProof), int(attest.CodeBadProof), "bad_proof"},
		{205, 205, "code_205"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := Errorf(tt.code, "detail")
			require.Equal(t, tt.jsonrpc, e.ErrorCode())
			require.Equal(t, tt.name, e.Name)
			require.Equal(t, ErrorData{Code: tt.code, Name: tt.name}, e.ErrorData())
			require.Equal(t, e, FromObject(e.Object()))
		})
	}
}

func TestFromObjectWithoutDataUsesJSONRPCCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		jsonrpc int
		want    int
	}{
		{-32700, CodeInvalidRequest},
		{-32600, CodeInvalidRequest},
		{-32601, CodeMethodNotFound},
		{-32602, CodeInvalidParams},
		{-32603, CodeInternal},
		{-32002, CodeTimeout},
		{-32003, CodeLimitExceeded},
		{-32000, CodeInternal},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.jsonrpc), func(t *testing.T) {
			t.Parallel()
			e := FromObject(ErrorObject{Code: tt.jsonrpc, Message: "m"})
			require.Equal(t, tt.want, e.Code)
			require.Equal(t, CodeName(tt.want), e.Name)
		})
	}
}

func TestAPIError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		err     error
		code    int
		msg     string
		uncoded bool
	}{
		{"wrapped rpc error keeps code and context", fmt.Errorf("block 9: %w", ErrNotFound), CodeNotFound, "block 9: not found", false},
		{"app code passes through", &Error{Code: 205, Name: "insufficient_balance", Msg: "short"}, 205, "short", false},
		{"attest code passes through", fmt.Errorf("admit: %w", attest.ErrBadSignature), int(attest.CodeBadSignature), "admit: attest code 101: bad signature", false},
		{"deadline", fmt.Errorf("read: %w", context.DeadlineExceeded), CodeTimeout, "read: context deadline exceeded", false},
		{"plain error is hidden", errors.New("disk on fire"), CodeInternal, "internal error", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, uncoded := apiError(tt.err)
			require.Equal(t, tt.code, got.Code)
			require.Equal(t, tt.msg, got.Msg)
			require.Equal(t, tt.uncoded, uncoded)
			require.NotEmpty(t, got.Name)
		})
	}
}

func TestErrorIsMatchesCode(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("call: %w", Errorf(CodeNotFound, "height 7"))
	require.ErrorIs(t, err, ErrNotFound)
	require.NotErrorIs(t, err, ErrInternal)
}
