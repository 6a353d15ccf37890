package relay

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metricsNamespace prefixes every relay metric: causeway_relay_<name>.
const metricsNamespace = "causeway_relay"

// Queue states reported by SetQueueDepth, the values of the "state" label.
const (
	queueReady   = "ready"
	queuePending = "pending"
	queueDelayed = "delayed"
)

// stageBuckets spans a fast local hop (5 ms) to a delivery that waited out
// several blocks and a light-client update (120 s), in seconds.
var stageBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}

// Metrics are the relay engine's Prometheus collectors. A nil *Metrics is
// the no-op variant: every method on it does nothing, so code paths that run
// without a registry (tests, tools) pass nil.
//
// Labels name chains, streams, stages and outcomes only; they never carry
// transfer ids, addresses or error strings.
type Metrics struct {
	queueDepth           *prometheus.GaugeVec
	stageSeconds         *prometheus.HistogramVec
	transitions          *prometheus.CounterVec
	submissions          *prometheus.CounterVec
	failures             *prometheus.CounterVec
	cursorHeight         *prometheus.GaugeVec
	chainHeight          *prometheus.GaugeVec
	cursorLag            *prometheus.GaugeVec
	reconciliationOK     *prometheus.GaugeVec
	reconciliationBreaks *prometheus.CounterVec
	reconciliationRuns   prometheus.Counter
	misbehaviour         *prometheus.CounterVec
	swept                *prometheus.CounterVec
	untracked            *prometheus.CounterVec
	storeAudit           *prometheus.GaugeVec
}

// NewMetrics builds the relay collectors and registers them with reg. It
// panics if any is already registered there: one relay engine per registry.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		queueDepth: gaugeVec("queue_depth",
			"Transfers in a work stream, by state (ready, pending, delayed).", "stream", "state"),
		stageSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: metricsNamespace,
			Name:      "stage_seconds",
			Help:      "Time a transfer spent in a stage: source, delivery, confirm, or end_to_end.",
			Buckets:   stageBuckets,
		}, []string{"stage"}),
		transitions: counterVec("transitions_total",
			"Transfer state transitions, by the state entered.", "to"),
		submissions: counterVec("submissions_total",
			"Transactions submitted, by chain, kind (recv, ack, update_client, misbehaviour) and result (included, failed, error).",
			"chain", "kind", "result"),
		failures: counterVec("failures_total",
			"Relay failures, by stage and a fixed reason.", "stage", "reason"),
		cursorHeight: gaugeVec("cursor_height",
			"Height up to which the relay has processed a chain's blocks.", "chain"),
		chainHeight: gaugeVec("chain_height",
			"Latest height the relay has seen on a chain.", "chain"),
		cursorLag: gaugeVec("cursor_lag_blocks",
			"Blocks the relay's cursor trails a chain's latest height.", "chain"),
		reconciliationOK: gaugeVec("reconciliation_ok",
			"1 if the last reconciliation of escrow against vouchers for a route and denom balanced, else 0.",
			"src", "dst", "denom"),
		reconciliationBreaks: counterVec("reconciliation_breaks_total",
			"Reconciliations of a route and denom that did not balance.", "src", "dst", "denom"),
		reconciliationRuns: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: metricsNamespace,
			Name:      "reconciliation_runs_total",
			Help:      "Reconciliation results reported, one per route and denom checked.",
		}),
		misbehaviour: counterVec("misbehaviour_total",
			"Light-client misbehaviour detected, by the chain whose headers conflicted.", "chain"),
		swept: counterVec("swept_total",
			"Transfers a sweep picked up again, by the stage they were stuck in.", "stage"),
		untracked: counterVec("untracked_total",
			"Chain events about transfers the store never saw, by chain.", "chain"),
		storeAudit: gaugeVec("store_audit_transfers",
			"Ended transfers the last store audit compared with their source chain, by result (agree, disagree).",
			"result"),
	}
	reg.MustRegister(
		m.queueDepth, m.stageSeconds, m.transitions, m.submissions, m.failures,
		m.cursorHeight, m.chainHeight, m.cursorLag,
		m.reconciliationOK, m.reconciliationBreaks, m.reconciliationRuns,
		m.misbehaviour, m.swept, m.untracked, m.storeAudit,
	)
	return m
}

