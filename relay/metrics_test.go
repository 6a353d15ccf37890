package relay

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

func TestMetricsRecord(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)

	m.SetQueueDepth("deliver", 3, 2, 1)
	m.SetQueueDepth("deliver", 4, 2, 0) // gauges follow the latest report
	m.Transition("delivered")
	m.Transition("delivered")
	m.Submission("chain-b", "recv", "included")
	m.Failure("delivery", "proof_rejected")
	m.Misbehaviour("chain-a")
	m.Swept("confirm", 5)
	m.Swept("confirm", -1)
	m.Untracked("chain-b")
	m.Untracked("chain-b")

	require.Equal(t, 4.0, testutil.ToFloat64(m.queueDepth.WithLabelValues("deliver", "ready")))
	require.Equal(t, 2.0, testutil.ToFloat64(m.queueDepth.WithLabelValues("deliver", "pending")))
	require.Equal(t, 0.0, testutil.ToFloat64(m.queueDepth.WithLabelValues("deliver", "delayed")))
	require.Equal(t, 2.0, testutil.ToFloat64(m.transitions.WithLabelValues("delivered")))
	require.Equal(t, 1.0, testutil.ToFloat64(m.submissions.WithLabelValues("chain-b", "recv", "included")))
	require.Equal(t, 1.0, testutil.ToFloat64(m.failures.WithLabelValues("delivery", "proof_rejected")))
	require.Equal(t, 1.0, testutil.ToFloat64(m.misbehaviour.WithLabelValues("chain-a")))
	require.Equal(t, 5.0, testutil.ToFloat64(m.swept.WithLabelValues("confirm")))
	require.Equal(t, 2.0, testutil.ToFloat64(m.untracked.WithLabelValues("chain-b")))
}

func TestMetricsCursor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		cursor, latest uint64
		wantLag        float64
	}{
		{name: "behind", cursor: 90, latest: 100, wantLag: 10},
		{name: "caught up", cursor: 100, latest: 100, wantLag: 0},
		{name: "cursor ahead", cursor: 101, latest: 100, wantLag: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := NewMetrics(prometheus.NewRegistry())
			m.SetCursor("chain-a", tt.cursor, tt.latest)
			require.Equal(t, float64(tt.cursor), testutil.ToFloat64(m.cursorHeight.WithLabelValues("chain-a")))
			require.Equal(t, float64(tt.latest), testutil.ToFloat64(m.chainHeight.WithLabelValues("chain-a")))
			require.Equal(t, tt.wantLag, testutil.ToFloat64(m.cursorLag.WithLabelValues("chain-a")))
		})
	}
}

func TestMetricsReconciliation(t *testing.T) {
	t.Parallel()
	m := NewMetrics(prometheus.NewRegistry())

	m.Reconciliation("chain-a", "chain-b", "uatom", true)
	require.Equal(t, 1.0, testutil.ToFloat64(m.reconciliationOK.WithLabelValues("chain-a", "chain-b", "uatom")))
	require.Equal(t, 0, testutil.CollectAndCount(m.reconciliationBreaks))

	m.Reconciliation("chain-a", "chain-b", "uatom", false)
	m.Reconciliation("chain-b", "chain-a", "uatom", true)
	require.Equal(t, 0.0, testutil.ToFloat64(m.reconciliationOK.WithLabelValues("chain-a", "chain-b", "uatom")))
	require.Equal(t, 1.0, testutil.ToFloat64(m.reconciliationBreaks.WithLabelValues("chain-a", "chain-b", "uatom")))
	require.Equal(t, 3.0, testutil.ToFloat64(m.reconciliationRuns))

	m.Reconciliation("chain-a", "chain-b", "uatom", true) // balanced again: gauge recovers, breaks stay counted
	require.Equal(t, 1.0, testutil.ToFloat64(m.reconciliationOK.WithLabelValues("chain-a", "chain-b", "uatom")))
	require.Equal(t, 1.0, testutil.ToFloat64(m.reconciliationBreaks.WithLabelValues("chain-a", "chain-b", "uatom")))
}

func TestMetricsStageHistogram(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	m.ObserveStage("delivery", 3*time.Millisecond)
	m.ObserveStage("delivery", 2*time.Second)
	m.ObserveStage("delivery", 5*time.Minute)

	families, err := reg.Gather()
	require.NoError(t, err)
	var found bool
	for _, f := range families {
		if f.GetName() != "causeway_relay_stage_seconds" {
			continue
		}
		found = true
		require.Len(t, f.GetMetric(), 1)
		h := f.GetMetric()[0].GetHistogram()
		require.Equal(t, uint64(3), h.GetSampleCount())
		require.InDelta(t, 302.003, h.GetSampleSum(), 1e-9)
		buckets := h.GetBucket()
		require.Equal(t, 0.005, buckets[0].GetUpperBound())
		require.Equal(t, uint64(1), buckets[0].GetCumulativeCount()) // 3 ms
		last := buckets[len(buckets)-1]
		require.Equal(t, 120.0, last.GetUpperBound())
		require.Equal(t, uint64(2), last.GetCumulativeCount()) // 5 min only in +Inf
	}
	require.True(t, found, "causeway_relay_stage_seconds not gathered")
}

func TestMetricsNamesLint(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	// Give every vector a series so each family is gathered and linted.
	m.SetQueueDepth("deliver", 1, 1, 1)
	m.ObserveStage("source", time.Second)
	m.Transition("delivered")
	m.Submission("chain-a", "ack", "failed")
	m.Failure("confirm", "timeout")
	m.SetCursor("chain-a", 1, 2)
	m.Reconciliation("chain-a", "chain-b", "uatom", false)
	m.Misbehaviour("chain-a")
	m.Swept("delivery", 1)
	m.Untracked("chain-a")

	families, err := reg.Gather()
	require.NoError(t, err)
	require.Len(t, families, 14)
	for _, f := range families {
		require.True(t, strings.HasPrefix(f.GetName(), metricsNamespace+"_"), f.GetName())
	}
	problems, err := testutil.GatherAndLint(reg)
	require.NoError(t, err)
	require.Empty(t, problems)
}

func TestMetricsRegisterTwicePanics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	NewMetrics(reg)
	require.Panics(t, func() { NewMetrics(reg) })
}

func TestMetricsNilIsNoop(t *testing.T) {
	t.Parallel()
	var m *Metrics
	require.NotPanics(t, func() {
		m.SetQueueDepth("deliver", 1, 2, 3)
		m.ObserveStage("end_to_end", time.Second)
		m.Transition("delivered")
		m.Submission("chain-a", "recv", "error")
		m.Failure("source", "rpc")
		m.SetCursor("chain-a", 1, 2)
		m.Reconciliation("chain-a", "chain-b", "uatom", false)
		m.Misbehaviour("chain-a")
		m.Swept("delivery", 3)
		m.Untracked("chain-a")
	})
}
