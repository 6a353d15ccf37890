package tracker

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/settlement/gateway/api"
)

func get(t *testing.T, h http.Handler, method, target string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), method, target, nil)
	req.Host = "tracker.test:8080"
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

func requireCSP(t *testing.T, resp *http.Response) {
	t.Helper()
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{
		"default-src 'none'", "script-src 'self'", "style-src 'self'",
		"connect-src 'self' ws://tracker.test:8080 wss://tracker.test:8080", "frame-ancestors 'none'",
	} {
		require.Contains(t, csp, want)
	}
	require.NotContains(t, csp, "unsafe-inline")
	require.NotContains(t, csp, "*")
	require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
}

// The page's paths all serve the same index; the script routes on them.
func TestIndexForPagePaths(t *testing.T) {
	t.Parallel()
	h := Handler()
	for _, p := range []string{
		"/",
		"/transfers/alpha.beta.42",
		"/transfers/alpha.beta.0x" + strings.Repeat("ab", 32),
		"/accounts/alpha/0x" + strings.Repeat("01", 20),
	} {
		resp := get(t, h, http.MethodGet, p)
		require.Equal(t, http.StatusOK, resp.StatusCode, p)
		require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"), p)
		require.Equal(t, "no-cache", resp.Header.Get("Cache-Control"), p)
		require.NotEmpty(t, resp.Header.Get("ETag"), p)
		requireCSP(t, resp)
		require.Contains(t, body(t, resp), `<main id="view"`, p)
	}
}

// Each asset is served with its media type, an ETag that a revalidation
// answers with 304, and the CSP.
func TestAssets(t *testing.T) {
	t.Parallel()
	h := Handler()
	want := map[string]string{
		"/assets/tracker.css":  "text/css; charset=utf-8",
		"/assets/js/main.js":   "text/javascript; charset=utf-8",
		"/assets/js/feed.js":   "text/javascript; charset=utf-8",
		"/assets/favicon.svg":  "image/svg+xml",
		"/assets/js/format.js": "text/javascript; charset=utf-8",
	}
	for p, ct := range want {
		resp := get(t, h, http.MethodGet, p)
		require.Equal(t, http.StatusOK, resp.StatusCode, p)
		require.Equal(t, ct, resp.Header.Get("Content-Type"), p)
		requireCSP(t, resp)
		etag := resp.Header.Get("ETag")
		require.Regexp(t, `^"[0-9a-f]{32}"$`, etag, p)
		require.NotEmpty(t, body(t, resp), p)

		again := get(t, h, http.MethodGet, p, "If-None-Match", etag)
		require.Equal(t, http.StatusNotModified, again.StatusCode, p)
		require.Empty(t, body(t, again), p)

		head := get(t, h, http.MethodHead, p)
		require.Equal(t, http.StatusOK, head.StatusCode, p)
		require.Empty(t, body(t, head), p)
	}
}

// Every file of the embed has a content type and distinct files have
// distinct ETags.
func TestEveryEmbeddedFileServes(t *testing.T) {
	t.Parallel()
	h := Handler()
	etags := map[string]string{}
	err := fs.WalkDir(embedded, assetsDir, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Base(name) == indexName {
			return err
		}
		p := "/" + name
		resp := get(t, h, http.MethodGet, p)
		require.Equal(t, http.StatusOK, resp.StatusCode, p)
		require.Equal(t, contentTypes[path.Ext(name)], resp.Header.Get("Content-Type"), p)
		etag := resp.Header.Get("ETag")
		require.NotContains(t, etags, etag, "%s has the ETag of %s", p, etags[etag])
		etags[etag] = p
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, len(etags), 5)
}

