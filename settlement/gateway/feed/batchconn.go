package feed

import (
	"bufio"
	"net"
	"net/http"
	"sync"
	"time"
)

// maxBatchBytes bounds what a connection buffers while its writer holds
// frames back; past it the buffer is written out early.
const maxBatchBytes = 64 << 10

// batchConn lets a connection's writer send a batch of WebSocket frames
// with one write to the socket instead of one per frame (gorilla writes
// each frame out as soon as it is complete). Outside a batch it passes
// writes through, so the handshake and control frames go out at once.
// Every socket write gets timeout; the deadlines gorilla sets per frame
// are ignored, since a buffered frame is written later, with others.
type batchConn struct {
	net.Conn
	timeout time.Duration

	mu      sync.Mutex
	holding bool
	buf     []byte
}

// hold starts a batch: writes are buffered until flush.
func (c *batchConn) hold() {
	c.mu.Lock()
	c.holding = true
	c.mu.Unlock()
}

// flush ends a batch and writes what it buffered.
func (c *batchConn) flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.holding = false
	return c.writeOutLocked()
}

// Write implements net.Conn.
func (c *batchConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.holding {
		_ = c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
		return c.Conn.Write(p)
	}
	c.buf = append(c.buf, p...)
	if len(c.buf) >= maxBatchBytes {
		if err := c.writeOutLocked(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// SetWriteDeadline implements net.Conn: Write sets its own.
func (c *batchConn) SetWriteDeadline(time.Time) error { return nil }

func (c *batchConn) writeOutLocked() error {
	if len(c.buf) == 0 {
		return nil
	}
	_ = c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	_, err := c.Conn.Write(c.buf)
	c.buf = c.buf[:0]
	if cap(c.buf) > maxBatchBytes {
		c.buf = nil // a rare large batch does not pin its buffer
	}
	return err
}

// batchingWriter hands gorilla's upgrader a batchConn when it hijacks the
// connection.
type batchingWriter struct {
	http.ResponseWriter
	timeout time.Duration
	conn    *batchConn
}

// Hijack implements http.Hijacker.
func (w *batchingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.conn = &batchConn{Conn: nc, timeout: w.timeout}
	return w.conn, brw, nil
}
