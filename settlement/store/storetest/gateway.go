package storetest

import (
	"testing"
	"time"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement"
)

// Hash tags of the gateway's fixtures.
const (
	tagAPIKey = 0x4e
	tagBody   = 0xb0
)

// keyEpoch is the creation time of the first fixture key; the others follow
// a second apart so "oldest first" is unambiguous.
var keyEpoch = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func apiKey(id, client string, n int) *settlement.APIKey {
	return &settlement.APIKey{ID: id, ClientID: client, Hash: hashOf(tagAPIKey, uint64(n)),
		CreatedAt: keyEpoch.Add(time.Duration(n) * time.Second)}
}

func testAPIKeys(t *testing.T, s settlement.Store) {
	none, err := s.ListAPIKeys(t.Context(), "")
	require.NoError(t, err)
	require.Empty(t, none)

	k1, k2, k3 := apiKey("k1aaaaaa", "acme", 1), apiKey("k2bbbbbb", "acme", 2), apiKey("k3cccccc", "zeta", 3)
	k2.RatePerSec, k2.Burst = 50, 100
	// Created out of order: the list orders by creation time, not insertion.
	for _, k := range []*settlement.APIKey{k3, k1, k2} {
		require.NoError(t, s.CreateAPIKey(t.Context(), k))
	}
	dup := apiKey(k1.ID, "zeta", 9)
	require.ErrorIs(t, s.CreateAPIKey(t.Context(), dup), settlement.ErrConflict)
	for name, bad := range map[string]*settlement.APIKey{
		"no id":         apiKey("", "acme", 4),
		"no client":     apiKey("k4dddddd", "", 4),
		"no hash":       {ID: "k5eeeeee", ClientID: "acme"},
		"negative rate": {ID: "k6ffffff", ClientID: "acme", Hash: hashOf(tagAPIKey, 6), RatePerSec: -1},
	} {
		require.ErrorIs(t, s.CreateAPIKey(t.Context(), bad), settlement.ErrInvalid, name)
	}

	got, err := s.GetAPIKey(t.Context(), k2.ID)
	require.NoError(t, err)
	require.Equal(t, k2, got)
	require.False(t, got.Revoked())
	_, err = s.GetAPIKey(t.Context(), "nosuchkey")
	require.ErrorIs(t, err, settlement.ErrNotFound)

	acme, err := s.ListAPIKeys(t.Context(), "acme")
	require.NoError(t, err)
	require.Equal(t, []*settlement.APIKey{k1, k2}, acme, "oldest first, one client")
	all, err := s.ListAPIKeys(t.Context(), "")
	require.NoError(t, err)
	require.Equal(t, []*settlement.APIKey{k1, k2, k3}, all)

	first := keyEpoch.Add(time.Hour)
	require.NoError(t, s.RevokeAPIKey(t.Context(), k1.ID, first))
	require.NoError(t, s.RevokeAPIKey(t.Context(), k1.ID, first.Add(time.Hour)), "revoking again is not an error")
	got, err = s.GetAPIKey(t.Context(), k1.ID)
	require.NoError(t, err)
	require.True(t, got.Revoked())
	require.Equal(t, first, got.RevokedAt, "the first revocation time stays")
	require.ErrorIs(t, s.RevokeAPIKey(t.Context(), "nosuchkey", first), settlement.ErrNotFound)
	got, err = s.GetAPIKey(t.Context(), k2.ID)
	require.NoError(t, err)
	require.False(t, got.Revoked(), "revocation is per key")
}

func testLastEventSeq(t *testing.T, s settlement.Store) {
	seq, err := s.LastEventSeq(t.Context())
	require.NoError(t, err)
	require.Zero(t, seq)

	a := create(t, s, committed(1))
	create(t, s, committed(2))
	seq, err = s.LastEventSeq(t.Context())
	require.NoError(t, err)
	evs := allEvents(t, s, settlement.EventFilter{})
	require.Len(t, evs, 2)
	require.Equal(t, evs[1].Seq, seq)

	deliver(t, s, a, settlement.ReceiptOK, 0)
	next, err := s.LastEventSeq(t.Context())
	require.NoError(t, err)
	require.Equal(t, seq+1, next, "a transition's event moves it")
}

