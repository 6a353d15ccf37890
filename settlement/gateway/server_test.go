package gateway

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/settlement/gateway/api"
)

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := intentBody(attest.AddressOf(e.signer), "1")
	post := func(hdr ...string) reply {
		return e.do(http.MethodPost, "/v1/transfers", body, append(hdr, "Content-Type", "application/json",
			api.HeaderIdempotencyKey, "auth")...)
	}
	id, secret, err := api.ParseAPIKey(e.key)
	require.NoError(t, err)
	other, _ := createKey(t, e.store, testClient, 0, 0)
	_, otherSecret, err := api.ParseAPIKey(other)
	require.NoError(t, err)
	for name, hdr := range map[string][]string{
		"none":            nil,
		"basic auth":      {"Authorization", "Basic " + e.key},
		"malformed":       {"Authorization", "Bearer " + secret},
		"unknown id":      {"Authorization", "Bearer cwk_000000000000_" + secret},
		"wrong secret":    {"X-API-Key", "cwk_" + id + "_" + otherSecret},
		"empty bearer":    {"Authorization", "Bearer "},
		"malformed x-key": {"X-API-Key", "nope"},
	} {
		r := post(hdr...)
		r.requireProblem(t, http.StatusUnauthorized, api.CodeUnauthorized)
		require.Contains(t, r.header.Get("WWW-Authenticate"), "Bearer", name)
	}
	e.requireNothingStored("auth")

	// A bad key is refused on public reads too, rather than read as anonymous.
	e.do(http.MethodGet, "/v1/chains", nil, "X-API-Key", "nope").requireProblem(t, http.StatusUnauthorized, api.CodeUnauthorized)

	require.NoError(t, e.store.RevokeAPIKey(t.Context(), e.keyID, time.Now()))
	p := post("Authorization", "Bearer "+e.key).requireProblem(t, http.StatusUnauthorized, api.CodeUnauthorized)
	require.Contains(t, p.Detail, "revoked")
	e.requireNothingStored("auth")
	require.Equal(t, http.StatusAccepted, post("X-API-Key", other).status, "the client's other key still works")
}

func TestPrivateReads(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config, _ *Options) { c.PublicReads = false })
	for _, path := range []string{"/v1/chains", "/v1/routes", "/v1/transfers", "/v1/relayers", "/v1/reconciliation",
		"/v1/transfers/alpha.beta.1", "/v1/accounts/alpha/" + attest.AddressOf(e.signer).Hex()} {
		e.do(http.MethodGet, path, nil).requireProblem(t, http.StatusUnauthorized, api.CodeUnauthorized)
		require.NotEqual(t, http.StatusUnauthorized, e.get(path).status, path)
	}
	r := e.do(http.MethodGet, "/v1/openapi.yaml", nil)
	require.Equal(t, http.StatusOK, r.status, "the description is public")
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config, _ *Options) { c.Limits.AnonymousRatePerSec, c.Limits.AnonymousBurst = 1, 2 })
	slow, _ := createKey(t, e.store, testClient, 1, 3)
	for range 3 {
		require.Equal(t, http.StatusOK, e.do(http.MethodGet, "/v1/chains", nil, "X-API-Key", slow).status)
	}
	r := e.do(http.MethodGet, "/v1/chains", nil, "X-API-Key", slow)
	r.requireProblem(t, http.StatusTooManyRequests, api.CodeRateLimited)
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, secs, 1)
	require.Equal(t, http.StatusOK, e.get("/v1/chains").status, "other keys keep their own bucket")

	for range 2 {
		require.Equal(t, http.StatusOK, e.do(http.MethodGet, "/v1/chains", nil).status)
	}
	e.do(http.MethodGet, "/v1/chains", nil).requireProblem(t, http.StatusTooManyRequests, api.CodeRateLimited)
	require.Equal(t, 2.0, testutil.ToFloat64(e.svc.srv.metrics.rateLimited.WithLabelValues("key"))+
		testutil.ToFloat64(e.svc.srv.metrics.rateLimited.WithLabelValues("anonymous")))
}

func TestRouting(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config, _ *Options) { c.Tracker = false })
	e.get("/v1/nope").requireProblem(t, http.StatusNotFound, api.CodeNotFound)
	e.get("/").requireProblem(t, http.StatusNotFound, api.CodeNotFound)
	for path, allow := range map[string]string{
		"/v1/transfers":              "GET, HEAD, POST",
		"/v1/transfers/alpha.beta.1": "GET, HEAD",
		"/v1/chains":                 "GET, HEAD",
		"/v1/accounts/alpha/0x00":    "GET, HEAD",
		api.StreamPath:               "GET, HEAD",
		"/v1/openapi.yaml":           "GET, HEAD",
	} {
		r := e.do(http.MethodDelete, path, nil, "X-API-Key", e.key)
		r.requireProblem(t, http.StatusMethodNotAllowed, api.CodeMethodNotAllowed)
		require.Equal(t, allow, r.header.Get("Allow"), path)
	}
	head := e.do(http.MethodHead, "/v1/chains", nil)
	require.Equal(t, http.StatusOK, head.status)
	require.Empty(t, head.body)

	r := e.get("/v1/openapi.yaml")
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, contentTypeYAML, r.header.Get("Content-Type"))
	require.True(t, strings.HasPrefix(string(r.body), "openapi: 3.1"))

	m := e.svc.srv.metrics
	require.Equal(t, 1.0, testutil.ToFloat64(m.requests.WithLabelValues("GET /v1/openapi.yaml", "200")))
	require.Equal(t, 1.0, testutil.ToFloat64(m.requests.WithLabelValues("/v1/transfers/{id}", "405")),
		"labelled by pattern, never by raw path")
	require.Equal(t, 1.0, testutil.ToFloat64(m.requests.WithLabelValues("/v1/", "404")))
}

func TestTrackerMounted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do(http.MethodGet, "/", nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, r.header.Get("Content-Type"), "text/html")
	e.get("/v1/nope").requireProblem(t, http.StatusNotFound, api.CodeNotFound)
}
