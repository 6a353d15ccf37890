// Package storetest is the conformance suite every settlement.Store
// implementation runs (as riverdrivertest is for river's drivers): call
// Run from the implementation's tests with a constructor that returns a
// fresh, empty store per call. The suite asserts the contract the relay and
// the gateway rely on: idempotent creates, compare-and-set transitions that
// exactly one of many concurrent writers wins, refusal of transitions the
// chains do not back, an outbox whose seq is gap-free in commit order and
// written only with its transition, stable pagination, stuck queries,
// monotonic cursors, exact money, and the gateway's records: API keys and
// idempotency records that exactly one of many callers creates or claims.
package storetest

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/holiman/uint256"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement"
)

// Knobs of the concurrent tests, small enough for a 2-core CI box.
const (
	racers          = 16 // goroutines racing for one transition or create
	eventWriters    = 4  // goroutines driving lifecycles in the outbox test
	eventTransfers  = 25 // transfers per event writer
	tailBatch       = 7  // events the tailing reader asks for at a time
	pageTransfers   = 25 // transfers created for the pagination test
	pageSize        = 10
	cursorSetters   = 8
	cursorMaxHeight = 1000
)

// Run runs the conformance suite. newStore must return a fresh, empty store
// for the calling test; the suite closes it.
func Run(t *testing.T, newStore func(t *testing.T) settlement.Store) {
	open := func(t *testing.T) settlement.Store {
		s := newStore(t)
		t.Cleanup(func() { require.NoError(t, s.Close()) })
		return s
	}
	tests := []struct {
		name string
		fn   func(*testing.T, settlement.Store)
	}{
		{"CreateIdempotent", testCreateIdempotent},
		{"CreateClientRef", testCreateClientRef},
		{"CreateAdoptsRelayRow", testCreateAdoptsRelayRow},
		{"CreateConcurrent", testCreateConcurrent},
		{"CreateRefusesInvalid", testCreateRefusesInvalid},
		{"CreateTransfers", testCreateTransfers},
		{"CreateTransfersLarge", testCreateTransfersLarge},
		{"CreateTransfersMixed", testCreateTransfersMixed},
		{"CreateTransfersDuplicate", testCreateTransfersDuplicate},
		{"CreateTransfersBounds", testCreateTransfersBounds},
		{"CreateTransfersConcurrent", testCreateTransfersConcurrent},
		{"LifecycleFinished", testLifecycleFinished},
		{"LifecycleRefunded", testLifecycleRefunded},
		{"LifecycleRejected", testLifecycleRejected},
		{"SubmittedByPacketID", testSubmittedByPacketID},
		{"TransitionConflict", testTransitionConflict},
		{"TransitionConcurrent", testTransitionConcurrent},
		{"TransitionRefusesMissingEvidence", testTransitionRefusesMissingEvidence},
		{"TransitionBatch", testTransitionBatch},
		{"TransitionBatchRepeated", testTransitionBatchRepeated},
		{"TransitionBatchShared", testTransitionBatchShared},
		{"TransitionBatchAtomic", testTransitionBatchAtomic},
		{"TransitionBatchConcurrent", testTransitionBatchConcurrent},
		{"FailedTransitionWritesNothing", testFailedTransitionWritesNothing},
		{"EventsGapFreeInCommitOrder", testEventsGapFree},
		{"EventsFilter", testEventsFilter},
		{"EventPayload", testEventPayload},
		{"ListPagination", testListPagination},
		{"ListFilters", testListFilters},
		{"Stuck", testStuck},
		{"RecordAttempt", testRecordAttempt},
		{"CursorMonotonic", testCursorMonotonic},
		{"MoneyRoundTrip", testMoneyRoundTrip},
		{"Submissions", testSubmissions},
		{"Reconciliation", testReconciliation},
		{"APIKeys", testAPIKeys},
		{"BeginRequest", testBeginRequest},
		{"BeginRequestClaim", testBeginRequestClaim},
		{"BeginRequestConcurrent", testBeginRequestConcurrent},
		{"UpdateRequest", testUpdateRequest},
		{"DeleteRequest", testDeleteRequest},
		{"PurgeRequests", testPurgeRequests},
		{"GetRequest", testGetRequest},
		{"AbandonedRequests", testAbandonedRequests},
		{"SchemaRefusesIncompleteRequests", testSchemaRefusesIncompleteRequests},
		{"LastEventSeq", testLastEventSeq},
		{"LatestReconciliations", testLatestReconciliations},
		{"RelayerStats", testRelayerStats},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// Fixtures. Values derive from small integers so failures read clearly.

func hashOf(tag byte, n uint64) attest.Hash {
	var h attest.Hash
	h[0] = tag
	binary.BigEndian.PutUint64(h[24:], n)
	return h
}

func addrOf(n uint64) attest.Address {
	var a attest.Address
	a[0] = 0xac
	binary.BigEndian.PutUint64(a[12:], n)
	return a
}

// Hash tags: which transaction a fixture hash stands for.
const (
	tagSource   = 0x51
	tagDelivery = 0xd1
	tagConfirm  = 0xc1
	tagSubmit   = 0x5b
)

// committed is packet seq on alpha→beta as a watcher creates it.
func committed(seq uint64) *settlement.Transfer {
	return &settlement.Transfer{
		Src: "alpha", Dst: "beta", Seq: seq, Status: settlement.StatusSourceCommitted,
		Sender: addrOf(1), Receiver: addrOf(2), Denom: "USD",
		Amount: uint256.NewInt(1000 + seq), Fee: uint256.NewInt(3),
		TimeoutHeight: 500, TimeoutTimeMs: 1_700_000_000_000,
		Source: settlement.StageRecord{Height: 10 + seq, TxHash: hashOf(tagSource, seq)},
	}
}

// submitted is a transfer the gateway sent, before the source included it.
func submitted(n uint64, client, ref string) *settlement.Transfer {
	t := committed(0)
	t.Status, t.Source = settlement.StatusSubmitted, settlement.StageRecord{TxHash: hashOf(tagSubmit, n)}
	t.Amount = uint256.NewInt(2000 + n)
	t.ClientID, t.ClientRef = client, ref
	return t
}

func commitEv(seq uint64, tx attest.Hash) *settlement.Evidence {
	return &settlement.Evidence{Seq: seq, Height: 10 + seq, TxHash: tx}
}

func deliverEv(seq uint64, r settlement.ReceiptStatus, code uint32) *settlement.Evidence {
	return &settlement.Evidence{Height: 20 + seq, TxHash: hashOf(tagDelivery, seq), Relayer: addrOf(9),
		Receipt: &settlement.Receipt{Status: r, Code: code}}
}

func confirmEv(seq uint64) *settlement.Evidence {
	return &settlement.Evidence{Height: 30 + seq, TxHash: hashOf(tagConfirm, seq), Relayer: addrOf(9)}
}

func create(t *testing.T, s settlement.Store, tr *settlement.Transfer) *settlement.Transfer {
	t.Helper()
	got, created, err := s.CreateTransfer(t.Context(), tr)
	require.NoError(t, err)
	require.True(t, created)
	return got
}

func deliver(t *testing.T, s settlement.Store, tr *settlement.Transfer, r settlement.ReceiptStatus, code uint32) *settlement.Transfer {
	t.Helper()
	got, err := s.Transition(t.Context(), tr.ID, settlement.StatusSourceCommitted, settlement.StatusDelivered, deliverEv(tr.Seq, r, code))
	require.NoError(t, err)
	return got
}

// allEvents reads every event after seq 0 matching f.
func allEvents(t *testing.T, s settlement.Store, f settlement.EventFilter) []settlement.Event {
	t.Helper()
	var out []settlement.Event
	var after uint64
	for {
		evs, err := s.Events(t.Context(), after, settlement.MaxPageSize, f)
		require.NoError(t, err)
		if len(evs) == 0 {
			return out
		}
		out = append(out, evs...)
		after = evs[len(evs)-1].Seq
	}
}

func eventCount(t *testing.T, s settlement.Store) int {
	t.Helper()
	return len(allEvents(t, s, settlement.EventFilter{}))
}

func get(t *testing.T, s settlement.Store, id settlement.TransferID) *settlement.Transfer {
	t.Helper()
	got, err := s.Get(t.Context(), id)
	require.NoError(t, err)
	return got
}

// ctx is a helper for goroutines, which must not call t.Context after the
// test ends.
func ctx(t *testing.T) context.Context { return t.Context() }
