// Package tracker serves the gateway's tracker page: one embedded single-page
// app (hand-written HTML, CSS and ES modules, no build step, nothing fetched
// from elsewhere) that shows the chains, routes, relayers and transfers
// moving through their stages.
//
// The page is a client of the public API like any other: it reads /v1 and
// follows /v1/stream. This package only serves the files; it must not read
// the store or hold state, so the page can never show what the API would not.
package tracker

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/causeway/causeway/settlement/gateway/api"
)

// URL layout of the page. The SPA paths all serve index.html; the script
// routes on location.pathname.
const (
	AssetsPrefix   = "/assets/"
	TransferPrefix = "/transfers/"
	AccountPrefix  = "/accounts/"

	assetsDir = "assets"
	indexName = "index.html"
)

// Response header values.
const (
	// cacheControl makes browsers revalidate every load with the ETag: asset
	// names carry no content hash (ES modules import each other by name),
	// so a long max-age would pin an old version after an upgrade.
	cacheControl = "no-cache"
	// etagHexChars is how much of the SHA-256 of a file its ETag keeps.
	etagHexChars = 32
	allowMethods = "GET, HEAD"
)

// contentTypes maps every extension the embed may hold to its media type; a
// file of another extension is not served (and fails the package's tests).
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
}

// hostRe is what a Host header may hold to be echoed into the CSP's
// connect-src; anything else falls back to 'self' alone.
var hostRe = regexp.MustCompile(`^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$`)

//go:embed assets
var embedded embed.FS

// file is one embedded asset, ready to serve.
type file struct {
	name        string
	body        []byte
	etag        string
	contentType string
}

// site is the page's files, loaded once from the embed.
type site struct {
	index  *file
	assets map[string]*file // by path under assets/, index.html excluded
}

var loadSite = sync.OnceValue(func() *site {
	s, err := readSite(embedded)
	if err != nil {
		// The embed is fixed at build time; the tests read every file.
		panic(fmt.Sprintf("tracker: read embedded assets: %v", err))
	}
	return s
})

// Handler serves the tracker page: the index at "/", "/transfers/{id}" and
// "/accounts/{chain}/{address}", and its files under "/assets/". Anything
// else is a 404 problem, so it can be mounted at "/" of the gateway's mux.
func Handler() http.Handler {
	return loadSite()
}

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header(), r.Host)
	f := s.lookup(r.URL.Path)
	if f == nil {
		writeProblem(w, api.NewProblem(api.CodeNotFound, "no page at "+r.URL.Path))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", allowMethods)
		writeProblem(w, api.NewProblem(api.CodeMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path))
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("ETag", f.etag)
	h.Set("Cache-Control", cacheControl)
	// ServeContent answers If-None-Match with 304, HEAD without a body and
	// ranges; a zero modtime keeps Last-Modified out.
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(f.body))
}

// lookup returns the file behind an URL path, nil when there is none.
func (s *site) lookup(p string) *file {
	switch {
	case p == "/":
		return s.index
	case strings.HasPrefix(p, AssetsPrefix):
		return s.assets[strings.TrimPrefix(p, AssetsPrefix)]
	case strings.HasPrefix(p, TransferPrefix):
		if segments(strings.TrimPrefix(p, TransferPrefix)) == 1 {
			return s.index
		}
	case strings.HasPrefix(p, AccountPrefix):
		if segments(strings.TrimPrefix(p, AccountPrefix)) == 2 {
			return s.index
		}
	}
	return nil
}

// segments counts the non-empty "/"-separated parts of p, or returns -1
// when one is empty (a doubled or trailing slash).
func segments(p string) int {
	parts := strings.Split(p, "/")
	for _, part := range parts {
		if part == "" {
			return -1
		}
	}
	return len(parts)
}

// setSecurityHeaders applies to every response, errors included. The CSP
// allows nothing but this origin: no inline script or style, no frames,
// and connections only to the origin's API and its WebSocket feed.
func setSecurityHeaders(h http.Header, host string) {
	connect := "'self'"
	if hostRe.MatchString(host) {
		connect += " ws://" + host + " wss://" + host
	}
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"connect-src "+connect+"; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}

func writeProblem(w http.ResponseWriter, p *api.Problem) {
	w.Header().Set("Content-Type", api.ContentTypeProblem)
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// readSite loads every file under assets/ of fsys.
func readSite(fsys fs.FS) (*site, error) {
	s := &site{assets: map[string]*file{}}
	root, err := fs.Sub(fsys, assetsDir)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", assetsDir, err)
	}
	err = fs.WalkDir(root, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := readFile(root, name)
		if err != nil {
			return err
		}
		if name == indexName {
			s.index = f
		} else {
			s.assets[name] = f
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", assetsDir, err)
	}
	if s.index == nil {
		return nil, fmt.Errorf("%s: %w", indexName, fs.ErrNotExist)
	}
	return s, nil
}

func readFile(fsys fs.FS, name string) (*file, error) {
	ct, ok := contentTypes[path.Ext(name)]
	if !ok {
		return nil, fmt.Errorf("%s: no content type for its extension", name)
	}
	body, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	sum := sha256.Sum256(body)
	return &file{name: name, body: body, etag: `"` + hex.EncodeToString(sum[:])[:etagHexChars] + `"`, contentType: ct}, nil
}
