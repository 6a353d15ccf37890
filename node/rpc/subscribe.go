package rpc

import (
	"context"
	"encoding/json"
	"time"

	gethrpc "github.com/ethereum/go-ethereum/rpc"
	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
)

// Subscription limits and pacing.
const (
	// MaxFilterTypes caps the event types of one "events" filter.
	MaxFilterTypes = 32
	// maxEventTypeBytes caps one event type in a filter.
	maxEventTypeBytes = 128
	// feedRetryDelay is how long the server waits before subscribing again to
	// a backend feed that closed under it.
	feedRetryDelay = time.Second
)

// NewHeads streams certified headers, the same JSON as cw_getCertifiedHeader
// (cw_subscribe("newHeads")).
func (s *service) NewHeads(ctx context.Context) (*gethrpc.Subscription, error) {
	n, ok := gethrpc.NotifierFromContext(ctx)
	if !ok {
		return nil, gethrpc.ErrNotificationsUnsupported
	}
	sub, err := s.heads.add()
	if err != nil {
		return nil, err
	}
	rs := n.CreateSubscription()
	render := func(enc []byte) any { return json.RawMessage(enc) }
	s.spawn(func() { forward(n, rs, s.heads, sub, render, s.subLog(ctx, "newHeads")) })
	return rs, nil
}

// Events streams each committed block's events, optionally only those of
// the filter's types (cw_subscribe("events", filter?)).
func (s *service) Events(ctx context.Context, filter *EventFilter) (*gethrpc.Subscription, error) {
	n, ok := gethrpc.NotifierFromContext(ctx)
	if !ok {
		return nil, gethrpc.ErrNotificationsUnsupported
	}
	match, err := newMatcher(filter)
	if err != nil {
		return nil, err
	}
	sub, err := s.events.add()
	if err != nil {
		return nil, err
	}
	rs := n.CreateSubscription()
	render := func(ev *BlockEvents) any { return match.notification(ev) }
	s.spawn(func() { forward(n, rs, s.events, sub, render, s.subLog(ctx, "events")) })
	return rs, nil
}

func (s *service) subLog(ctx context.Context, kind string) *zap.Logger {
	return s.log.With(zap.String("subscription", kind), zap.String("remote_addr", gethrpc.PeerInfoFromContext(ctx).RemoteAddr))
}

// forward delivers a subscription's values until the client leaves, the
// connection fails or the hub drops it. A dropped subscription gets one last
// SubscriptionEnd notification saying why.
func forward[T any](n *gethrpc.Notifier, rs *gethrpc.Subscription, h *hub[T], sub *hubSub[T], render func(T) any, log *zap.Logger) {
	defer h.remove(sub)
	for {
		select {
		case v, ok := <-sub.ch:
			if !ok {
				lvl := zap.WarnLevel // the subscriber was dropped
				if sub.end == errStopping {
					lvl = zap.DebugLevel // every subscription ends with the server
				}
				log.Log(lvl, "subscription ended by server", zap.Int("code", sub.end.Code), zap.String("reason", sub.end.Msg))
				_ = n.Notify(rs.ID, SubscriptionEnd{Error: sub.end.Object()})
				return
			}
			if err := n.Notify(rs.ID, render(v)); err != nil {
				log.Debug("subscription write", zap.Error(err))
				return
			}
		case <-rs.Err():
			return
		}
	}
}

// matcher applies an EventFilter.
type matcher struct {
	types map[string]bool // nil passes every event
}

func newMatcher(f *EventFilter) (*matcher, error) {
	if f == nil || len(f.Types) == 0 {
		return &matcher{}, nil
	}
	if len(f.Types) > MaxFilterTypes {
		return nil, Errorf(CodeLimitExceeded, "filter has %d types; at most %d", len(f.Types), MaxFilterTypes)
	}
	m := &matcher{types: make(map[string]bool, len(f.Types))}
	for i, t := range f.Types {
		if t == "" || len(t) > maxEventTypeBytes {
			return nil, Errorf(CodeInvalidParams, "filter types[%d]: %d bytes, want 1..%d", i, len(t), maxEventTypeBytes)
		}
		m.types[t] = true
	}
	return m, nil
}

func (m *matcher) pass(e *Event) bool { return m.types == nil || m.types[e.Type] }

// notification flattens a block's events in block order, keeping those that pass.
func (m *matcher) notification(ev *BlockEvents) *EventsNotification {
	out := &EventsNotification{Height: ev.Height, Events: []TxEvent{}}
	for i := range ev.Receipts {
		r := &ev.Receipts[i]
		for _, e := range r.Events {
			if m.pass(&e) {
				out.Events = append(out.Events, TxEvent{TxHash: &r.TxHash, Event: e})
			}
		}
	}
	for _, e := range ev.Events {
		if m.pass(&e) {
			out.Events = append(out.Events, TxEvent{Event: e})
		}
	}
	return out
}

// encodeHead renders a certified header once for every subscriber.
func encodeHead(c *attest.CertifiedHeader) ([]byte, error) {
	ch, err := NewCertifiedHeader(c)
	if err != nil {
		return nil, err
	}
	return json.Marshal(ch)
}

func sameEvents(ev *BlockEvents) (*BlockEvents, error) { return ev, nil }

// pump moves a backend feed into a hub until quit closes. When the feed
// closes under it, the hub's subscribers are ended with CodeUnavailable
// (they missed blocks) and the pump subscribes again after feedRetryDelay.
func pump[In, Out any](quit <-chan struct{}, subscribe func(int) (<-chan In, func()), buffer int,
	h *hub[Out], convert func(In) (Out, error), log *zap.Logger) {
	for {
		ch, cancel := subscribe(buffer)
		reason := drain(quit, ch, h, convert, log)
		cancel()
		if reason == nil {
			return
		}
		h.endAll(reason)
		t := time.NewTimer(feedRetryDelay)
		select {
		case <-quit:
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// drain publishes values until quit (nil) or a feed failure (the reason).
func drain[In, Out any](quit <-chan struct{}, ch <-chan In, h *hub[Out], convert func(In) (Out, error), log *zap.Logger) *Error {
	for {
		select {
		case <-quit:
			return nil
		case v, ok := <-ch:
			if !ok {
				log.Warn("backend feed closed")
				return Errorf(CodeUnavailable, "the node's block feed was interrupted; subscribe again")
			}
			out, err := convert(v)
			if err != nil {
				log.Error("render notification", zap.Error(err))
				return Errorf(CodeInternal, "render notification: %v", err)
			}
			h.publish(out)
		}
	}
}
