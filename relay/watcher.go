package relay

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/chains"
)

// Watcher defaults.
const (
	// DefaultObservationBuffer is how many observations wait for the consumer.
	DefaultObservationBuffer = 256
	// DefaultHeadBuffer is how many new heads wait between the subscription
	// and the watcher; a full buffer ends the subscription on the node side,
	// and the watcher fills the gap by height.
	DefaultHeadBuffer = 64
	// DefaultPollInterval is how often the watcher asks for the latest height
	// even while subscribed, so a silent subscription cannot stall it.
	DefaultPollInterval = 2 * time.Second
	// DefaultRetryMin and DefaultRetryMax bound the backoff between
	// attempts to fetch a height or to resubscribe.
	DefaultRetryMin = 100 * time.Millisecond
	DefaultRetryMax = 5 * time.Second
)

// ErrSubscriptionEnded: the node closed the heads stream without a reason.
var ErrSubscriptionEnded = errors.New("heads subscription ended")

// WatcherConfig tunes one chain's Watcher.
type WatcherConfig struct {
	ChainID string
	// StartHeight is the first height observed when the CursorStore holds
	// no cursor for the chain; 0 starts at the chain's latest height.
	StartHeight       uint64
	ObservationBuffer int
	HeadBuffer        int
	PollInterval      time.Duration
	Backoff           Backoff
}

// DefaultWatcherConfig returns the defaults for chainID.
func DefaultWatcherConfig(chainID string) WatcherConfig {
	return WatcherConfig{ChainID: chainID, ObservationBuffer: DefaultObservationBuffer, HeadBuffer: DefaultHeadBuffer,
		PollInterval: DefaultPollInterval, Backoff: Backoff{Min: DefaultRetryMin, Max: DefaultRetryMax}}
}

// Validate names the first bad field.
func (c WatcherConfig) Validate() error {
	switch {
	case c.ChainID == "":
		return errors.New("watcher config: chain_id is empty")
	case c.ObservationBuffer < 0, c.HeadBuffer < 1:
		return errors.New("watcher config: observation_buffer must be >= 0 and head_buffer >= 1")
	case c.PollInterval <= 0:
		return errors.New("watcher config: poll_interval must be positive")
	}
	return c.Backoff.Validate()
}

// MisbehaviourFunc receives two certified headers of one height with
// different hashes, served by two endpoints. Their QCs are not checked
// here: the chain that receives xfer.misbehaviour verifies them.
type MisbehaviourFunc func(chainID string, m *attest.Misbehaviour)

// Watcher follows one chain from a persisted cursor and emits one
// Observation per height, in order, never skipping one. It subscribes to
// new heads on the first endpoint that accepts, fills gaps by height after
// a disconnect, and cross-checks every header against the other endpoints.
// The cursor advances only as the consumer Confirms heights.
type Watcher struct {
	cfg       WatcherConfig
	endpoints []Chain
	store     CursorStore
	onMisb    MisbehaviourFunc
	log       *zap.Logger
	out       chan *Observation

	latestSeen atomic.Uint64 // the highest height an endpoint reported

	mu        sync.Mutex // guards cursor and confirmed
	cursor    uint64
	confirmed map[uint64]bool

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewWatcher builds a watcher; onMisbehaviour may be nil.
func NewWatcher(cfg WatcherConfig, endpoints []Chain, store CursorStore, onMisbehaviour MisbehaviourFunc, log *zap.Logger) (*Watcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(endpoints) == 0 {
		return nil, fmt.Errorf("watcher %s: %w", cfg.ChainID, ErrNoEndpoints)
	}
	if onMisbehaviour == nil {
		onMisbehaviour = func(string, *attest.Misbehaviour) {}
	}
	return &Watcher{cfg: cfg, endpoints: endpoints, store: store, onMisb: onMisbehaviour,
		log: log.Named("watcher").With(zap.String("chain_id", cfg.ChainID)),
		out: make(chan *Observation, cfg.ObservationBuffer), confirmed: make(map[uint64]bool)}, nil
}

// Start reads the cursor and starts following the chain. Observations
// begin at the height after the cursor; with no cursor stored, at
// StartHeight or the chain's latest height, asked for in the background
// until an endpoint answers.
func (w *Watcher) Start(ctx context.Context) error {
	cursor, err := w.store.Get(ctx, w.cfg.ChainID)
	if err != nil {
		return fmt.Errorf("watcher %s: read cursor: %w", w.cfg.ChainID, err)
	}
	w.cursor = cursor
	ctx, w.cancel = context.WithCancel(ctx)
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		if cursor == 0 {
			// A chain that is down when the relay starts only delays it.
			for attempt := 0; ; attempt++ {
				c, err := w.initialCursor(ctx)
				if err == nil {
					w.mu.Lock()
					w.cursor, cursor = c, c
					w.mu.Unlock()
					break
				}
				w.log.Warn("finding the first height", zap.Error(err))
				if !sleepCtx(ctx, w.cfg.Backoff.Delay(attempt)) {
					return
				}
			}
		}
		w.run(ctx, cursor+1)
	}()
	return nil
}

