package relay_test

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
	"github.com/causeway/causeway/node/xfer"
	"github.com/causeway/causeway/relay"
)

// fakeWait bounds how long a fake-chain test waits for the watcher.
const fakeWait = 10 * time.Second

// fastWatcher never polls, so only heads and gap filling move it.
func fastWatcher(t *testing.T, store relay.CursorStore, start uint64, onMisb relay.MisbehaviourFunc, eps ...relay.Chain) *relay.Watcher {
	t.Helper()
	cfg := relay.DefaultWatcherConfig("alpha")
	cfg.StartHeight = start
	cfg.PollInterval = time.Hour
	cfg.Backoff = relay.Backoff{Min: time.Millisecond, Max: 10 * time.Millisecond}
	w, err := relay.NewWatcher(cfg, eps, store, onMisb, zaptest.NewLogger(t))
	require.NoError(t, err)
	require.NoError(t, w.Start(t.Context()))
	t.Cleanup(w.Stop)
	return w
}

// expectHeights reads the next observations and checks their heights.
func expectHeights(t *testing.T, w *relay.Watcher, from, to uint64) []*relay.Observation {
	t.Helper()
	var out []*relay.Observation
	timeout := time.NewTimer(fakeWait)
	defer timeout.Stop()
	for h := from; h <= to; h++ {
		select {
		case o := <-w.Observations():
			require.Equal(t, h, o.Height)
			require.Equal(t, h, o.Header.Header.Height)
			out = append(out, o)
		case <-timeout.C:
			t.Fatalf("no observation of height %d after %v", h, fakeWait)
		}
	}
	return out
}

func confirmThrough(t *testing.T, w *relay.Watcher, obs []*relay.Observation) {
	t.Helper()
	for _, o := range obs {
		require.NoError(t, w.Confirm(t.Context(), o.Height))
	}
}

// waitFor polls cond until it holds or fakeWait passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(fakeWait)
	for !cond() {
		require.False(t, time.Now().After(deadline), what)
		select {
		case <-time.After(time.Millisecond):
		case <-t.Context().Done():
			t.Fatal(t.Context().Err())
		}
	}
}

// The watcher catches up from its start height, fills the gap before a
// head that skipped heights, resubscribes after a dropped stream and
// catches up again; a new watcher resumes after the confirmed cursor.
func TestWatcherNeverSkipsAHeight(t *testing.T) {
	t.Parallel()
	f := newFakeChain("alpha")
	f.commit(5, map[uint64][]chains.Event{4: {sendEvent("alpha", "beta", 1)}})
	store := relay.NewMemCursorStore()
	w := fastWatcher(t, store, 2, nil, f)

	obs := expectHeights(t, w, 2, 5)
	require.Equal(t, []uint64{1}, obs[2].SendsTo("beta"))
	confirmThrough(t, w, obs)
	waitFor(t, "subscribed", func() bool { return f.subscribers() == 1 })

	f.commit(9, nil) // heads 6..8 are never published
	f.publish(9)
	confirmThrough(t, w, expectHeights(t, w, 6, 9))

	f.drop(errors.New("connection reset"))
	f.commit(12, nil)
	obs = expectHeights(t, w, 10, 12)
	waitFor(t, "resubscribed", func() bool { return f.subscribers() == 1 })

	// Only 10 is handled before the relay stops: 11 and 12 come again.
	require.NoError(t, w.Confirm(t.Context(), obs[0].Height))
	require.NoError(t, w.Confirm(t.Context(), obs[2].Height)) // out of order: the cursor waits for 11
	require.EqualValues(t, 10, w.Cursor())
	w.Stop()
	cursor, err := store.Get(t.Context(), "alpha")
	require.NoError(t, err)
	require.EqualValues(t, 10, cursor)

	again := fastWatcher(t, store, 2, nil, f)
	batch := expectHeights(t, again, 11, 12)
	// Several heights confirmed in one call, in any order, move the
	// cursor over all of them.
	require.NoError(t, again.Confirm(t.Context(), batch[1].Height, batch[0].Height))
	require.EqualValues(t, 12, again.Cursor())
	cursor, err = store.Get(t.Context(), "alpha")
	require.NoError(t, err)
	require.EqualValues(t, 12, cursor)
}

// Two endpoints serving different certified headers at one height are
// reported as misbehaviour, with both headers.
func TestWatcherReportsConflictingHeaders(t *testing.T) {
	t.Parallel()
	honest, other := newFakeChain("alpha"), newFakeChain("alpha")
	other.headers[3] = fakeHeader("alpha", 3, 2)
	honest.commit(4, nil)
	other.commit(4, nil)
	var mu sync.Mutex
	var got []*attest.Misbehaviour
	w := fastWatcher(t, relay.NewMemCursorStore(), 1, func(chain string, m *attest.Misbehaviour) {
		require.Equal(t, "alpha", chain)
		mu.Lock()
		defer mu.Unlock()
		got = append(got, m)
	}, honest, other)
	expectHeights(t, w, 1, 4)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 1)
	require.EqualValues(t, 3, got[0].A.Header.Height)
	require.Equal(t, honest.headers[3].Header.Hash(), got[0].A.Header.Hash())
	require.Equal(t, other.headers[3].Header.Hash(), got[0].B.Header.Hash())
}

func sendEvent(src, dst string, seq uint64) chains.Event {
	attr := func(k, v string) chains.Attr { return chains.Attr{Key: k, Value: v} }
	addr := "0x00000000000000000000000000000000000000aa"
	return chains.Event{Type: xfer.EventSend, Attrs: []chains.Attr{
		attr(xfer.AttrSrc, src), attr(xfer.AttrDst, dst), attr(xfer.AttrSeq, strconv.FormatUint(seq, 10)),
		attr(xfer.AttrSender, addr), attr(xfer.AttrReceiver, addr), attr(xfer.AttrDenom, "USD"),
		attr(xfer.AttrAmount, "5"), attr(xfer.AttrFee, "1"), attr(xfer.AttrTimeoutHeight, "0"),
		attr(xfer.AttrTimeoutTimeMs, "99"),
	}}
}
