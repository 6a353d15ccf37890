package feed

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
)

func TestAccountAndRouteSubscriptions(t *testing.T) {
	t.Parallel()
	store := sqliteStore(t)
	th := startHub(t, testConfig(), store, NewStoreSource(store, testConfig().PollInterval.Duration()), HubOptions{})
	alice, bob, carol := addrOf(1), addrOf(2), addrOf(3)

	c := dial(t, th)
	c.subscribe(api.ClientMessage{ID: "as-sender", Account: alice})
	c.subscribe(api.ClientMessage{ID: "as-receiver", Account: bob})
	c.subscribe(api.ClientMessage{ID: "route", Route: "alpha.beta"})
	c.subscribe(api.ClientMessage{ID: "back", Route: "beta.alpha"})

	t1 := create(t, store, submitted(1, "alpha", "beta", alice, bob))    // seq 1: as-sender, as-receiver, route
	t2 := create(t, store, submitted(2, "gamma", "delta", carol, carol)) // seq 2: nobody
	t3 := create(t, store, submitted(3, "beta", "alpha", carol, alice))  // seq 3: as-sender (alice receives), back
	got := map[string][]settlement.TransferID{}
	for _, m := range c.events(5) {
		got[m.Sub] = append(got[m.Sub], m.TransferID)
	}
	require.Equal(t, map[string][]settlement.TransferID{
		"as-sender":   {t1.ID, t3.ID},
		"as-receiver": {t1.ID},
		"route":       {t1.ID},
		"back":        {t3.ID},
	}, got)
	require.NotContains(t, got, t2.ID)

	// Unsubscribe stops a subscription's events and no other's.
	c.send(api.ClientMessage{Op: api.OpUnsubscribe, ID: "route"})
	require.Equal(t, "route", c.expect(api.MsgUnsubscribed).ID)
	t4 := create(t, store, submitted(4, "alpha", "beta", alice, carol)) // as-sender; route no longer
	t5 := create(t, store, submitted(5, "beta", "alpha", carol, carol)) // back: the last event
	var after []string
	for _, m := range c.events(2) {
		after = append(after, m.Sub+" "+string(m.TransferID))
	}
	require.Equal(t, []string{"as-sender " + string(t4.ID), "back " + string(t5.ID)}, after)
}

func TestUnsubscribeDuringReplay(t *testing.T) {
	t.Parallel()
	store := sqliteStore(t)
	cfg := testConfig()
	cfg.ReplayPage = 1
	th := startHub(t, cfg, store, NewStoreSource(store, cfg.PollInterval.Duration()), HubOptions{})
	for n := uint64(1); n <= 20; n++ {
		create(t, store, submitted(n, "alpha", "beta", addrOf(1), addrOf(2)))
	}
	c := dial(t, th)
	zero := uint64(0)
	c.subscribe(api.ClientMessage{ID: "r", Route: "alpha.beta", FromSeq: &zero})
	c.send(api.ClientMessage{Op: api.OpUnsubscribe, ID: "r"})
	var replayed []uint64
	for {
		m := c.nextNot(api.MsgHeartbeat)
		if m.Type == api.MsgUnsubscribed {
			break
		}
		if m.Type == api.MsgReplayed { // the replay was quicker than the unsubscribe
			continue
		}
		require.Equal(t, api.MsgEvent, m.Type)
		replayed = append(replayed, m.Seq)
	}
	for i, seq := range replayed {
		require.Equal(t, uint64(i+1), seq, "what was replayed before the unsubscribe is in order")
	}
	// Nothing of "r" follows its unsubscribed: a new subscription's answer
	// is the next message.
	c.send(api.ClientMessage{Op: api.OpSubscribe, ID: "r2", Route: "alpha.beta"})
	require.Equal(t, "r2", c.expect(api.MsgSubscribed).ID)
	require.Equal(t, 1.0, testutil.ToFloat64(th.metrics.subscriptions))
}

// gatedStore holds replays (filtered reads) until the test opens gate.
type gatedStore struct {
	settlement.Store
	gate chan struct{}
}

func (g *gatedStore) Events(ctx context.Context, after uint64, limit int, f settlement.EventFilter) ([]settlement.Event, error) {
	if f != (settlement.EventFilter{}) {
		select {
		case <-g.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return g.Store.Events(ctx, after, limit, f)
}

// TestReplayOverflowCatchesUp holds a replay while more live events
// arrive than a subscription buffers; the buffer is dropped, the replay
// reads those events from the store, and the client sees each event
// once, in order.
func TestReplayOverflowCatchesUp(t *testing.T) {
	t.Parallel()
	store := sqliteStore(t)
	gated := &gatedStore{Store: store, gate: make(chan struct{})}
	cfg := testConfig()
	cfg.SendBuffer = 4 // live events buffered during a replay: 2
	th := startHub(t, cfg, gated, NewStoreSource(store, cfg.PollInterval.Duration()), HubOptions{})
	for n := uint64(1); n <= 10; n++ {
		create(t, store, submitted(n, "alpha", "beta", addrOf(1), addrOf(2)))
	}
	eventually(t, func() bool { return th.Head() == 10 }, "history dispatched")
	c := dial(t, th)
	from := uint64(3)
	c.subscribe(api.ClientMessage{ID: "r", Route: "alpha.beta", FromSeq: &from})
	for n := uint64(11); n <= 20; n++ {
		create(t, store, submitted(n, "alpha", "beta", addrOf(1), addrOf(2)))
	}
	eventually(t, func() bool { return th.Head() == 20 }, "live events dispatched during the replay")
	close(gated.gate)
	got := c.events(17)
	require.Equal(t, storedEvents(t, store, from, settlement.EventFilter{}), fromMessages(got))
}
