package engine

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/metrics"
)

// A plain serve (no cluster) counts its scheduled runs by source on
// /metrics: queued as the schedule hands them to the run pool, done or
// failed as they end, with the fetch time by kind of source, and none
// left running.
func TestRunPoolMetricsWithoutCluster(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/broken" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, rssOneItem)
	}))
	defer srv.Close()
	cfg := testSettings(t)
	cfg.Sources = []Source{
		{Name: "news", Type: SourceFeed, URL: srv.URL + "/feed", Schedule: "@every 1h"},
		{Name: "broken", Type: SourceFeed, URL: srv.URL + "/broken", Schedule: "@every 1h"},
	}
	m := metrics.New()
	e := New(Options{Settings: cfg, Schedule: true, Metrics: m})
	if err := e.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer e.Close(context.Background())
	scrape := func() string {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		return rec.Body.String()
	}
	// Both sources are overdue and run at once; wait for both outcomes.
	for deadline := time.Now().Add(2 * time.Minute); ; {
		text := scrape()
		if strings.Contains(text, `techintel_runs_total{outcome="done",source="news"}`) &&
			strings.Contains(text, `techintel_runs_total{outcome="failed",source="broken"}`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the runs' outcomes are not on /metrics after 2 minutes:\n%s", text)
		}
		time.Sleep(20 * time.Millisecond) // polling for an event, not a timing window
	}
	text := scrape()
	for _, want := range []string{
		`techintel_runs_total{outcome="queued",source="news"} 1`,
		`techintel_runs_total{outcome="done",source="news"} 1`,
		`techintel_runs_total{outcome="queued",source="broken"} 1`,
		`techintel_runs_total{outcome="failed",source="broken"} 1`,
		`techintel_runs_running{source="news"} 0`,
		`techintel_runs_running{source="broken"} 0`,
		`techintel_fetch_seconds_count{kind="feed"} 2`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(text, `outcome="failed",source="news"`) || strings.Contains(text, `outcome="done",source="broken"`) {
		t.Errorf("an outcome counted on the wrong source:\n%s", text)
	}
}
