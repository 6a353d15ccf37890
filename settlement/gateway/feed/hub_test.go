package feed

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
)

func TestTransferStagesInOrder(t *testing.T) {
	t.Parallel()
	store := sqliteStore(t)
	th := startHub(t, testConfig(), store, NewStoreSource(store, testConfig().PollInterval.Duration()), HubOptions{})
	tr := submitted(1, "alpha", "beta", addrOf(1), addrOf(2))
	c := dial(t, th)
	sub := c.subscribe(api.ClientMessage{ID: "t1", Transfer: idOf(tr)})
	require.Zero(t, sub.Seq, "an empty outbox has head 0")

	final := lifecycle(t, store, tr, 7)
	evs := c.events(4)
	want := []settlement.Status{settlement.StatusSubmitted, settlement.StatusSourceCommitted,
		settlement.StatusDelivered, settlement.StatusFinished}
	for i, m := range evs {
		require.Equal(t, "t1", m.Sub)
		require.Equal(t, idOf(tr), m.TransferID)
		require.Equal(t, want[i], m.Status)
		require.Equal(t, uint64(i+1), m.Seq, "seq increases by one per event")
		require.NotNil(t, m.Transfer)
		require.Equal(t, want[i], m.Transfer.Status)
		require.False(t, m.At.IsZero())
		require.Empty(t, m.Transfer.ClientRef, "the feed never shows a client's reference")
	}
	last := evs[3].Transfer
	require.Equal(t, api.ViewOf(final, false).Timeline, last.Timeline)
	require.Equal(t, "1001", last.Amount)
	// The head moves once the event is queued, which may be after it arrives.
	eventually(t, func() bool { return th.Head() == 4 }, "head at the last event")
}

func TestReconnectFromLastSeq(t *testing.T) {
	t.Parallel()
	store := sqliteStore(t)
	cfg := testConfig()
	cfg.HeartbeatInterval = Duration(pollWait)
	cfg.ReplayPage = 3 // the replay takes several reads
	th := startHub(t, cfg, store, NewStoreSource(store, cfg.PollInterval.Duration()), HubOptions{})
	route := api.ClientMessage{ID: "r", Route: "alpha.beta"}

	c := dial(t, th)
	c.subscribe(route)
	for n := uint64(1); n <= 3; n++ {
		lifecycle(t, store, submitted(n, "alpha", "beta", addrOf(1), addrOf(2)), n)
	}
	create(t, store, submitted(90, "beta", "alpha", addrOf(1), addrOf(2))) // another route
	seen := c.events(5)
	// The last seq this client saw, event or heartbeat.
	last := seen[len(seen)-1].Seq
	for {
		m := c.nextNot("")
		if m.Type == api.MsgEvent {
			seen = append(seen, m)
		}
		last = m.Seq
		if m.Type == api.MsgHeartbeat {
			break
		}
	}
	require.NoError(t, c.ws.Close())

	// While it is away, more happens.
	for n := uint64(4); n <= 5; n++ {
		lifecycle(t, store, submitted(n, "alpha", "beta", addrOf(1), addrOf(2)), n)
	}
	c2 := dial(t, th)
	from := last
	route.FromSeq = &from
	c2.subscribe(route)
	want := storedEvents(t, store, 0, settlement.EventFilter{Src: "alpha", Dst: "beta"})
	require.Len(t, want, 20)
	rest := c2.events(len(want) - len(seen))
	require.Equal(t, want, fromMessages(append(seen, rest...)), "no gap, no duplicate")

	// Live events follow the replay on the same subscription.
	lifecycle(t, store, submitted(6, "alpha", "beta", addrOf(1), addrOf(2)), 6)
	live := c2.events(4)
	require.Equal(t, storedEvents(t, store, want[len(want)-1].Seq, settlement.EventFilter{Src: "alpha", Dst: "beta"}),
		fromMessages(live))
}
