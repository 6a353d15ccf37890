//go:build integration

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/causeway/causeway/relay/relaytest"
	"github.com/causeway/causeway/settlement"
)

// reportDirEnv names the directory TestFaults writes its reliability
// report to (reliability.json and reliability.md); unset, it only logs a
// summary. `make reliability-report` sets it.
const reportDirEnv = "CAUSEWAY_RELIABILITY_DIR"

// reliabilityReport is what TestFaults ran and found.
type reliabilityReport struct {
	Seed      int64             `json:"seed"`
	Started   time.Time         `json:"started"`
	Scenarios []*scenarioReport `json:"scenarios"`
}

// scenarioReport is one scenario: what it did to the system, what it
// checked, and how the load fared.
type scenarioReport struct {
	Name          string   `json:"name"`
	Passed        bool     `json:"passed"`
	Perturbations []string `json:"perturbations"`
	Checks        []string `json:"checks_passed"`
	BlocksScanned int      `json:"blocks_scanned_for_evidence"`
	Sent          int      `json:"transfers_sent"`
	Finished      int      `json:"transfers_finished"`
	Refunded      int      `json:"transfers_refunded"`
	// GatewayAccepted is how many of Sent came through the gateway.
	GatewayAccepted int `json:"gateway_intents_accepted"`
	// Throughput is finished transfers per second from the first send to
	// the last finish; LatencyP50/P99Ms are broadcast → finished in the store.
	Throughput   float64 `json:"settled_per_second"`
	LatencyP50Ms int64   `json:"latency_p50_ms"`
	LatencyP99Ms int64   `json:"latency_p99_ms"`
	// ProposerRecoveryMs is, per chain, the longest gap between block
	// times in the heights after the next proposer was killed
	// (kill_proposer only).
	ProposerRecoveryMs []int64 `json:"proposer_recovery_ms,omitempty"`
	Seconds            float64 `json:"seconds"`

	start time.Time
	store settlement.Store
}

func newReliabilityReport(seed int64) *reliabilityReport {
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	return &reliabilityReport{Seed: seed, Started: time.Now().UTC()}
}

func (r *reliabilityReport) start(name string) *scenarioReport {
	sc := &scenarioReport{Name: name, Perturbations: []string{}, Checks: []string{}, start: time.Now()}
	r.Scenarios = append(r.Scenarios, sc)
	return sc
}

// check records invariant checks that passed.
func (sc *scenarioReport) check(names ...string) { sc.Checks = append(sc.Checks, names...) }

// settled records the load's outcome, reading each transfer's finish time
// from the rows Check read.
func (sc *scenarioReport) settled(sent []relaytest.Sent, rep *relaytest.Report) {
	sc.Sent, sc.Finished, sc.Refunded = len(sent), rep.Finished, rep.Refunded
	sc.Seconds = time.Since(sc.start).Seconds()
	if len(rep.Latencies) == 0 {
		return
	}
	lat := slices.Clone(rep.Latencies)
	slices.Sort(lat)
	pick := func(q float64) int64 { return lat[min(len(lat)-1, int(q*float64(len(lat))))].Milliseconds() }
	sc.LatencyP50Ms, sc.LatencyP99Ms = pick(0.50), pick(0.99)
	first := slices.MinFunc(sent, func(a, b relaytest.Sent) int { return a.SentAt.Compare(b.SentAt) }).SentAt
	if span := rep.LastFinished.Sub(first).Seconds(); span > 0 {
		sc.Throughput = float64(rep.Finished) / span
	}
}

// write logs the summary and, when reportDirEnv is set, writes the report.
func (r *reliabilityReport) write(t *testing.T) {
	md := r.markdown()
	t.Log("\n" + md)
	dir := os.Getenv(reportDirEnv)
	if dir == "" {
		return
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	b, err := json.MarshalIndent(r, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "reliability.json"), append(b, '\n'), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "reliability.md"), []byte(md), 0o644))
}

func (r *reliabilityReport) markdown() string {
	var b strings.Builder
	var perturb, checks, sent, finished, passed int
	for _, sc := range r.Scenarios {
		perturb += len(sc.Perturbations)
		checks += len(sc.Checks)
		sent += sc.Sent
		finished += sc.Finished
		if sc.Passed {
			passed++
		}
	}
	fmt.Fprintf(&b, "# Reliability report\n\n%s, seed %d (replay: `make faults SEED=%d`)\n\n", r.Started.Format(time.RFC3339), r.Seed, r.Seed)
	fmt.Fprintf(&b, "%d of %d scenarios passed; %d perturbations applied; %d transfers sent, %d finished; %d invariant checks passed.\n\n",
		passed, len(r.Scenarios), perturb, sent, finished, checks)
	b.WriteString("| scenario | result | perturbations | transfers (finished/sent) | settled/s | latency p50 / p99 | checks passed |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, sc := range r.Scenarios {
		result := "passed"
		if !sc.Passed {
			result = "FAILED"
		}
		extra := ""
		if len(sc.ProposerRecoveryMs) > 0 {
			extra = fmt.Sprintf(" (longest gap between blocks after the kill, per chain: %v ms)", sc.ProposerRecoveryMs)
		}
		fmt.Fprintf(&b, "| %s | %s | %s%s | %d/%d (%d via the gateway) | %.1f | %d / %d ms | %d |\n", sc.Name, result,
			strings.Join(sc.Perturbations, "; "), extra, sc.Finished, sc.Sent, sc.GatewayAccepted, sc.Throughput,
			sc.LatencyP50Ms, sc.LatencyP99Ms, len(sc.Checks))
	}
	b.WriteString("\nChecks after every scenario: " + strings.Join(checkNames, ", ") + ".\n")
	return b.String()
}

// checkNames are the invariant checks every scenario ends with.
var checkNames = []string{
	"store matches the source chains", "nothing credited twice", "conservation on both routes (proofs)",
	"every transfer finished", "no transfer the load did not send", "the relay's own reconciliation",
	"no relay error logged", "no validator signed conflicting votes", "one transaction per accepted intent",
}
