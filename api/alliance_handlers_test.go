package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/insight"
)

// reviews is package insight over a real index, with review dates in
// memory (cmd/techintel keeps them in the store).
type reviews struct {
	ix    *index.Index
	now   time.Time
	watch []insight.Entity
	mu    sync.Mutex
	dates map[string]time.Time
}

func (r *reviews) reviewed() map[string]time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]time.Time{}
	for k, v := range r.dates {
		out[k] = v
	}
	return out
}

func (r *reviews) Alliances(ctx context.Context) ([]insight.Review, error) {
	return insight.Alliances(ctx, r.ix, r.now, r.watch, r.reviewed())
}

func (r *reviews) Alliance(ctx context.Context, name string) (*insight.Review, error) {
	rv, ok, err := insight.Alliance(ctx, r.ix, r.now, name, r.watch, r.reviewed())
	if err == nil && !ok {
		err = fmt.Errorf("%q: %w", name, api.ErrNotFound)
	}
	return rv, err
}

func (r *reviews) MarkReviewed(ctx context.Context, name string) (*insight.Review, error) {
	if _, err := r.Alliance(ctx, name); err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.dates[name] = r.now
	r.mu.Unlock()
	return r.Alliance(ctx, name)
}

func (r *reviews) Radar(ctx context.Context) (*insight.Radar, error) {
	return insight.NewRadar(ctx, r.ix, r.now, []string{"Open RAN"}, r.watch)
}

func TestAllianceEndpoints(t *testing.T) {
	ix, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	u := "https://news.example/intel"
	p := time.Date(2026, 11, 17, 9, 0, 0, 0, time.UTC)
	if _, err := ix.Upsert(context.Background(), []index.Document{{ID: index.DocID(u), URL: u, Title: "Intel and Ericsson [demo](javascript:x)",
		Body: "Intel and Ericsson show servers.", Source: "wire", Published: p, Fetched: p, Components: []string{"alliances", "others"},
		Entities: []string{"Ericsson", "Intel"}, Technologies: []string{"Open RAN"}, Salient: []string{"Ericsson", "Intel"}}}); err != nil {
		t.Fatal(err)
	}
	rv := &reviews{ix: ix, now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC), dates: map[string]time.Time{},
		watch: []insight.Entity{{Name: "Intel", Role: "partner"}, {Name: "Ericsson", Role: "competitor"}}}
	srv := httptest.NewServer(api.New(api.Options{Searcher: ix, Sources: &sources{}, Reviews: rv}))
	defer srv.Close()

	var list struct {
		Partners []struct {
			Name    string
			Signals []struct{ Competitor string }
		}
		Overdue []string
	}
	resp, err := http.Get(srv.URL + "/api/v1/alliances")
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if status := resp.StatusCode; err != nil || status != 200 || len(list.Partners) != 1 ||
		len(list.Partners[0].Signals) != 1 || len(list.Overdue) != 1 {
		t.Fatalf("alliances: %d %+v %v", status, list, err)
	}
	for _, c := range []struct {
		method, path, ctype string
		status              int
		want                string
	}{
		{"GET", "/api/v1/alliances/Intel?format=markdown", "", 200, "# Alliance review: Intel"},
		{"GET", "/api/v1/alliances/Intel?format=html", "", 200, "<h1>Alliance review: <bdi>Intel</bdi></h1>"},
		{"GET", "/api/v1/alliances/Intel?format=pdf", "", 400, "format"},
		{"GET", "/api/v1/alliances/Ericsson", "", 404, "no partner"},
		{"GET", "/api/v1/radar", "", 200, `"trend":"`},
		{"GET", "/api/v1/radar?x=1", "", 400, "unknown parameter"},
		{"POST", "/api/v1/alliances/Intel/reviewed", "", 415, "Content-Type"},
		{"POST", "/api/v1/alliances/Intel/reviewed", "application/json", 200, `"overdue":false`},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		if c.ctype != "" {
			req.Header.Set("Content-Type", c.ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.Contains(string(b), c.want) {
			t.Errorf("%s %s: %d %s; want %d with %q", c.method, c.path, resp.StatusCode, b, c.status, c.want)
		}
		if strings.Contains(string(b), "](javascript") && strings.Contains(c.path, "markdown") {
			t.Errorf("%s: crawled link survives in Markdown", c.path)
		}
	}
}
