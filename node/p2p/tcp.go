package p2p

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
)

// Log field keys.
const (
	fieldPeer   = "peer"
	fieldSelf   = "self"
	fieldRemote = "remote_addr"
	fieldUptime = "uptime"
)

// Lifecycle states of a TCP transport.
const (
	stateNew = iota
	stateRunning
	stateStopped
)

// TCP is the production Transport: authenticated, encrypted TCP connections
// between validators, one per pair. Outbound messages wait in a bounded
// per-peer queue that drops its oldest entry when full; inbound messages are
// never dropped: a consumer that stops reading Inbound stalls the readers,
// and TCP flow control pushes back on the senders.
type TCP struct {
	cfg        Config
	log        *zap.Logger
	id         identity
	authorized func(attest.Address) bool
	inbound    chan Inbound
	handshakes chan struct{} // one token per inbound handshake in progress

	mu    sync.Mutex // guards state, ln and peers
	state int
	ln    net.Listener
	peers map[attest.Address]*peerConn

	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	stopOnce sync.Once

	dropped   atomic.Uint64
	refused   atomic.Uint64
	connected atomic.Uint64
}

// Stats are cumulative counters of a transport.
type Stats struct {
	Dropped   uint64 // messages dropped from full send queues
	Refused   uint64 // connections refused during or right after the handshake
	Connected uint64 // connections established
}

var _ Transport = (*TCP)(nil)

// NewTCP checks cfg and returns a transport; Start brings it up.
// Config.Authorized must be safe for concurrent use.
func NewTCP(cfg Config, log *zap.Logger) (*TCP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = zap.NewNop()
	}
	id := newIdentity(cfg.Key, cfg.Genesis)
	cfg.Peers = slices.Clone(cfg.Peers)
	return &TCP{
		cfg:        cfg,
		log:        log.Named("p2p").With(zap.Stringer(fieldSelf, id.addr)),
		id:         id,
		authorized: cfg.authorizer(),
		inbound:    make(chan Inbound, cfg.InboundQueue),
		handshakes: make(chan struct{}, cfg.MaxPendingHandshakes),
		peers:      make(map[attest.Address]*peerConn),
		ctx:        context.Background(),
		cancel:     func() {},
	}, nil
}

// Start listens on ListenAddr and begins dialing the configured peers. It
// returns once listening. Cancelling ctx shuts the transport down; Stop still
// waits for it.
func (t *TCP) Start(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.state != stateNew {
		return fmt.Errorf("start p2p: %w", ErrStopped)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", t.cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", t.cfg.ListenAddr, err)
	}
	t.ln, t.state = ln, stateRunning
	t.ctx, t.cancel = context.WithCancel(ctx)
	t.wg.Add(2)
	go t.closeOnDone()
	go t.acceptLoop()
	for _, p := range t.cfg.Peers {
		if p.Address == t.id.addr {
			continue
		}
		t.wg.Add(1)
		go t.dialLoop(p)
	}
	t.log.Info("p2p listening", zap.String("listen_addr", ln.Addr().String()), zap.Int("peers", len(t.cfg.Peers)))
	return nil
}

// Stop closes the listener and every connection, waits for all goroutines,
// then closes the Inbound channel. It is safe to call more than once.
func (t *TCP) Stop() error {
	t.stopOnce.Do(func() {
		t.mu.Lock()
		t.state = stateStopped
		t.mu.Unlock()
		t.cancel()
		t.wg.Wait()
		close(t.inbound)
	})
	return nil
}

// closeOnDone closes the listener and every connection once the
// transport's context ends, by Stop or by the caller of Start.
func (t *TCP) closeOnDone() {
	defer t.wg.Done()
	<-t.ctx.Done()
	t.mu.Lock()
	peers := make([]*peerConn, 0, len(t.peers))
	for _, p := range t.peers {
		peers = append(peers, p)
	}
	t.mu.Unlock()
	_ = t.ln.Close()
	for _, p := range peers {
		p.close(ErrStopped)
	}
}

// Addr is the bound listen address, or "" before Start.
func (t *TCP) Addr() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ln == nil {
		return ""
	}
	return t.ln.Addr().String()
}

// Broadcast queues m for every connected peer. A message over the frame
// limit is logged and dropped.
func (t *TCP) Broadcast(m Message) {
	if err := t.checkSize(m); err != nil {
		t.log.Warn("broadcast dropped", zap.Uint8("type", m.Type), zap.Error(err))
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range t.peers {
		t.enqueue(p, m)
	}
}

// Send queues m for the peer to.
func (t *TCP) Send(to attest.Address, m Message) error {
	if err := t.checkSize(m); err != nil {
		return fmt.Errorf("send to %s: %w", to, err)
	}
	t.mu.Lock()
	p := t.peers[to]
	t.mu.Unlock()
	if p == nil {
		return fmt.Errorf("send to %s: %w", to, ErrNotConnected)
	}
	t.enqueue(p, m)
	return nil
}

// Inbound delivers messages from all peers; it is closed by Stop.
func (t *TCP) Inbound() <-chan Inbound { return t.inbound }

// Peers lists connected peers, sorted.
func (t *TCP) Peers() []attest.Address {
	t.mu.Lock()
	out := make([]attest.Address, 0, len(t.peers))
	for a := range t.peers {
		out = append(out, a)
	}
	t.mu.Unlock()
	slices.SortFunc(out, attest.Address.Cmp)
	return out
}

// Stats returns the transport's counters.
func (t *TCP) Stats() Stats {
	return Stats{Dropped: t.dropped.Load(), Refused: t.refused.Load(), Connected: t.connected.Load()}
}

func (t *TCP) checkSize(m Message) error {
	if limit := t.cfg.MaxFrameBytes - frameOverhead; len(m.Payload) > limit {
		return fmt.Errorf("message of %d bytes, limit %d: %w", len(m.Payload), limit, ErrFrameTooLarge)
	}
	return nil
}

func (t *TCP) enqueue(p *peerConn, m Message) {
	if p.queue.push(m) {
		t.dropped.Add(1)
	}
}
