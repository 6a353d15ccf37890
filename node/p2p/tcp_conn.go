package p2p

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
)

const (
	// acceptRetryDelay is the pause after a failed Accept that is not a shutdown.
	acceptRetryDelay = 50 * time.Millisecond
	// stableConnectionAge is how long a connection must have lived for its
	// loss to reset the dial backoff; shorter-lived ones count as failures.
	stableConnectionAge = time.Second
)

// errDuplicate: the pair already has the connection it keeps; not a refusal.
var errDuplicate = errors.New("duplicate connection")

// acceptLoop accepts inbound connections and hands each to a handshake
// goroutine, refusing them when too many handshakes are in progress.
func (t *TCP) acceptLoop() {
	defer t.wg.Done()
	for {
		conn, err := t.ln.Accept()
		if err != nil {
			if t.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			t.log.Warn("accept", zap.Error(err))
			if !t.sleep(acceptRetryDelay) {
				return
			}
			continue
		}
		select {
		case t.handshakes <- struct{}{}:
			t.wg.Add(1)
			go t.handleInbound(conn)
		default:
			t.refused.Add(1)
			t.log.Warn("peer refused", zap.String(fieldRemote, conn.RemoteAddr().String()), zap.String("reason", "too many pending handshakes"))
			_ = conn.Close()
		}
	}
}

func (t *TCP) handleInbound(conn net.Conn) {
	defer t.wg.Done()
	defer func() { <-t.handshakes }()
	if err := t.establish(conn, false, nil); err != nil {
		t.logRefusal("peer refused", conn, err)
	}
}

// dialLoop keeps a connection to p, redialing with capped exponential
// backoff. An inbound connection from p counts as connected, except that the
// lower address of a pair replaces an inbound connection with its own dial,
// so every pair settles on the connection its lower address dialed whatever
// the order in which the two started.
func (t *TCP) dialLoop(p Peer) {
	defer t.wg.Done()
	b := newBackoff(t.cfg.DialBackoffMin, t.cfg.DialBackoffMax)
	for t.ctx.Err() == nil {
		if pc := t.peer(p.Address); pc != nil && (pc.preferred(t.id.addr) || t.id.addr.Cmp(p.Address) > 0) {
			select {
			case <-pc.done:
			case <-t.ctx.Done():
				return
			}
			if time.Since(pc.since) >= stableConnectionAge {
				b.reset()
			} else if !t.sleep(b.delay()) {
				return
			}
			continue
		}
		if err := t.dial(p); err != nil && !errors.Is(err, errDuplicate) {
			if !t.sleep(b.delay()) {
				return
			}
		}
	}
}

// dial connects to p once. An unreachable peer is only logged at debug
// level, since it is usually restarting; a failed handshake is a warning.
func (t *TCP) dial(p Peer) error {
	d := net.Dialer{Timeout: t.cfg.HandshakeTimeout}
	conn, err := d.DialContext(t.ctx, "tcp", p.Addr)
	if err != nil {
		t.log.Debug("dial", zap.Stringer(fieldPeer, p.Address), zap.String(fieldRemote, p.Addr), zap.Error(err))
		return fmt.Errorf("dial %s: %w", p.Addr, err)
	}
	want := p.Address
	if err := t.establish(conn, true, &want); err != nil {
		t.logRefusal("outbound handshake failed", conn, err)
		return err
	}
	return nil
}

// establish runs the handshake on conn and registers the peer. want, when
// set, is the address the dialed peer must have. conn is closed on error.
func (t *TCP) establish(conn net.Conn, outbound bool, want *attest.Address) error {
	stop := context.AfterFunc(t.ctx, func() { _ = conn.Close() })
	defer stop()
	self := roleResponder
	if outbound {
		self = roleInitiator
	}
	_ = conn.SetDeadline(time.Now().Add(t.cfg.HandshakeTimeout))
	sc, remote, err := handshake(conn, self, t.id, t.cfg.MaxFrameBytes, func(a attest.Address) error { return t.admit(a, want) })
	if err != nil {
		_ = conn.Close()
		return err
	}
	_ = conn.SetDeadline(time.Time{})
	p := newPeerConn(remote, outbound, conn, sc, t.cfg.SendQueue, t.log)
	if err := t.addPeer(p); err != nil {
		_ = conn.Close()
		return err
	}
	return nil
}

// admit decides whether an authenticated address may connect.
func (t *TCP) admit(a attest.Address, want *attest.Address) error {
	switch {
	case a == t.id.addr:
		return fmt.Errorf("admit %s: %w", a, ErrSelf)
	case want != nil && a != *want:
		return fmt.Errorf("admit %s, dialed %s: %w", a, *want, ErrUnexpectedPeer)
	case !t.authorized(a):
		return fmt.Errorf("admit %s: %w", a, ErrUnauthorized)
	}
	return nil
}

// addPeer registers p and starts its goroutines. When the pair is already
// connected, the preferred direction wins; between equals the newer wins,
// since the remote dials only after it lost the older one.
func (t *TCP) addPeer(p *peerConn) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ctx.Err() != nil {
		return fmt.Errorf("add peer %s: %w", p.addr, ErrStopped)
	}
	old := t.peers[p.addr]
	if old != nil && old.preferred(t.id.addr) && !p.preferred(t.id.addr) {
		return fmt.Errorf("add peer %s: %w", p.addr, errDuplicate)
	}
	t.peers[p.addr] = p
	t.connected.Add(1)
	t.wg.Add(2)
	go t.readLoop(p)
	go t.writeLoop(p)
	if old != nil {
		old.close(errReplaced)
	}
	p.log.Info("peer connected", zap.Bool("outbound", p.outbound), zap.String(fieldRemote, p.conn.RemoteAddr().String()))
	return nil
}

// errReplaced closes the losing connection of a pair.
var errReplaced = errors.New("replaced by a newer connection")

// dropPeer closes p and forgets it, unless it was already replaced.
func (t *TCP) dropPeer(p *peerConn, reason error) {
	p.close(reason)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.peers[p.addr] == p {
		delete(t.peers, p.addr)
	}
}

func (t *TCP) peer(a attest.Address) *peerConn {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.peers[a]
}

// logRefusal logs why a connection did not become a peer, once, at the boundary.
func (t *TCP) logRefusal(msg string, conn net.Conn, err error) {
	if errors.Is(err, errDuplicate) || t.ctx.Err() != nil {
		return
	}
	t.refused.Add(1)
	t.log.Warn(msg, zap.String(fieldRemote, conn.RemoteAddr().String()), zap.Error(err))
}

// sleep waits d or until the transport stops; it reports whether to go on.
func (t *TCP) sleep(d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-t.ctx.Done():
		return false
	}
}
