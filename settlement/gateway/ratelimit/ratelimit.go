// Package ratelimit limits how often each gateway client may call: a token
// bucket per key (an API key id, or a client address for anonymous calls),
// refilled at a rate per second up to a burst. It is the generic cell rate
// algorithm (GCRA), which keeps one timestamp per key — the theoretical
// arrival time (TAT) of the next call at the sustained rate — instead of a
// token count and a refill time, so a decision is one read and at most one
// write.
//
// NewMemory is the in-process limiter of the embedded devnet;
// ratelimit/redis is the one every gateway instance shares. Both pass
// ratelimittest. A limiter only decides: it does no logging, and a key's
// state is transient — losing it (a restart, a FLUSHALL) hands each client
// a fresh burst, never a refusal.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Bounds of Allow's arguments. MaxRate keeps the emission interval at a
// microsecond or more, the resolution of Redis TIME.
const (
	MaxRate   = 1_000_000
	MaxBurst  = 1_000_000
	MaxKeyLen = 256
)

// ErrInvalid reports an empty or overlong key, or a rate or burst out of
// range.
var ErrInvalid = errors.New("invalid rate limit")

// Limiter decides whether a call under key may go ahead.
type Limiter interface {
	// Allow takes one token from key's bucket, which holds at most burst
	// tokens and refills at rate per second. A refused call takes nothing.
	// A key's limits may change between calls (a key's override is
	// edited); the bucket carries over.
	Allow(ctx context.Context, key string, rate, burst int) (Decision, error)
}

// Decision is the outcome of one Allow.
type Decision struct {
	Allowed bool
	// Remaining is how many more calls the bucket would allow right now.
	Remaining int
	// RetryAfter is how long until the next call would be allowed: 0 when
	// this one was, more than 0 when it was refused.
	RetryAfter time.Duration
}

// Check reports whether Allow's arguments are valid.
func Check(key string, rate, burst int) error {
	switch {
	case key == "" || len(key) > MaxKeyLen:
		return fmt.Errorf("rate limit key %q: length must be 1..%d: %w", key, MaxKeyLen, ErrInvalid)
	case rate < 1 || rate > MaxRate:
		return fmt.Errorf("rate limit of %q: rate %d outside 1..%d: %w", key, rate, MaxRate, ErrInvalid)
	case burst < 1 || burst > MaxBurst:
		return fmt.Errorf("rate limit of %q: burst %d outside 1..%d: %w", key, burst, MaxBurst, ErrInvalid)
	}
	return nil
}

// Interval is the emission interval of rate: the time one token takes to
// refill.
func Interval(rate int) time.Duration { return time.Second / time.Duration(rate) }

// GCRA decides one call at now on a bucket whose theoretical arrival time is
// tat (zero for a key never seen) and returns the bucket's new tat. A bucket
// is full again once tat is not after now, so a limiter may forget it then.
func GCRA(now, tat time.Time, rate, burst int) (time.Time, Decision) {
	interval := Interval(rate)
	if tat.Before(now) {
		tat = now
	}
	next := tat.Add(interval)
	// The call fits when next lies within burst intervals of now.
	allowAt := next.Add(-time.Duration(burst) * interval)
	if now.Before(allowAt) {
		return tat, Decision{RetryAfter: allowAt.Sub(now)}
	}
	return next, Decision{Allowed: true, Remaining: int(now.Sub(allowAt) / interval)}
}
