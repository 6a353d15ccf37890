// Package admin serves a process's operator endpoints on their own listener:
// /livez (the process is serving), /readyz (every registered readiness check
// passes) and /metrics (Prometheus exposition of one registry).
//
// It owns that listener and the running of readiness checks. It does not
// decide what "ready" means — components register their own checks — and it
// must not serve anything meant for end users: the admin address is for
// operators and scrapers only.
package admin

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
)

// CheckTimeout bounds each readiness check in one /readyz request; a check
// that has not answered by then counts as failed.
const CheckTimeout = 2 * time.Second

// HTTP server limits. Every handler answers within CheckTimeout or one
// registry scrape, so the write timeout only guards against a stuck client.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 16 << 10
)

// Paths served.
const (
	livezPath   = "/livez"
	readyzPath  = "/readyz"
	metricsPath = "/metrics"
)

// Lifecycle errors.
var (
	ErrStarted = errors.New("admin server already started")
	ErrStopped = errors.New("admin server stopped")
)

// Check reports whether one dependency is ready; a nil error means ready.
// It should return once ctx is done.
type Check func(ctx context.Context) error

// Server is the operator HTTP listener. Build it with New, register checks
// with AddReadiness (before or after Start), then Start and Shutdown it once.
type Server struct {
	addr string
	log  *zap.Logger
	http *http.Server

	mu      sync.Mutex // guards the fields below
	checks  []namedCheck
	bound   string        // listener address, "" until Start
	done    chan struct{} // closed when the serve goroutine returns; nil until Start
	stopped bool
}

type namedCheck struct {
	name  string
	check Check
}

// New builds a server that will listen on addr (host:port; ":0" picks a free
// port) and expose reg on /metrics. It registers the Go runtime and process
// collectors with reg unless they are already there. A nil reg gets a fresh
// registry; a nil log discards logs.
func New(addr string, reg *prometheus.Registry, log *zap.Logger) *Server {
	if log == nil {
		log = zap.NewNop()
	}
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	log = log.Named("admin")
	registerRuntime(reg, log)
	s := &Server{addr: addr, log: log}
	s.http = &http.Server{
		Handler:           s.routes(reg),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          zap.NewStdLog(log),
	}
	return s
}

// Start binds the listener and serves in the background. A bind failure (the
// port is taken, the address is malformed) is returned here, naming the
// address.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.stopped:
		return ErrStopped
	case s.done != nil:
		return ErrStarted
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("start admin server: %w", err)
	}
	s.bound = ln.Addr().String()
	s.done = make(chan struct{})
	go s.serve(ln, s.done)
	s.log.Info("admin server listening", zap.String("addr", s.bound))
	return nil
}

// Addr is the bound address (the real port when New was given ":0"), or ""
// before Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bound
}

// Shutdown stops accepting connections and waits for in-flight requests until
// ctx is done, then closes whatever is left and waits for the serve goroutine.
// A readiness check that ignores its context may still be running afterwards;
// it is abandoned, not waited for. Calling Shutdown again returns nil.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	done, already := s.done, s.stopped
	s.stopped = true
	s.mu.Unlock()
	if already || done == nil {
		return nil
	}
	err := s.http.Shutdown(ctx)
	if err != nil {
		s.http.Close() // in-flight requests outlived ctx: cut them off
		err = fmt.Errorf("shut down admin server: %w", err)
	}
	<-done
	return err
}

// AddReadiness registers a check that /readyz runs. Adding a name twice
// replaces the earlier check. A nil check is a programming error and panics.
func (s *Server) AddReadiness(name string, c Check) {
	if c == nil {
		panic("admin: nil readiness check " + name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.checks {
		if s.checks[i].name == name {
			s.checks[i].check = c
			return
		}
	}
	s.checks = append(s.checks, namedCheck{name: name, check: c})
}

func (s *Server) serve(ln net.Listener, done chan<- struct{}) {
	defer close(done)
	if err := s.http.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		s.log.Error("admin server stopped serving", zap.Error(err))
	}
}

func (s *Server) routes(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+livezPath, livez)
	mux.HandleFunc("GET "+readyzPath, s.readyz)
	mux.Handle("GET "+metricsPath, promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:      zap.NewStdLog(s.log),
		ErrorHandling: promhttp.ContinueOnError, // one broken collector must not blank the scrape
		Registry:      reg,
	}))
	return mux
}

// snapshot copies the registered checks so a request runs without the lock.
func (s *Server) snapshot() []namedCheck {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]namedCheck(nil), s.checks...)
}

// registerRuntime adds the Go runtime and process collectors to reg. Finding
// them already registered (a second Server on one registry) is expected.
func registerRuntime(reg *prometheus.Registry, log *zap.Logger) {
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		err := reg.Register(c)
		if are := (prometheus.AlreadyRegisteredError{}); err != nil && !errors.As(err, &are) {
			log.Warn("register runtime collector", zap.Error(err))
		}
	}
}
