package node

import "sync"

// feed fans values out to subscribers. A subscriber that falls a full buffer
// behind is closed rather than allowed to block the publisher.
type feed[T any] struct {
	mu     sync.Mutex
	subs   map[int]chan T
	next   int
	closed bool
}

func newFeed[T any]() *feed[T] { return &feed[T]{subs: map[int]chan T{}} }

// subscribe returns a channel of values and a cancel function. The channel is
// closed on cancel, on overflow, or when the feed closes.
func (f *feed[T]) subscribe(buffer int) (<-chan T, func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan T, buffer)
	if f.closed {
		close(ch)
		return ch, func() {}
	}
	id := f.next
	f.next++
	f.subs[id] = ch
	return ch, func() { f.drop(id) }
}

func (f *feed[T]) drop(id int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ch, ok := f.subs[id]; ok {
		delete(f.subs, id)
		close(ch)
	}
}

func (f *feed[T]) publish(v T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, ch := range f.subs {
		select {
		case ch <- v:
		default:
			delete(f.subs, id)
			close(ch)
		}
	}
}

func (f *feed[T]) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for id, ch := range f.subs {
		delete(f.subs, id)
		close(ch)
	}
}
