package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement"
)

// Leases of the idempotency tests: one no test outlives, and one that
// expires at once, standing for a gateway that died.
const (
	longLease    = time.Hour
	expiredLease = time.Microsecond
	// leaseWait bounds how long a test waits for an expired lease to be
	// claimable, and its poll interval.
	leaseWait = 5 * time.Second
	leasePoll = time.Millisecond
	// requestRacers is how many callers race BeginRequest on one key.
	requestRacers = 32
)

func request(client, key string, body uint64) *settlement.IdempotencyRecord {
	return &settlement.IdempotencyRecord{ClientID: client, Key: key, BodyHash: hashOf(tagBody, body)}
}

func sent(n uint64) settlement.RequestUpdate {
	return settlement.RequestUpdate{State: settlement.RequestSent, Chain: "alpha",
		TxHash: hashOf(tagSubmit, n), RawTx: []byte{0xf8, byte(n), 0x01}}
}

func done(n uint64) settlement.RequestUpdate {
	return settlement.RequestUpdate{State: settlement.RequestDone, TransferID: settlement.TransferID(fmt.Sprintf("transfer-%d", n)),
		Status: 201, Response: []byte(`{"id":"t"}`)}
}

func begin(t *testing.T, s settlement.Store, r *settlement.IdempotencyRecord, lease time.Duration, want settlement.BeginOutcome) *settlement.IdempotencyRecord {
	t.Helper()
	got, outcome, err := s.BeginRequest(t.Context(), r, lease)
	require.NoError(t, err)
	require.Equal(t, want, outcome)
	return got
}

// untilPast waits until the wall clock is past at.
func untilPast(t *testing.T, at time.Time) {
	t.Helper()
	require.Eventually(t, func() bool { return time.Now().After(at) }, leaseWait, leasePoll)
}

func testBeginRequest(t *testing.T, s settlement.Store) {
	r := request("acme", "order-1", 1)
	got := begin(t, s, r, longLease, settlement.BeginCreated)
	require.Equal(t, settlement.RequestPending, got.State)
	require.Equal(t, r.BodyHash, got.BodyHash)
	require.False(t, got.CreatedAt.IsZero())
	require.WithinDuration(t, got.CreatedAt.Add(longLease), got.LockedUntil, time.Millisecond)

	again := begin(t, s, request("acme", "order-1", 2), longLease, settlement.BeginInFlight)
	require.Equal(t, got, again, "returned unchanged, with the first body's hash")
	begin(t, s, request("zeta", "order-1", 1), longLease, settlement.BeginCreated) // keys are per client

	_, err := s.UpdateRequest(t.Context(), "acme", "order-1", done(1), longLease)
	require.NoError(t, err)
	replay := begin(t, s, r, longLease, settlement.BeginDone)
	require.Equal(t, 201, replay.Status)
	require.Equal(t, done(1).Response, replay.Response)

	for name, bad := range map[string]*settlement.IdempotencyRecord{
		"no client": request("", "k", 1), "no key": request("acme", "", 1),
	} {
		_, _, err := s.BeginRequest(t.Context(), bad, longLease)
		require.ErrorIs(t, err, settlement.ErrInvalid, name)
	}
	_, _, err = s.BeginRequest(t.Context(), request("acme", "k", 1), 0)
	require.ErrorIs(t, err, settlement.ErrInvalid, "no lease")
}

