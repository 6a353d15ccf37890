// Package redis is the production queue.Queue, on Redis Streams with
// consumer groups (github.com/redis/go-redis/v9). Several relay processes
// share one Redis (or Redis Cluster) and so share the work.
//
// # Key layout
//
// Each stream S under prefix P (default "cw") owns four keys that share the
// hash tag {P:S}, so they live in one Redis Cluster slot and every operation
// is one atomic Lua script on one node:
//
//	{P:S}:stream   STREAM  ready and pending jobs; fields k (job key), j (body)
//	{P:S}:jobs     HASH    dedupe index: job key -> stream entry id, or "delayed"
//	{P:S}:delayed  ZSET    delayed job keys scored by not-before (unix ms)
//	{P:S}:held     HASH    delayed job key -> body
//
// A body is "<attempt>|<not-before unix ms, 0 for none>|<stage>".
//
// # Mapping
//
// Enqueue adds entries with XADD (skipping keys the index shows outstanding);
// Consume promotes due delayed jobs, then XREADGROUP ">" (creating the group
// at "0" with MKSTREAM when it is missing); Ack is XACK plus XDEL, so the
// stream only ever holds outstanding jobs; Retry moves the entry into the
// delayed set; Reclaim is XAUTOCLAIM; Depth is XLEN, XPENDING and ZCARD.
// A stream is consumed by one group (see package queue).
//
// Delayed jobs are promoted by consumers, not by a background loop: each
// Consume promotes, and a blocked Consume wakes at least every PollInterval
// and when the earliest delayed job it saw falls due. A delayed job is
// therefore never delivered before its not-before time and, with a consumer
// waiting, at most about one PollInterval after it. PollInterval also
// bounds how long a blocked Consume takes to notice a cancelled context or
// Close (go-redis does not interrupt a blocking read on cancellation).
//
// # Bounds and loss
//
// XADD trims each stream with MAXLEN ~ Config.MaxLen. Acknowledged entries
// are deleted at once, so trimming only bites when a stage's backlog exceeds
// MaxLen: then the oldest jobs, pending ones included, are dropped. Like a
// FLUSHALL or a Redis restart without persistence, that loses only
// transport: the store still has every transfer, the sweeper re-enqueues
// what is stuck, and queue.Rebuild restores everything. A dropped job's key
// is free again (the index entry left behind is detected as stale), so the
// rebuild is not deduplicated away. Nothing in Redis is needed to rebuild
// Redis.
//
// This package does no logging and holds no state outside Redis; it must
// not be the record of anything.
package redis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/causeway/causeway/settlement/queue"
)

// Defaults of Config.
const (
	DefaultPrefix       = "cw"
	DefaultMaxLen       = 1_000_000              // entries per stream: roughly 100-150 MB of Redis with the index
	DefaultPollInterval = 200 * time.Millisecond // longest single blocking read
	DefaultPromoteBatch = 1000                   // delayed jobs promoted per Consume
	DefaultEnqueueBatch = 500                    // jobs per enqueue script call
)

// Limits Validate enforces.
const (
	minPollInterval = time.Millisecond // XREADGROUP BLOCK resolution; 0 would block forever
	maxPollInterval = 10 * time.Second
)

// Config tunes a Queue. Durations read from TOML as strings ("200ms").
type Config struct {
	// Prefix namespaces every key; processes that share work use the same
	// prefix. Characters from [A-Za-z0-9._:/-].
	Prefix string `toml:"prefix"`
	// MaxLen is the approximate cap (MAXLEN ~) on entries of one stream.
	MaxLen int64 `toml:"max_len"`
	// PollInterval is the longest single blocking read of Consume: it bounds
	// how late a waiting consumer sees a delayed job fall due and how long
	// it takes to notice cancellation or Close.
	PollInterval time.Duration `toml:"poll_interval"`
	// PromoteBatch caps the delayed jobs one Consume promotes, so a burst of
	// due jobs never blocks Redis for long.
	PromoteBatch int `toml:"promote_batch"`
	// EnqueueBatch caps the jobs one enqueue script handles, for the same
	// reason.
	EnqueueBatch int `toml:"enqueue_batch"`
}

// DefaultConfig returns the production configuration.
func DefaultConfig() Config {
	return Config{
		Prefix:       DefaultPrefix,
		MaxLen:       DefaultMaxLen,
		PollInterval: DefaultPollInterval,
		PromoteBatch: DefaultPromoteBatch,
		EnqueueBatch: DefaultEnqueueBatch,
	}
}

