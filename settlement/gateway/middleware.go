package gateway

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
	"github.com/causeway/causeway/settlement/gateway/ratelimit"
)

// limiterWarnEvery spaces the warnings of a failing rate limiter, which
// would otherwise log once per request.
const limiterWarnEvery = 10 * time.Second

// Rate-limit key prefixes: API keys and anonymous client IPs never share a
// bucket.
const (
	limitKeyPrefix = "key:"
	limitIPPrefix  = "ip:"
)

// stateKey finds a request's reqState in its context.
type stateKey struct{}

// reqState is what the layers of one request learn about it: who calls,
// and which route pattern served it (for logs and metrics).
type reqState struct {
	caller caller
	route  string
}

// caller is who sent a request: an API key, or nobody (anonymous) from ip.
type caller struct {
	key *settlement.APIKey
	ip  string
}

// clientID is the API client calling, "" when anonymous.
func (c caller) clientID() string {
	if c.key == nil {
		return ""
	}
	return c.key.ClientID
}

func stateOf(r *http.Request) *reqState {
	if st, ok := r.Context().Value(stateKey{}).(*reqState); ok {
		return st
	}
	return &reqState{}
}

// observe is the outermost layer: it times the request, recovers a panic
// into a 500 problem, then logs the request once and counts it.
func (s *server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		st := &reqState{}
		rec := &recorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler { //nolint:errorlint // a sentinel value, not an error chain
					panic(v)
				}
				s.log.Error("handler panic", zap.String("path", r.URL.Path), zap.Any("panic", v),
					zap.ByteString("stack", debug.Stack()))
				if !rec.wrote {
					writeProblem(rec, api.NewProblem(api.CodeInternal, ""))
				}
			}
			route := st.route
			if route == "" {
				route = unmatchedPattern
			}
			d := time.Since(start)
			s.metrics.request(route, rec.code(), d)
			s.log.Debug("request", zap.String("method", r.Method), zap.String("path", r.URL.Path),
				zap.Int("status", rec.code()), zap.Duration("duration", d), zap.String("client_id", st.caller.clientID()))
		}()
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), stateKey{}, st)))
	})
}

// identify names the route pattern the request will be served by,
// authenticates a presented API key (a bad one is refused on every path,
// public or not) and applies the caller's rate limit.
func (s *server) identify(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := stateOf(r)
		_, st.route = mux.Handler(r)
		st.caller.ip = clientIP(r)
		key, p := s.authenticate(r)
		if p == nil {
			st.caller.key = key
			p = s.rateLimit(r.Context(), w, st.caller)
		}
		if p != nil {
			if p.Code == api.CodeUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="causeway"`)
			}
			writeProblem(w, p)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// presentedKey is the API key of a request: "Authorization: Bearer <key>"
// or "X-API-Key: <key>". present is false when it carries neither.
func presentedKey(r *http.Request) (key string, present bool, p *api.Problem) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return "", true, api.NewProblem(api.CodeUnauthorized, "Authorization must be \"Bearer <API key>\"")
		}
		return strings.TrimSpace(token), true, nil
	}
	if h := r.Header.Get(api.HeaderAPIKey); h != "" {
		return h, true, nil
	}
	return "", false, nil
}

// authenticate returns the request's API key record: nil without a key, a
// problem for a malformed, unknown, revoked or mismatched one.
func (s *server) authenticate(r *http.Request) (*settlement.APIKey, *api.Problem) {
	raw, present, p := presentedKey(r)
	if !present || p != nil {
		return nil, p
	}
	id, secret, err := api.ParseAPIKey(raw)
	if err != nil {
		return nil, api.NewProblem(api.CodeUnauthorized, "the API key is malformed")
	}
	k, err := s.store.GetAPIKey(r.Context(), id)
	switch {
	case errors.Is(err, settlement.ErrNotFound):
		return nil, api.NewProblem(api.CodeUnauthorized, "unknown API key "+id)
	case err != nil:
		s.log.Error("read API key", zap.String("key_id", id), zap.Error(err))
		return nil, api.NewProblem(api.CodeInternal, "the API key could not be checked")
	case !api.SecretMatches(secret, k.Hash):
		return nil, api.NewProblem(api.CodeUnauthorized, "the API key's secret does not match")
	case k.Revoked():
		return nil, api.NewProblem(api.CodeUnauthorized, "API key "+id+" is revoked")
	}
	return k, nil
}

// rateLimit takes one call from the caller's bucket: the key's own limits
// or the defaults, or its IP's anonymous limits. A limiter that fails lets
// the call through: limits protect capacity, they are not a security
// boundary, and an outage of Redis must not become one of the API.
func (s *server) rateLimit(ctx context.Context, w http.ResponseWriter, c caller) *api.Problem {
	l := s.cfg.Limits
	key, rate, burst, kind := limitIPPrefix+c.ip, l.AnonymousRatePerSec, l.AnonymousBurst, "anonymous"
	if c.key != nil {
		key, rate, burst, kind = limitKeyPrefix+c.key.ID, l.RatePerSec, l.Burst, "key"
		if c.key.RatePerSec > 0 {
			rate = c.key.RatePerSec
		}
		if c.key.Burst > 0 {
			burst = c.key.Burst
		}
	}
	d, err := s.limiter.Allow(ctx, key, min(rate, ratelimit.MaxRate), min(burst, ratelimit.MaxBurst))
	if err != nil {
		s.warnLimiter(err)
		return nil
	}
	if d.Allowed {
		return nil
	}
	s.metrics.limited(kind)
	secs := max(1, int(math.Ceil(d.RetryAfter.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return api.NewProblem(api.CodeRateLimited, fmt.Sprintf("over %d requests per second (burst %d); retry after %d s", rate, burst, secs))
}

func (s *server) warnLimiter(err error) {
	now := time.Now().UnixNano()
	last := s.limiterWarned.Load()
	if now-last < int64(limiterWarnEvery) || !s.limiterWarned.CompareAndSwap(last, now) {
		return
	}
	s.log.Warn("rate limiter failed; requests pass unlimited", zap.Error(err))
}

// clientIP is the peer's address. Forwarding headers are not trusted: a
// proxy in front of the gateway rate-limits by its own rules.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// recorder remembers the status a handler wrote. It passes Flush and
// Hijack through, so the feed can upgrade to WebSocket behind it.
type recorder struct {
	http.ResponseWriter
	status   int
	wrote    bool
	hijacked atomic.Bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.wrote {
		r.status, r.wrote = http.StatusOK, true
	}
	return r.ResponseWriter.Write(b)
}

// code is the status written: 101 after a hijack, 200 when the handler
// wrote nothing.
func (r *recorder) code() int {
	switch {
	case r.hijacked.Load():
		return http.StatusSwitchingProtocols
	case !r.wrote:
		return http.StatusOK
	}
	return r.status
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := r.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("hijack: the connection does not support it")
	}
	c, rw, err := h.Hijack()
	if err == nil {
		r.hijacked.Store(true)
	}
	return c, rw, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
