package settlement_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
)

func TestCanTransition(t *testing.T) {
	t.Parallel()
	allowed := map[[2]settlement.Status]bool{
		{settlement.StatusSubmitted, settlement.StatusSourceCommitted}: true,
		{settlement.StatusSubmitted, settlement.StatusRejected}:        true,
		{settlement.StatusSourceCommitted, settlement.StatusDelivered}: true,
		{settlement.StatusDelivered, settlement.StatusFinished}:        true,
		{settlement.StatusDelivered, settlement.StatusRefunded}:        true,
	}
	// Every pair, including unknown statuses: only the five edges exist.
	all := append([]settlement.Status{"", "bogus"}, settlement.Statuses...)
	for _, from := range all {
		for _, to := range all {
			want := allowed[[2]settlement.Status{from, to}]
			require.Equal(t, want, settlement.CanTransition(from, to), "%q → %q", from, to)
		}
	}
	for _, s := range settlement.Statuses {
		require.True(t, s.Valid())
		if s.Terminal() {
			for _, to := range all {
				require.False(t, settlement.CanTransition(s, to), "terminal %s → %s", s, to)
			}
		}
	}
	require.False(t, settlement.Status("bogus").Valid())
}

func TestStageStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		stage settlement.Stage
		want  settlement.Status
	}{
		{settlement.StageSource, settlement.StatusSubmitted},
		{settlement.StageDelivery, settlement.StatusSourceCommitted},
		{settlement.StageConfirm, settlement.StatusDelivered},
	} {
		got, ok := tc.stage.Status()
		require.True(t, ok)
		require.Equal(t, tc.want, got)
	}
	_, ok := settlement.Stage("nope").Status()
	require.False(t, ok)
}

var (
	txHash  = attest.Hash{0xaa}
	okRcpt  = &settlement.Receipt{Status: settlement.ReceiptOK}
	badRcpt = &settlement.Receipt{Status: settlement.ReceiptFailed, Code: 301}
	toRcpt  = &settlement.Receipt{Status: settlement.ReceiptTimeout}
)

