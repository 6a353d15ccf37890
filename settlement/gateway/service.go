package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	goredis "github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/causeway/causeway/internal/admin"
	"github.com/causeway/causeway/settlement"
	"github.com/causeway/causeway/settlement/gateway/feed"
	"github.com/causeway/causeway/settlement/gateway/ratelimit"
	"github.com/causeway/causeway/settlement/gateway/tracker"
)

// HTTP server limits of the API listener.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	// writeTimeout covers a submission (bounded by the lease) with room;
	// the feed's hijacked connections are not subject to it.
	writeTimeout   = 60 * time.Second
	idleTimeout    = 120 * time.Second
	maxHeaderBytes = 32 << 10
	// ShutdownTimeout bounds draining in-flight requests when Run ends.
	ShutdownTimeout = 10 * time.Second
)

// Readiness checks on /readyz.
const (
	readyStore  = "gateway_store"
	readyChains = "gateway_chains"
)

// Options are Open's collaborators that a caller may supply instead of
// having them built from the config.
type Options struct {
	// Store, when set, is used instead of opening cfg.Store (causeway devnet
	// shares the relay's); Close leaves it open.
	Store settlement.Store
	// Nodes, when set for a chain id, are that chain's nodes instead of
	// dialling its configured endpoints (tests use fakes); Close leaves
	// them alone.
	Nodes map[string][]Node
	// Registry receives the gateway's and the feed's metrics and is served
	// on the admin listener; nil makes a fresh one.
	Registry *prometheus.Registry
	Logger   *zap.Logger
}

// Service is a gateway process wired from a Config: chains, signer keys,
// store, rate limiter, feed, the API server and the admin server. Open
// builds it, Listen binds it, Run serves it, Close releases it.
type Service struct {
	cfg      *Config
	log      *zap.Logger
	store    settlement.Store
	ownStore bool
	rdb      *goredis.Client
	eps      []*endpoint
	chains   *chainSet
	srv      *server
	hub      *feed.Hub
	handler  http.Handler
	registry *prometheus.Registry
	admin    *admin.Server
	http     *http.Server
	summary  Summary

	mu  sync.Mutex // guards ln and ran
	ln  net.Listener
	ran bool // Run took over the listeners and shuts them down

	closeOnce sync.Once
	closeErr  error
}

// Open checks cfg against the world and wires the service: it validates
// cfg, decrypts every signer key, dials every chain endpoint (one that
// answers must serve the configured chain id and genesis; one that does
// not answer is logged and dialled again later), opens the store
// (migrating when cfg.Migrate) and Redis, and builds the server. Errors
// name the config field at fault. On error nothing stays open.
func Open(ctx context.Context, cfg *Config, opts Options) (*Service, error) {
	return open(ctx, cfg, opts, false)
}

// Check runs Open's checks and closes everything; it is what `causeway
// gateway --check` prints. Unlike Open it refuses a chain with no endpoint
// answering, and it does not migrate a Postgres store (Summary.StorePending
// says a start would).
func Check(ctx context.Context, cfg *Config, opts Options) (*Summary, error) {
	s, err := open(ctx, cfg, opts, true)
	if err != nil {
		return nil, err
	}
	sum := s.summary
	if err := s.Close(); err != nil {
		return nil, err
	}
	for i, c := range sum.Chains {
		if c.EndpointsUp == 0 {
			return nil, fmt.Errorf("chains[%d]: no endpoint of %s answers", i, c.ID)
		}
	}
	return &sum, nil
}

func open(ctx context.Context, cfg *Config, opts Options, checkOnly bool) (svc *Service, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	s := &Service{cfg: cfg, log: log.Named("gateway"), registry: opts.Registry}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	signers, err := loadSigners(cfg, &s.summary)
	if err != nil {
		return nil, err
	}
	if err := s.openChains(ctx, opts.Nodes); err != nil {
		return nil, err
	}
	if err := s.openStore(ctx, opts.Store, checkOnly); err != nil {
		return nil, err
	}
	limiter, err := s.openRedis(ctx)
	if err != nil {
		return nil, err
	}
	if checkOnly {
		return s, nil
	}
	s.wire(signers, limiter)
	s.log.Info("gateway opened", zap.Int("chains", len(cfg.Chains)), zap.String("store", s.summary.Store),
		zap.Bool("redis", s.rdb != nil), zap.Int("signers", len(s.summary.Signers)))
	return s, nil
}

