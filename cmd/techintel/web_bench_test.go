package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
)

// BenchmarkPages measures the server time of every web page on the demo
// world, each beside the JSON API call that serves the same data (its
// baseline), through the same handler: page-ms, json-ms and page/json.
func BenchmarkPages(b *testing.B) {
	configPath, _ := demoWorld(b, "127.0.0.1:0")
	g, srv, _ := gathered(b, configPath)
	h := srv.Config.Handler
	sub, err := g.Alerter().CreateSubscription(context.Background(), api.SubscriptionRequest{Name: "bench", Query: "open ran", Backfill: true, BackfillDays: 60})
	if err != nil {
		b.Fatal(err)
	}
	res, err := g.Index().Search(b.Context(), index.Query{})
	if err != nil || len(res.Hits) == 0 {
		b.Fatalf("demo world has no documents: %v", err)
	}
	doc := res.Hits[0].ID
	id := url.PathEscape(sub.ID)
	for _, tc := range []struct{ name, page, json string }{
		{"search", "/", "/api/v1/search"},
		{"search-filtered", "/?q=open+ran&component=own&sort=date", "/api/v1/search?q=open+ran&component=own&sort=date"},
		{"document", "/documents/" + doc, "/api/v1/documents/" + doc},
		{"entities", "/entities", "/api/v1/matrix"},
		{"entity", "/entities/Nokia", "/api/v1/entities/Nokia/timeline?weeks=12"},
		{"alerts", "/alerts", "/api/v1/subscriptions"},
		{"subscription", "/alerts/" + id, "/api/v1/alerts?limit=50&subscription=" + id},
		{"new-alert", "/alerts/new?q=open+ran", "/api/v1/search?q=open+ran"},
		{"digest", "/digest", "/api/v1/digest?format=html"},
		{"sources", "/sources", "/api/v1/sources"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			get := func(path string) time.Duration {
				start := time.Now()
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				d := time.Since(start)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s: %d\n%s", path, rec.Code, rec.Body.String())
				}
				return d
			}
			var page, json time.Duration
			n := 0
			for b.Loop() {
				page += get(tc.page)
				json += get(tc.json)
				n++
			}
			pms := float64(page.Microseconds()) / 1000 / float64(n)
			jms := float64(json.Microseconds()) / 1000 / float64(n)
			b.ReportMetric(pms, "page-ms")
			b.ReportMetric(jms, "json-ms")
			b.ReportMetric(pms/jms, "page/json")
		})
	}
}
