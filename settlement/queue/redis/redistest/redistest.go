// Package redistest finds the Redis that tests run against, as pgtest does
// for Postgres. The server comes from CAUSEWAY_TEST_REDIS_URL (`make test`
// sets it) or redis://127.0.0.1:6379/0; when it is unreachable a test fails
// under CI=true and is skipped, loudly, otherwise.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Environment and defaults.
const (
	EnvURL       = "CAUSEWAY_TEST_REDIS_URL"
	DefaultURL   = "redis://127.0.0.1:6379/0"
	probeTimeout = 2 * time.Second
)

var probe struct {
	once sync.Once
	url  string
	err  error
}

// URL returns the test Redis's URL, or ends the test when it does not
// answer a PING.
func URL(tb testing.TB) string {
	tb.Helper()
	probe.once.Do(func() {
		probe.url = os.Getenv(EnvURL)
		if probe.url == "" {
			probe.url = DefaultURL
		}
		opts, err := goredis.ParseURL(probe.url)
		if err != nil {
			probe.err = err
			return
		}
		c := goredis.NewClient(opts)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
		defer cancel()
		probe.err = c.Ping(ctx).Err()
	})
	if probe.err != nil {
		Unreachable(tb, "Redis at "+probe.url+" is unreachable ("+probe.err.Error()+"); run `make services` or set "+EnvURL)
	}
	return probe.url
}

// Prefix is a fresh key prefix, so tests sharing one Redis never share keys.
func Prefix(tb testing.TB) string {
	tb.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	return "cwtest-" + hex.EncodeToString(b[:])
}

// Unreachable ends a test whose Redis is missing: a failure under CI=true,
// a loud skip elsewhere.
func Unreachable(tb testing.TB, why string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("CI=true and %s", why)
	}
	tb.Skipf("\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n!!! SKIPPING REDIS TEST: %s\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", why)
}
