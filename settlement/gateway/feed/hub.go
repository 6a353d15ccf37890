package feed

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// Hub timings and sizes the config does not cover.
const (
	// startWait is how long an upgrade waits for Run to read the outbox
	// head before it is refused.
	startWait = 5 * time.Second
	// closeGrace is how long a connection waits for the peer to answer its
	// close frame before dropping the socket (dropping it at once could
	// reset the connection before the peer reads the close code).
	closeGrace = time.Second
	// retryMin and retryMax bound the backoff when the source or the store
	// does not answer.
	retryMin = 100 * time.Millisecond
	retryMax = 5 * time.Second
	// Socket buffers of gorilla/websocket per connection; write buffers
	// are pooled, so idle connections hold none.
	readBufferBytes  = 1 << 10
	writeBufferBytes = 4 << 10
)

// Close reasons sent with close frames.
const (
	reasonSlow     = "slow consumer: reconnect with from_seq"
	reasonShutdown = "gateway shutting down: reconnect with from_seq"
	reasonOversize = "message over 4096 bytes"
)

// HubOptions are a hub's optional collaborators.
type HubOptions struct {
	// Authenticate decides whether a connection may open (nil: everyone).
	// A non-nil problem refuses the upgrade with that problem+json.
	Authenticate func(r *http.Request) (clientID string, problem *api.Problem)
	// Registry receives the feed's metrics; nil exports none.
	Registry prometheus.Registerer
}

// Hub serves the feed: it upgrades connections, keeps their
// subscriptions, and dispatches the source's events to them.
type Hub struct {
	cfg      Config
	store    settlement.Store
	src      Source
	opts     HubOptions
	log      *zap.Logger
	metrics  *metrics
	upgrader websocket.Upgrader

	started chan struct{}   // closed once Run has read the head
	runCtx  context.Context // Run's context, set before started closes
	head    atomic.Uint64
	connSeq atomic.Uint64 // names connections in logs

	// mu guards the fields below, the subscription index and every conn's
	// subs. Lock order: mu, then a subscription's mu, then a sendQueue's.
	mu       sync.Mutex
	conns    map[*conn]struct{}
	reserved int  // upgrades in progress, counted against MaxConnections
	stopping bool // Run is closing connections; no new ones
	index    index
	matches  []*subscription // dispatch's scratch

	wg sync.WaitGroup // every connection's goroutines, which Run waits for
}

// NewHub builds a hub over store (for replays) and src (for live events).
// cfg must pass Validate; Run checks it.
func NewHub(cfg Config, store settlement.Store, src Source, opts HubOptions, log *zap.Logger) *Hub {
	return &Hub{
		cfg: cfg, store: store, src: src, opts: opts, log: log.Named("feed"),
		metrics: newMetrics(opts.Registry),
		upgrader: websocket.Upgrader{
			ReadBufferSize: readBufferBytes, WriteBufferSize: writeBufferBytes,
			WriteBufferPool: &sync.Pool{}, HandshakeTimeout: cfg.WriteTimeout.Duration(),
		},
		started: make(chan struct{}),
		conns:   make(map[*conn]struct{}),
		index:   newIndex(),
	}
}

// Run reads the outbox head (waiting for the store as long as ctx
// allows), then dispatches the source's events and sends heartbeats until
// ctx ends; then it closes every connection with 1001 and returns once all
// of the hub's goroutines have. It returns an error only for an invalid
// config or a source that failed. Call it once.
func (h *Hub) Run(ctx context.Context) error {
	if err := h.cfg.Validate(); err != nil {
		return err
	}
	head, ok := h.startHead(ctx)
	if !ok {
		return nil
	}
	h.runCtx = ctx
	h.setHead(head)
	close(h.started)
	h.log.Info("feed started", zap.Uint64("seq", head))

	var wg sync.WaitGroup
	var srcErr error
	wg.Go(func() { srcErr = h.src.Run(ctx) })
	wg.Go(func() { h.pump(ctx) })
	h.beat(ctx)
	h.shutdown()
	wg.Wait()
	return srcErr
}

// Head is the seq of the last event the hub has dispatched.
func (h *Hub) Head() uint64 { return h.head.Load() }

func (h *Hub) setHead(seq uint64) {
	h.head.Store(seq)
	h.metrics.headSeq.Set(float64(seq))
}