// Stop ends the watcher and waits for it. Observations already emitted
// stay in the channel; unconfirmed heights are emitted again next Start.
func (w *Watcher) Stop() {
	if w.cancel != nil {
		w.cancel()
	}
	w.wg.Wait()
}

// Observations is the ordered stream of heights.
func (w *Watcher) Observations() <-chan *Observation { return w.out }

// Cursor is the last height confirmed and persisted.
func (w *Watcher) Cursor() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cursor
}

// Latest is the highest height of the chain the watcher has heard of, 0
// before it first asked.
func (w *Watcher) Latest() uint64 { return w.latestSeen.Load() }

func (w *Watcher) sawHeight(h uint64) {
	for {
		cur := w.latestSeen.Load()
		if h <= cur || w.latestSeen.CompareAndSwap(cur, h) {
			return
		}
	}
}

// Confirm records that the observations at heights are handled. The
// cursor moves over every contiguously confirmed height and is persisted,
// once per call.
func (w *Watcher) Confirm(ctx context.Context, heights ...uint64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, h := range heights {
		if h > w.cursor {
			w.confirmed[h] = true
		}
	}
	next := w.cursor
	for w.confirmed[next+1] {
		delete(w.confirmed, next+1)
		next++
	}
	if next == w.cursor {
		return nil
	}
	if err := w.store.Set(ctx, w.cfg.ChainID, next); err != nil {
		return fmt.Errorf("watcher %s: store cursor %d: %w", w.cfg.ChainID, next, err)
	}
	w.cursor = next
	return nil
}

func (w *Watcher) initialCursor(ctx context.Context) (uint64, error) {
	if w.cfg.StartHeight > 0 {
		return w.cfg.StartHeight - 1, nil
	}
	st, err := w.endpoints[0].Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("watcher %s: status: %w", w.cfg.ChainID, err)
	}
	if st.LatestHeight == 0 {
		return 0, nil
	}
	return st.LatestHeight - 1, nil
}

// run follows the chain until ctx ends, resubscribing after every failure.
func (w *Watcher) run(ctx context.Context, next uint64) {
	for attempt := 0; ; attempt++ {
		before := next
		err := w.follow(ctx, &next)
		if ctx.Err() != nil {
			return
		}
		if next > before {
			attempt = 0
		}
		w.log.Warn("following heads", zap.Uint64("height", next), zap.Error(err))
		if !sleepCtx(ctx, w.cfg.Backoff.Delay(attempt)) {
			return
		}
	}
}

