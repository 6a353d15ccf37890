package p2p

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/causeway/causeway/attest"
)

// memQueueSize is how many messages wait for a MemNetwork member before the
// oldest is dropped.
const memQueueSize = DefaultInboundQueue

// MemNetwork is an in-memory network for tests. Members exchange messages
// without encryption or framing; links between two members can be cut and
// healed. Two members are connected while both are started, the link between
// them is intact, and each authorizes the other.
type MemNetwork struct {
	mu    sync.Mutex // guards nodes and cut; taken before any member's queue lock
	nodes map[attest.Address]*memTransport
	cut   map[[2]attest.Address]bool
}

// NewMemNetwork returns an empty network.
func NewMemNetwork() *MemNetwork {
	return &MemNetwork{nodes: make(map[attest.Address]*memTransport), cut: make(map[[2]attest.Address]bool)}
}

// Join adds a member identified by key. authorized decides which members it
// accepts; nil accepts all. Joining again with the same key replaces the
// earlier member, as a restarted node would.
func (n *MemNetwork) Join(key *ecdsa.PrivateKey, authorized func(attest.Address) bool) Transport {
	if authorized == nil {
		authorized = func(attest.Address) bool { return true }
	}
	m := &memTransport{
		net:        n,
		addr:       attest.AddressOf(key),
		authorized: authorized,
		queue:      newSendQueue[Inbound](memQueueSize),
		inbound:    make(chan Inbound),
		ctx:        context.Background(),
		cancel:     func() {},
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.nodes[m.addr] = m
	return m
}

// Cut breaks the link between a and b in both directions; messages sent
// over it are lost until Heal.
func (n *MemNetwork) Cut(a, b attest.Address) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cut[linkKey(a, b)] = true
}

// Heal restores the link between a and b.
func (n *MemNetwork) Heal(a, b attest.Address) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.cut, linkKey(a, b))
}

// Dropped counts messages dropped from full member queues.
func (n *MemNetwork) Dropped() uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	var total uint64
	for _, m := range n.nodes {
		total += m.dropped.Load()
	}
	return total
}

func linkKey(a, b attest.Address) [2]attest.Address {
	if bytes.Compare(a[:], b[:]) > 0 {
		a, b = b, a
	}
	return [2]attest.Address{a, b}
}

// linked reports whether a message from a reaches b. Caller holds n.mu.
func (n *MemNetwork) linked(a, b *memTransport) bool {
	return a != b && a.running && b.running && n.nodes[a.addr] == a && n.nodes[b.addr] == b &&
		!n.cut[linkKey(a.addr, b.addr)] && a.authorized(b.addr) && b.authorized(a.addr)
}

// memTransport is one MemNetwork member.
type memTransport struct {
	net        *MemNetwork
	addr       attest.Address
	authorized func(attest.Address) bool
	queue      *sendQueue[Inbound] // messages for this member
	inbound    chan Inbound
	running    bool // guarded by net.mu
	started    bool // guarded by net.mu
	dropped    atomic.Uint64

	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	stopOnce sync.Once
}

func (m *memTransport) Start(ctx context.Context) error {
	m.net.mu.Lock()
	defer m.net.mu.Unlock()
	if m.started {
		return fmt.Errorf("start mem transport %s: %w", m.addr, ErrStopped)
	}
	m.started, m.running = true, true
	m.ctx, m.cancel = context.WithCancel(ctx)
	m.wg.Add(1)
	go m.pump()
	return nil
}

func (m *memTransport) Stop() error {
	m.stopOnce.Do(func() {
		m.net.mu.Lock()
		m.running, m.started = false, true
		m.net.mu.Unlock()
		m.cancel()
		m.wg.Wait()
		close(m.inbound)
	})
	return nil
}

// pump moves queued messages to the Inbound channel one at a time, so a
// slow consumer leaves them in the bounded queue, until stopped.
func (m *memTransport) pump() {
	defer m.wg.Done()
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-m.queue.ready:
		}
		for in, ok := m.queue.pop(); ok; in, ok = m.queue.pop() {
			select {
			case m.inbound <- in:
			case <-m.ctx.Done():
				return
			}
		}
	}
}

func (m *memTransport) Broadcast(msg Message) {
	m.net.mu.Lock()
	defer m.net.mu.Unlock()
	for _, o := range m.net.nodes {
		if m.net.linked(m, o) {
			o.deliver(m.addr, msg)
		}
	}
}

func (m *memTransport) Send(to attest.Address, msg Message) error {
	m.net.mu.Lock()
	defer m.net.mu.Unlock()
	o := m.net.nodes[to]
	if o == nil || !m.net.linked(m, o) {
		return fmt.Errorf("send to %s: %w", to, ErrNotConnected)
	}
	o.deliver(m.addr, msg)
	return nil
}

// deliver queues a private copy of msg, as a network would.
func (m *memTransport) deliver(from attest.Address, msg Message) {
	msg.Payload = bytes.Clone(msg.Payload)
	if m.queue.push(Inbound{From: from, Msg: msg}) {
		m.dropped.Add(1)
	}
}

func (m *memTransport) Inbound() <-chan Inbound { return m.inbound }

func (m *memTransport) Peers() []attest.Address {
	m.net.mu.Lock()
	out := make([]attest.Address, 0, len(m.net.nodes))
	for _, o := range m.net.nodes {
		if m.net.linked(m, o) {
			out = append(out, o.addr)
		}
	}
	m.net.mu.Unlock()
	slices.SortFunc(out, attest.Address.Cmp)
	return out
}
