// Package queue defines the stage queues the relay engine works from: named
// streams ("deliver/<dst>", "confirm/<src>", "sweep"), each a FIFO of small
// jobs that a group of consumers shares, with acknowledgement, delayed
// redelivery and reclaim of the jobs of a dead consumer.
//
// Queues are transport, not a record. Postgres (the settlement store) holds
// every fact a job refers to; a job only says "look at transfer X in stage Y".
// Everything a queue holds can be lost and rebuilt from the store at any time
// by enqueueing again the current stage job of every transfer that has not
// ended (see Rebuild). Two rules make that safe:
//
//   - Enqueue is idempotent per (stream, job key) while the job is
//     outstanding: from its enqueue until it is acknowledged, enqueueing the
//     same key again on the same stream is a no-op that keeps the queued job
//     (its stage, attempt and not-before time). A rebuild, a sweeper pass or
//     a watcher that sees the same event twice therefore never piles up
//     copies of one job. Once the job is acknowledged the key is free again,
//     so new work for the same transfer is never swallowed by a stale entry.
//     The dedupe window is the job's lifetime rather than a fixed time
//     because a time window would either let copies through (too short) or
//     drop legitimate new work (too long).
//   - Delivery is at least once. A consumer that crashes between doing the
//     work and acknowledging it, or that stalls past the reclaim idle time,
//     has its job delivered again. Handlers must be idempotent; the relay's
//     are, because every store transition is a compare-and-set and a
//     duplicate recv or ack on chain is a free no-op.
//
// Within a group each job is delivered to exactly one consumer until it is
// acknowledged, retried or reclaimed by another consumer. A stream is meant
// to be consumed by a single group (the stage's worker pool): acknowledging
// a job completes it for the stream.
//
// This package owns the contract (Queue), the job model and the argument
// checks shared by implementations. Implementations live in subpackages
// named after what they wrap: settlement/queue/redis (Redis Streams, for
// production) and settlement/queue/memq (in-process, the devnet default);
// settlement/queue/queuetest is the conformance suite both run. This package
// does no I/O and must not learn about transfers or chains.
package queue

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors. Implementations wrap them with the operation.
var (
	// ErrClosed is returned by every method of a closed queue, and by a
	// Consume that Close interrupted.
	ErrClosed = errors.New("queue closed")
	// ErrInvalid reports a malformed argument: a bad stream name, job key,
	// stage, count or delivery.
	ErrInvalid = errors.New("invalid queue argument")
	// ErrNotPending is returned by Retry when the delivery no longer holds
	// its job: the job was acknowledged or retried already, reclaimed by
	// another consumer, or lost with the queue's contents. Nothing changed.
	ErrNotPending = errors.New("delivery no longer pending")
)

// Job is one unit of stage work. It is small on purpose: the store holds
// the transfer; the job only points at it.
type Job struct {
	// Key identifies the work within its stream and is the dedupe key: the
	// transfer id for stage jobs, a route or a fixed name for sweeps. At most
	// one job per key is outstanding in a stream.
	Key string
	// Stage names the stage the job drives, for logs and checks by the
	// consumer; the stream already routes it.
	Stage string
	// Attempt counts earlier tries; Retry increments it. Callers use it to
	// size their backoff.
	Attempt int
	// NotBefore delays the job: it is not delivered before this time. The
	// zero time means ready now. Queues keep millisecond precision.
	NotBefore time.Time
}

// Canonical returns the job as a queue hands it back: NotBefore truncated to
// the millisecond, in UTC, and the zero time kept as zero.
func (j Job) Canonical() Job {
	if !j.NotBefore.IsZero() {
		j.NotBefore = time.UnixMilli(j.NotBefore.UnixMilli()).UTC()
	}
	return j
}

// Delivery is a job handed to one consumer. The consumer passes it back to
// Ack or Retry.
type Delivery struct {
	Job
	Stream   string
	Group    string
	Consumer string
	// ID identifies this incarnation of the job in its stream; it is opaque
	// and changes when the job is retried.
	ID string
}

// Depth is how much work a stream holds for a group, for metrics.
type Depth struct {
	// Ready jobs wait for a consumer (the group's lag).
	Ready int64
	// Pending jobs were delivered and are not acknowledged yet.
	Pending int64
	// Delayed jobs wait for their NotBefore time (including due jobs no
	// consumer has polled for yet).
	Delayed int64
}

// Total is all outstanding work: ready, pending and delayed.
func (d Depth) Total() int64 { return d.Ready + d.Pending + d.Delayed }

// Queue is the set of stage streams a relay consumes. Implementations are
// safe for concurrent use.
type Queue interface {
	// Enqueue adds jobs to stream in order and returns how many were added;
	// a job whose key is already outstanding in the stream is skipped (see
	// the package comment). Jobs whose NotBefore has passed are ready at
	// once, behind the stream's earlier ready jobs.
	Enqueue(ctx context.Context, stream string, jobs ...Job) (int, error)
	// Consume delivers up to max ready jobs of stream, oldest first, to
	// consumer in group, creating the group (which then sees every job in
	// the stream) if needed. With none ready it waits up to block for one,
	// or returns at once when block <= 0; an empty result and nil error
	// mean the wait ran out. Cancelling ctx or closing the queue ends the
	// wait promptly.
	Consume(ctx context.Context, stream, group, consumer string, max int, block time.Duration) ([]Delivery, error)
	// Ack completes the deliveries' jobs. Acknowledging a job that is no
	// longer outstanding (already acknowledged, retried, or lost) is a
	// no-op, so Ack is idempotent; the acknowledging consumer need not be
	// the one that holds the job, since whoever did the work may complete it.
	Ack(ctx context.Context, deliveries ...Delivery) error
	// Retry hands the delivery's job back for another try no earlier than
	// notBefore, with Attempt incremented. The caller decides the backoff
	// (capped exponential in the relay). Only the consumer holding the
	// delivery may retry it; otherwise Retry returns ErrNotPending.
	Retry(ctx context.Context, d Delivery, notBefore time.Time) error
	// Reclaim moves to consumer up to max jobs of stream that were
	// delivered in group at least minIdle ago and not acknowledged: the
	// jobs of a consumer that died or stalls. Reclaimed jobs start a new
	// idle period.
	Reclaim(ctx context.Context, stream, group, consumer string, minIdle time.Duration, max int) ([]Delivery, error)
	// Depth reports the stream's outstanding work as group sees it. A group
	// that does not exist yet has every stored job ready.
	Depth(ctx context.Context, stream, group string) (Depth, error)
	// Close releases the queue and interrupts blocked Consume calls; later
	// calls return ErrClosed. Close is idempotent.
	Close() error
}
