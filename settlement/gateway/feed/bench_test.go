package feed

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// Benchmark shape.
const (
	benchSubscribers = 1000
	benchBatch       = 10 // events per store commit in the burst
	// benchPacedRate is the paced run's events per second: 50,000
	// deliveries/s to the thousand subscribers.
	benchPacedRate   = 50
	fdsPerSubscriber = 2 // the client's socket and the server's
	fdsSpare         = 256
)

// BenchmarkFanout: benchSubscribers WebSocket clients over loopback, all
// subscribed to one route of one hub (default config: the outbox is read
// every 25 ms; SQLite store), and b.N events committed to the store —
// in a burst as fast as the store takes them (what the hub sustains), or
// paced at benchPacedRate (latency below saturation). It reports the
// delivery latency, commit → received by a client, over every delivery,
// and deliveries per second from the first commit to the last delivery.
func BenchmarkFanout(b *testing.B) {
	raiseFileLimit(b, benchSubscribers*fdsPerSubscriber+fdsSpare)
	b.Run("burst", func(b *testing.B) {
		fanout(b, func(store settlement.Store, n int) {
			for first := 1; first <= n; first += benchBatch {
				require.NoError(b, createRange(b.Context(), store, first, min(benchBatch, n-first+1)))
			}
		})
	})
	b.Run("paced", func(b *testing.B) {
		fanout(b, func(store settlement.Store, n int) {
			tick := time.NewTicker(time.Second / benchPacedRate)
			defer tick.Stop()
			for i := 1; i <= n; i++ {
				<-tick.C
				require.NoError(b, createRange(b.Context(), store, i, 1))
			}
		})
	})
}

// fanout runs one BenchmarkFanout case; commit commits n events.
func fanout(b *testing.B, commit func(store settlement.Store, n int)) {
	store := sqliteStore(b)
	cfg := DefaultConfig()
	th := startHub(b, cfg, store, NewStoreSource(store, cfg.PollInterval.Duration()), HubOptions{})
	clients := make([]*client, benchSubscribers)
	for i := range clients {
		clients[i] = dial(b, th)
		clients[i].subscribe(api.ClientMessage{ID: "r", Route: "alpha.beta"})
	}

	n := b.N
	lat := make([][]time.Duration, len(clients))
	errs := make(chan error, len(clients))
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i, c := range clients {
		wg.Go(func() {
			l, err := c.receive(n)
			lat[i] = l
			errs <- err
		})
	}
	commit(store, n)
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	for err := range errs {
		require.NoError(b, err)
	}

	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "deliveries/s")
}

// receive reads n events and returns each one's delivery latency. It
// picks the event's time out of the frame rather than decoding it all, so
// the benchmark's clients cost less than the hub it measures.
func (c *client) receive(n int) ([]time.Duration, error) {
	out := make([]time.Duration, 0, n)
	for len(out) < n {
		if err := c.ws.SetReadDeadline(time.Now().Add(readWait)); err != nil {
			return nil, err
		}
		_, b, err := c.ws.ReadMessage()
		if err != nil {
			return nil, err
		}
		now := time.Now()
		if !bytes.HasPrefix(b, eventHead) {
			continue // a heartbeat
		}
		at, err := eventTime(b)
		if err != nil {
			return nil, err
		}
		out = append(out, now.Sub(at))
	}
	return out, nil
}

// eventTime is the "at" of an event frame: its first "at" key, which
// comes before the transfer's own times.
func eventTime(frame []byte) (time.Time, error) {
	key := []byte(`,"at":"`)
	i := bytes.Index(frame, key)
	if i < 0 {
		return time.Time{}, fmt.Errorf("no at in %.80s", frame)
	}
	rest := frame[i+len(key):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return time.Time{}, fmt.Errorf("unterminated at in %.80s", frame)
	}
	var t time.Time
	return t, t.UnmarshalText(rest[:end])
}

// raiseFileLimit lifts the soft limit on open files to at least need.
func raiseFileLimit(b *testing.B, need uint64) {
	var lim syscall.Rlimit
	require.NoError(b, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim))
	if lim.Cur >= need {
		return
	}
	if lim.Max < need {
		b.Skipf("open file limit %d is below the %d this benchmark needs", lim.Max, need)
	}
	lim.Cur = need
	require.NoError(b, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim))
}
