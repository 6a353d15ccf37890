package app_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/app"
)

// TestCodeRegistryIsStable pins every code's number and name: receipts on
// disk and clients depend on them, so this table only ever grows.
func TestCodeRegistryIsStable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		code app.Code
		num  uint32
		name string
	}{
		{app.CodeOK, 0, "ok"},
		{app.CodeMalformed, 200, "malformed"},
		{app.CodeWrongChain, 201, "wrong_chain"},
		{app.CodeBadSignature, 202, "bad_signature"},
		{app.CodeNonceTooLow, 203, "nonce_too_low"},
		{app.CodeNonceTooHigh, 204, "nonce_too_high"},
		{app.CodeInsufficientBalance, 205, "insufficient_balance"},
		{app.CodeTooLarge, 206, "too_large"},
		{app.CodeMempoolFull, 207, "mempool_full"},
		{app.CodeDuplicate, 208, "duplicate"},
		{app.CodeUnknownTxType, 209, "unknown_tx_type"},
		{app.CodeInvalidAmount, 210, "invalid_amount"},
		{app.CodeInvalidDenom, 211, "invalid_denom"},
		{app.CodeUnauthorized, 212, "unauthorized"},
		{app.CodeOverflow, 213, "overflow"},
		{app.CodeInternal, 214, "internal"},
		{app.Code(attest.CodeBadProof), 107, "attest_107"},
		{app.Code(999), 999, "code_999"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.num, uint32(tc.code))
			require.Equal(t, tc.name, tc.code.String())
		})
	}
}

func TestCodeOf(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		err       error
		want      app.Code
		rejection bool
	}{
		{"nil", nil, app.CodeOK, false},
		{"app error", app.Errorf(app.CodeInvalidDenom, "bad"), app.CodeInvalidDenom, true},
		{"wrapped app error", fmt.Errorf("deliver: %w", app.ErrInsufficientBalance), app.CodeInsufficientBalance, true},
		{"attest error", fmt.Errorf("verify: %w", attest.ErrBadProof), app.Code(attest.CodeBadProof), true},
		{"plain error", errors.New("disk on fire"), app.CodeInternal, false},
		{"coded internal", app.Errorf(app.CodeInternal, "x"), app.CodeInternal, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, app.CodeOf(tc.err))
			require.Equal(t, tc.rejection, app.IsRejection(tc.err))
		})
	}
}

func TestErrorIsMatchesCode(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("admit: %w", app.Errorf(app.CodeNonceTooLow, "nonce 3, account at 5"))
	require.ErrorIs(t, err, app.ErrNonceTooLow)
	require.NotErrorIs(t, err, app.ErrNonceTooHigh)
	require.Equal(t, "nonce_too_low: nonce 3, account at 5", errors.Unwrap(err).Error())
}
