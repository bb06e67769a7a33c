package engine

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/index"
)

// identityRound is one run of a feed source: the items the feed serves
// then ({{base}} is the server's address), and what the run must report.
type identityRound struct {
	source     string // "a" unless set
	items      string
	reopen     bool // close the data directory and open it again first
	wantNew    int
	wantUpd    int
	wantDocs   uint64
	wantURLs   map[string]string // path the document was first indexed under → path it has now
	wantAbsent []string          // paths no document was ever indexed under
}

// TestFeedItemIdentity: GUID, then canonical link, then title and date
// decide which document an item is; a changed item is updated in place,
// counted as updated, and never duplicated; the map survives a restart.
func TestFeedItemIdentity(t *testing.T) {
	item := func(guid, link, title, date, text string) string {
		var b strings.Builder
		b.WriteString("<item>")
		if guid != "" {
			fmt.Fprintf(&b, `<guid isPermaLink="false">%s</guid>`, guid)
		}
		if link != "" {
			fmt.Fprintf(&b, "<link>{{base}}%s</link>", link)
		}
		if date != "" {
			fmt.Fprintf(&b, "<pubDate>%s</pubDate>", date)
		}
		fmt.Fprintf(&b, "<title>%s</title><description>%s</description></item>", title, text)
		return b.String()
	}
	const monday, tuesday = "Mon, 02 Mar 2026 09:00:00 +0000", "Tue, 03 Mar 2026 09:00:00 +0000"
	tests := []struct {
		name   string
		rounds []identityRound
	}{
		{"GUID stable, link changed: updated in place, URL included", []identityRound{
			{items: item("story-1", "/2026/story", "Story", monday, "text"), wantNew: 1, wantDocs: 1},
			{items: item("story-1", "/2026/story-renamed?utm_source=rss", "Story", monday, "text"), wantUpd: 1, wantDocs: 1,
				wantURLs: map[string]string{"/2026/story": "/2026/story-renamed"}, wantAbsent: []string{"/2026/story-renamed"}},
			{items: item("story-1", "/2026/story-renamed", "Story", monday, "text"), wantDocs: 1},
			{items: item("story-1", "/2026/story-renamed", "Story, retitled", monday, "more text"), wantUpd: 1, wantDocs: 1,
				wantURLs: map[string]string{"/2026/story": "/2026/story-renamed"}},
		}},
		{"no GUID, same link, changed text: updated", []identityRound{
			{items: item("", "/x", "X", monday, "first text"), wantNew: 1, wantDocs: 1},
			{items: item("", "/x", "X", monday, "first text"), wantDocs: 1},
			{items: item("", "/x", "X", monday, "edited text"), wantUpd: 1, wantDocs: 1, wantURLs: map[string]string{"/x": "/x"}},
		}},
		{"no GUID, no link: title and date decide", []identityRound{
			{items: item("", "", "Status", monday, "first text"), wantNew: 1, wantDocs: 1},
			{items: item("", "", "Status", monday, "edited text"), wantUpd: 1, wantDocs: 1},
			{items: item("", "", "Status", monday, "edited text") + item("", "", "Status", tuesday, "next day"), wantNew: 1, wantDocs: 2},
		}},
		{"a GUID without a link: the GUID decides, and a later link updates it", []identityRound{
			{items: item("tag:e.org,1", "", "Note", monday, "text"), wantNew: 1, wantDocs: 1},
			{items: item("tag:e.org,1", "", "Note, retitled", tuesday, "text"), wantUpd: 1, wantDocs: 1},
			{items: item("tag:e.org,1", "/note", "Note, retitled", tuesday, "text"), wantUpd: 1, wantDocs: 1, wantAbsent: []string{"/note"}},
		}},
		{"restart keeps the map", []identityRound{
			{items: item("story-1", "/s", "S", monday, "text"), wantNew: 1, wantDocs: 1},
			{items: item("story-1", "/s-moved", "S", monday, "text"), reopen: true, wantUpd: 1, wantDocs: 1,
				wantURLs: map[string]string{"/s": "/s-moved"}},
			{items: item("story-1", "/s-moved-again", "S", monday, "text"), reopen: true, wantUpd: 1, wantDocs: 1,
				wantURLs: map[string]string{"/s": "/s-moved-again"}},
		}},
		{"the same URL in two feeds stays one document", []identityRound{
			{items: item("g1", "/one", "Shared", monday, "text"), wantNew: 1, wantDocs: 1},
			{source: "b", items: item("", "/two", "Shared", monday, "text"), wantNew: 1, wantDocs: 2},
			// a's item moves to the URL b already brought: it joins that
			// document instead of giving /one the same URL.
			{items: item("g1", "/two", "Shared", monday, "text"), wantDocs: 2,
				wantURLs: map[string]string{"/one": "/one", "/two": "/two"}},
			{items: item("g1", "/two", "Shared", monday, "edited"), wantUpd: 1, wantDocs: 2,
				wantURLs: map[string]string{"/one": "/one", "/two": "/two"}},
		}},
		{"a new item at a moved item's old link keeps that link's document", []identityRound{
			{items: item("g1", "/p", "P", monday, "text"), wantNew: 1, wantDocs: 1},
			{items: item("g1", "/q", "P", monday, "text") + item("g2", "/p", "Another story at /p", tuesday, "other"),
				wantNew: 1, wantUpd: 1, wantDocs: 2, wantURLs: map[string]string{"/p": "/p", "/q": "/q"}},
		}},
		{"two remembered GUIDs of one document: the first item takes it", []identityRound{
			{items: item("gA", "/k", "K", monday, "text"), wantNew: 1, wantDocs: 1},
			{items: item("gB", "/k", "K", monday, "text"), wantDocs: 1}, // the feed renamed its GUIDs
			{items: item("gA", "/x", "K", monday, "text") + item("gB", "/y", "K2", monday, "text"),
				wantNew: 1, wantUpd: 1, wantDocs: 2, wantURLs: map[string]string{"/k": "/x", "/y": "/y"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			bodies := map[string]string{}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				items, ok := bodies[r.URL.Path]
				mu.Unlock()
				if !ok {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/rss+xml")
				fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>http://%s/</link>%s</channel></rss>`,
					r.Host, strings.ReplaceAll(items, "{{base}}", "http://"+r.Host))
			}))
			defer srv.Close()
			cfg := testSettings(t)
			cfg.Sources = []Source{feedSource("a", srv.URL+"/a"), feedSource("b", srv.URL+"/b")}
			g, d := openGatherer(t, cfg)
			defer func() { d.Close() }()
			docURL := func(path string) string {
				u, err := index.CanonicalURL(srv.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				return u
			}
			ctx := context.Background()
			for i, r := range tt.rounds {
				if r.reopen {
					if err := d.Close(); err != nil {
						t.Fatal(err)
					}
					g, d = openGatherer(t, cfg)
				}
				src := cmp.Or(r.source, "a")
				mu.Lock()
				bodies["/"+src] = r.items
				mu.Unlock()
				res, err := g.RunSource(ctx, src)
				if err != nil || res.New != r.wantNew || res.Updated != r.wantUpd || len(res.Errors) != 0 {
					t.Fatalf("round %d: %+v, %v; want %d new, %d updated", i+1, res, err, r.wantNew, r.wantUpd)
				}
				if n, err := g.Index().Count(); err != nil || n != r.wantDocs {
					t.Fatalf("round %d: %d documents (%v), want %d", i+1, n, err, r.wantDocs)
				}
				for first, now := range r.wantURLs {
					doc, err := g.Index().Get(ctx, index.DocID(docURL(first)))
					if err != nil {
						t.Fatalf("round %d: document first indexed as %s: %v", i+1, first, err)
					}
					if doc.URL != docURL(now) {
						t.Errorf("round %d: document first indexed as %s has URL %s, want %s", i+1, first, doc.URL, docURL(now))
					}
				}
				if ok, err := g.Index().Exists(idsOf(docURL, r.wantAbsent)); err != nil || len(ok) != 0 {
					t.Errorf("round %d: documents %v exist (%v), want none", i+1, ok, err)
				}
			}
		})
	}
}

func idsOf(docURL func(string) string, paths []string) []string {
	ids := make([]string, len(paths))
	for i, p := range paths {
		ids[i] = index.DocID(docURL(p))
	}
	return ids
}

// openGatherer opens cfg.DataDir and a Gatherer over it; the caller closes
// the data directory.
func openGatherer(tb testing.TB, cfg *Settings) (*Gatherer, *datadir.Dir) {
	tb.Helper()
	d, err := datadir.Open(cfg.DataDir)
	if err != nil {
		tb.Fatal(err)
	}
	g, err := NewGatherer(cfg, d, slog.New(slog.DiscardHandler))
	if err != nil {
		d.Close()
		tb.Fatal(err)
	}
	return g, d
}