// Validate reports the first field the queue cannot run with.
func (c Config) Validate() error {
	switch {
	case queue.CheckName("prefix", c.Prefix) != nil:
		return fmt.Errorf("redis queue prefix: %w", queue.CheckName("prefix", c.Prefix))
	case c.MaxLen < 1:
		return fmt.Errorf("redis queue max_len %d: must be positive", c.MaxLen)
	case c.PollInterval < minPollInterval || c.PollInterval > maxPollInterval:
		return fmt.Errorf("redis queue poll_interval %s: must be in [%s, %s]", c.PollInterval, minPollInterval, maxPollInterval)
	case c.PromoteBatch < 1:
		return fmt.Errorf("redis queue promote_batch %d: must be positive", c.PromoteBatch)
	case c.EnqueueBatch < 1:
		return fmt.Errorf("redis queue enqueue_batch %d: must be positive", c.EnqueueBatch)
	}
	return nil
}

// Queue is a queue.Queue on Redis Streams. It is safe for concurrent use.
type Queue struct {
	client    goredis.UniversalClient
	owned     bool // Close closes client
	cfg       Config
	done      chan struct{}
	closeOnce sync.Once
}

var _ queue.Queue = (*Queue)(nil)

// New returns a queue on client, which may be a single node, a failover or
// a cluster client. The caller keeps ownership of client: Close does not
// close it.
func New(client goredis.UniversalClient, cfg Config) (*Queue, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Queue{client: client, cfg: cfg, done: make(chan struct{})}, nil
}

// Dial connects to the Redis at url (redis://, rediss:// or unix://),
// checks it answers, and returns a queue that owns the connection.
func Dial(ctx context.Context, url string, cfg Config) (*Queue, error) {
	opts, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("parse redis url: %w", err)
	}
	client := goredis.NewClient(opts)
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("ping redis at %s: %w", opts.Addr, err)
	}
	q, err := New(client, cfg)
	if err != nil {
		_ = client.Close()
		return nil, err
	}
	q.owned = true
	return q, nil
}

// Close interrupts blocked consumers and, for a queue made by Dial, closes
// the connection. Later calls return queue.ErrClosed.
func (q *Queue) Close() error {
	var err error
	q.closeOnce.Do(func() {
		close(q.done)
		if q.owned {
			err = q.client.Close()
		}
	})
	if err != nil {
		return fmt.Errorf("close redis queue: %w", err)
	}
	return nil
}

// Enqueue implements queue.Queue.
func (q *Queue) Enqueue(ctx context.Context, stream string, jobs ...queue.Job) (int, error) {
	if err := queue.CheckName("stream", stream); err != nil {
		return 0, fmt.Errorf("enqueue: %w", err)
	}
	for _, job := range jobs {
		if err := queue.CheckJob(job); err != nil {
			return 0, fmt.Errorf("enqueue to %s: %w", stream, err)
		}
	}
	op := "enqueue to " + stream
	if err := q.usable(ctx); err != nil {
		return 0, q.fail(op, err)
	}
	added := 0
	for chunk := range slices.Chunk(jobs, q.cfg.EnqueueBatch) {
		args := make([]any, 0, 2+3*len(chunk))
		args = append(args, nowMs(), q.cfg.MaxLen)
		for _, job := range chunk {
			job = job.Canonical()
			args = append(args, job.Key, encodeBody(job), unixMs(job.NotBefore))
		}
		n, err := enqueueScript.Run(ctx, q.client, q.keys(stream), args...).Int()
		added += n
		if err != nil {
			return added, q.fail(op, err)
		}
	}
	return added, nil
}

// Consume implements queue.Queue.
func (q *Queue) Consume(ctx context.Context, stream, group, consumer string, n int, block time.Duration) ([]queue.Delivery, error) {
	if err := queue.CheckConsume(stream, group, consumer, n); err != nil {
		return nil, fmt.Errorf("consume: %w", err)
	}
	op := "consume " + stream
	deadline := time.Now().Add(block)
	for {
		if err := q.usable(ctx); err != nil {
			return nil, q.fail(op, err)
		}
		ds, nextDue, err := q.readReady(ctx, stream, group, consumer, n)
		if err != nil || len(ds) > 0 {
			return ds, q.fail(op, err)
		}
		wait := q.blockFor(ctx, time.Until(deadline), nextDue)
		if wait <= 0 {
			return nil, nil
		}
		ds, err = q.readBlocking(ctx, stream, group, consumer, n, wait)
		if err != nil || len(ds) > 0 {
			return ds, q.fail(op, err)
		}
	}
}

