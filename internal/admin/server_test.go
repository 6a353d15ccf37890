package admin_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"syscall"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/causeway/causeway/internal/admin"
)

// start runs a server on a free loopback port until the test ends.
func start(t *testing.T, reg *prometheus.Registry, setup func(*admin.Server)) *admin.Server {
	t.Helper()
	s := admin.New("127.0.0.1:0", reg, zaptest.NewLogger(t))
	if setup != nil {
		setup(s)
	}
	require.NoError(t, s.Start())
	t.Cleanup(func() { require.NoError(t, s.Shutdown(context.Background())) })
	return s
}

// get fetches path from s and returns the status and body.
func get(t *testing.T, s *admin.Server, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+s.Addr()+path, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func pass(context.Context) error { return nil }

func TestLivez(t *testing.T) {
	t.Parallel()
	s := start(t, nil, func(s *admin.Server) {
		s.AddReadiness("down", func(context.Context) error { return errors.New("down") })
	})
	code, body := get(t, s, "/livez")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "ok", body)
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		checks   map[string]admin.Check
		path     string
		wantCode int
		wantBody string
	}{
		{
			name:     "no checks",
			path:     "/readyz",
			wantCode: http.StatusOK,
			wantBody: "ok",
		},
		{
			name:     "all pass",
			checks:   map[string]admin.Check{"store": pass, "chain": pass},
			path:     "/readyz",
			wantCode: http.StatusOK,
			wantBody: "ok",
		},
		{
			name: "one fails",
			checks: map[string]admin.Check{
				"store": pass,
				"chain": func(context.Context) error { return errors.New("no head for 30s\nsince 12:00") },
			},
			path:     "/readyz",
			wantCode: http.StatusServiceUnavailable,
			wantBody: "chain: no head for 30s since 12:00\n",
		},
		{
			name:     "verbose passing",
			checks:   map[string]admin.Check{"store": pass},
			path:     "/readyz?verbose",
			wantCode: http.StatusOK,
			wantBody: "store: ok\nok",
		},
		{
			name: "verbose failing",
			checks: map[string]admin.Check{
				"store": pass,
				"chain": func(context.Context) error { return errors.New("behind") },
			},
			path:     "/readyz?verbose",
			wantCode: http.StatusServiceUnavailable,
			wantBody: "store: ok\nchain: failed: behind\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, nil, func(s *admin.Server) {
				// Registration order fixes the output order; add "store" first.
				for _, name := range []string{"store", "chain"} {
					if c, ok := tt.checks[name]; ok {
						s.AddReadiness(name, c)
					}
				}
			})
			code, body := get(t, s, tt.path)
			require.Equal(t, tt.wantCode, code)
			require.Equal(t, tt.wantBody, body)
		})
	}
}

func TestReadyzTimesOutBlockedCheck(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	s := start(t, nil, func(s *admin.Server) {
		// Ignores its context: the handler must answer without it.
		s.AddReadiness("stuck", func(context.Context) error { <-release; return nil })
		s.AddReadiness("store", pass)
	})
	code, body := get(t, s, "/readyz?verbose")
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Contains(t, body, "stuck: failed: no answer within "+admin.CheckTimeout.String()+": context deadline exceeded\n")
	require.Contains(t, body, "store: ok\n")
}

func TestReadinessAddedAfterStart(t *testing.T) {
	t.Parallel()
	s := start(t, nil, nil)
	s.AddReadiness("late", func(context.Context) error { return errors.New("not yet") })
	code, body := get(t, s, "/readyz")
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, "late: not yet\n", body)

	s.AddReadiness("late", pass) // same name replaces
	code, body = get(t, s, "/readyz")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "ok", body)
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	relayed := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "causeway_test_relayed_total",
		Help: "Packets relayed in this test.",
	})
	reg.MustRegister(relayed)
	relayed.Add(3)
	s := start(t, reg, nil)
	// A second server on the same registry finds the runtime collectors there.
	start(t, reg, nil)

	code, body := get(t, s, "/metrics")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "causeway_test_relayed_total 3\n")
	require.Contains(t, body, "go_goroutines ")
	require.Contains(t, body, "process_start_time_seconds ")
}

func TestStartOnBusyPort(t *testing.T) {
	t.Parallel()
	first := start(t, nil, nil)
	second := admin.New(first.Addr(), nil, zaptest.NewLogger(t))
	err := second.Start()
	require.ErrorIs(t, err, syscall.EADDRINUSE)
	require.ErrorContains(t, err, first.Addr())
	require.Empty(t, second.Addr())
	require.NoError(t, second.Shutdown(context.Background()))
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	s := admin.New("127.0.0.1:0", nil, zaptest.NewLogger(t))
	require.NoError(t, s.Start())
	require.ErrorIs(t, s.Start(), admin.ErrStarted)
	require.NoError(t, s.Shutdown(t.Context()))
	require.NoError(t, s.Shutdown(t.Context()))
	require.ErrorIs(t, s.Start(), admin.ErrStopped)

	resp, err := http.Get("http://" + s.Addr() + "/livez")
	if err == nil {
		resp.Body.Close()
	}
	require.Error(t, err, "listener still open after Shutdown")
}
