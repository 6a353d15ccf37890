package rpc

import "sync"

// hub fans values out to subscriptions without ever waiting on one. Each
// subscription has a buffered channel; a subscription whose buffer is full
// when a value arrives is dropped: its channel is closed with end set to
// ErrSlowSubscriber, so it learns it missed data instead of silently skipping.
type hub[T any] struct {
	buffer int
	limit  int

	mu     sync.Mutex
	subs   map[*hubSub[T]]struct{}
	closed *Error // set once the hub refuses new subscriptions
}

// hubSub is one subscription. The hub is the only sender on ch and closes it
// exactly once, after setting end, when it drops the subscription.
type hubSub[T any] struct {
	ch  chan T
	end *Error
}

func newHub[T any](buffer, limit int) *hub[T] {
	return &hub[T]{buffer: buffer, limit: limit, subs: map[*hubSub[T]]struct{}{}}
}

// add registers a subscription, refusing past the limit or once closed.
func (h *hub[T]) add() (*hubSub[T], error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed != nil {
		return nil, h.closed
	}
	if len(h.subs) >= h.limit {
		return nil, Errorf(CodeLimitExceeded, "%d subscriptions of this kind are live, the limit", h.limit)
	}
	s := &hubSub[T]{ch: make(chan T, h.buffer)}
	h.subs[s] = struct{}{}
	return s, nil
}

// remove forgets a subscription that ended on its own side.
func (h *hub[T]) remove(s *hubSub[T]) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dropLocked(s, nil)
}

// publish offers v to every subscription and drops those that are full.
func (h *hub[T]) publish(v T) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.ch <- v:
		default:
			h.dropLocked(s, Errorf(CodeSlowSubscriber, "subscription fell %d notifications behind and was ended", h.buffer))
		}
	}
}

// endAll drops every current subscription with reason; new ones are still
// accepted.
func (h *hub[T]) endAll(reason *Error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		h.dropLocked(s, reason)
	}
}

// close drops every subscription with reason and refuses new ones.
func (h *hub[T]) close(reason *Error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = reason
	for s := range h.subs {
		h.dropLocked(s, reason)
	}
}

// size is the number of live subscriptions.
func (h *hub[T]) size() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

func (h *hub[T]) dropLocked(s *hubSub[T], reason *Error) {
	if _, ok := h.subs[s]; !ok {
		return
	}
	delete(h.subs, s)
	s.end = reason
	close(s.ch)
}
