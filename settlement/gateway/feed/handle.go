package feed

import (
	"context"
	"fmt"

	"github.com/causeway/causeway/settlement/gateway/api"
)

// handle answers one client message.
func (c *conn) handle(data []byte) {
	m, bad := parseClientMessage(data)
	if bad != nil {
		c.reply(errorFrame(bad))
		return
	}
	if m.Op == api.OpSubscribe {
		c.subscribe(m)
		return
	}
	c.unsubscribe(m.ID)
}

// subscribe registers the subscription (it buffers live events from
// here), answers with the head, then replays or goes live at once.
func (c *conn) subscribe(m api.ClientMessage) {
	ctx, cancel := context.WithCancel(c.ctx)
	s := &subscription{conn: c, id: m.ID, idJSON: mustJSONString(m.ID), filter: filterOf(m),
		cancel: cancel, done: make(chan struct{})}
	head, bad := c.register(s, m.FromSeq)
	if bad != nil {
		cancel()
		c.reply(errorFrame(bad))
		return
	}
	c.reply(controlFrame(api.ServerMessage{Type: api.MsgSubscribed, ID: m.ID, Seq: head}))
	if m.FromSeq != nil {
		c.startReplay(ctx, s, *m.FromSeq, true)
		return
	}
	done, ok := s.goLive(head, false, c.log)
	if !ok {
		c.hub.slow(c)
	}
	if done {
		close(s.done)
		return
	}
	// Its buffer overflowed already: catch up from the store, silently.
	c.startReplay(ctx, s, head, false)
}

func (c *conn) startReplay(ctx context.Context, s *subscription, from uint64, announce bool) {
	c.replays.Add(1)
	go func() {
		defer c.replays.Done()
		c.replay(ctx, s, from, announce)
	}()
}

// register adds s to c and to the index and returns the head it starts
// after; or why it may not.
func (c *conn) register(s *subscription, fromSeq *uint64) (uint64, *msgError) {
	h := c.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case c.detached:
		return 0, &msgError{id: s.id, code: string(api.CodeInternal), detail: "the connection is closing"}
	case c.subs[s.id] != nil:
		return 0, &msgError{id: s.id, code: api.StreamCodeDuplicateSub, detail: "the connection has a subscription with this id"}
	case len(c.subs) >= h.cfg.MaxSubscriptions:
		return 0, &msgError{id: s.id, code: api.StreamCodeTooManySubs,
			detail: fmt.Sprintf("at most %d subscriptions per connection", h.cfg.MaxSubscriptions)}
	}
	head := h.Head()
	s.sent = head
	if fromSeq != nil {
		s.sent = *fromSeq
	}
	c.subs[s.id] = s
	h.index.add(s)
	h.metrics.subscriptions.Inc()
	return head, nil
}

// unsubscribe removes subscription id; once its replay has stopped,
// nothing more is sent for it and the client is told.
func (c *conn) unsubscribe(id string) {
	s := c.unregister(id, nil)
	if s == nil {
		c.reply(errorFrame(&msgError{id: id, code: api.StreamCodeUnknownSub, detail: "no subscription with this id"}))
		return
	}
	s.stop()
	<-s.done
	c.reply(controlFrame(api.ServerMessage{Type: api.MsgUnsubscribed, ID: id}))
}

// dropSub ends a subscription whose replay failed and tells the client.
func (c *conn) dropSub(s *subscription, e *msgError) {
	c.unregister(s.id, s)
	s.stop()
	c.reply(errorFrame(e))
}

// unregister removes subscription id (only when it is want, if want is
// set) from c and the index, and returns it.
func (c *conn) unregister(id string, want *subscription) *subscription {
	h := c.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	s := c.subs[id]
	if s == nil || (want != nil && s != want) {
		return nil
	}
	delete(c.subs, id)
	h.index.remove(s)
	h.metrics.subscriptions.Dec()
	return s
}
