package gateway

import (
	"net/http"
	"slices"
	"strings"
	"sync/atomic"

	"go.uber.org/zap"

	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/api"
	"github.com/causeway/causeway/settlement/gateway/ratelimit"
)

// access is who may call a route.
type access int

const (
	accessPublic access = iota // anyone (the API description)
	accessRead                 // an API key, unless public_reads
	accessWrite                // an API key, always
)

// route is one endpoint: a method and a ServeMux path pattern.
type route struct {
	method string
	path   string
	access access
	handle func(w http.ResponseWriter, r *http.Request, c caller)
}

// server is the HTTP API over the store, the chains and the signer keys.
// It holds no state of its own beyond caches: every instance over the same
// store and Redis answers alike.
type server struct {
	cfg     *Config
	store   settlement.Store
	rows    *rowBatcher // creates transfer rows, batching concurrent ones
	chains  *chainSet
	signers *signerSet
	limiter ratelimit.Limiter
	metrics *Metrics
	log     *zap.Logger
	stream  http.Handler // the feed at /v1/stream; nil until wired
	tracker http.Handler // the page at /; nil when disabled

	limiterWarned atomic.Int64 // unix nanos of the last limiter warning
}

// routes is every endpoint the server registers besides the feed.
func (s *server) routes() []route {
	return []route{
		{http.MethodPost, "/v1/transfers", accessWrite, s.submit},
		{http.MethodGet, "/v1/transfers", accessRead, s.listTransfers},
		{http.MethodGet, "/v1/transfers/{id}", accessRead, s.getTransfer},
		{http.MethodGet, "/v1/chains", accessRead, s.listChains},
		{http.MethodGet, "/v1/routes", accessRead, s.listRoutes},
		{http.MethodGet, "/v1/relayers", accessRead, s.listRelayers},
		{http.MethodGet, "/v1/accounts/{chain}/{address}", accessRead, s.getAccount},
		{http.MethodGet, "/v1/members/{chain}", accessRead, s.listMembers},
		{http.MethodGet, "/v1/members/{chain}/{address}", accessRead, s.getMember},
		{http.MethodGet, "/v1/slashes/{chain}", accessRead, s.listSlashes},
		{http.MethodGet, "/v1/reconciliation", accessRead, s.reconciliation},
		{http.MethodGet, "/v1/openapi.yaml", accessPublic, serveOpenAPI},
	}
}

// handler builds the whole mux wrapped in the request layers. Every path
// the API knows answers other methods with 405 and an Allow header; any
// other path under /v1/ is a 404 problem, and / is the tracker page (or a
// 404 problem without it).
func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	allowed := make(map[string][]string)
	var paths []string
	for _, rt := range s.routes() {
		mux.Handle(rt.method+" "+rt.path, s.endpoint(rt))
		if allowed[rt.path] == nil {
			paths = append(paths, rt.path)
		}
		allowed[rt.path] = append(allowed[rt.path], rt.method)
	}
	if s.stream != nil {
		mux.Handle(http.MethodGet+" "+api.StreamPath, s.stream)
		paths = append(paths, api.StreamPath)
		allowed[api.StreamPath] = []string{http.MethodGet}
	}
	for _, p := range paths {
		mux.Handle(p, methodNotAllowed(allowed[p]))
	}
	mux.HandleFunc("/v1/", notFound)
	if s.tracker != nil {
		mux.Handle("/", s.tracker)
	} else {
		mux.HandleFunc("/", notFound)
	}
	return s.observe(s.identify(mux))
}

// endpoint wraps a route with its access check.
func (s *server) endpoint(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := stateOf(r).caller
		if c.key == nil && (rt.access == accessWrite || (rt.access == accessRead && !s.cfg.PublicReads)) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="causeway"`)
			writeProblem(w, api.NewProblem(api.CodeUnauthorized, "this endpoint needs an API key"))
			return
		}
		rt.handle(w, r, c)
	})
}

// authenticateStream is the feed's check of a connection: a key when one
// is presented, anonymous only with public reads.
func (s *server) authenticateStream(r *http.Request) (string, *api.Problem) {
	key, p := s.authenticate(r)
	switch {
	case p != nil:
		return "", p
	case key != nil:
		return key.ClientID, nil
	case !s.cfg.PublicReads:
		return "", api.NewProblem(api.CodeUnauthorized, "the feed needs an API key")
	}
	return "", nil
}

func methodNotAllowed(methods []string) http.Handler {
	allow := slices.Clone(methods)
	if slices.Contains(allow, http.MethodGet) {
		allow = append(allow, http.MethodHead)
	}
	slices.Sort(allow)
	header := strings.Join(allow, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", header)
		writeProblem(w, api.NewProblem(api.CodeMethodNotAllowed, r.Method+" is not allowed here; use "+header))
	})
}

func notFound(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, api.NewProblem(api.CodeNotFound, "no such path: "+r.URL.Path))
}