// SetQueueDepth records how many transfers of a stream are ready to work,
// pending (in flight) and delayed (waiting out a backoff).
func (m *Metrics) SetQueueDepth(stream string, ready, pending, delayed int64) {
	if m == nil {
		return
	}
	m.queueDepth.WithLabelValues(stream, queueReady).Set(float64(ready))
	m.queueDepth.WithLabelValues(stream, queuePending).Set(float64(pending))
	m.queueDepth.WithLabelValues(stream, queueDelayed).Set(float64(delayed))
}

// ObserveStage records how long a transfer spent in stage ("source",
// "delivery", "confirm" or "end_to_end").
func (m *Metrics) ObserveStage(stage string, d time.Duration) {
	if m == nil {
		return
	}
	m.stageSeconds.WithLabelValues(stage).Observe(d.Seconds())
}

// Transition counts a transfer entering state to.
func (m *Metrics) Transition(to string) {
	if m == nil {
		return
	}
	m.transitions.WithLabelValues(to).Inc()
}

// Submission counts one transaction sent to chain: kind is recv, ack,
// update_client or misbehaviour; result is included, failed (landed but
// rejected) or error (never landed).
func (m *Metrics) Submission(chain, kind, result string) {
	if m == nil {
		return
	}
	m.submissions.WithLabelValues(chain, kind, result).Inc()
}

// Failure counts a failure in stage; reason must come from a fixed set, never
// an error string.
func (m *Metrics) Failure(stage, reason string) {
	if m == nil {
		return
	}
	m.failures.WithLabelValues(stage, reason).Inc()
}

// SetCursor records the relay's cursor on chain and the chain's latest
// height, and the lag between them (0 when the cursor is ahead, as it briefly
// is when the latest height was read before the cursor moved).
func (m *Metrics) SetCursor(chain string, cursor, latest uint64) {
	if m == nil {
		return
	}
	var lag uint64
	if latest > cursor {
		lag = latest - cursor
	}
	m.cursorHeight.WithLabelValues(chain).Set(float64(cursor))
	m.chainHeight.WithLabelValues(chain).Set(float64(latest))
	m.cursorLag.WithLabelValues(chain).Set(float64(lag))
}

// Reconciliation records one reconciliation result for denom on the route
// src→dst: whether escrow and vouchers balanced.
func (m *Metrics) Reconciliation(src, dst, denom string, ok bool) {
	if m == nil {
		return
	}
	m.reconciliationRuns.Inc()
	if ok {
		m.reconciliationOK.WithLabelValues(src, dst, denom).Set(1)
		return
	}
	m.reconciliationOK.WithLabelValues(src, dst, denom).Set(0)
	m.reconciliationBreaks.WithLabelValues(src, dst, denom).Inc()
}

// Misbehaviour counts conflicting headers detected from chain.
func (m *Metrics) Misbehaviour(chain string) {
	if m == nil {
		return
	}
	m.misbehaviour.WithLabelValues(chain).Inc()
}

// Swept counts n transfers a sweep picked up again in stage. A negative n
// is ignored: a counter only goes up.
func (m *Metrics) Swept(stage string, n int) {
	if m == nil || n < 0 {
		return
	}
	m.swept.WithLabelValues(stage).Add(float64(n))
}

// Untracked counts an event on chain about a transfer the store never saw.
func (m *Metrics) Untracked(chain string) {
	if m == nil {
		return
	}
	m.untracked.WithLabelValues(chain).Inc()
}

func gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: metricsNamespace, Name: name, Help: help}, labels)
}

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: metricsNamespace, Name: name, Help: help}, labels)
}

// StoreAudit records the last store audit: how many ended transfers agreed
// with their source chain and how many did not.
func (m *Metrics) StoreAudit(agree, disagree int) {
	if m == nil {
		return
	}
	m.storeAudit.WithLabelValues("agree").Set(float64(agree))
	m.storeAudit.WithLabelValues("disagree").Set(float64(disagree))
}
