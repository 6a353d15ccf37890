package backend

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/causeway/causeway/settlement/queue"
	"github.com/causeway/causeway/settlement/queue/memq"
	redisq "github.com/causeway/causeway/settlement/queue/redis"
)

// URL schemes accepted for the queue.
const (
	SchemeRedis    = "redis"
	SchemeRedisTLS = "rediss"
	SchemeMemory   = "memory"
)

// QueueSchemes lists the accepted queue URL forms, for messages.
const QueueSchemes = "redis://, rediss://, memory:"

// queuePrefixParam is the query parameter of a redis:// URL that sets the
// key prefix (redis.Config.Prefix); go-redis does not know it.
const queuePrefixParam = "prefix"

// PingTimeout bounds the first round trip to Redis, so an unreachable server
// fails OpenQueue promptly instead of after go-redis's own retries.
const PingTimeout = 5 * time.Second

// OpenQueue opens the queue at rawURL:
//
//	redis://[:password@]host:port/db?prefix=cw   (rediss:// for TLS)
//	memory:                                      (in-process; one process only)
//
// A Redis queue is pinged before it is returned; prefix defaults to
// redis.DefaultPrefix, and every other query parameter is go-redis's.
func OpenQueue(ctx context.Context, rawURL string) (queue.Queue, error) {
	s, err := QueueScheme(rawURL)
	if err != nil {
		return nil, err
	}
	if s == SchemeMemory {
		return memq.New(memq.DefaultConfig())
	}
	addr, cfg, err := redisConfig(rawURL)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, PingTimeout)
	defer cancel()
	q, err := redisq.Dial(ctx, addr, cfg)
	if err != nil {
		return nil, fmt.Errorf("redis queue at %s: unreachable: %w", redact(addr), err)
	}
	return q, nil
}

// QueueScheme checks rawURL's form without connecting and returns its
// scheme, SchemeRedis for both Redis spellings.
func QueueScheme(rawURL string) (string, error) {
	switch scheme(rawURL) {
	case SchemeRedis, SchemeRedisTLS:
		if _, _, err := redisConfig(rawURL); err != nil {
			return "", err
		}
		return SchemeRedis, nil
	case SchemeMemory:
		if rest := strings.TrimPrefix(rawURL[len(SchemeMemory)+1:], "//"); rest != "" {
			return "", fmt.Errorf("%w: %q: memory: takes no address or options", ErrBadURL, rawURL)
		}
		return SchemeMemory, nil
	default:
		return "", schemeError(rawURL, QueueSchemes)
	}
}

// redisConfig splits a redis:// URL into what go-redis parses and the queue
// configuration, and checks both.
func redisConfig(rawURL string) (string, redisq.Config, error) {
	cfg := redisq.DefaultConfig()
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", cfg, fmt.Errorf("%w: redis url does not parse", ErrBadURL)
	}
	q := u.Query()
	if q.Has(queuePrefixParam) {
		cfg.Prefix = q.Get(queuePrefixParam)
		q.Del(queuePrefixParam)
		u.RawQuery = q.Encode()
	}
	if err := cfg.Validate(); err != nil {
		return "", cfg, fmt.Errorf("%w: %s: %w", ErrBadURL, queuePrefixParam, err)
	}
	addr := u.String()
	if _, err := goredis.ParseURL(addr); err != nil {
		return "", cfg, fmt.Errorf("%w: %s: %w", ErrBadURL, redact(addr), err)
	}
	return addr, cfg, nil
}
