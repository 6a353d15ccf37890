//go:build integration

package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/relay/relaytest"
	"github.com/causeway/causeway/settlement/queue/redis/redistest"
	"github.com/causeway/causeway/settlement/store/postgres/pgtest"
)

// `causeway bench e2e --processes` runs the topology as ten processes of
// the binary on the test's Postgres and Redis, sends intents through the
// gateway beside the load, and reports every process's usage; the check
// covers the gateway's transfers too.
func TestBenchE2EProcesses(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	cmd := exec.Command(bin, "bench", "e2e", "--processes", "--postgres", pgtest.SchemaURL(t), "--redis", redistest.URL(t),
		"--transfers", "60", "--light", "2", "--senders", "2", "--gateway-rate", "20", "--json")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "stderr:\n%s", stderr.String())
	var res relaytest.E2EResult
	require.NoError(t, json.Unmarshal(out, &res), string(out))
	require.True(t, res.CheckOK, res.CheckError)
	require.Equal(t, 10, res.Processes)
	require.Equal(t, 60, res.Transfers)
	require.Positive(t, res.GatewayIntents, "intents went through the gateway")
	require.Positive(t, res.GatewayLatency.P50)
	require.Equal(t, res.Transfers+res.GatewayIntents+res.Warmup+res.LightSamples, res.Checked,
		"the check covers the gateway's transfers")
	require.Len(t, res.PeakRSSByProcess, 10)
	var sum int64
	for name, rss := range res.PeakRSSByProcess {
		require.Positive(t, rss, name)
		sum += rss
	}
	require.Equal(t, relaytest.MemorySummedPSS, res.MemoryMeasure)
	require.Positive(t, res.PeakRSSBytes)
	require.Less(t, res.PeakRSSBytes, sum, "the summed PSS counts the shared binary once")
	require.Contains(t, res.PeakRSSByProcess, "relay")
	require.Contains(t, res.PeakRSSByProcess, "gateway")
	require.Positive(t, res.CPUSeconds)
	require.Contains(t, stderr.String(), "bench: starting 8 `causeway node` processes")
}

// --processes without servers to share is refused before anything starts.
func TestBenchE2EProcessesNeedsServers(t *testing.T) {
	t.Parallel()
	r := causeway(t, "bench", "e2e", "--processes")
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "--processes needs --postgres and --redis")
	r = causeway(t, "bench", "e2e", "--gateway-rate", "5")
	require.Equal(t, exitError, r.code)
	require.Contains(t, r.stderr, "--gateway-rate needs --processes")
}