// Ack implements queue.Queue.
func (q *Queue) Ack(ctx context.Context, deliveries ...queue.Delivery) error {
	for _, d := range deliveries {
		if err := queue.CheckDelivery(d); err != nil {
			return fmt.Errorf("ack: %w", err)
		}
	}
	if err := q.usable(ctx); err != nil {
		return q.fail("ack", err)
	}
	type target struct{ stream, group string }
	var order []target
	args := make(map[target][]any)
	for _, d := range deliveries {
		t := target{d.Stream, d.Group}
		if _, ok := args[t]; !ok {
			order = append(order, t)
			args[t] = []any{d.Group}
		}
		args[t] = append(args[t], d.ID, d.Key)
	}
	for _, t := range order {
		if err := ackScript.Run(ctx, q.client, q.keys(t.stream), args[t]...).Err(); err != nil {
			return q.fail("ack in "+t.stream, err)
		}
	}
	return nil
}

// Retry implements queue.Queue.
func (q *Queue) Retry(ctx context.Context, d queue.Delivery, notBefore time.Time) error {
	if err := queue.CheckDelivery(d); err != nil {
		return fmt.Errorf("retry: %w", err)
	}
	op := fmt.Sprintf("retry %s in %s", d.Key, d.Stream)
	if err := q.usable(ctx); err != nil {
		return q.fail(op, err)
	}
	next := d.Job
	next.Attempt++
	next.NotBefore = notBefore
	next = next.Canonical()
	moved, err := retryScript.Run(ctx, q.client, q.keys(d.Stream),
		nowMs(), q.cfg.MaxLen, d.Group, d.Consumer, d.ID, d.Key,
		encodeBody(next), unixMs(next.NotBefore)).Int()
	if err != nil {
		return q.fail(op, err)
	}
	if moved == 0 {
		return fmt.Errorf("%s: %w", op, queue.ErrNotPending)
	}
	return nil
}

// Reclaim implements queue.Queue.
func (q *Queue) Reclaim(ctx context.Context, stream, group, consumer string, minIdle time.Duration, n int) ([]queue.Delivery, error) {
	if err := queue.CheckReclaim(stream, group, consumer, minIdle, n); err != nil {
		return nil, fmt.Errorf("reclaim: %w", err)
	}
	op := "reclaim " + stream
	if err := q.usable(ctx); err != nil {
		return nil, q.fail(op, err)
	}
	res, err := reclaimScript.Run(ctx, q.client, q.keys(stream),
		group, consumer, minIdle.Milliseconds(), n).Slice()
	if err != nil {
		return nil, q.fail(op, err)
	}
	ds, err := deliveries(res, stream, group, consumer)
	return ds, q.fail(op, err)
}

// Depth implements queue.Queue.
func (q *Queue) Depth(ctx context.Context, stream, group string) (queue.Depth, error) {
	if err := queue.CheckName("stream", stream); err != nil {
		return queue.Depth{}, fmt.Errorf("depth: %w", err)
	}
	if err := queue.CheckName("group", group); err != nil {
		return queue.Depth{}, fmt.Errorf("depth: %w", err)
	}
	op := "depth of " + stream
	if err := q.usable(ctx); err != nil {
		return queue.Depth{}, q.fail(op, err)
	}
	v, err := depthScript.Run(ctx, q.client, q.keys(stream), group).Int64Slice()
	if err != nil {
		return queue.Depth{}, q.fail(op, err)
	}
	if len(v) != 3 {
		return queue.Depth{}, fmt.Errorf("%s: script returned %d values, want 3", op, len(v))
	}
	return queue.Depth{Ready: v[0], Pending: v[1], Delayed: v[2]}, nil
}

