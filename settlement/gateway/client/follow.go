package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
)

// Defaults of FollowConfig.
const (
	// DefaultIdleTimeout is how long a feed connection may stay silent
	// (the gateway sends a heartbeat every 10 s by default) before it is
	// treated as dead and dialled again.
	DefaultIdleTimeout = 45 * time.Second
	DefaultDialTimeout = 10 * time.Second
	DefaultRetryMin    = 250 * time.Millisecond
	DefaultRetryMax    = 5 * time.Second
	// DefaultMaxRetries is how many connections in a row may fail before
	// Follow gives up (about half a minute with the default backoff).
	DefaultMaxRetries = 10
	// closeWait bounds sending our close frame when Follow ends.
	closeWait = time.Second
	// subscriptionID is what Follow names its one subscription.
	subscriptionID = "follow"
)

// StopFollow is returned by a Follow callback to end Follow without error.
var StopFollow = errors.New("stop following")

// ErrFeedClosed: the gateway closed the feed for a reason reconnecting
// cannot fix (bad request, unauthorized, too many subscriptions).
var ErrFeedClosed = errors.New("feed closed by the gateway")

// ErrBadMessage: the feed sent something that is not a server message.
var ErrBadMessage = errors.New("malformed feed message")

// FollowConfig tunes how Follow keeps a feed subscription alive.
type FollowConfig struct {
	IdleTimeout time.Duration
	DialTimeout time.Duration
	RetryMin    time.Duration // first pause after a dropped connection, doubling ...
	RetryMax    time.Duration // ... up to this
	MaxRetries  int           // failed connections in a row before giving up
}

// DefaultFollowConfig is the config New gives a Client.
func DefaultFollowConfig() FollowConfig {
	return FollowConfig{IdleTimeout: DefaultIdleTimeout, DialTimeout: DefaultDialTimeout,
		RetryMin: DefaultRetryMin, RetryMax: DefaultRetryMax, MaxRetries: DefaultMaxRetries}
}

// FeedError is an error message the feed sent about the subscription.
type FeedError struct {
	Code, Detail string
}

func (e *FeedError) Error() string { return "feed: " + e.Code + ": " + e.Detail }

// Follow subscribes to transfer id on the feed, replaying its events after
// fromSeq first (0: its whole history), and calls fn with every message the
// gateway sends for it: subscribed, replayed, each event, heartbeats. A
// dropped connection is dialled again and resumes after the last event
// seen, so fn sees every event once and in order. Follow returns nil when
// fn returns StopFollow, fn's error when it returns another, and an error
// when the feed refuses the subscription, the gateway stays unreachable
// for FollowConfig.MaxRetries attempts, or ctx ends.
func (c *Client) Follow(ctx context.Context, id settlement.TransferID, fromSeq uint64, fn func(api.ServerMessage) error) error {
	sub := api.ClientMessage{Op: api.OpSubscribe, ID: subscriptionID, Transfer: id, FromSeq: &fromSeq}
	if err := c.Subscribe(ctx, sub, fn); err != nil {
		return fmt.Errorf("follow transfer %s: %w", id, err)
	}
	return nil
}

// Subscribe is Follow for any one subscription (a transfer, an account or
// a route; FromSeq nil is live only). sub.ID names it in the messages.
func (c *Client) Subscribe(ctx context.Context, sub api.ClientMessage, fn func(api.ServerMessage) error) error {
	cfg := c.Feed
	failures := 0
	for {
		subscribed, err := c.stream(ctx, &sub, fn)
		var fe fnError
		switch {
		case errors.As(err, &fe):
			if errors.Is(fe.err, StopFollow) {
				return nil
			}
			return fe.err
		case ctx.Err() != nil:
			return ctx.Err()
		case !retryable(err):
			return err
		}
		if subscribed {
			failures = 0
		}
		failures++
		if failures > cfg.MaxRetries {
			return fmt.Errorf("gave up after %d connection attempts: %w", failures, err)
		}
		if err := pause(ctx, backoff(cfg, failures)); err != nil {
			return err
		}
	}
}

