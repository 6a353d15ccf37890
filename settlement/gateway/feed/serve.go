package feed

import (
	"encoding/json"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/causeway/causeway/settlement/gateway/api"
)

// ServeHTTP upgrades a request to a feed connection. It refuses, with a
// problem+json, a request Authenticate refuses, and with 503 while the
// hub is not running or is at MaxConnections. The connection's goroutines
// belong to the hub: Run waits for them.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.waitStarted(r) {
		writeProblem(w, api.NewProblem(api.CodeFeedUnavailable, "the feed is starting"))
		return
	}
	var clientID string
	if h.opts.Authenticate != nil {
		var p *api.Problem
		if clientID, p = h.opts.Authenticate(r); p != nil {
			writeProblem(w, p)
			return
		}
	}
	if p := h.reserve(); p != nil {
		writeProblem(w, p)
		return
	}
	bw := &batchingWriter{ResponseWriter: w, timeout: h.cfg.WriteTimeout.Duration()}
	ws, err := h.upgrader.Upgrade(bw, r, nil)
	if err != nil {
		// The upgrader has answered the request.
		h.unreserve()
		h.log.Debug("feed upgrade", zap.String("remote", r.RemoteAddr), zap.Error(err))
		return
	}
	c := newConn(h, ws, bw.conn, clientID, r.RemoteAddr)
	h.admit(c)
	go c.serve()
}

func (h *Hub) waitStarted(r *http.Request) bool {
	t := time.NewTimer(startWait)
	defer t.Stop()
	select {
	case <-h.started:
		return true
	case <-t.C:
	case <-r.Context().Done():
	}
	return false
}

// reserve counts an upgrade against MaxConnections and against Run's
// wait, or says why it may not happen.
func (h *Hub) reserve() *api.Problem {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.stopping:
		return api.NewProblem(api.CodeFeedUnavailable, "the gateway is shutting down")
	case len(h.conns)+h.reserved >= h.cfg.MaxConnections:
		return api.NewProblem(api.CodeFeedUnavailable, "the feed is at its connection limit")
	}
	h.reserved++
	h.wg.Add(1)
	return nil
}

func (h *Hub) unreserve() {
	h.mu.Lock()
	h.reserved--
	h.mu.Unlock()
	h.wg.Done()
}

// admit turns a reservation into a connection.
func (h *Hub) admit(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reserved--
	h.conns[c] = struct{}{}
	h.metrics.connections.Inc()
	if h.stopping {
		c.queue.close(api.CloseGoingAway, reasonShutdown)
	}
}

// release forgets a connection whose reader and writer have ended.
func (h *Hub) release(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.detachLocked(c)
	delete(h.conns, c)
	h.metrics.connections.Dec()
}

func writeProblem(w http.ResponseWriter, p *api.Problem) {
	w.Header().Set("Content-Type", api.ContentTypeProblem)
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