// testBeginRequestClaim: a request whose gateway died (its lease ran out)
// is handed to the next caller with what it recorded, and then held.
func testBeginRequestClaim(t *testing.T, s settlement.Store) {
	r := request("acme", "order-2", 1)
	begin(t, s, r, expiredLease, settlement.BeginCreated)
	rec, err := s.UpdateRequest(t.Context(), "acme", "order-2", sent(2), expiredLease)
	require.NoError(t, err)
	untilPast(t, rec.LockedUntil)

	claimed := begin(t, s, r, longLease, settlement.BeginClaimed)
	require.Equal(t, settlement.RequestSent, claimed.State)
	require.Equal(t, sent(2).TxHash, claimed.TxHash)
	require.Equal(t, sent(2).RawTx, claimed.RawTx)
	require.Equal(t, "alpha", claimed.Chain)
	require.True(t, claimed.LockedUntil.After(rec.LockedUntil.Add(longLease/2)), "locked again for the claimer")
	require.Equal(t, rec.CreatedAt, claimed.CreatedAt)

	held := begin(t, s, r, longLease, settlement.BeginInFlight)
	require.Equal(t, claimed, held)

	// A done request is never claimed, however old its lock.
	d := request("acme", "order-3", 1)
	begin(t, s, d, expiredLease, settlement.BeginCreated)
	rec, err = s.UpdateRequest(t.Context(), "acme", "order-3", done(3), expiredLease)
	require.NoError(t, err)
	untilPast(t, rec.LockedUntil)
	begin(t, s, d, longLease, settlement.BeginDone)
}

// testBeginRequestConcurrent races callers on one new key, then on one
// expired lock: each time exactly one gets the request.
func testBeginRequestConcurrent(t *testing.T, s settlement.Store) {
	race := func(r *settlement.IdempotencyRecord, lease time.Duration) map[settlement.BeginOutcome]int {
		var mu sync.Mutex
		counts := map[settlement.BeginOutcome]int{}
		var wg sync.WaitGroup
		for range requestRacers {
			wg.Go(func() {
				_, outcome, err := s.BeginRequest(ctx(t), r, lease)
				if err != nil {
					t.Errorf("begin request: %v", err)
					return
				}
				mu.Lock()
				counts[outcome]++
				mu.Unlock()
			})
		}
		wg.Wait()
		return counts
	}
	require.Equal(t, map[settlement.BeginOutcome]int{settlement.BeginCreated: 1, settlement.BeginInFlight: requestRacers - 1},
		race(request("acme", "order-4", 1), longLease))

	r := request("acme", "order-5", 1)
	rec := begin(t, s, r, expiredLease, settlement.BeginCreated)
	untilPast(t, rec.LockedUntil)
	require.Equal(t, map[settlement.BeginOutcome]int{settlement.BeginClaimed: 1, settlement.BeginInFlight: requestRacers - 1},
		race(r, longLease))
}

func testUpdateRequest(t *testing.T, s settlement.Store) {
	_, err := s.UpdateRequest(t.Context(), "acme", "nosuchkey", sent(1), longLease)
	require.ErrorIs(t, err, settlement.ErrNotFound)

	created := begin(t, s, request("acme", "order-5", 1), longLease, settlement.BeginCreated)
	for name, bad := range map[string]settlement.RequestUpdate{
		"pending":          {State: settlement.RequestPending},
		"sent without tx":  {State: settlement.RequestSent, Chain: "alpha"},
		"done, no status":  {State: settlement.RequestDone, Response: []byte("{}")},
		"done, bad status": {State: settlement.RequestDone, Status: 42, Response: []byte("{}")},
	} {
		_, err := s.UpdateRequest(t.Context(), "acme", "order-5", bad, longLease)
		require.ErrorIs(t, err, settlement.ErrInvalid, name)
	}

	up, err := s.UpdateRequest(t.Context(), "acme", "order-5", sent(5), longLease)
	require.NoError(t, err)
	require.Equal(t, settlement.RequestSent, up.State)
	require.Equal(t, sent(5).RawTx, up.RawTx)
	require.Equal(t, created.BodyHash, up.BodyHash)
	require.False(t, up.LockedUntil.Before(created.LockedUntil), "the lock is extended")

	fin, err := s.UpdateRequest(t.Context(), "acme", "order-5", done(5), longLease)
	require.NoError(t, err)
	require.Equal(t, settlement.RequestDone, fin.State)
	require.Equal(t, done(5).TransferID, fin.TransferID)
	require.Equal(t, 201, fin.Status)
	require.Equal(t, done(5).Response, fin.Response)
	require.Equal(t, sent(5).TxHash, fin.TxHash, "done keeps the transaction it sent")
	require.Equal(t, sent(5).RawTx, fin.RawTx)

	other := done(6)
	other.Status, other.Response = 500, []byte("{}")
	_, err = s.UpdateRequest(t.Context(), "acme", "order-5", other, longLease)
	require.ErrorIs(t, err, settlement.ErrConflict, "a done request is immutable")
	_, err = s.UpdateRequest(t.Context(), "acme", "order-5", sent(6), longLease)
	require.ErrorIs(t, err, settlement.ErrConflict)
	require.Equal(t, fin, begin(t, s, request("acme", "order-5", 1), longLease, settlement.BeginDone))

	// An answer without a body is still an answer.
	begin(t, s, request("acme", "order-6", 1), longLease, settlement.BeginCreated)
	empty, err := s.UpdateRequest(t.Context(), "acme", "order-6",
		settlement.RequestUpdate{State: settlement.RequestDone, Status: 204}, longLease)
	require.NoError(t, err)
	require.Equal(t, 204, empty.Status)
	require.Empty(t, empty.Response)
}