func TestCheckTransition(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		from    settlement.Status
		receipt *settlement.Receipt
		to      settlement.Status
		ev      *settlement.Evidence
		want    error // nil: allowed
	}{
		{"commit", settlement.StatusSubmitted, nil, settlement.StatusSourceCommitted,
			&settlement.Evidence{Seq: 1, Height: 5, TxHash: txHash}, nil},
		{"commit without seq", settlement.StatusSubmitted, nil, settlement.StatusSourceCommitted,
			&settlement.Evidence{Height: 5, TxHash: txHash}, settlement.ErrMissingEvidence},
		{"commit without height", settlement.StatusSubmitted, nil, settlement.StatusSourceCommitted,
			&settlement.Evidence{Seq: 1, TxHash: txHash}, settlement.ErrMissingEvidence},
		{"commit without tx", settlement.StatusSubmitted, nil, settlement.StatusSourceCommitted,
			&settlement.Evidence{Seq: 1, Height: 5}, settlement.ErrMissingEvidence},
		{"no evidence", settlement.StatusSubmitted, nil, settlement.StatusSourceCommitted,
			nil, settlement.ErrMissingEvidence},
		{"reject", settlement.StatusSubmitted, nil, settlement.StatusRejected,
			&settlement.Evidence{Reason: "insufficient funds", Code: 2}, nil},
		{"reject without reason", settlement.StatusSubmitted, nil, settlement.StatusRejected,
			&settlement.Evidence{Code: 2}, settlement.ErrMissingEvidence},
		{"deliver ok", settlement.StatusSourceCommitted, nil, settlement.StatusDelivered,
			&settlement.Evidence{Height: 9, TxHash: txHash, Receipt: okRcpt}, nil},
		{"deliver timeout", settlement.StatusSourceCommitted, nil, settlement.StatusDelivered,
			&settlement.Evidence{Height: 9, TxHash: txHash, Receipt: toRcpt}, nil},
		{"deliver without receipt", settlement.StatusSourceCommitted, nil, settlement.StatusDelivered,
			&settlement.Evidence{Height: 9, TxHash: txHash}, settlement.ErrMissingEvidence},
		{"failed receipt without code", settlement.StatusSourceCommitted, nil, settlement.StatusDelivered,
			&settlement.Evidence{Height: 9, TxHash: txHash, Receipt: &settlement.Receipt{Status: settlement.ReceiptFailed}},
			settlement.ErrMissingEvidence},
		{"ok receipt with code", settlement.StatusSourceCommitted, nil, settlement.StatusDelivered,
			&settlement.Evidence{Height: 9, TxHash: txHash, Receipt: &settlement.Receipt{Status: settlement.ReceiptOK, Code: 1}},
			settlement.ErrInvalid},
		{"unknown receipt", settlement.StatusSourceCommitted, nil, settlement.StatusDelivered,
			&settlement.Evidence{Height: 9, TxHash: txHash, Receipt: &settlement.Receipt{Status: "maybe"}},
			settlement.ErrInvalid},
		{"seq on delivery", settlement.StatusSourceCommitted, nil, settlement.StatusDelivered,
			&settlement.Evidence{Height: 9, TxHash: txHash, Receipt: okRcpt, Seq: 3}, settlement.ErrInvalid},
		{"finish on ok", settlement.StatusDelivered, okRcpt, settlement.StatusFinished,
			&settlement.Evidence{Height: 12, TxHash: txHash}, nil},
		{"finish on failed", settlement.StatusDelivered, badRcpt, settlement.StatusFinished,
			&settlement.Evidence{Height: 12, TxHash: txHash}, settlement.ErrInvalidTransition},
		{"refund on failed", settlement.StatusDelivered, badRcpt, settlement.StatusRefunded,
			&settlement.Evidence{Height: 12, TxHash: txHash}, nil},
		{"refund on timeout", settlement.StatusDelivered, toRcpt, settlement.StatusRefunded,
			&settlement.Evidence{Height: 12, TxHash: txHash}, nil},
		{"refund on ok", settlement.StatusDelivered, okRcpt, settlement.StatusRefunded,
			&settlement.Evidence{Height: 12, TxHash: txHash}, settlement.ErrInvalidTransition},
		{"finish without receipt", settlement.StatusDelivered, nil, settlement.StatusFinished,
			&settlement.Evidence{Height: 12, TxHash: txHash}, settlement.ErrMissingEvidence},
		{"finish without height", settlement.StatusDelivered, okRcpt, settlement.StatusFinished,
			&settlement.Evidence{TxHash: txHash}, settlement.ErrMissingEvidence},
		{"skip delivery", settlement.StatusSourceCommitted, nil, settlement.StatusFinished,
			&settlement.Evidence{Height: 12, TxHash: txHash}, settlement.ErrInvalidTransition},
		{"refund from source_committed", settlement.StatusSourceCommitted, nil, settlement.StatusRefunded,
			&settlement.Evidence{Height: 12, TxHash: txHash}, settlement.ErrInvalidTransition},
		{"back to submitted", settlement.StatusSourceCommitted, nil, settlement.StatusSubmitted,
			&settlement.Evidence{Height: 12, TxHash: txHash}, settlement.ErrInvalidTransition},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := settlement.CheckTransition(tc.from, tc.receipt, tc.to, tc.ev)
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.want)
		})
	}
}

func TestLifecycleApply(t *testing.T) {
	t.Parallel()
	l := settlement.NewLifecycle(settlement.StatusSubmitted, nil)
	require.NoError(t, l.Apply(settlement.StatusSourceCommitted, &settlement.Evidence{Seq: 1, Height: 2, TxHash: txHash}))
	require.ErrorIs(t, l.Apply(settlement.StatusFinished, &settlement.Evidence{Height: 3, TxHash: txHash}), settlement.ErrInvalidTransition)
	require.Equal(t, settlement.StatusSourceCommitted, l.Status(), "a refused transition leaves the machine as it was")

	rc := *badRcpt
	require.NoError(t, l.Apply(settlement.StatusDelivered, &settlement.Evidence{Height: 3, TxHash: txHash, Receipt: &rc}))
	rc.Status = settlement.ReceiptOK // the machine keeps its own copy
	require.Equal(t, settlement.ReceiptFailed, l.Receipt().Status)

	require.ErrorIs(t, l.Apply(settlement.StatusFinished, &settlement.Evidence{Height: 4, TxHash: txHash}), settlement.ErrInvalidTransition)
	require.NoError(t, l.Apply(settlement.StatusRefunded, &settlement.Evidence{Height: 4, TxHash: txHash}))
	require.True(t, l.Status().Terminal())
}
