package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/insight"
)

// memReviews is the alliance review and radar of package insight over the
// fixture's real index, with the review dates in memory.
type memReviews struct {
	ix    *index.Index
	f     *fixture
	watch []insight.Entity
	techs []string
	mu    sync.Mutex
	dates map[string]time.Time
}

func newMemReviews(ix *index.Index, f *fixture, watch []api.EntityStatus, techs []string) *memReviews {
	m := &memReviews{ix: ix, f: f, techs: techs, dates: map[string]time.Time{}}
	for _, w := range watch {
		m.watch = append(m.watch, insight.Entity{Name: w.Name, Role: w.Role})
	}
	return m
}

func (m *memReviews) now() time.Time { return time.Unix(0, m.f.clock.Load()).UTC() }

func (m *memReviews) reviewed() map[string]time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]time.Time{}
	for k, v := range m.dates {
		out[k] = v
	}
	return out
}

func (m *memReviews) Alliances(ctx context.Context) ([]insight.Review, error) {
	return insight.Alliances(ctx, m.ix, m.now(), m.watch, m.reviewed())
}

func (m *memReviews) Alliance(ctx context.Context, name string) (*insight.Review, error) {
	r, ok, err := insight.Alliance(ctx, m.ix, m.now(), name, m.watch, m.reviewed())
	if err == nil && !ok {
		err = fmt.Errorf("%q: %w", name, api.ErrNotFound)
	}
	return r, err
}

func (m *memReviews) MarkReviewed(ctx context.Context, name string) (*insight.Review, error) {
	if _, err := m.Alliance(ctx, name); err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.dates[name] = m.now()
	m.mu.Unlock()
	return m.Alliance(ctx, name)
}

func (m *memReviews) Radar(ctx context.Context) (*insight.Radar, error) {
	return insight.NewRadar(ctx, m.ix, m.now(), m.techs, m.watch)
}

func TestAlliancePages(t *testing.T) {
	f := newFixture(t)
	srv := f.server(t)
	c := client(t)
	status, page, _ := fetch(t, c, "GET", srv.URL+"/alliances", nil)
	if status != http.StatusOK || !strings.Contains(page, "Vodafone") || !strings.Contains(page, "review overdue") {
		t.Fatalf("alliances: status %d; want Vodafone with its review overdue:\n%s", status, page)
	}
	status, page, _ = fetch(t, c, "GET", srv.URL+"/alliances/Vodafone", nil)
	if status != http.StatusOK || !strings.Contains(page, "Never reviewed") || !strings.Contains(page, "format=markdown") {
		t.Fatalf("alliance page: status %d:\n%s", status, page)
	}
	csrf := csrfOf(t, c, srv.URL+"/alliances/Vodafone")
	status, page, _ = fetch(t, c, "POST", srv.URL+"/alliances/Vodafone/reviewed", url.Values{"csrf": {csrf}})
	if status != http.StatusOK || !strings.Contains(page, "Review recorded") || !strings.Contains(page, "Last reviewed 2026-11-11") {
		t.Errorf("mark reviewed: status %d:\n%s", status, page)
	}
	if status, _, _ = fetch(t, c, "GET", srv.URL+"/alliances/Ericsson", nil); status != http.StatusNotFound {
		t.Errorf("a competitor's alliance page: status %d, want 404", status)
	}
	status, page, _ = fetch(t, c, "GET", srv.URL+"/radar", nil)
	if status != http.StatusOK || !strings.Contains(page, "Network slicing") || !strings.Contains(page, "Trend rule") {
		t.Errorf("radar: status %d:\n%s", status, page)
	}
	for _, p := range []string{"/alliances", "/alliances/Vodafone", "/radar"} {
		_, page, _ := fetch(t, c, "GET", srv.URL+p, nil)
		if strings.Contains(page, "<script>alert") || strings.Contains(page, "onerror=alert") {
			t.Errorf("%s carries crawled markup", p)
		}
	}
}
