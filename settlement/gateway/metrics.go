package gateway

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metricsNamespace prefixes every gateway metric: causeway_gateway_<name>.
const metricsNamespace = "causeway_gateway"

// requestBuckets span a cached read (1 ms) to a submission that waited on
// a slow chain (10 s), in seconds.
var requestBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Submission results, the values of the "result" label.
const (
	resultAccepted    = "accepted"    // 202, a new transfer
	resultReplayed    = "replayed"    // 202 or error replayed for a repeated key
	resultInvalid     = "invalid"     // bad input of any kind
	resultRefused     = "refused"     // the chain refused the transaction
	resultInFlight    = "in_flight"   // 409
	resultUnavailable = "unavailable" // the chain did not answer
	resultError       = "error"       // the gateway failed
)

// Resubmission results, the values of the "result" label of
// resubmissions_total.
const (
	resubmitResent   = "resent"    // a lost transaction was sent again
	resubmitResumed  = "resumed"   // an abandoned request was finished
	resubmitDropped  = "dropped"   // an abandoned request that signed nothing was forgotten
	resubmitExpired  = "expired"   // a transfer whose transaction can no longer land was rejected
	resubmitFailed   = "failed"    // the attempt failed; it is retried next round
	unmatchedPattern = "unmatched" // the route label of a request no pattern matched
)

// Metrics are the gateway's Prometheus collectors. A nil *Metrics is the
// no-op variant. Labels carry route patterns, status codes and fixed
// results only: never raw paths, ids, addresses or error strings.
type Metrics struct {
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	submissions   *prometheus.CounterVec
	resubmissions *prometheus.CounterVec
	rateLimited   *prometheus.CounterVec
}

// NewMetrics builds the collectors and registers them with reg. It panics
// if they are already registered there: one gateway per registry.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: metricsNamespace,
			Name: "http_requests_total", Help: "HTTP requests answered, by route pattern and status code."},
			[]string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: metricsNamespace,
			Name: "http_request_duration_seconds", Help: "Time to answer an HTTP request, by route pattern.",
			Buckets: requestBuckets}, []string{"route"}),
		submissions: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: metricsNamespace,
			Name: "submissions_total",
			Help: "Transfer submissions, by result (accepted, replayed, invalid, refused, in_flight, unavailable, error)."},
			[]string{"result"}),
		resubmissions: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: metricsNamespace,
			Name: "resubmissions_total",
			Help: "Background recovery of submissions, by result (resent, resumed, dropped, expired, failed)."},
			[]string{"result"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: metricsNamespace,
			Name: "rate_limited_total", Help: "Requests refused by the rate limiter, by caller kind (key, anonymous)."},
			[]string{"caller"}),
	}
	reg.MustRegister(m.requests, m.duration, m.submissions, m.resubmissions, m.rateLimited)
	return m
}

func (m *Metrics) request(route string, code int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

func (m *Metrics) submission(result string) {
	if m != nil {
		m.submissions.WithLabelValues(result).Inc()
	}
}

func (m *Metrics) resubmission(result string) {
	if m != nil {
		m.resubmissions.WithLabelValues(result).Inc()
	}
}

func (m *Metrics) limited(caller string) {
	if m != nil {
		m.rateLimited.WithLabelValues(caller).Inc()
	}
}