func testLatestReconciliations(t *testing.T, s settlement.Store) {
	none, err := s.LatestReconciliations(t.Context())
	require.NoError(t, err)
	require.Empty(t, none)

	check := func(src, dst, denom string, escrow uint64, ok bool) *settlement.Reconciliation {
		r := &settlement.Reconciliation{Src: src, Dst: dst, Denom: denom, Escrow: uint256.NewInt(escrow),
			Vouchers: uint256.NewInt(escrow), InFlight: uint256.NewInt(0), OK: ok}
		require.NoError(t, s.SaveReconciliation(t.Context(), r))
		return r
	}
	check("beta", "alpha", "USD", 1, true)
	check("alpha", "beta", "USD", 2, true)
	eur := check("alpha", "beta", "EUR", 3, true)
	usd := check("alpha", "beta", "USD", 4, false)
	back := check("beta", "alpha", "USD", 5, true)

	got, err := s.LatestReconciliations(t.Context())
	require.NoError(t, err)
	require.Len(t, got, 3, "one per route and denom")
	for i, want := range []*settlement.Reconciliation{eur, usd, back} {
		require.Equal(t, want.ID, got[i].ID, "row %d", i)
		require.Equal(t, want.Escrow.Dec(), got[i].Escrow.Dec())
		require.Equal(t, want.OK, got[i].OK)
		require.Equal(t, want.At, got[i].At)
	}
}

func testRelayerStats(t *testing.T, s settlement.Store) {
	none, err := s.RelayerStats(t.Context())
	require.NoError(t, err)
	require.Empty(t, none)

	var n uint64
	submit := func(chain string, signer uint64, status settlement.SubmissionStatus, batch int) *settlement.Submission {
		n++
		sub, err := s.CreateSubmission(t.Context(), &settlement.Submission{Chain: chain, TxHash: hashOf(tagSubmit, n),
			Kind: settlement.KindRecv, Signer: addrOf(signer), Nonce: n, BatchSize: batch, Status: status})
		require.NoError(t, err)
		return sub
	}
	submit("beta", 9, settlement.SubmissionIncluded, 100)
	submit("beta", 9, settlement.SubmissionFailed, 5)
	submit("beta", 9, settlement.SubmissionDropped, 6)
	submit("beta", 8, settlement.SubmissionPending, 3)
	submit("alpha", 9, settlement.SubmissionIncluded, 7)
	pending := submit("beta", 9, settlement.SubmissionPending, 20)
	// The last one is included later: it counts as included, with its packets.
	last, err := s.UpdateSubmission(t.Context(), "beta", pending.TxHash,
		settlement.SubmissionUpdate{Status: settlement.SubmissionIncluded, Height: 12})
	require.NoError(t, err)

	got, err := s.RelayerStats(t.Context())
	require.NoError(t, err)
	require.Len(t, got, 3)
	for _, st := range got {
		require.False(t, st.LastAt.IsZero())
	}
	require.Equal(t, []settlement.RelayerStat{
		{Chain: "alpha", Signer: addrOf(9), Included: 1, Packets: 7},
		{Chain: "beta", Signer: addrOf(8), Pending: 1},
		{Chain: "beta", Signer: addrOf(9), Included: 2, Failed: 1, Dropped: 1, Packets: 120},
	}, clearTimes(got))
	beta9, err := s.RelayerStats(t.Context())
	require.NoError(t, err)
	require.Equal(t, last.UpdatedAt, beta9[2].LastAt, "the signer's latest activity")
}

func clearTimes(stats []settlement.RelayerStat) []settlement.RelayerStat {
	for i := range stats {
		stats[i].LastAt = time.Time{}
	}
	return stats
}
