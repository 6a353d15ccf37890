package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"

	gethrpc "github.com/ethereum/go-ethereum/rpc"
	"go.uber.org/zap"
)

// Namespace is the JSON-RPC namespace of every Causeway method.
const Namespace = "cw"

// HTTP paths served besides JSON-RPC on "/".
const healthPath = "/health"

// Lifecycle errors.
var (
	ErrStarted = errors.New("rpc server already started")
	ErrStopped = errors.New("rpc server stopped")
)

// Server serves JSON-RPC over HTTP POST and WebSocket on "/" and a health
// check on GET /health, all on one listener.
type Server struct {
	cfg Config
	b   Backend
	log *zap.Logger

	heads  *hub[[]byte]
	events *hub[*BlockEvents]

	quit     chan struct{} // closed by shutdown
	stopOnce sync.Once
	stopErr  error
	wg       sync.WaitGroup // the HTTP server and the feed pumps
	subs     sync.WaitGroup // subscription forwarders

	mu       sync.Mutex // guards the fields below
	rpc      *gethrpc.Server
	http     *http.Server
	addr     string
	started  bool
	stopping bool // no forwarder starts once set, so subs.Wait is final
}

// NewServer builds a server; Start makes it listen. A nil log discards logs.
func NewServer(cfg Config, b Backend, log *zap.Logger) *Server {
	if log == nil {
		log = zap.NewNop()
	}
	return &Server{
		cfg:    cfg,
		b:      b,
		log:    log,
		heads:  newHub[[]byte](cfg.SubscriptionBuffer, cfg.MaxSubscriptions),
		events: newHub[*BlockEvents](cfg.SubscriptionBuffer, cfg.MaxSubscriptions),
		quit:   make(chan struct{}),
	}
}

// Start listens on cfg.ListenAddr and serves until Stop or until ctx is done.
func (s *Server) Start(ctx context.Context) error {
	if err := s.cfg.Validate(); err != nil {
		return fmt.Errorf("start rpc server: %w", err)
	}
	if err := s.claimStart(); err != nil {
		return fmt.Errorf("start rpc server: %w", err)
	}
	srv, ln, err := s.listen()
	if err != nil {
		s.releaseStart()
		return fmt.Errorf("start rpc server: %w", err)
	}
	hs := &http.Server{
		Handler:           s.handler(srv),
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		ErrorLog:          zap.NewStdLog(s.log),
	}
	if err := s.publish(srv, hs, ln); err != nil {
		return fmt.Errorf("start rpc server: %w", err)
	}
	go func() { defer s.wg.Done(); s.serve(hs, ln) }()
	go func() {
		defer s.wg.Done()
		pump(s.quit, s.b.SubscribeHeads, s.cfg.FeedBuffer, s.heads, encodeHead, s.log.With(zap.String("feed", "heads")))
	}()
	go func() {
		defer s.wg.Done()
		pump(s.quit, s.b.SubscribeEvents, s.cfg.FeedBuffer, s.events, sameEvents, s.log.With(zap.String("feed", "events")))
	}()
	go s.stopOnDone(ctx)
	s.log.Info("rpc server listening", zap.String("addr", s.Addr()))
	return nil
}

// Addr is the bound address, or "" before Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Stop ends every subscription with a CodeUnavailable notification, waits up
// to ShutdownTimeout for those and for in-flight HTTP requests, closes every
// connection and waits for the server's goroutines. It is safe to call more
// than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(s.shutdown)
	s.wg.Wait()
	s.subs.Wait()
	return s.stopErr
}

// claimStart lets Start run once, and not after Stop.
func (s *Server) claimStart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.stopping:
		return ErrStopped
	case s.started:
		return ErrStarted
	}
	s.started = true
	return nil
}

// publish records the running parts unless Stop has begun, in which case it
// releases them. The WaitGroup grows under the lock that shutdown takes
// before waiting, so Stop never waits on a count that may still grow.
func (s *Server) publish(srv *gethrpc.Server, hs *http.Server, ln net.Listener) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		ln.Close()
		srv.Stop()
		return ErrStopped
	}
	s.rpc, s.http, s.addr = srv, hs, ln.Addr().String()
	s.wg.Add(3) // serve and the two feed pumps
	return nil
}

