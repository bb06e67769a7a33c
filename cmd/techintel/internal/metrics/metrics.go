// Package metrics is what techintel tells Prometheus at /metrics: runs
// per source and how they ended, fetch latency, documents indexed, index
// size, search latency, and in a cluster the queue and the consumer lag.
// Each Metrics has its own registry (no global state), so that several
// can live in one test process.
package metrics

import (
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors of one process.
type Metrics struct {
	reg *prometheus.Registry
	// Runs counts source runs by source and outcome: "queued" (published
	// for a worker), "done" or "failed".
	Runs *prometheus.CounterVec
	// Running is how many runs of each source are going on in this
	// process.
	Running *prometheus.GaugeVec
	// FetchSeconds is how long a run's fetch took, by kind (feed, site).
	FetchSeconds *prometheus.HistogramVec
	// DocumentsIndexed counts documents committed to the index.
	DocumentsIndexed prometheus.Counter
	// SearchSeconds is the latency of search requests.
	SearchSeconds prometheus.Histogram
}

// New returns the metrics of a process, with the Go runtime's and the
// process's own.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.Runs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "techintel_runs_total",
		Help: "Source runs by source and outcome (queued, done, failed)."}, []string{"source", "outcome"})
	m.Running = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "techintel_runs_running",
		Help: "Source runs going on in this process."}, []string{"source"})
	m.FetchSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "techintel_fetch_seconds",
		Help:    "Wall time of a run's fetch, by kind of source.",
		Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800}}, []string{"kind"})
	m.DocumentsIndexed = prometheus.NewCounter(prometheus.CounterOpts{Name: "techintel_documents_indexed_total",
		Help: "Documents committed to the index (new and updated)."})
	m.SearchSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "techintel_search_seconds",
		Help: "Latency of search requests (API and web pages).", Buckets: prometheus.DefBuckets})
	m.reg.MustRegister(m.Runs, m.Running, m.FetchSeconds, m.DocumentsIndexed, m.SearchSeconds,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Gauge registers a value read when Prometheus scrapes (index size,
// outbox depth, consumer lag). A value that cannot be read is left out of
// that scrape rather than reported wrong.
func (m *Metrics) Gauge(name, help string, read func() (float64, error)) {
	m.reg.MustRegister(&funcGauge{desc: prometheus.NewDesc(name, help, nil, nil), read: read})
}

type funcGauge struct {
	desc *prometheus.Desc
	read func() (float64, error)
}

func (g *funcGauge) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

func (g *funcGauge) Collect(ch chan<- prometheus.Metric) {
	v, err := g.read()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(g.desc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, v)
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	// One gauge that cannot be read must not hide the others.
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Serve puts /metrics in front of h and times its search requests.
func (m *Metrics) Serve(h http.Handler) http.Handler {
	metrics := m.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" {
			metrics.ServeHTTP(w, r)
			return
		}
		if r.URL.Path == "/api/v1/search" || strings.HasPrefix(r.URL.Path, "/search") {
			start := time.Now()
			defer func() { m.SearchSeconds.Observe(time.Since(start).Seconds()) }()
		}
		h.ServeHTTP(w, r)
	})
}

// RunStarted marks a run of source as going on; the returned function
// ends it with its outcome and fetch time.
func (m *Metrics) RunStarted(source, kind string) func(err error) {
	start := time.Now()
	m.Running.WithLabelValues(source).Inc()
	return func(err error) {
		m.Running.WithLabelValues(source).Dec()
		m.FetchSeconds.WithLabelValues(kind).Observe(time.Since(start).Seconds())
		outcome := "done"
		if err != nil {
			outcome = "failed"
		}
		m.Runs.WithLabelValues(source, outcome).Inc()
	}
}
