package rpctest

import "sync"

// feed fans values out without blocking: a subscriber whose channel is full
// is closed, as the Backend contract asks.
type feed[T any] struct {
	mu     sync.Mutex
	subs   map[chan T]struct{}
	closed bool
}

func newFeed[T any]() *feed[T] { return &feed[T]{subs: map[chan T]struct{}{}} }

func (f *feed[T]) subscribe(buffer int) (<-chan T, func()) {
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

func (f *feed[T]) drop(ch chan T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.subs[ch]; ok {
		delete(f.subs, ch)
		close(ch)
	}
}

func (f *feed[T]) publish(v T) {
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

// interrupt closes every current subscriber, as a node does to one that lags.
func (f *feed[T]) interrupt() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for ch := range f.subs {
		delete(f.subs, ch)
		close(ch)
	}
}

func (f *feed[T]) size() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}
