package feed

import (
	"context"
	"sync"

	"go.uber.org/zap"

	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// subscription is one filter of one connection. It starts buffering: live
// events the hub offers wait in pending while the subscription is
// answered and, when from_seq asks for it, replayed from the store; then
// the buffered events newer than the last replayed one are sent, and it
// is live. So replay and live never leave a gap or send an event twice.
type subscription struct {
	conn   *conn
	id     string
	idJSON []byte
	filter settlement.EventFilter
	cancel context.CancelFunc // stops its replay
	done   chan struct{}      // closed when its replay (if any) has ended

	mu       sync.Mutex
	live     bool
	gone     bool        // unsubscribed or its connection detached
	sent     uint64      // seq of the last event queued, or from_seq; older events are not sent
	pending  []*fanEvent // live events offered before it went live
	overflow bool        // pending filled up and was dropped; the replay reads those events from the store
}

// pendingLimit bounds a subscription's buffer during its replay; past it
// the buffer is dropped and the replay reads on from the store instead.
func pendingLimit(cfg Config) int { return max(cfg.SendBuffer/2, 1) }

// offer queues a live event, or buffers it while the subscription is not
// live. It reports false when the connection's queue is full.
func (s *subscription) offer(fe *fanEvent, tail []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.gone || fe.Seq <= s.sent || s.overflow:
		return true
	case !s.live:
		if len(s.pending) >= pendingLimit(s.conn.hub.cfg) {
			s.overflow, s.pending = true, nil
			return true
		}
		s.pending = append(s.pending, fe)
		return true
	}
	if !s.conn.queue.push(outMsg{data: eventFrame(tail, s.idJSON), at: fe.At, event: true}) {
		return false
	}
	s.sent = fe.Seq
	return true
}

// goLive sends what was buffered after seq after (announcing the end of a
// replay first when asked) and makes s live. It reports done false when
// the buffer overflowed meanwhile — the caller reads on from the store —
// and ok false when the connection's queue is full.
func (s *subscription) goLive(after uint64, announce bool, log *zap.Logger) (done, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone {
		return true, true
	}
	if s.overflow {
		s.overflow, s.pending = false, nil
		return false, true
	}
	q := s.conn.queue
	if announce && !q.push(outMsg{data: controlFrame(api.ServerMessage{Type: api.MsgReplayed, ID: s.id, Seq: after})}) {
		return true, false
	}
	s.sent = max(s.sent, after)
	for _, fe := range s.pending {
		if fe.Seq <= s.sent {
			continue
		}
		if !q.push(outMsg{data: eventFrame(fe.frameTail(log), s.idJSON), at: fe.At, event: true}) {
			return true, false
		}
		s.sent = fe.Seq
	}
	s.live, s.pending = true, nil
	return true, true
}

// replayed records that events up to seq were queued by the replay.
func (s *subscription) replayed(seq uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = max(s.sent, seq)
}

// heartbeatSeq is the highest seq a heartbeat may claim for s given the
// hub's head: a subscription still catching up has not been sent
// everything up to the head.
func (s *subscription) heartbeatSeq(head uint64) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.live || s.gone {
		return head
	}
	return min(head, s.sent)
}

// stop makes s send nothing more and ends its replay.
func (s *subscription) stop() {
	s.mu.Lock()
	s.gone, s.pending = true, nil
	s.mu.Unlock()
	s.cancel()
}

// replay sends s the stored events after seq from, page by page, then the
// buffered live ones, and makes s live. announce sends "replayed" at the
// end (a live-only subscription that overflowed catches up silently).
func (c *conn) replay(ctx context.Context, s *subscription, from uint64, announce bool) {
	defer close(s.done)
	h := c.hub
	// A page shorter than asked for is the last one; ask for no more than
	// the store gives, or a full page would look like the last.
	page := settlement.PageSize(h.cfg.ReplayPage)
	after := from
	for {
		evs, err := h.store.Events(ctx, after, page, s.filter)
		if err != nil {
			if ctx.Err() == nil {
				c.log.Warn("replay", zap.String("sub", s.id), zap.Uint64("seq", after), zap.Error(err))
				c.dropSub(s, &msgError{id: s.id, code: api.StreamCodeReplayFailed, detail: "the store did not answer; subscribe again with from_seq"})
			}
			return
		}
		for _, e := range evs {
			fe := newFanEvent(e)
			if err := c.queue.pushWait(ctx, outMsg{data: eventFrame(fe.frameTail(c.log), s.idJSON), event: true}); err != nil {
				return
			}
			after = e.Seq
			s.replayed(after)
		}
		if len(evs) == page {
			continue
		}
		done, ok := s.goLive(after, announce, c.log)
		if !ok {
			h.slow(c)
		}
		if done {
			return
		}
	}
}
