package consensus

import "time"

// Fractions of the target block interval from which TimeoutsFor derives the
// timeouts, in per-mille so the derivation stays in integer arithmetic.
//
// Propose must cover building, sending and re-executing a block: 40 % of the
// interval, so a dead proposer costs 400 ms at a 1 s interval, plus one
// precommit timeout (100 ms) before the next round's proposer takes over.
// Prevote and precommit timeouts only wait for stragglers once a quorum of
// votes is in, so they start at 10 %. Every step grows by a delta per round
// (partial synchrony: some round's timeouts eventually exceed the real
// message delay) and is capped at ten intervals.
const (
	proposeBasePermille    = 400
	proposeDeltaPermille   = 200
	voteBasePermille       = 100
	voteDeltaPermille      = 100
	maxTimeoutIntervals    = 10
	permille               = 1000
	minTargetBlockInterval = 10 * time.Millisecond
)

// Timeouts are the base durations of each step's timeout, the growth per
// round, and the cap. Duration combines them.
type Timeouts struct {
	Propose, ProposeDelta     time.Duration
	Prevote, PrevoteDelta     time.Duration
	Precommit, PrecommitDelta time.Duration
	Max                       time.Duration
}

// TimeoutsFor derives the timeouts from the chain's target block interval
// (see the constants above for the reasoning). Intervals below 10 ms are
// treated as 10 ms.
func TimeoutsFor(targetBlockInterval time.Duration) Timeouts {
	t := max(targetBlockInterval, minTargetBlockInterval)
	frac := func(pm int64) time.Duration { return t * time.Duration(pm) / permille }
	return Timeouts{
		Propose:        frac(proposeBasePermille),
		ProposeDelta:   frac(proposeDeltaPermille),
		Prevote:        frac(voteBasePermille),
		PrevoteDelta:   frac(voteDeltaPermille),
		Precommit:      frac(voteBasePermille),
		PrecommitDelta: frac(voteDeltaPermille),
		Max:            t * maxTimeoutIntervals,
	}
}

// Duration is base + round*delta for step, capped at Max. Steps without a
// timeout get zero.
func (t Timeouts) Duration(step Step, round uint32) time.Duration {
	var base, delta time.Duration
	switch step {
	case StepPropose:
		base, delta = t.Propose, t.ProposeDelta
	case StepPrevote:
		base, delta = t.Prevote, t.PrevoteDelta
	case StepPrecommit:
		base, delta = t.Precommit, t.PrecommitDelta
	default:
		return 0
	}
	if base >= t.Max {
		return t.Max
	}
	// Compare before multiplying so a huge round cannot overflow.
	if delta > 0 && time.Duration(round) > (t.Max-base)/delta {
		return t.Max
	}
	return base + time.Duration(round)*delta
}
