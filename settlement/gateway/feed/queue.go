package feed

import (
	"context"
	"errors"
	"sync"
	"time"
)

// errQueueClosed: the connection is closing; nothing more is queued.
var errQueueClosed = errors.New("connection closing")

// outMsg is one frame queued for a connection.
type outMsg struct {
	data []byte
	// at is the commit time of a live event (for the delivery histogram);
	// zero for replayed events and control messages.
	at    time.Time
	event bool
}

// sendQueue is a connection's bounded outbound queue. The hub's dispatch
// pushes without ever blocking (a full queue is the caller's cue to close
// the connection as slow); a replay waits for room instead, and leaves
// half of the queue to live events. One writer takes messages out.
type sendQueue struct {
	limit int

	mu       sync.Mutex
	msgs     []outMsg
	inflight int // taken by the writer and not yet written; they count against limit
	closed   bool
	code     int // close frame to send; 0 sends none (the peer is gone)
	reason   string
	wake     chan struct{} // capacity 1: messages or a close wait for the writer
	room     chan struct{} // closed (and replaced) whenever the writer has written a batch
}

func newSendQueue(limit int) *sendQueue {
	return &sendQueue{limit: limit, wake: make(chan struct{}, 1), room: make(chan struct{})}
}

// push queues m. It reports false when the queue is full or closed.
func (q *sendQueue) push(m outMsg) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || len(q.msgs)+q.inflight >= q.limit {
		return false
	}
	q.add(m)
	return true
}

// pushWait queues m once the queue is less than half full, waiting for
// the writer as long as ctx allows.
func (q *sendQueue) pushWait(ctx context.Context, m outMsg) error {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return errQueueClosed
		}
		if len(q.msgs)+q.inflight < max(q.limit/2, 1) {
			q.add(m)
			q.mu.Unlock()
			return nil
		}
		room := q.room
		q.mu.Unlock()
		select {
		case <-room:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (q *sendQueue) add(m outMsg) {
	q.msgs = append(q.msgs, m)
	q.signal()
}

func (q *sendQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// close asks the writer to drop what is queued, send a close frame with
// code (none when 0) and end. Only the first call counts; it reports
// whether it was the first.
func (q *sendQueue) close(code int, reason string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	q.closed, q.code, q.reason, q.msgs = true, code, reason, nil
	q.signal()
	close(q.room) // a replay waiting for room gives up
	q.room = make(chan struct{})
	return true
}

// take moves the queued messages into buf (reused) for the writer, or
// reports the close. They count against the limit until written is called.
func (q *sendQueue) take(buf []outMsg) (msgs []outMsg, closed bool, code int, reason string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return buf[:0], true, q.code, q.reason
	}
	msgs = append(buf[:0], q.msgs...)
	clear(q.msgs)
	q.msgs = q.msgs[:0]
	q.inflight = len(msgs)
	return msgs, false, 0, ""
}

// written tells the queue the writer is done with what it took.
func (q *sendQueue) written() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.inflight = 0
	close(q.room)
	q.room = make(chan struct{})
}

// isClosed reports whether close was called.
func (q *sendQueue) isClosed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed
}