// wire builds the metrics, the feed, the API server and the admin server.
func (s *Service) wire(signers *signerSet, limiter ratelimit.Limiter) {
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
	}
	s.srv = &server{cfg: s.cfg, store: s.store, rows: newRowBatcher(s.store), chains: s.chains, signers: signers, limiter: limiter,
		metrics: NewMetrics(s.registry), log: s.log}
	var src feed.Source
	if s.rdb != nil {
		src = feed.NewRedisSource(s.rdb, redisPrefix(s.cfg.Redis), s.store, s.cfg.Feed, s.log)
	} else {
		src = feed.NewStoreSource(s.store, s.cfg.Feed.PollInterval.Duration())
	}
	s.hub = feed.NewHub(s.cfg.Feed, s.store, src,
		feed.HubOptions{Authenticate: s.srv.authenticateStream, Registry: s.registry}, s.log)
	s.srv.stream = s.hub
	if s.cfg.Tracker {
		s.srv.tracker = tracker.Handler()
	}
	s.handler = s.srv.handler()
	s.http = &http.Server{
		Handler: s.handler, ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
		WriteTimeout: writeTimeout, IdleTimeout: idleTimeout, MaxHeaderBytes: maxHeaderBytes,
		ErrorLog: zap.NewStdLog(s.log.Named("http")),
	}
	if s.cfg.AdminListen != "" {
		s.admin = admin.New(s.cfg.AdminListen, s.registry, s.log)
		s.admin.AddReadiness(readyStore, func(ctx context.Context) error {
			_, err := s.store.LastEventSeq(ctx)
			return err
		})
		s.admin.AddReadiness(readyChains, s.chainsReady)
	}
}

// chainsReady passes while every chain has an endpoint up: a gateway that
// cannot reach a chain cannot take transfers from it.
func (s *Service) chainsReady(ctx context.Context) error {
	var errs []error
	for _, v := range s.chains.views(ctx) {
		if !v.Up {
			errs = append(errs, fmt.Errorf("%s: no endpoint answers", v.ID))
		}
	}
	return errors.Join(errs...)
}

// Listen binds the API listener and the admin listener, so Addr and
// AdminAddr are known before Run; Run calls it when it has not been.
func (s *Service) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		ln, err := net.Listen("tcp", s.cfg.Listen)
		if err != nil {
			return fmt.Errorf("listen %s: %w", s.cfg.Listen, err)
		}
		s.ln = ln
	}
	if s.admin != nil {
		if err := s.admin.Start(); err != nil && !errors.Is(err, admin.ErrStarted) {
			return fmt.Errorf("admin_listen %s: %w", s.cfg.AdminListen, err)
		}
	}
	return nil
}

// Run serves until ctx ends, then stops taking requests, drains those in
// flight (up to ShutdownTimeout), closes the feed's connections with 1001
// and waits for every goroutine it started. Call it once, and Close after.
func (s *Service) Run(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		return err
	}
	s.mu.Lock()
	s.ran = true
	s.mu.Unlock()
	s.log.Info("gateway listening", zap.String("addr", s.Addr()), zap.String("admin", s.AdminAddr()))
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Go(func() {
		if err := s.hub.Run(runCtx); err != nil && runCtx.Err() == nil {
			errs <- fmt.Errorf("feed: %w", err)
			cancel()
		}
	})
	wg.Go(func() { s.chains.refreshLoop(runCtx) })
	wg.Go(func() { s.srv.recoverLoop(runCtx) })
	wg.Go(func() {
		if err := s.http.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("serve %s: %w", s.Addr(), err)
			cancel()
		}
	})
	<-runCtx.Done()
	err := s.shutdown()
	wg.Wait()
	close(errs)
	for e := range errs {
		err = errors.Join(err, e)
	}
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	s.log.Info("gateway stopped")
	return nil
}

// shutdown drains the API and admin servers.
func (s *Service) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	err := s.http.Shutdown(ctx)
	if err != nil {
		s.http.Close()
		err = fmt.Errorf("shut down API server: %w", err)
	}
	if s.admin != nil {
		err = errors.Join(err, s.admin.Shutdown(ctx))
	}
	return err
}

// Close releases the store (unless Options gave it), Redis and the chain
// connections. It is idempotent.
func (s *Service) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		s.mu.Lock()
		if s.ln != nil && !s.ran { // listening, never served
			errs = append(errs, s.ln.Close())
		}
		if s.admin != nil && !s.ran {
			errs = append(errs, s.admin.Shutdown(context.Background()))
		}
		s.mu.Unlock()
		if s.store != nil && s.ownStore {
			errs = append(errs, s.store.Close())
		}
		if s.rdb != nil {
			errs = append(errs, s.rdb.Close())
		}
		for _, e := range s.eps {
			e.close()
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// Addr is the API listener's bound address, "" before Listen.
func (s *Service) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// AdminAddr is the admin listener's bound address, "" before Listen or
// when admin_listen is "".
func (s *Service) AdminAddr() string {
	if s.admin == nil {
		return ""
	}
	return s.admin.Addr()
}

// Handler is the whole API, feed and tracker mux with every request layer
// (tests serve it with httptest). The feed answers 503 until Run runs.
func (s *Service) Handler() http.Handler { return s.handler }

// Store is the settlement store the gateway uses.
func (s *Service) Store() settlement.Store { return s.store }

// Registry is the registry the gateway's metrics are on.
func (s *Service) Registry() *prometheus.Registry { return s.registry }

// Summary is what Open found.
func (s *Service) Summary() Summary { return s.summary }