func testDeleteRequest(t *testing.T, s settlement.Store) {
	require.NoError(t, s.DeleteRequest(t.Context(), "acme", "nosuchkey"), "an unknown request is not an error")

	r := request("acme", "order-7", 1)
	begin(t, s, r, longLease, settlement.BeginCreated)
	require.NoError(t, s.DeleteRequest(t.Context(), "acme", "order-7"))
	begin(t, s, request("acme", "order-7", 2), longLease, settlement.BeginCreated) // the key is free again

	_, err := s.UpdateRequest(t.Context(), "acme", "order-7", done(7), longLease)
	require.NoError(t, err)
	require.ErrorIs(t, s.DeleteRequest(t.Context(), "acme", "order-7"), settlement.ErrConflict)
	begin(t, s, r, longLease, settlement.BeginDone)
}

func testPurgeRequests(t *testing.T, s settlement.Store) {
	finish := func(key string, n uint64) *settlement.IdempotencyRecord {
		begin(t, s, request("acme", key, n), longLease, settlement.BeginCreated)
		rec, err := s.UpdateRequest(t.Context(), "acme", key, done(n), longLease)
		require.NoError(t, err)
		return rec
	}
	a := finish("old-a", 1)
	b := finish("old-b", 2)
	begin(t, s, request("acme", "pending", 3), longLease, settlement.BeginCreated)
	cutoff := b.CreatedAt.Add(time.Microsecond)
	untilPast(t, cutoff)
	finish("new", 4)

	n, err := s.PurgeRequests(t.Context(), a.CreatedAt)
	require.NoError(t, err)
	require.Zero(t, n, "strictly before the cutoff")
	n, err = s.PurgeRequests(t.Context(), cutoff)
	require.NoError(t, err)
	require.Equal(t, 2, n)

	begin(t, s, request("acme", "old-a", 1), longLease, settlement.BeginCreated)
	begin(t, s, request("acme", "old-b", 2), longLease, settlement.BeginCreated)
	begin(t, s, request("acme", "pending", 3), longLease, settlement.BeginInFlight)
	begin(t, s, request("acme", "new", 4), longLease, settlement.BeginDone)
}

