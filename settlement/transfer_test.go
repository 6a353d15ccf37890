package settlement_test

import (
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
)

func TestTransferIDs(t *testing.T) {
	t.Parallel()
	id := settlement.PacketTransferID("alpha-1", "beta", 42)
	require.Equal(t, settlement.TransferID("alpha-1.beta.42"), id)
	got, src, dst, err := settlement.ParseTransferID(string(id))
	require.NoError(t, err)
	require.Equal(t, id, got)
	require.Equal(t, "alpha-1", src)
	require.Equal(t, "beta", dst)

	sub := settlement.SubmittedTransferID("alpha", "beta", attest.Hash{0xab})
	_, _, _, err = settlement.ParseTransferID(string(sub))
	require.NoError(t, err)

	for _, bad := range []string{"", "alpha.beta", "alpha.beta.0", "alpha.beta.042", "alpha.beta.-1",
		"Alpha.beta.1", "alpha.beta.1.2", "alpha.beta.0xab", "alpha..1", "alpha.beta.18446744073709551616"} {
		_, _, _, err := settlement.ParseTransferID(bad)
		require.ErrorIs(t, err, settlement.ErrInvalid, "%q", bad)
	}
}

func FuzzParseTransferID(f *testing.F) {
	f.Add("alpha.beta.42")
	f.Add("a-b.c-d.0x" + "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
	f.Fuzz(func(t *testing.T, s string) {
		id, src, dst, err := settlement.ParseTransferID(s)
		if err != nil {
			return
		}
		require.Equal(t, s, string(id))
		require.True(t, settlement.ValidChainID(src) && settlement.ValidChainID(dst))
	})
}

func validNew() *settlement.Transfer {
	return &settlement.Transfer{
		Src: "alpha", Dst: "beta", Seq: 7, Status: settlement.StatusSourceCommitted,
		Sender: attest.Address{1}, Receiver: attest.Address{2}, Denom: "USD",
		Amount: uint256.NewInt(100), Fee: uint256.NewInt(1), TimeoutHeight: 1000,
		Source: settlement.StageRecord{Height: 3, TxHash: attest.Hash{3}},
	}
}

func TestValidateNew(t *testing.T) {
	t.Parallel()
	require.NoError(t, settlement.ValidateNew(validNew()))
	for _, tc := range []struct {
		name   string
		mutate func(*settlement.Transfer)
		want   error
	}{
		{"same chains", func(tr *settlement.Transfer) { tr.Dst = "alpha" }, settlement.ErrInvalid},
		{"bad chain id", func(tr *settlement.Transfer) { tr.Src = "Alpha" }, settlement.ErrInvalid},
		{"zero amount", func(tr *settlement.Transfer) { tr.Amount = new(uint256.Int) }, settlement.ErrInvalid},
		{"nil fee", func(tr *settlement.Transfer) { tr.Fee = nil }, settlement.ErrInvalid},
		{"no denom", func(tr *settlement.Transfer) { tr.Denom = "" }, settlement.ErrInvalid},
		{"no timeout", func(tr *settlement.Transfer) { tr.TimeoutHeight = 0 }, settlement.ErrInvalid},
		{"no sender", func(tr *settlement.Transfer) { tr.Sender = attest.Address{} }, settlement.ErrInvalid},
		{"no source tx", func(tr *settlement.Transfer) { tr.Source.TxHash = attest.Hash{} }, settlement.ErrMissingEvidence},
		{"committed without height", func(tr *settlement.Transfer) { tr.Source.Height = 0 }, settlement.ErrMissingEvidence},
		{"committed without seq", func(tr *settlement.Transfer) { tr.Seq = 0 }, settlement.ErrMissingEvidence},
		{"submitted with seq", func(tr *settlement.Transfer) { tr.Status = settlement.StatusSubmitted }, settlement.ErrInvalid},
		{"starts delivered", func(tr *settlement.Transfer) { tr.Status = settlement.StatusDelivered }, settlement.ErrInvalidTransition},
		{"receipt filled in", func(tr *settlement.Transfer) { tr.Receipt = okRcpt }, settlement.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr := validNew()
			tc.mutate(tr)
			require.ErrorIs(t, settlement.ValidateNew(tr), tc.want)
		})
	}
	sub := validNew()
	sub.Status, sub.Seq, sub.Source.Height = settlement.StatusSubmitted, 0, 0
	require.NoError(t, settlement.ValidateNew(sub))
	require.Equal(t, settlement.SubmittedTransferID("alpha", "beta", attest.Hash{3}), sub.DeriveID())
}
