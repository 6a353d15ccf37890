package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// result is what one in-process run of the CLI produced.
type result struct {
	code           int
	stdout, stderr string
}

// causeway runs the CLI in-process with an empty, non-terminal stdin.
func causeway(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(t.Context(), args, strings.NewReader(""), &out, &errb)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

func requireOK(t *testing.T, r result) {
	t.Helper()
	require.Equal(t, exitOK, r.code, "stderr: %s", r.stderr)
}

func TestVersion(t *testing.T) {
	t.Parallel()
	r := causeway(t, "version")
	requireOK(t, r)
	require.True(t, strings.HasPrefix(r.stdout, "causeway "+version+" (go"), r.stdout)
}

func TestUnknownCommandFails(t *testing.T) {
	t.Parallel()
	r := causeway(t, "frobnicate")
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, `unknown command "frobnicate"`)
}

func TestWatchSignals(t *testing.T) {
	t.Parallel()
	sigs := make(chan os.Signal, 2)
	exited := make(chan int, 1)
	var stderr bytes.Buffer
	ctx, stop := watchSignals(context.Background(), sigs, &stderr, func(code int) { exited <- code })

	require.NoError(t, ctx.Err())
	sigs <- syscall.SIGINT
	<-ctx.Done()
	require.ErrorIs(t, ctx.Err(), context.Canceled)
	require.Empty(t, exited, "the first signal only cancels")

	sigs <- syscall.SIGINT
	require.Equal(t, exitInterrupted, <-exited)
	stop()
	require.Contains(t, stderr.String(), "shutting down")
}

func TestWatchSignalsStopWithoutSignal(t *testing.T) {
	t.Parallel()
	ctx, stop := watchSignals(context.Background(), make(chan os.Signal), &bytes.Buffer{}, func(int) {
		t.Error("exit called")
	})
	stop()
	stop() // idempotent
	require.ErrorIs(t, ctx.Err(), context.Canceled)
}
