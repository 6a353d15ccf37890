package p2p

import (
	"math/rand/v2"
	"time"
)

// backoffJitter is the fraction of a delay that is randomised, so peers that
// lost each other at the same moment do not redial in lockstep.
const backoffJitter = 0.5

// backoff yields capped exponential delays with jitter.
type backoff struct {
	min, max time.Duration
	next     time.Duration
}

func newBackoff(min, max time.Duration) *backoff {
	return &backoff{min: min, max: max, next: min}
}

// delay returns the wait before the next attempt and doubles the following one.
func (b *backoff) delay() time.Duration {
	d := b.next
	b.next = min(b.next*2, b.max)
	spread := time.Duration(float64(d) * backoffJitter)
	return min(d-spread+rand.N(2*spread+1), b.max)
}

// reset starts over after a success.
func (b *backoff) reset() { b.next = b.min }