func (s *Server) releaseStart() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.started = false
}

func (s *Server) listen() (*gethrpc.Server, net.Listener, error) {
	srv, err := s.newRPCServer()
	if err != nil {
		return nil, nil, err
	}
	ln, err := net.Listen("tcp", s.cfg.ListenAddr)
	if err != nil {
		srv.Stop()
		return nil, nil, fmt.Errorf("listen on %s: %w", s.cfg.ListenAddr, err)
	}
	return srv, ln, nil
}

func (s *Server) newRPCServer() (*gethrpc.Server, error) {
	srv := gethrpc.NewServer()
	srv.SetBatchLimits(s.cfg.BatchItemLimit, s.cfg.BatchResponseMaxBytes)
	srv.SetHTTPBodyLimit(s.cfg.MaxRequestBytes)
	srv.SetWebsocketReadLimit(int64(s.cfg.MaxRequestBytes))
	svc := &service{
		b:      s.b,
		cfg:    s.cfg,
		log:    s.log,
		heads:  s.heads,
		events: s.events,
		spawn:  s.spawn,
	}
	if err := srv.RegisterName(Namespace, svc); err != nil {
		return nil, fmt.Errorf("register %s service: %w", Namespace, err)
	}
	return srv, nil
}

// spawn runs a subscription's forwarding loop; Stop waits for it.
func (s *Server) spawn(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return // the connection is about to close; nothing to forward
	}
	s.subs.Add(1)
	go func() { defer s.subs.Done(); fn() }()
}

func (s *Server) serve(hs *http.Server, ln net.Listener) {
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.log.Error("rpc server stopped serving", zap.Error(err))
	}
}

// stopOnDone shuts the server down when ctx ends. It is not in the
// WaitGroup: Stop may run on it, and it exits once shutdown starts.
func (s *Server) stopOnDone(ctx context.Context) {
	select {
	case <-ctx.Done():
		s.stopOnce.Do(s.shutdown)
	case <-s.quit:
	}
}

// errStopping ends every subscription when the server shuts down.
var errStopping = Errorf(CodeUnavailable, "server stopping")

func (s *Server) shutdown() {
	close(s.quit)
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	s.heads.close(errStopping)
	s.events.close(errStopping)
	s.mu.Lock()
	hs, srv := s.http, s.rpc
	s.stopping = true
	s.mu.Unlock()
	if hs != nil {
		if err := hs.Shutdown(ctx); err != nil {
			s.stopErr = fmt.Errorf("stop rpc server: %w", err)
		}
	}
	waitUntil(ctx, &s.subs) // let forwarders tell their clients why the stream ends
	if srv != nil {
		srv.Stop() // closes WebSocket connections, which Shutdown leaves alone
	}
}

// waitUntil waits for wg or for ctx to end, whichever comes first. The
// helper goroutine it may leave behind exits when wg does.
func waitUntil(ctx context.Context, wg *sync.WaitGroup) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// handler routes "/" to JSON-RPC (POST, or a WebSocket upgrade) and serves
// GET /health.
func (s *Server) handler(srv *gethrpc.Server) http.Handler {
	ws := srv.WebsocketHandler(s.cfg.AllowedOrigins)
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+healthPath, s.health)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path != "/":
			http.NotFound(w, r)
		case isWebsocket(r):
			ws.ServeHTTP(w, r)
		case r.Method == http.MethodPost:
			srv.ServeHTTP(w, r)
		default:
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "JSON-RPC takes POST or a WebSocket upgrade", http.StatusMethodNotAllowed)
		}
	})
	return mux
}

// health reports liveness and the latest committed height.
func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(struct {
		Status       string `json:"status"`
		LatestHeight uint64 `json:"latest_height"`
	}{"ok", s.b.LatestHeight()})
}

func isWebsocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket") &&
		strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade")
}
