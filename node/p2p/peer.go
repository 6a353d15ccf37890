package p2p

import (
	"net"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
)

// peerConn is one authenticated connection and its send queue. A reader and
// a writer goroutine, owned by the transport, serve it until close.
type peerConn struct {
	addr     attest.Address
	outbound bool // we dialed
	since    time.Time
	conn     net.Conn
	sc       *secureConn
	queue    *sendQueue[Message]
	log      *zap.Logger

	done      chan struct{}
	closeOnce sync.Once
}

func newPeerConn(addr attest.Address, outbound bool, conn net.Conn, sc *secureConn, queueLen int, log *zap.Logger) *peerConn {
	return &peerConn{
		addr:     addr,
		outbound: outbound,
		since:    time.Now(),
		conn:     conn,
		sc:       sc,
		queue:    newSendQueue[Message](queueLen),
		log:      log.With(zap.Stringer(fieldPeer, addr)),
		done:     make(chan struct{}),
	}
}

// close shuts the connection once and logs why.
func (p *peerConn) close(reason error) {
	p.closeOnce.Do(func() {
		close(p.done)
		_ = p.conn.Close()
		p.log.Info("peer disconnected", zap.Error(reason), zap.Duration(fieldUptime, time.Since(p.since)))
	})
}

// preferred reports whether this connection is the one its pair keeps when
// both ends dial each other: the one dialed by the lower address.
func (p *peerConn) preferred(self attest.Address) bool {
	if p.outbound {
		return self.Cmp(p.addr) < 0
	}
	return p.addr.Cmp(self) < 0
}

// readLoop delivers inbound messages until the connection fails or closes.
func (t *TCP) readLoop(p *peerConn) {
	defer t.wg.Done()
	for {
		m, err := p.sc.readMessage()
		if err != nil {
			t.dropPeer(p, err)
			return
		}
		select {
		case t.inbound <- Inbound{From: p.addr, Msg: m}:
		case <-p.done:
			return
		}
	}
}

// writeLoop sends queued messages, flushing once the queue is empty.
func (t *TCP) writeLoop(p *peerConn) {
	defer t.wg.Done()
	var batch []Message
	for {
		select {
		case <-p.done:
			return
		case <-p.queue.ready:
		}
		batch = p.queue.drain(batch[:0])
		if err := t.writeBatch(p, batch); err != nil {
			t.dropPeer(p, err)
			return
		}
		clear(batch)
	}
}

func (t *TCP) writeBatch(p *peerConn, batch []Message) error {
	for _, m := range batch {
		if err := p.conn.SetWriteDeadline(time.Now().Add(t.cfg.WriteTimeout)); err != nil {
			return err
		}
		if err := p.sc.writeMessage(m); err != nil {
			return err
		}
	}
	return p.sc.flush()
}