// Anything that is not a page or an asset is a 404 problem, with the
// security headers all the same.
func TestNotFound(t *testing.T) {
	t.Parallel()
	h := Handler()
	for _, p := range []string{
		"/nope", "/index.html", "/assets/", "/assets/index.html", "/assets/missing.js", "/assets/js/",
		"/transfers/", "/transfers/a/b", "/transfers//", "/accounts/alpha", "/accounts/alpha/",
		"/accounts/alpha/0x01/extra", "/accounts//0x01", "/v1/unknown", "/assets/../tracker.go",
	} {
		resp := get(t, h, http.MethodGet, p)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, p)
		require.Equal(t, api.ContentTypeProblem, resp.Header.Get("Content-Type"), p)
		requireCSP(t, resp)
		var prob api.Problem
		require.NoError(t, json.Unmarshal([]byte(body(t, resp)), &prob), p)
		require.Equal(t, api.CodeNotFound, prob.Code, p)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	h := Handler()
	for _, p := range []string{"/", "/assets/tracker.css", "/transfers/alpha.beta.1"} {
		resp := get(t, h, http.MethodPost, p)
		require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, p)
		require.Equal(t, "GET, HEAD", resp.Header.Get("Allow"), p)
		require.Equal(t, api.ContentTypeProblem, resp.Header.Get("Content-Type"), p)
	}
}

// A Host header that could inject into the policy is left out of it.
func TestCSPIgnoresOddHost(t *testing.T) {
	t.Parallel()
	for _, host := range []string{"evil; script-src *", "a b", "x'y"} {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		Handler().ServeHTTP(rec, req)
		csp := rec.Result().Header.Get("Content-Security-Policy")
		require.Contains(t, csp, "connect-src 'self';", host)
		require.NotContains(t, csp, host)
	}
	for _, host := range []string{"127.0.0.1:27080", "[::1]:8080", "tracker.example.com"} {
		h := http.Header{}
		setSecurityHeaders(h, host)
		require.Contains(t, h.Get("Content-Security-Policy"), "ws://"+host+" wss://"+host)
	}
}

var (
	// refRe finds the URLs index.html loads.
	refRe = regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`)
	// importRe finds the relative imports of an ES module.
	importRe = regexp.MustCompile(`(?m)^\s*(?:import|export)\s[^;]*?from\s+'(\./[^']+)'`)
)

// Every file index.html refers to, and every module those import, is in
// the embed: a missing one would only show up as a broken page.
func TestReferencedFilesExist(t *testing.T) {
	t.Parallel()
	h := Handler()
	resp := get(t, h, http.MethodGet, "/")
	index := body(t, resp)
	refs := refRe.FindAllStringSubmatch(index, -1)
	require.GreaterOrEqual(t, len(refs), 3, "index.html loads the stylesheet, the icon and main.js")

	seen := map[string]bool{}
	queue := []string{}
	for _, m := range refs {
		queue = append(queue, m[1])
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		resp := get(t, h, http.MethodGet, p)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s is referenced but not served", p)
		if path.Ext(p) != ".js" {
			continue
		}
		for _, m := range importRe.FindAllStringSubmatch(body(t, resp), -1) {
			queue = append(queue, path.Join(path.Dir(p), m[1]))
		}
	}
	require.True(t, seen["/assets/js/feed.js"], "the module graph was followed: %v", seen)
	require.True(t, seen["/assets/js/transfers.js"], "the module graph was followed: %v", seen)
}

// The page loads nothing from another origin (no CDN, no web fonts) and
// builds its DOM without parsing strings as HTML.
func TestNoExternalReferences(t *testing.T) {
	t.Parallel()
	ext := regexp.MustCompile(`(?i)(?:src|href|url\()\s*=?\s*["']?(?:https?:)?//`)
	markup := regexp.MustCompile(`\.(?:inner|outer)HTML\s*=|insertAdjacentHTML|document\.write`)
	err := fs.WalkDir(embedded, assetsDir, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(embedded, name)
		require.NoError(t, err)
		require.NotRegexp(t, ext, string(b), name)
		require.NotRegexp(t, markup, string(b), "%s: API data must never be parsed as markup", name)
		return nil
	})
	require.NoError(t, err)
}