// follow subscribes, catches up to the latest height, then emits heads as
// they arrive, filling any gap by height. It returns when the stream fails.
func (w *Watcher) follow(ctx context.Context, next *uint64) error {
	heads := make(chan *chains.CertifiedHeader, w.cfg.HeadBuffer)
	sub, err := w.subscribe(ctx, heads)
	if err != nil {
		// Without a stream, still make progress by height.
		if cerr := w.catchUp(ctx, next); cerr != nil {
			return cerr
		}
		return err
	}
	defer sub.Unsubscribe()
	if err := w.catchUp(ctx, next); err != nil {
		return err
	}
	poll := time.NewTicker(w.cfg.PollInterval)
	defer poll.Stop()
	for {
		select {
		case h := <-heads:
			w.sawHeight(h.Certified.Header.Height)
			if err := w.emitThrough(ctx, next, h.Certified.Header.Height, h.Certified); err != nil {
				return err
			}
		case <-poll.C:
			if err := w.catchUp(ctx, next); err != nil {
				return err
			}
		case err, ok := <-sub.Err():
			if !ok || err == nil {
				err = ErrSubscriptionEnded
			}
			return fmt.Errorf("heads of %s: %w", w.cfg.ChainID, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (w *Watcher) subscribe(ctx context.Context, heads chan *chains.CertifiedHeader) (Subscription, error) {
	var errs []error
	for _, ep := range w.endpoints {
		sub, err := ep.SubscribeHeads(ctx, heads)
		if err == nil {
			return sub, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("subscribe heads of %s: %w", w.cfg.ChainID, errors.Join(errs...))
}

// catchUp emits every height from next through the latest the endpoints report.
func (w *Watcher) catchUp(ctx context.Context, next *uint64) error {
	latest, err := w.latest(ctx)
	if err != nil {
		return err
	}
	return w.emitThrough(ctx, next, latest, nil)
}

// emitThrough emits next..height; head, when given, is the header of height.
func (w *Watcher) emitThrough(ctx context.Context, next *uint64, height uint64, head *attest.CertifiedHeader) error {
	for ; *next <= height; *next++ {
		var h *attest.CertifiedHeader
		if *next == height {
			h = head
		}
		obs, err := w.observe(ctx, *next, h)
		if err != nil {
			return err
		}
		select {
		case w.out <- obs:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (w *Watcher) latest(ctx context.Context) (uint64, error) {
	var errs []error
	for _, ep := range w.endpoints {
		st, err := ep.Status(ctx)
		if err == nil {
			w.sawHeight(st.LatestHeight)
			return st.LatestHeight, nil
		}
		errs = append(errs, err)
	}
	return 0, fmt.Errorf("status of %s: %w", w.cfg.ChainID, errors.Join(errs...))
}

// observe reads one height: its header (unless given), its events, and the
// other endpoints' headers to compare.
func (w *Watcher) observe(ctx context.Context, height uint64, header *attest.CertifiedHeader) (*Observation, error) {
	var errs []error
	for i, ep := range w.endpoints {
		h := header
		if h == nil {
			ch, err := ep.CertifiedHeader(ctx, height)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			h = ch.Certified
		}
		ev, err := ep.BlockEvents(ctx, height)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		obs, err := observe(w.cfg.ChainID, h, ev)
		if err != nil {
			return nil, err
		}
		w.crossCheck(ctx, i, h)
		return obs, nil
	}
	return nil, fmt.Errorf("observe %s %d: %w", w.cfg.ChainID, height, errors.Join(errs...))
}

// crossCheck compares h with the header every other endpoint serves at its
// height. An endpoint that cannot answer (behind, down) is skipped.
func (w *Watcher) crossCheck(ctx context.Context, served int, h *attest.CertifiedHeader) {
	hash := h.Header.Hash()
	for i, ep := range w.endpoints {
		if i == served {
			continue
		}
		other, err := ep.CertifiedHeader(ctx, h.Header.Height)
		if err != nil {
			w.log.Debug("cross-check header", zap.Uint64("height", h.Header.Height), zap.Int("endpoint", i), zap.Error(err))
			continue
		}
		if other.Certified.Header.Hash() == hash {
			continue
		}
		w.log.Error("conflicting certified headers", zap.Uint64("height", h.Header.Height),
			zap.Int("endpoint_a", served), zap.Int("endpoint_b", i))
		w.onMisb(w.cfg.ChainID, &attest.Misbehaviour{A: *h, B: *other.Certified})
	}
}
