package storetest

import (
	"encoding/json"
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement"
)

// maxU256 is 2^256-1, the largest amount the chains can hold.
func maxU256() *uint256.Int { return new(uint256.Int).SetAllOne() }

func testMoneyRoundTrip(t *testing.T, s settlement.Store) {
	amounts := []*uint256.Int{
		uint256.NewInt(1),
		new(uint256.Int).Lsh(uint256.NewInt(1), 64),
		new(uint256.Int).AddUint64(new(uint256.Int).Lsh(uint256.NewInt(1), 128), 1),
		new(uint256.Int).Sub(maxU256(), uint256.NewInt(1)),
		maxU256(),
	}
	for i, amt := range amounts {
		in := committed(uint64(i + 1))
		in.Amount, in.Fee = amt, new(uint256.Int)
		if i == len(amounts)-1 {
			in.Fee = maxU256()
		}
		c := create(t, s, in)
		got := get(t, s, c.ID)
		require.Equal(t, amt.Dec(), got.Amount.Dec())
		require.Equal(t, in.Fee.Dec(), got.Fee.Dec())

		evs := allEvents(t, s, settlement.EventFilter{TransferID: c.ID})
		require.Len(t, evs, 1)
		var payload settlement.Transfer
		require.NoError(t, json.Unmarshal(evs[0].Payload, &payload))
		require.Equal(t, amt.Dec(), payload.Amount.Dec(), "the event carries the exact amount")
	}
	ts, _, err := s.List(t.Context(), settlement.ListFilter{}, "", 1)
	require.NoError(t, err)
	require.Equal(t, maxU256().Dec(), ts[0].Amount.Dec())

	r := &settlement.Reconciliation{Src: "alpha", Dst: "beta", Denom: "USD",
		Escrow: maxU256(), Vouchers: new(uint256.Int).Sub(maxU256(), uint256.NewInt(7)), InFlight: uint256.NewInt(7), OK: true}
	require.NoError(t, s.SaveReconciliation(t.Context(), r))
	last, err := s.LastReconciliation(t.Context(), "alpha", "beta", "USD")
	require.NoError(t, err)
	require.Equal(t, maxU256().Dec(), last.Escrow.Dec())
	require.Equal(t, r.Vouchers.Dec(), last.Vouchers.Dec())
}

