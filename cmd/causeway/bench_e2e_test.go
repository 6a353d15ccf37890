package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/relay/relaytest"
)

// `causeway bench e2e --json` runs the whole topology in-process on the
// embedded store, prints a complete result whose check passed and writes
// the profile it was asked for.
func TestBenchE2EJSON(t *testing.T) {
	t.Parallel()
	profile := filepath.Join(t.TempDir(), "cpu.pprof")
	r := causeway(t, "bench", "e2e", "--transfers", "40", "--light", "2", "--senders", "2", "--json",
		"--cpuprofile", profile)
	requireOK(t, r)
	var res relaytest.E2EResult
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res), r.stdout)
	require.True(t, res.CheckOK, res.CheckError)
	require.Equal(t, 40, res.Transfers)
	require.Equal(t, 2, res.LightSamples)
	require.Equal(t, "sqlite", res.Store)
	require.Equal(t, "memory", res.Queue)
	require.Equal(t, "tcp", res.Transport)
	require.Equal(t, 1, res.Processes)
	require.Equal(t, relaytest.MemoryProcessRSS, res.MemoryMeasure)
	require.Positive(t, res.PeakRSSBytes)
	require.Positive(t, res.TransfersPerSec)
	require.Positive(t, res.EndToEnd.P50)
	require.Positive(t, res.LightLatency.P50)
	require.Contains(t, r.stderr, "bench: light load:", "progress goes to stderr")
	fi, err := os.Stat(profile)
	require.NoError(t, err)
	require.Positive(t, fi.Size(), "the throughput phase was profiled")
}

// A store URL that is not Postgres is refused before anything starts.
func TestBenchE2ERefusesNonPostgresStore(t *testing.T) {
	t.Parallel()
	r := causeway(t, "bench", "e2e", "--postgres", "sqlite:/tmp/x.db")
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "want postgres://")
}
