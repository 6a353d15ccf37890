package admin

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// okBody is the whole body of a passing /livez or /readyz.
const okBody = "ok"

// checkResult is the outcome of one readiness check in one request.
type checkResult struct {
	name string
	err  error
}

// livez answers while the process serves HTTP at all; it runs no checks, so
// a slow dependency never gets the process restarted.
func livez(w http.ResponseWriter, _ *http.Request) {
	writeText(w, http.StatusOK, okBody)
}

// readyz runs every check and answers 200 "ok" when all pass, otherwise 503
// with a "name: error" line per failing check. With ?verbose every check gets
// a line, "name: ok" or "name: failed: error".
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	results := runChecks(r.Context(), s.snapshot())
	verbose := r.URL.Query().Has("verbose")
	var body strings.Builder
	ready := true
	for _, res := range results {
		switch {
		case res.err != nil && verbose:
			fmt.Fprintf(&body, "%s: failed: %s\n", res.name, oneLine(res.err))
		case res.err != nil:
			fmt.Fprintf(&body, "%s: %s\n", res.name, oneLine(res.err))
		case verbose:
			fmt.Fprintf(&body, "%s: ok\n", res.name)
		}
		ready = ready && res.err == nil
	}
	if !ready {
		writeText(w, http.StatusServiceUnavailable, body.String())
		return
	}
	body.WriteString(okBody)
	writeText(w, http.StatusOK, body.String())
}

// runChecks runs the checks concurrently, each under CheckTimeout, and
// returns their results in registration order. It returns by the deadline
// even if a check ignores its context: that check is reported as timed out
// and left to finish on its own.
func runChecks(ctx context.Context, checks []namedCheck) []checkResult {
	ctx, cancel := context.WithTimeout(ctx, CheckTimeout)
	defer cancel()
	answers := make([]chan error, len(checks))
	for i, c := range checks {
		answers[i] = make(chan error, 1) // buffered: an abandoned check can still send and exit
		go func() { answers[i] <- c.check(ctx) }()
	}
	results := make([]checkResult, len(checks))
	for i, c := range checks {
		results[i].name = c.name
		results[i].err = await(ctx, answers[i])
	}
	return results
}

// await is a check's answer, or a timeout error once ctx is done. An answer
// already waiting wins over the deadline, so a check that passed in time is
// not blamed for an earlier one that blocked.
func await(ctx context.Context, answer <-chan error) error {
	select {
	case err := <-answer:
		return err
	case <-ctx.Done():
	}
	select {
	case err := <-answer:
		return err
	default:
		return fmt.Errorf("no answer within %s: %w", CheckTimeout, ctx.Err())
	}
}

// oneLine keeps a multi-line error on its check's line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func writeText(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}
