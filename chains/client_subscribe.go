package chains

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	gethrpc "github.com/ethereum/go-ethereum/rpc"

	"github.com/causeway/causeway/node/rpc"
)

// notificationBuffer is how many raw notifications the client queues
// between the connection and a subscription's decoder.
const notificationBuffer = 64

// Subscription is a live stream from the node. Err delivers at most one
// error and is then closed: the node ended the stream (an *Error, such as
// CodeSlowSubscriber when this client read too slowly, or CodeUnavailable
// when the node stopped), the connection failed, or a notification did not
// decode. Unsubscribe closes Err without an error.
type Subscription struct {
	sub  *gethrpc.ClientSubscription
	err  chan error
	quit chan struct{}
	done chan struct{}
	once sync.Once
}

// Err reports why the subscription ended.
func (s *Subscription) Err() <-chan error { return s.err }

// Unsubscribe ends the subscription and waits until nothing more is
// delivered. It is safe to call more than once.
func (s *Subscription) Unsubscribe() {
	s.once.Do(func() {
		close(s.quit)
		s.sub.Unsubscribe()
	})
	<-s.done
}

// SubscribeNewHeads delivers every new certified header to ch, in height
// order, decoded and checked like CertifiedHeader. ctx bounds the
// subscribe call only.
func (c *Client) SubscribeNewHeads(ctx context.Context, ch chan<- *CertifiedHeader) (*Subscription, error) {
	return subscribe(ctx, c, ch, decodeHead, "newHeads")
}

// SubscribeEvents delivers one EventsNotification per committed block to
// ch, with the block's events of the given types (all when none are given).
// ctx bounds the subscribe call only.
func (c *Client) SubscribeEvents(ctx context.Context, ch chan<- *EventsNotification, types ...string) (*Subscription, error) {
	args := []any{"events"}
	if len(types) > 0 {
		args = append(args, rpc.EventFilter{Types: types})
	}
	return subscribe(ctx, c, ch, decodeJSON[EventsNotification], args...)
}

func subscribe[T any](ctx context.Context, c *Client, out chan<- *T, decode func(json.RawMessage) (*T, error), args ...any) (*Subscription, error) {
	if !c.ws {
		return nil, fmt.Errorf("cw_subscribe %v: %w", args[0], ErrNeedWebSocket)
	}
	raw := make(chan json.RawMessage, notificationBuffer)
	sub, err := c.rpc.Subscribe(ctx, rpc.Namespace, raw, args...)
	if err != nil {
		return nil, fmt.Errorf("cw_subscribe %v: %w", args[0], nodeError(err))
	}
	s := &Subscription{sub: sub, err: make(chan error, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go s.forward(raw, func(msg json.RawMessage) error {
		v, err := decode(msg)
		if err != nil {
			return err
		}
		select {
		case out <- v:
		case <-s.quit:
		}
		return nil
	})
	return s, nil
}

// forward hands notifications to deliver until the stream ends.
func (s *Subscription) forward(raw <-chan json.RawMessage, deliver func(json.RawMessage) error) {
	defer close(s.done)
	defer close(s.err)
	for {
		select {
		case msg := <-raw:
			if err := endOf(msg); err != nil {
				s.fail(err)
				return
			}
			if err := deliver(msg); err != nil {
				s.fail(err)
				return
			}
		case err := <-s.sub.Err():
			if err != nil {
				s.fail(nodeError(err))
			}
			return
		case <-s.quit:
			return
		}
	}
}

// fail reports err, unless the caller already unsubscribed, and releases
// the client side of the subscription.
func (s *Subscription) fail(err error) {
	s.sub.Unsubscribe()
	select {
	case <-s.quit:
	default:
		s.err <- err
	}
}

// endOf returns the node's reason when msg is a SubscriptionEnd.
func endOf(msg json.RawMessage) error {
	var end struct {
		Error *rpc.ErrorObject `json:"error"`
	}
	if json.Unmarshal(msg, &end) != nil || end.Error == nil {
		return nil
	}
	return rpc.FromObject(*end.Error)
}

func decodeHead(msg json.RawMessage) (*CertifiedHeader, error) {
	ch, err := decodeJSON[rpc.CertifiedHeader](msg)
	if err != nil {
		return nil, err
	}
	return decodeCertifiedHeader(ch)
}

func decodeJSON[T any](msg json.RawMessage) (*T, error) {
	var v T
	if err := json.Unmarshal(msg, &v); err != nil {
		return nil, badResponse("notification: %v", err)
	}
	return &v, nil
}
