package relay

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// backoffJitter is the share of a delay that is randomised, so relays that
// failed together do not retry together.
const backoffJitter = 0.5

// Backoff is capped exponential backoff with jitter: attempt n waits
// about Min·2ⁿ, never more than Max.
type Backoff struct {
	Min time.Duration
	Max time.Duration
}

// Validate names the first bad field.
func (b Backoff) Validate() error {
	if b.Min <= 0 || b.Max < b.Min {
		return errors.New("backoff: need 0 < min <= max")
	}
	return nil
}

// Delay is the wait before retry attempt (0-based).
func (b Backoff) Delay(attempt int) time.Duration {
	d := b.Max
	if attempt < 62 && b.Min<<attempt > 0 && b.Min<<attempt < b.Max {
		d = b.Min << attempt
	}
	jitter := time.Duration(float64(d) * backoffJitter * rand.Float64())
	return d - jitter
}

// sleepCtx waits d or until ctx ends; it reports whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
