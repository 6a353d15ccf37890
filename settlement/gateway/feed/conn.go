package feed

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"

	"github.com/causeway/causeway/settlement/gateway/api"
)

// conn is one feed connection: a reader goroutine that handles client
// messages, a writer goroutine that owns every write, and a replay
// goroutine per subscription catching up from the store.
type conn struct {
	hub        *Hub
	ws         *websocket.Conn
	batch      *batchConn // ws's socket
	log        *zap.Logger
	queue      *sendQueue
	ctx        context.Context // ends when the connection does
	cancel     context.CancelFunc
	readerDone chan struct{}
	replays    sync.WaitGroup // started by the reader

	// The hub's mu guards these.
	subs     map[string]*subscription
	detached bool // its subscriptions left the index; it gets no more events
}

func newConn(h *Hub, ws *websocket.Conn, batch *batchConn, clientID, remote string) *conn {
	ctx, cancel := context.WithCancel(h.runCtx)
	log := h.log.With(zap.Uint64("conn", h.connSeq.Add(1)), zap.String("remote", remote))
	if clientID != "" {
		log = log.With(zap.String("client_id", clientID))
	}
	return &conn{
		hub: h, ws: ws, batch: batch, log: log, queue: newSendQueue(h.cfg.SendBuffer),
		ctx: ctx, cancel: cancel, readerDone: make(chan struct{}),
		subs: make(map[string]*subscription),
	}
}

// serve runs the connection to its end and then forgets it.
func (c *conn) serve() {
	defer c.hub.wg.Done()
	c.log.Debug("feed connection open")
	go c.read()
	c.write()
	c.hub.release(c)
	c.cancel()
	<-c.readerDone
	c.replays.Wait()
	c.log.Debug("feed connection closed")
}

// read handles client messages until the peer goes away or the writer
// drops the socket. Once the connection is closing it only drains, so
// the peer's answer to our close frame is read.
func (c *conn) read() {
	defer close(c.readerDone)
	pongWait := 2 * c.hub.cfg.PingInterval.Duration()
	_ = c.ws.SetReadDeadline(time.Now().Add(pongWait))
	c.ws.SetPongHandler(func(string) error { return c.ws.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		_, r, err := c.ws.NextReader()
		if err != nil {
			c.queue.close(0, "")
			return
		}
		// Read one byte past the limit to tell an oversize message; the
		// rest of it is discarded by the next NextReader.
		data, err := io.ReadAll(io.LimitReader(r, MaxMessageBytes+1))
		if err != nil {
			c.queue.close(0, "")
			return
		}
		switch {
		case c.queue.isClosed():
		case len(data) > MaxMessageBytes:
			c.queue.close(api.CloseBadRequest, reasonOversize)
		default:
			c.handle(data)
		}
	}
}

// write sends queued messages and pings until the queue is closed or a
// write fails.
func (c *conn) write() {
	ping := time.NewTicker(c.hub.cfg.PingInterval.Duration())
	defer ping.Stop()
	var buf []outMsg
	for {
		select {
		case <-c.queue.wake:
		case <-ping.C:
			if err := c.writeFrame(websocket.PingMessage, nil); err != nil {
				c.abort(err)
				return
			}
			continue
		}
		msgs, closed, code, reason := c.queue.take(buf)
		if closed {
			c.closeWith(code, reason)
			return
		}
		if err := c.writeBatch(msgs); err != nil {
			c.abort(err)
			return
		}
		c.queue.written()
		buf = msgs
	}
}

// writeBatch writes msgs to the socket together, stopping early when the
// connection starts closing.
func (c *conn) writeBatch(msgs []outMsg) error {
	c.batch.hold()
	n := 0
	var err error
	for _, m := range msgs {
		if c.queue.isClosed() {
			break // the next take sends the close
		}
		if err = c.writeFrame(websocket.TextMessage, m.data); err != nil {
			break
		}
		n++
	}
	if ferr := c.batch.flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	for _, m := range msgs[:n] {
		c.written(m)
	}
	return nil
}

// writeFrame writes one frame; the socket's batchConn sets the deadline.
func (c *conn) writeFrame(kind int, data []byte) error {
	return c.ws.WriteMessage(kind, data)
}

func (c *conn) written(m outMsg) {
	if !m.event {
		return
	}
	met := c.hub.metrics
	met.eventsSent.Inc()
	if !m.at.IsZero() {
		met.delivery.Observe(time.Since(m.at).Seconds())
	}
}

// abort drops a connection whose write failed.
func (c *conn) abort(err error) {
	c.log.Debug("feed write", zap.Error(err))
	c.queue.close(0, "")
	_ = c.ws.Close()
}

// closeWith sends a close frame (unless code is 0: the peer is gone),
// gives the peer closeGrace to answer, and drops the socket.
func (c *conn) closeWith(code int, reason string) {
	if code != 0 {
		deadline := time.Now().Add(c.hub.cfg.WriteTimeout.Duration())
		if err := c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), deadline); err == nil {
			t := time.NewTimer(closeGrace)
			select {
			case <-c.readerDone:
			case <-t.C:
			}
			t.Stop()
		}
	}
	_ = c.ws.Close()
}

// reply queues a control message; a connection that cannot take it is
// slow.
func (c *conn) reply(frame []byte) {
	if !c.queue.push(outMsg{data: frame}) {
		c.hub.slow(c)
	}
}

// heartbeatSeqLocked is the seq a heartbeat on c may carry: the head,
// unless a subscription is still catching up.
func (c *conn) heartbeatSeqLocked(head uint64) uint64 {
	seq := head
	for _, s := range c.subs {
		seq = min(seq, s.heartbeatSeq(head))
	}
	return seq
}