// startHead reads the outbox head, retrying while the store does not
// answer; false when ctx ended first.
func (h *Hub) startHead(ctx context.Context) (uint64, bool) {
	var b backoff
	for {
		seq, err := lastSeq(ctx, h.store)
		if err == nil {
			return seq, true
		}
		if ctx.Err() != nil {
			return 0, false
		}
		h.log.Warn("feed cannot start yet", zap.Error(err))
		if !b.wait(ctx) {
			return 0, false
		}
	}
}

// pump moves events from the source to the subscriptions.
func (h *Hub) pump(ctx context.Context) {
	after := h.Head()
	var b backoff
	for {
		evs, err := h.src.Next(ctx, after)
		if ctx.Err() != nil {
			return
		}
		ok := contiguous(after, evs)
		if err == nil && len(ok) < len(evs) {
			h.log.Error("source skipped events; asking again", zap.Uint64("seq", after+1),
				zap.Uint64("got_seq", evs[len(ok)].Seq))
		}
		if len(ok) == 0 {
			if err != nil {
				h.log.Warn("read events", zap.Uint64("seq", after), zap.Error(err))
			}
			if !b.wait(ctx) {
				return
			}
			continue
		}
		b.reset()
		h.dispatch(ok)
		after = ok[len(ok)-1].Seq
	}
}

// dispatch offers evs to every matching subscription and advances the
// head. It never blocks on a connection: one that cannot take an event is
// closed as slow.
func (h *Hub) dispatch(evs []settlement.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range evs {
		h.dispatchLocked(newFanEvent(e))
		h.head.Store(e.Seq)
	}
	h.metrics.headSeq.Set(float64(evs[len(evs)-1].Seq))
}

func (h *Hub) dispatchLocked(fe *fanEvent) {
	if h.index.empty() {
		return
	}
	h.matches = h.index.match(fe, h.log, h.matches[:0])
	if len(h.matches) == 0 {
		return
	}
	tail := fe.frameTail(h.log)
	for _, s := range h.matches {
		if !s.offer(fe, tail) {
			h.slowLocked(s.conn)
		}
	}
	clear(h.matches)
}

// beat queues a heartbeat on every connection each HeartbeatInterval
// until ctx ends. It holds mu, as dispatch does, so a heartbeat follows
// every event it claims.
func (h *Hub) beat(ctx context.Context) {
	t := time.NewTicker(h.cfg.HeartbeatInterval.Duration())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			h.heartbeat(now)
		}
	}
}

func (h *Hub) heartbeat(now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	head := h.Head()
	common := heartbeatFrame(head, now)
	for c := range h.conns {
		frame := common
		if seq := c.heartbeatSeqLocked(head); seq != head {
			frame = heartbeatFrame(seq, now)
		}
		if !c.queue.push(outMsg{data: frame}) {
			h.slowLocked(c)
		}
	}
}

// slow closes c as a slow consumer.
func (h *Hub) slow(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.slowLocked(c)
}

func (h *Hub) slowLocked(c *conn) {
	if c.queue.close(api.CloseSlowConsumer, reasonSlow) {
		h.metrics.slowCloses.Inc()
		c.log.Info("closing slow feed connection", zap.Int("send_buffer", h.cfg.SendBuffer))
	}
	h.detachLocked(c)
}

// detachLocked removes c's subscriptions from the index; c gets no more
// events.
func (h *Hub) detachLocked(c *conn) {
	if c.detached {
		return
	}
	c.detached = true
	for _, s := range c.subs {
		h.index.remove(s)
		s.stop()
	}
	h.metrics.subscriptions.Sub(float64(len(c.subs)))
	clear(c.subs)
}

// shutdown closes every connection with 1001 and waits for their
// goroutines.
func (h *Hub) shutdown() {
	h.mu.Lock()
	h.stopping = true
	for c := range h.conns {
		c.queue.close(api.CloseGoingAway, reasonShutdown)
	}
	n := len(h.conns)
	h.mu.Unlock()
	h.log.Info("feed stopping", zap.Int("connections", n))
	h.wg.Wait()
}

// backoff is a capped exponential wait between retries.
type backoff struct{ d time.Duration }

// wait sleeps the next backoff; false when ctx ended first.
func (b *backoff) wait(ctx context.Context) bool {
	b.d = min(max(2*b.d, retryMin), retryMax)
	t := time.NewTimer(b.d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (b *backoff) reset() { b.d = 0 }
