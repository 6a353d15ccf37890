package rpc

import "sync"

// Feed fans values out to subscribers the way the Feeds contract asks: it
// never blocks, and a subscriber whose channel is full is closed rather than
// skipped. Backends use it for their head and event feeds.
type Feed[T any] struct {
	mu     sync.Mutex
	subs   map[chan T]struct{}
	closed bool
}

// NewFeed returns an open feed.
func NewFeed[T any]() *Feed[T] { return &Feed[T]{subs: map[chan T]struct{}{}} }

// Subscribe returns a channel of buffer capacity and a cancel function. The
// channel closes on cancel, on overflow, on Interrupt and on Close.
func (f *Feed[T]) Subscribe(buffer int) (<-chan T, func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan T, buffer)
	if f.closed {
		close(ch)
		return ch, func() {}
	}
	f.subs[ch] = struct{}{}
	return ch, func() { f.drop(ch) }
}

func (f *Feed[T]) drop(ch chan T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.subs[ch]; ok {
		delete(f.subs, ch)
		close(ch)
	}
}

// Publish delivers v to every subscriber with room and closes the others.
func (f *Feed[T]) Publish(v T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for ch := range f.subs {
		select {
		case ch <- v:
		default:
			delete(f.subs, ch)
			close(ch)
		}
	}
}

// Interrupt closes every current subscriber; later ones are accepted.
func (f *Feed[T]) Interrupt() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closeAll()
}

// Close closes every subscriber and every later one at once.
func (f *Feed[T]) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	f.closeAll()
}

// Size is the number of current subscribers.
func (f *Feed[T]) Size() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

func (f *Feed[T]) closeAll() {
	for ch := range f.subs {
		delete(f.subs, ch)
		close(ch)
	}
}