func testGetRequest(t *testing.T, s settlement.Store) {
	_, err := s.GetRequest(t.Context(), "acme", "nosuchkey")
	require.ErrorIs(t, err, settlement.ErrNotFound)

	created := begin(t, s, request("acme", "order-9", 1), longLease, settlement.BeginCreated)
	got, err := s.GetRequest(t.Context(), "acme", "order-9")
	require.NoError(t, err)
	require.Equal(t, created, got)
	fin, err := s.UpdateRequest(t.Context(), "acme", "order-9", sent(9), longLease)
	require.NoError(t, err)
	fin, err = s.UpdateRequest(t.Context(), "acme", "order-9", done(9), longLease)
	require.NoError(t, err)
	got, err = s.GetRequest(t.Context(), "acme", "order-9")
	require.NoError(t, err)
	require.Equal(t, fin, got, "a done request with the transaction it sent")
	_, err = s.GetRequest(t.Context(), "zeta", "order-9")
	require.ErrorIs(t, err, settlement.ErrNotFound, "keys are per client")
	begin(t, s, request("acme", "order-9", 1), longLease, settlement.BeginDone)
}

// testAbandonedRequests: requests not done whose lock ran out are listed,
// oldest lock first; held and done ones are not.
func testAbandonedRequests(t *testing.T, s settlement.Store) {
	_, err := s.AbandonedRequests(t.Context(), time.Now(), 0)
	require.ErrorIs(t, err, settlement.ErrInvalid)

	pending := begin(t, s, request("acme", "lost-pending", 1), expiredLease, settlement.BeginCreated)
	begin(t, s, request("acme", "lost-sent", 2), expiredLease, settlement.BeginCreated)
	sentRec, err := s.UpdateRequest(t.Context(), "acme", "lost-sent", sent(2), expiredLease)
	require.NoError(t, err)
	begin(t, s, request("acme", "lost-done", 3), expiredLease, settlement.BeginCreated)
	doneRec, err := s.UpdateRequest(t.Context(), "acme", "lost-done", done(3), expiredLease)
	require.NoError(t, err)
	begin(t, s, request("acme", "held", 4), longLease, settlement.BeginCreated)
	untilPast(t, doneRec.LockedUntil)

	got, err := s.AbandonedRequests(t.Context(), time.Now(), 10)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, pending, got[0])
	require.Equal(t, sentRec, got[1], "with the transaction it recorded")
	got, err = s.AbandonedRequests(t.Context(), time.Now(), 1)
	require.NoError(t, err)
	require.Equal(t, []*settlement.IdempotencyRecord{pending}, got)
	got, err = s.AbandonedRequests(t.Context(), pending.LockedUntil, 10)
	require.NoError(t, err)
	require.Empty(t, got, "strictly before the cutoff")

	begin(t, s, request("acme", "lost-pending", 1), longLease, settlement.BeginClaimed)
	got, err = s.AbandonedRequests(t.Context(), time.Now(), 10)
	require.NoError(t, err)
	require.Equal(t, []*settlement.IdempotencyRecord{sentRec}, got, "a claimed request is held again")
}

// testSchemaRefusesIncompleteRequests checks that the schema itself refuses
// idempotency records that could not be resumed or replayed.
func testSchemaRefusesIncompleteRequests(t *testing.T, s settlement.Store) {
	sqls, ok := s.(SQLStore)
	if !ok {
		t.Skip("the store has no database/sql handle to probe")
	}
	begin(t, s, request("acme", "order-8", 1), longLease, settlement.BeginCreated)
	for name, q := range map[string]string{
		"done without a response": `UPDATE gateway_requests SET state = 'done', status = 200 WHERE key = $1`,
		"done without a status":   `UPDATE gateway_requests SET state = 'done', response = '' WHERE key = $1`,
		"sent without its tx":     `UPDATE gateway_requests SET state = 'sent', chain = 'alpha' WHERE key = $1`,
		"unknown state":           `UPDATE gateway_requests SET state = 'lost' WHERE key = $1`,
		"not an HTTP status":      `UPDATE gateway_requests SET status = 42 WHERE key = $1`,
	} {
		_, err := sqls.DB().ExecContext(t.Context(), q, "order-8")
		require.Error(t, err, name)
	}
	begin(t, s, request("acme", "order-8", 1), longLease, settlement.BeginInFlight)
}
