package xfer_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/node/app"
	"github.com/causeway/causeway/node/xfer"
)

// registry lists every xfer code with its published number and name. A
// failure here means a code was renumbered or renamed: never do that.
var registry = []struct {
	code app.Code
	num  uint32
	name string
}{
	{xfer.CodeUnknownChain, 300, "unknown_chain"},
	{xfer.CodeClientFrozen, 301, "client_frozen"},
	{xfer.CodeWrongRoute, 302, "wrong_route"},
	{xfer.CodeBadTimeout, 303, "bad_timeout"},
	{xfer.CodeTimeoutTooLong, 304, "timeout_too_long"},
	{xfer.CodeReceiverBlocked, 305, "receiver_blocked"},
	{xfer.CodeOverPacketLimit, 306, "over_packet_limit"},
	{xfer.CodeRateLimited, 307, "rate_limited"},
	{xfer.CodeHandoffMismatch, 308, "handoff_mismatch"},
	{xfer.CodeNotHandoff, 309, "not_handoff"},
	{xfer.CodeStaleHandoff, 310, "stale_handoff"},
	{xfer.CodeMemoTooLarge, 311, "memo_too_large"},
	{xfer.CodeEmptyBatch, 312, "empty_batch"},
	{xfer.CodeBatchTooLarge, 313, "batch_too_large"},
	{xfer.CodeNoTrustedSet, 314, "no_trusted_set"},
}

func TestCodesAreStable(t *testing.T) {
	t.Parallel()
	names := map[string]bool{}
	for _, tc := range registry {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.num, uint32(tc.code))
			require.Equal(t, tc.name, xfer.CodeName(tc.code))
			err := fmt.Errorf("wrapped: %w", &app.Error{Code: tc.code, Msg: "x"})
			require.Equal(t, tc.code, app.CodeOf(err), "app.CodeOf passes xfer codes through")
			require.True(t, app.IsRejection(err))
		})
		require.False(t, names[tc.name], "duplicate name %s", tc.name)
		names[tc.name] = true
	}
	require.Equal(t, "insufficient_balance", xfer.CodeName(app.CodeInsufficientBalance))
}

func TestSentinelsMatchOnCode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		sentinel error
		code     app.Code
	}{
		{xfer.ErrUnknownChain, xfer.CodeUnknownChain},
		{xfer.ErrClientFrozen, xfer.CodeClientFrozen},
		{xfer.ErrWrongRoute, xfer.CodeWrongRoute},
		{xfer.ErrBadTimeout, xfer.CodeBadTimeout},
		{xfer.ErrTimeoutTooLong, xfer.CodeTimeoutTooLong},
		{xfer.ErrHandoffMismatch, xfer.CodeHandoffMismatch},
		{xfer.ErrNotHandoff, xfer.CodeNotHandoff},
		{xfer.ErrStaleHandoff, xfer.CodeStaleHandoff},
		{xfer.ErrMemoTooLarge, xfer.CodeMemoTooLarge},
		{xfer.ErrEmptyBatch, xfer.CodeEmptyBatch},
		{xfer.ErrBatchTooLarge, xfer.CodeBatchTooLarge},
		{xfer.ErrNoTrustedSet, xfer.CodeNoTrustedSet},
	}
	for _, tc := range cases {
		t.Run(tc.code.String(), func(t *testing.T) {
			t.Parallel()
			err := fmt.Errorf("op: %w", app.Errorf(tc.code, "detail"))
			require.ErrorIs(t, err, tc.sentinel)
			require.Equal(t, tc.code, app.CodeOf(tc.sentinel))
			require.False(t, errors.Is(err, xfer.ErrCorruptState))
		})
	}
}