// readReady promotes due jobs and reads ready ones without blocking. It
// also returns when the earliest delayed job falls due (zero if none).
func (q *Queue) readReady(ctx context.Context, stream, group, consumer string, n int) ([]queue.Delivery, time.Time, error) {
	res, err := consumeScript.Run(ctx, q.client, q.keys(stream),
		nowMs(), q.cfg.MaxLen, q.cfg.PromoteBatch, group, consumer, n).Slice()
	if err != nil {
		return nil, time.Time{}, err
	}
	if len(res) == 0 {
		return nil, time.Time{}, errors.New("consume script returned nothing")
	}
	var nextDue time.Time
	if ms, ok := res[0].(int64); ok && ms >= 0 {
		nextDue = time.UnixMilli(ms)
	}
	ds, err := deliveries(res[1:], stream, group, consumer)
	return ds, nextDue, err
}

// readBlocking waits up to wait for new entries with XREADGROUP BLOCK. A
// missing group (the data was lost meanwhile) reads as nothing: the next
// readReady recreates it.
func (q *Queue) readBlocking(ctx context.Context, stream, group, consumer string, n int, wait time.Duration) ([]queue.Delivery, error) {
	res, err := q.client.XReadGroup(ctx, &goredis.XReadGroupArgs{
		Group:    group,
		Consumer: consumer,
		Streams:  []string{q.keys(stream)[0], ">"},
		Count:    int64(n),
		Block:    wait,
	}).Result()
	switch {
	case errors.Is(err, goredis.Nil), groupGone(err):
		return nil, nil
	case err != nil:
		return nil, err
	}
	var ds []queue.Delivery
	for _, s := range res {
		for _, m := range s.Messages {
			key, _ := m.Values["k"].(string)
			body, _ := m.Values["j"].(string)
			d, err := delivery(m.ID, key, body, stream, group, consumer)
			if err != nil {
				return ds, err
			}
			ds = append(ds, d)
		}
	}
	return ds, nil
}

// blockFor is how long the next blocking read may wait: the time left,
// capped by PollInterval, the next delayed job and ctx's deadline (go-redis
// would not stop the read at either). Zero or less means do not wait.
func (q *Queue) blockFor(ctx context.Context, left time.Duration, nextDue time.Time) time.Duration {
	if left <= 0 {
		return 0
	}
	wait := min(left, q.cfg.PollInterval)
	if !nextDue.IsZero() {
		wait = min(wait, time.Until(nextDue))
	}
	if dl, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(dl))
	}
	return max(wait, minPollInterval)
}

// usable reports a closed queue or a finished context.
func (q *Queue) usable(ctx context.Context) error {
	select {
	case <-q.done:
		return queue.ErrClosed
	default:
	}
	return ctx.Err()
}

// fail wraps err with op; any error of a closed queue becomes ErrClosed.
func (q *Queue) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	select {
	case <-q.done:
		if !errors.Is(err, queue.ErrClosed) {
			err = queue.ErrClosed
		}
	default:
	}
	return fmt.Errorf("%s: %w", op, err)
}

// keys returns the keys of stream in the order the scripts expect.
func (q *Queue) keys(stream string) []string {
	tag := "{" + q.cfg.Prefix + ":" + stream + "}"
	return []string{tag + ":stream", tag + ":jobs", tag + ":delayed", tag + ":held"}
}

// groupGone reports the errors of a blocking read whose group or stream
// was deleted (FLUSHALL, restart) while it waited or just before.
func groupGone(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.HasPrefix(msg, "NOGROUP") || strings.HasPrefix(msg, "UNBLOCKED")
}

// deliveries decodes the flat id, key, body triples the scripts return.
func deliveries(res []any, stream, group, consumer string) ([]queue.Delivery, error) {
	if len(res)%3 != 0 {
		return nil, fmt.Errorf("script returned %d values, want triples", len(res))
	}
	ds := make([]queue.Delivery, 0, len(res)/3)
	for i := 0; i < len(res); i += 3 {
		id, _ := res[i].(string)
		key, _ := res[i+1].(string)
		body, _ := res[i+2].(string)
		d, err := delivery(id, key, body, stream, group, consumer)
		if err != nil {
			return ds, err
		}
		ds = append(ds, d)
	}
	return ds, nil
}

func delivery(id, key, body, stream, group, consumer string) (queue.Delivery, error) {
	job, err := decodeBody(key, body)
	if err != nil {
		return queue.Delivery{}, fmt.Errorf("entry %s: %w", id, err)
	}
	return queue.Delivery{Job: job, Stream: stream, Group: group, Consumer: consumer, ID: id}, nil
}

func nowMs() int64 { return time.Now().UnixMilli() }

// unixMs is t in unix milliseconds, 0 for the zero time.
func unixMs(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
