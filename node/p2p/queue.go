package p2p

import "sync"

// sendQueue is a bounded FIFO that never blocks its producers: when full, a
// push drops the oldest element. A single consumer waits on ready().
type sendQueue[T any] struct {
	mu    sync.Mutex
	buf   []T // ring of len capacity
	head  int // index of the oldest element
	n     int
	ready chan struct{} // holds one token while the queue is non-empty
}

func newSendQueue[T any](capacity int) *sendQueue[T] {
	return &sendQueue[T]{buf: make([]T, capacity), ready: make(chan struct{}, 1)}
}

// push appends v and reports whether the oldest element was dropped to make room.
func (q *sendQueue[T]) push(v T) (dropped bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == len(q.buf) {
		var zero T
		q.buf[q.head] = zero
		q.head = (q.head + 1) % len(q.buf)
		q.n--
		dropped = true
	}
	q.buf[(q.head+q.n)%len(q.buf)] = v
	q.n++
	select {
	case q.ready <- struct{}{}:
	default:
	}
	return dropped
}

// drain moves every queued element into dst and returns it.
func (q *sendQueue[T]) drain(dst []T) []T {
	q.mu.Lock()
	defer q.mu.Unlock()
	var zero T
	for ; q.n > 0; q.n-- {
		dst = append(dst, q.buf[q.head])
		q.buf[q.head] = zero
		q.head = (q.head + 1) % len(q.buf)
	}
	return dst
}

// pop removes and returns the oldest element, if any.
func (q *sendQueue[T]) pop() (T, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var zero T
	if q.n == 0 {
		return zero, false
	}
	v := q.buf[q.head]
	q.buf[q.head] = zero
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	return v, true
}

// len is the number of queued elements.
func (q *sendQueue[T]) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}
