package metrics

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// /metrics answers in Prometheus's text format with the runs, documents,
// gauges and search latencies recorded; other paths reach the handler.
func TestServe(t *testing.T) {
	m := New()
	m.RunStarted("news", "feed")(nil)
	m.RunStarted("news", "feed")(errors.New("404"))
	m.RunStarted("blog", "site")(nil)
	m.Runs.WithLabelValues("news", "queued").Inc()
	m.DocumentsIndexed.Add(42)
	m.Gauge("techintel_index_documents", "Documents in the index.", func() (float64, error) { return 1234, nil })
	m.Gauge("techintel_broken", "A gauge that cannot be read.", func() (float64, error) { return 0, errors.New("closed") })
	var reached int
	srv := httptest.NewServer(m.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached++ })))
	defer srv.Close()
	for _, p := range []string{"/api/v1/search?q=x", "/api/v1/sources"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if reached != 2 {
		t.Fatalf("the handler was reached %d times, want 2", reached)
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(body)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %s", resp.Status)
	}
	// A gauge that cannot be read is left out; the others are there.
	if strings.Contains(text, "techintel_broken ") {
		t.Errorf("the unreadable gauge has a value:\n%s", text)
	}
	for _, want := range []string{
		`techintel_runs_total{outcome="done",source="news"} 1`,
		`techintel_runs_total{outcome="failed",source="news"} 1`,
		`techintel_runs_total{outcome="queued",source="news"} 1`,
		`techintel_runs_running{source="news"} 0`,
		`techintel_fetch_seconds_count{kind="feed"} 2`,
		`techintel_documents_indexed_total 42`,
		`techintel_search_seconds_count 1`,
		`techintel_index_documents 1234`,
		`go_goroutines`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q", want)
		}
	}
}
