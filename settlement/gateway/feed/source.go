package feed

import (
	"context"
	"fmt"
	"time"

	"github.com/causeway/causeway/settlement"
)

// outboxPage is how many events a source reads from the store at once.
const outboxPage = settlement.MaxPageSize

// Source delivers the outbox's committed events, in seq order, to one hub.
type Source interface {
	// Next returns the events committed after seq after: at least one,
	// starting at after+1, in seq order without gaps, waiting for them as
	// long as ctx allows. An error means they cannot be read now; the hub
	// logs it and asks again. Next is called from one goroutine at a time.
	Next(ctx context.Context, after uint64) ([]settlement.Event, error)
	// Run does the source's background work (the Redis source publishes
	// the outbox) until ctx ends, and returns nil then.
	Run(ctx context.Context) error
}

// storeSource tails the outbox by polling the store.
type storeSource struct {
	store settlement.Store
	poll  time.Duration
}

// NewStoreSource is a Source that reads the outbox itself every poll: the
// source of a single gateway instance or the embedded devnet.
func NewStoreSource(store settlement.Store, poll time.Duration) Source {
	return &storeSource{store: store, poll: poll}
}

// Next implements Source.
func (s *storeSource) Next(ctx context.Context, after uint64) ([]settlement.Event, error) {
	return pollOutbox(ctx, s.store, after, s.poll)
}

// Run implements Source: the store source has no background work.
func (s *storeSource) Run(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// pollOutbox reads the outbox after seq after every poll until it has
// something.
func pollOutbox(ctx context.Context, store settlement.Store, after uint64, poll time.Duration) ([]settlement.Event, error) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
		evs, err := readOutbox(ctx, store, after)
		if err != nil || len(evs) > 0 {
			return evs, err
		}
		t.Reset(poll)
	}
}

// readOutbox reads one page of the outbox after seq after.
func readOutbox(ctx context.Context, store settlement.Store, after uint64) ([]settlement.Event, error) {
	evs, err := store.Events(ctx, after, outboxPage, settlement.EventFilter{})
	if err != nil {
		return nil, fmt.Errorf("read outbox after %d: %w", after, err)
	}
	return evs, nil
}

// contiguous is the longest prefix of evs that follows after without a
// gap; a source that breaks its promise loses the rest, which the hub
// asks for again.
func contiguous(after uint64, evs []settlement.Event) []settlement.Event {
	for i, e := range evs {
		if e.Seq != after+uint64(i)+1 {
			return evs[:i]
		}
	}
	return evs
}

// lastSeq is the seq of the store's newest event.
func lastSeq(ctx context.Context, store settlement.Store) (uint64, error) {
	seq, err := store.LastEventSeq(ctx)
	if err != nil {
		return 0, fmt.Errorf("read the outbox head: %w", err)
	}
	return seq, nil
}
