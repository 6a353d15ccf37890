package feed

import "github.com/prometheus/client_golang/prometheus"

// metricsPrefix names every metric causeway_gateway_feed_*.
const metricsPrefix = "causeway_gateway_feed_"

// deliveryBuckets span a loopback hop (1 ms) to a client that waited out
// a long replay (10 s).
var deliveryBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metrics are the feed's Prometheus series. They carry no labels: never a
// transfer id or an address.
type metrics struct {
	connections   prometheus.Gauge
	subscriptions prometheus.Gauge
	eventsSent    prometheus.Counter
	slowCloses    prometheus.Counter
	headSeq       prometheus.Gauge
	delivery      prometheus.Histogram
}

// newMetrics creates the series and registers them with reg; with a nil
// reg they work but nobody exports them.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		connections: prometheus.NewGauge(prometheus.GaugeOpts{Name: metricsPrefix + "connections",
			Help: "Open WebSocket feed connections."}),
		subscriptions: prometheus.NewGauge(prometheus.GaugeOpts{Name: metricsPrefix + "subscriptions",
			Help: "Subscriptions across all feed connections."}),
		eventsSent: prometheus.NewCounter(prometheus.CounterOpts{Name: metricsPrefix + "events_sent_total",
			Help: "Event messages written to feed connections, replayed ones included."}),
		slowCloses: prometheus.NewCounter(prometheus.CounterOpts{Name: metricsPrefix + "slow_closes_total",
			Help: "Connections closed because their send buffer filled up."}),
		headSeq: prometheus.NewGauge(prometheus.GaugeOpts{Name: metricsPrefix + "head_seq",
			Help: "The last outbox seq the feed has dispatched."}),
		delivery: prometheus.NewHistogram(prometheus.HistogramOpts{Name: metricsPrefix + "delivery_seconds",
			Help: "From an event's commit to its live message written to a socket.", Buckets: deliveryBuckets}),
	}
	if reg != nil {
		reg.MustRegister(m.connections, m.subscriptions, m.eventsSent, m.slowCloses, m.headSeq, m.delivery)
	}
	return m
}