func testSubmissions(t *testing.T, s settlement.Store) {
	in := &settlement.Submission{Chain: "beta", TxHash: hashOf(tagDelivery, 1), Kind: settlement.KindRecv,
		Signer: addrOf(9), Nonce: 41, BatchSize: 100, Attempts: 1}
	got, err := s.CreateSubmission(t.Context(), in)
	require.NoError(t, err)
	require.Equal(t, settlement.SubmissionPending, got.Status)
	require.Equal(t, uint64(41), got.Nonce)
	require.Equal(t, 100, got.BatchSize)
	require.Equal(t, addrOf(9), got.Signer)
	require.False(t, got.CreatedAt.IsZero())

	again, err := s.CreateSubmission(t.Context(), &settlement.Submission{Chain: "beta", TxHash: in.TxHash,
		Kind: settlement.KindAck, Signer: addrOf(8), Nonce: 1})
	require.NoError(t, err)
	require.Equal(t, got, again, "recording the same transaction again changes nothing")

	up, err := s.UpdateSubmission(t.Context(), "beta", in.TxHash, settlement.SubmissionUpdate{
		Status: settlement.SubmissionIncluded, Height: 77, Attempts: 2})
	require.NoError(t, err)
	require.Equal(t, settlement.SubmissionIncluded, up.Status)
	require.Equal(t, uint64(77), up.Height)
	require.Equal(t, 2, up.Attempts)
	up, err = s.UpdateSubmission(t.Context(), "beta", in.TxHash, settlement.SubmissionUpdate{
		Status: settlement.SubmissionFailed, Height: 77, Error: "out of gas"})
	require.NoError(t, err)
	require.Equal(t, 2, up.Attempts, "zero attempts keeps the count")
	require.Equal(t, "out of gas", up.Error)
	read, err := s.GetSubmission(t.Context(), "beta", in.TxHash)
	require.NoError(t, err)
	require.Equal(t, up, read)

	_, err = s.GetSubmission(t.Context(), "alpha", in.TxHash)
	require.ErrorIs(t, err, settlement.ErrNotFound)
	_, err = s.UpdateSubmission(t.Context(), "alpha", in.TxHash, settlement.SubmissionUpdate{Status: settlement.SubmissionDropped})
	require.ErrorIs(t, err, settlement.ErrNotFound)
	_, err = s.UpdateSubmission(t.Context(), "beta", in.TxHash, settlement.SubmissionUpdate{Status: "lost"})
	require.ErrorIs(t, err, settlement.ErrInvalid)
	_, err = s.CreateSubmission(t.Context(), &settlement.Submission{Chain: "beta", TxHash: hashOf(1, 1), Kind: "bogus"})
	require.ErrorIs(t, err, settlement.ErrInvalid)

	ack, err := s.CreateSubmission(t.Context(), &settlement.Submission{Chain: "alpha", TxHash: hashOf(tagConfirm, 1),
		Kind: settlement.KindAck, Signer: addrOf(9), Nonce: 7, BatchSize: 3})
	require.NoError(t, err)
	list, err := s.ListSubmissions(t.Context(), settlement.SubmissionFilter{}, 0)
	require.NoError(t, err)
	require.Equal(t, []*settlement.Submission{ack, read}, list, "newest first")
	list, err = s.ListSubmissions(t.Context(), settlement.SubmissionFilter{Chain: "beta", Status: settlement.SubmissionFailed}, 0)
	require.NoError(t, err)
	require.Equal(t, []*settlement.Submission{read}, list)
	list, err = s.ListSubmissions(t.Context(), settlement.SubmissionFilter{Signer: addrOf(9), Kind: settlement.KindAck}, 0)
	require.NoError(t, err)
	require.Equal(t, []*settlement.Submission{ack}, list)
}

func testReconciliation(t *testing.T, s settlement.Store) {
	_, err := s.LastReconciliation(t.Context(), "alpha", "beta", "USD")
	require.ErrorIs(t, err, settlement.ErrNotFound)
	first := &settlement.Reconciliation{Src: "alpha", Dst: "beta", Denom: "USD",
		Escrow: uint256.NewInt(10), Vouchers: uint256.NewInt(7), InFlight: uint256.NewInt(3), OK: true}
	require.NoError(t, s.SaveReconciliation(t.Context(), first))
	require.NotZero(t, first.ID)
	second := &settlement.Reconciliation{Src: "alpha", Dst: "beta", Denom: "USD",
		Escrow: uint256.NewInt(10), Vouchers: uint256.NewInt(8), InFlight: uint256.NewInt(3), OK: false,
		Detail: "escrow 10 != vouchers 8 + in flight 3"}
	require.NoError(t, s.SaveReconciliation(t.Context(), second))
	other := &settlement.Reconciliation{Src: "alpha", Dst: "beta", Denom: "EUR",
		Escrow: uint256.NewInt(0), Vouchers: uint256.NewInt(0), InFlight: uint256.NewInt(0), OK: true}
	require.NoError(t, s.SaveReconciliation(t.Context(), other))

	last, err := s.LastReconciliation(t.Context(), "alpha", "beta", "USD")
	require.NoError(t, err)
	require.Equal(t, second.ID, last.ID)
	require.False(t, last.OK)
	require.Equal(t, second.Detail, last.Detail)
	require.Equal(t, second.At, last.At)
	require.Equal(t, "8", last.Vouchers.Dec())

	require.ErrorIs(t, s.SaveReconciliation(t.Context(), &settlement.Reconciliation{Src: "alpha", Dst: "beta"}), settlement.ErrInvalid)
}
