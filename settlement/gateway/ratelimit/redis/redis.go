// Package redis is the ratelimit.Limiter every gateway instance shares: one
// Redis key per bucket holding its theoretical arrival time, read and
// written by one Lua script, so concurrent calls from any number of
// gateways are decided one at a time. The script reads the clock with Redis
// TIME, so gateways whose clocks disagree still share one timeline.
//
// A bucket's key is {P:rl:K} for prefix P and limiter key K: the braces make
// the whole name the Redis Cluster hash tag, so buckets spread over the
// cluster's slots (a script touches only its one key). Each key expires
// when its bucket is full again, so idle clients cost nothing.
//
// Like the queues, nothing here is a record: losing the keys hands every
// client a fresh burst.
package redis

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/causeway/causeway/settlement/gateway/ratelimit"
)

// DefaultPrefix namespaces the keys, as the queue's prefix does.
const DefaultPrefix = "cw"

// maxPrefixLen bounds the prefix, which is part of every key.
const maxPrefixLen = 64

// allowScript is ratelimit.GCRA in Lua. KEYS[1] is the bucket; ARGV[1] the
// emission interval in microseconds (a decimal, possibly fractional),
// ARGV[2] the burst. Times are unix microseconds, exact in a double until
// the year 2255. The TAT is written with %.17g because Lua's tostring keeps
// only 14 digits. Returns {allowed 0|1, remaining, retry-after µs}.
var allowScript = goredis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local nxt = tat + interval
local allowAt = nxt - burst * interval
if now < allowAt then
  return {0, 0, math.ceil(allowAt - now)}
end
redis.call('SET', KEYS[1], string.format('%.17g', nxt), 'PX', math.ceil((nxt - now) / 1000))
return {1, math.floor((now - allowAt) / interval), 0}
`)

// Limiter is ratelimit.Limiter on Redis.
type Limiter struct {
	client goredis.UniversalClient
	prefix string
}

var _ ratelimit.Limiter = (*Limiter)(nil)

// New returns a limiter keeping its buckets under prefix ("" for
// DefaultPrefix) on client, which stays the caller's to close.
func New(client goredis.UniversalClient, prefix string) (*Limiter, error) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if len(prefix) > maxPrefixLen || strings.ContainsAny(prefix, "{}") {
		return nil, fmt.Errorf("redis rate limiter: prefix %q: want at most %d bytes and no braces: %w",
			prefix, maxPrefixLen, ratelimit.ErrInvalid)
	}
	return &Limiter{client: client, prefix: prefix}, nil
}

// Allow implements ratelimit.Limiter.
func (l *Limiter) Allow(ctx context.Context, key string, rate, burst int) (ratelimit.Decision, error) {
	if err := ratelimit.Check(key, rate, burst); err != nil {
		return ratelimit.Decision{}, err
	}
	interval := strconv.FormatFloat(float64(time.Second/time.Microsecond)/float64(rate), 'g', -1, 64)
	res, err := allowScript.Run(ctx, l.client, []string{l.bucket(key)}, interval, burst).Int64Slice()
	if err != nil {
		return ratelimit.Decision{}, fmt.Errorf("rate limit %q: %w", key, err)
	}
	if len(res) != 3 {
		return ratelimit.Decision{}, fmt.Errorf("rate limit %q: script returned %d values, want 3", key, len(res))
	}
	return ratelimit.Decision{Allowed: res[0] == 1, Remaining: int(res[1]),
		RetryAfter: time.Duration(res[2]) * time.Microsecond}, nil
}

// bucket is the Redis key of key's bucket. Braces in key would end the
// hash tag early; that only narrows where the bucket lives, not what it is.
func (l *Limiter) bucket(key string) string { return "{" + l.prefix + ":rl:" + key + "}" }