// stream runs one connection: subscribe, then hand messages to fn until
// the connection or fn ends. It moves sub.FromSeq past every event seen,
// so the next connection resumes there. subscribed reports whether the
// gateway accepted the subscription on this connection.
func (c *Client) stream(ctx context.Context, sub *api.ClientMessage, fn func(api.ServerMessage) error) (subscribed bool, err error) {
	conn, err := c.dialFeed(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() }) // unblocks the read below
	defer stop()
	if err := conn.WriteJSON(sub); err != nil {
		return false, fmt.Errorf("send subscribe: %w", err)
	}
	for {
		if err := conn.SetReadDeadline(time.Now().Add(c.Feed.IdleTimeout)); err != nil {
			return subscribed, err
		}
		_, data, err := conn.ReadMessage()
		if err != nil {
			return subscribed, readError(err)
		}
		var m api.ServerMessage
		if err := json.Unmarshal(data, &m); err != nil {
			return subscribed, fmt.Errorf("%w: %w", ErrBadMessage, err)
		}
		switch m.Type {
		case api.MsgSubscribed:
			subscribed = true
			if sub.FromSeq == nil { // live only: a reconnect resumes from here
				head := m.Seq
				sub.FromSeq = &head
			}
		case api.MsgEvent:
			if sub.FromSeq != nil && m.Seq <= *sub.FromSeq {
				continue // already handed over before a reconnect
			}
			seq := m.Seq
			sub.FromSeq = &seq
		case api.MsgError:
			return subscribed, &FeedError{Code: m.Code, Detail: m.Detail}
		}
		if err := fn(m); err != nil {
			closeFeed(conn)
			return subscribed, fnError{err}
		}
	}
}

// fnError carries the callback's error out of stream untouched.
type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }

// dialFeed opens the WebSocket of /v1/stream with the API key.
func (c *Client) dialFeed(ctx context.Context) (*websocket.Conn, error) {
	u := *c.base
	u.Scheme = map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
	u.Path += api.StreamPath
	h := http.Header{}
	c.authorize(h)
	d := websocket.Dialer{HandshakeTimeout: c.Feed.DialTimeout, Proxy: http.ProxyFromEnvironment}
	conn, resp, err := d.DialContext(ctx, u.String(), h)
	if err == nil {
		return conn, nil
	}
	if resp == nil {
		return nil, fmt.Errorf("dial feed: %w", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes))
	herr := responseError(resp, data)
	if resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
		return nil, fmt.Errorf("dial feed: %w: %w", ErrFeedClosed, herr)
	}
	return nil, fmt.Errorf("dial feed: %w", herr)
}

// readError classifies a failed read: a close the gateway meant as final
// wraps ErrFeedClosed; anything else (going away, slow consumer, a dropped
// connection, silence past the idle timeout) is worth a reconnect.
func readError(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		switch ce.Code {
		case api.CloseBadRequest, api.CloseUnauthorized, api.CloseTooManySubs, websocket.CloseNormalClosure,
			websocket.ClosePolicyViolation:
			return fmt.Errorf("%w: close %d %s", ErrFeedClosed, ce.Code, ce.Text)
		}
		return fmt.Errorf("feed closed: %d %s", ce.Code, ce.Text)
	}
	return fmt.Errorf("read feed: %w", err)
}

// retryable reports whether another connection may succeed where this
// one failed.
func retryable(err error) bool {
	var fe *FeedError
	if errors.As(err, &fe) {
		return fe.Code == api.StreamCodeReplayFailed // the store did not answer: subscribe again
	}
	return !errors.Is(err, ErrFeedClosed) && !errors.Is(err, ErrBadMessage)
}

// closeFeed says goodbye before the connection is dropped.
func closeFeed(conn *websocket.Conn) {
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	_ = conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeWait))
}

// backoff is the pause before attempt n (1-based): doubling from RetryMin,
// capped at RetryMax, with up to a quarter of jitter so that many clients
// dropped at once do not return at once.
func backoff(cfg FollowConfig, n int) time.Duration {
	d := cfg.RetryMin
	for i := 1; i < n && d < cfg.RetryMax; i++ {
		d *= 2
	}
	d = min(d, cfg.RetryMax)
	if d <= 0 {
		return 0
	}
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}

func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
