package feed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/causeway/causeway/settlement"
)

// Redis source timings and sizes.
const (
	// leaseTTL is how long a publisher that stopped renewing (a crashed
	// instance) keeps the lease; leaseRenew how often the holder renews it
	// and the others try to take it.
	leaseTTL   = 3 * time.Second
	leaseRenew = time.Second
	// xreadBlock bounds one XREAD; a stream silent that long makes the
	// instance look at the outbox itself, in case no publisher is running.
	xreadBlock = 500 * time.Millisecond
	// redisRetry is how often an instance reading the outbox because Redis
	// failed tries Redis again.
	redisRetry = time.Second
	// streamMaxLen trims the stream (approximately); a reader further
	// behind reads the store.
	streamMaxLen = 10000
	// releaseTimeout bounds giving the lease back at shutdown.
	releaseTimeout = time.Second
	// defaultPrefix is the key prefix when none is given.
	defaultPrefix = "cw"
	ownerBytes    = 12
)

// Fields of a stream entry; its id is "<seq>-0".
const (
	fieldTransfer = "t"
	fieldSrc      = "s"
	fieldDst      = "d"
	fieldStatus   = "st"
	fieldAt       = "at"
	fieldPayload  = "p"
)

// errBadEntry: a stream entry is not an event this package wrote.
var errBadEntry = errors.New("malformed feed stream entry")

// renewScript extends the lease only for its holder; releaseScript
// deletes it only for its holder.
var (
	renewScript   = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end return 0`)
	releaseScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)
)

// redisSource fans the outbox out to many gateway instances: one of them,
// holding a lease, copies the outbox into a Redis stream; every instance
// reads the stream. The store stays the truth: a gap in the stream, a
// silent stream or a Redis outage is covered by reading the store.
type redisSource struct {
	rdb    redis.UniversalClient
	store  settlement.Store
	poll   time.Duration
	log    *zap.Logger
	stream string // {prefix}:feed
	lease  string // {prefix}:feed:lease
	owner  string // this instance's lease token

	// Timings, the constants above; tests shorten them.
	leaseTTL, leaseRenew, block, retry time.Duration

	// Next's state; Next runs in one goroutine at a time.
	downSince time.Time // when Redis failed; zero while it works
}

// NewRedisSource is the Source of one of many gateway instances sharing
// rdb under prefix (keys carry the hash tag {prefix}) and one store.
func NewRedisSource(rdb redis.UniversalClient, prefix string, store settlement.Store, cfg Config, log *zap.Logger) Source {
	if prefix == "" {
		prefix = defaultPrefix
	}
	var b [ownerBytes]byte
	_, _ = rand.Read(b[:])
	stream := "{" + prefix + "}:feed"
	return &redisSource{
		rdb: rdb, store: store, poll: cfg.PollInterval.Duration(), log: log.Named("feed_redis"),
		stream: stream, lease: stream + ":lease", owner: hex.EncodeToString(b[:]),
		leaseTTL: leaseTTL, leaseRenew: leaseRenew, block: xreadBlock, retry: redisRetry,
	}
}

// Next implements Source: it follows the stream, and reads the store for
// what the stream lacks.
func (s *redisSource) Next(ctx context.Context, after uint64) ([]settlement.Event, error) {
	for {
		if !s.redisUp(ctx) {
			evs, err := s.pollUntil(ctx, after, s.downSince.Add(s.retry))
			if err != nil || len(evs) > 0 {
				return evs, err
			}
			continue
		}
		res, err := s.rdb.XRead(ctx, &redis.XReadArgs{
			Streams: []string{s.stream, entryID(after)}, Count: outboxPage, Block: s.block,
		}).Result()
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case errors.Is(err, redis.Nil):
			// Silent: maybe no publisher runs; the store knows.
		case err != nil:
			s.log.Warn("redis unavailable: reading the outbox directly", zap.Error(err))
			s.downSince = time.Now()
			continue
		default:
			if evs := s.fromStream(res, after); len(evs) > 0 {
				return evs, nil
			}
		}
		// A gap or silence: read the store.
		evs, err := readOutbox(ctx, s.store, after)
		if err != nil || len(evs) > 0 {
			return evs, err
		}
	}
}

// redisUp reports whether Next should read the stream: Redis has not
// failed, or it failed over retry ago and answers again.
func (s *redisSource) redisUp(ctx context.Context) bool {
	if s.downSince.IsZero() {
		return true
	}
	if time.Since(s.downSince) < s.retry {
		return false
	}
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		s.downSince = time.Now()
		return false
	}
	s.log.Info("redis answers again: following the feed stream")
	s.downSince = time.Time{}
	return true
}

// pollUntil reads the outbox every poll until it has events or until.
func (s *redisSource) pollUntil(ctx context.Context, after uint64, until time.Time) ([]settlement.Event, error) {
	pctx, cancel := context.WithDeadline(ctx, until)
	defer cancel()
	evs, err := pollOutbox(pctx, s.store, after, s.poll)
	if err != nil && ctx.Err() == nil && pctx.Err() != nil {
		return nil, nil // until passed
	}
	return evs, err
}

// fromStream decodes XREAD's answer and keeps the part that follows
// after without a gap; nil means the store must fill in.
func (s *redisSource) fromStream(res []redis.XStream, after uint64) []settlement.Event {
	if len(res) == 0 {
		return nil
	}
	evs := make([]settlement.Event, 0, len(res[0].Messages))
	for _, m := range res[0].Messages {
		e, err := decodeEntry(m)
		if err != nil {
			s.log.Error("skipping a feed stream entry; the store fills in", zap.Error(err))
			break
		}
		evs = append(evs, e)
	}
	return contiguous(after, evs)
}

// entryID is the stream id of the event with seq.
func entryID(seq uint64) string { return strconv.FormatUint(seq, 10) + "-0" }

func entryValues(e settlement.Event) []any {
	at, _ := e.At.MarshalText()
	return []any{fieldTransfer, string(e.TransferID), fieldSrc, e.Src, fieldDst, e.Dst,
		fieldStatus, string(e.Status), fieldAt, string(at), fieldPayload, string(e.Payload)}
}

func decodeEntry(m redis.XMessage) (settlement.Event, error) {
	seqText, _, _ := strings.Cut(m.ID, "-")
	seq, err := strconv.ParseUint(seqText, 10, 64)
	if err != nil || seq == 0 {
		return settlement.Event{}, fmt.Errorf("%w: id %q", errBadEntry, m.ID)
	}
	var f [6]string
	for i, k := range []string{fieldTransfer, fieldSrc, fieldDst, fieldStatus, fieldAt, fieldPayload} {
		v, ok := m.Values[k].(string)
		if !ok {
			return settlement.Event{}, fmt.Errorf("%w: id %s: field %q missing", errBadEntry, m.ID, k)
		}
		f[i] = v
	}
	e := settlement.Event{Seq: seq, TransferID: settlement.TransferID(f[0]), Src: f[1], Dst: f[2],
		Status: settlement.Status(f[3]), Payload: []byte(f[5])}
	if err := e.At.UnmarshalText([]byte(f[4])); err != nil {
		return settlement.Event{}, fmt.Errorf("%w: id %s: at: %v", errBadEntry, m.ID, err)
	}
	return e, nil
}
