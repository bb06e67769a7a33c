package feeds

import (
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/techintel/techintel/index"
)

// checkDocuments fails unless every document holds what Documents promises:
// a canonical http(s) URL (with an item anchor for a linkless item), the
// matching ID, valid UTF-8 plain text, sane
// times, and no URL twice.
func checkDocuments(tb testing.TB, docs []index.Document, fetched time.Time) {
	tb.Helper()
	seen := map[string]bool{}
	for i, d := range docs {
		u, err := url.Parse(d.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			tb.Errorf("doc %d: URL %q is not absolute http(s)", i, d.URL)
		}
		page, frag, anchored := strings.Cut(d.URL, "#")
		if c, err := index.CanonicalURL(page); err != nil || c != page {
			tb.Errorf("doc %d: URL %q is not canonical (%q, %v)", i, d.URL, c, err)
		}
		if anchored && (!ItemAnchor(d.URL) || frag == "") {
			tb.Errorf("doc %d: URL %q has an empty fragment", i, d.URL)
		}
		if d.ID != index.DocID(d.URL) {
			tb.Errorf("doc %d: ID %q, want DocID(URL) %q", i, d.ID, index.DocID(d.URL))
		}
		if seen[d.URL] {
			tb.Errorf("doc %d: URL %q twice", i, d.URL)
		}
		seen[d.URL] = true
		// Plain text may well contain "<": a post about HTML says "<script>".
		// What it must not contain is invalid UTF-8.
		for field, s := range map[string]string{"title": d.Title, "body": d.Body, "author": d.Author} {
			if !utf8.ValidString(s) {
				tb.Errorf("doc %d: %s is not valid UTF-8: %q", i, field, s)
			}
		}
		if strings.Contains(d.Title, "\n") {
			tb.Errorf("doc %d: title %q spans lines", i, d.Title)
		}
		if d.Published.After(fetched.Add(maxFuture)) { // zero means "no date": the index uses the first fetch
			tb.Errorf("doc %d: Published %v with fetched %v", i, d.Published, fetched)
		}
		if !d.Fetched.Equal(fetched) || !d.Updated.Equal(fetched) {
			tb.Errorf("doc %d: Fetched %v, Updated %v, want %v", i, d.Fetched, d.Updated, fetched)
		}
	}
}

func TestDocuments(t *testing.T) {
	fetched := time.Date(2024, 3, 10, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	fetchedUTC := fetched.UTC()
	tests := []struct {
		name        string
		feed        Feed
		wantURLs    []string
		wantTitles  []string
		wantPub     []time.Time
		wantSkipped int
	}{
		{
			name: "canonical URLs and duplicates",
			feed: Feed{Items: []Item{
				{URL: "HTTPS://Example.COM:443/a?utm_source=x&b=2&a=1#frag", Title: "first"},
				{URL: "https://example.com/a?a=1&b=2", Title: "same page"},
				{URL: "https://example.com/b", Title: "second"},
			}},
			// Two parts of one page are two items: the fragment stays.
			wantURLs:   []string{"https://example.com/a?a=1&b=2#frag", "https://example.com/a?a=1&b=2", "https://example.com/b"},
			wantTitles: []string{"first", "same page", "second"},
			wantPub:    []time.Time{{}, {}, {}},
		},
		{
			name: "relative URLs resolve against the site, then the feed",
			feed: Feed{SiteURL: "https://site.example/blog/", FeedURL: "https://feeds.example/x.xml", Items: []Item{
				{URL: "p/1", Title: "a"},
			}},
			wantURLs:   []string{"https://site.example/blog/p/1"},
			wantTitles: []string{"a"},
			wantPub:    []time.Time{{}},
		},
		{
			name: "GUID fallback only for http(s) GUIDs; other items anchored on the feed's page",
			feed: Feed{FeedURL: "https://e.org/feed", Items: []Item{
				{GUID: "https://e.org/by-guid", Title: "guid"},
				{GUID: "tag:e.org,2024:1", Title: "tag guid"},
				{GUID: "relative/guid", Title: "relative guid"},
				{URL: "javascript:alert(1)", GUID: "https://e.org/js", Title: "js link"},
				{URL: "mailto:a@e.org", Title: "mail"},
				{URL: "mailto:b@e.org"}, // nothing to show
			}},
			wantURLs:    []string{"https://e.org/by-guid", "https://e.org/feed#item-", "https://e.org/feed#item-", "https://e.org/js", "https://e.org/feed#item-"},
			wantTitles:  []string{"guid", "tag guid", "relative guid", "js link", "mail"},
			wantPub:     []time.Time{{}, {}, {}, {}, {}},
			wantSkipped: 1,
		},
		{
			name: "linkless items anchor on the site's page; without any address they are skipped",
			feed: Feed{SiteURL: "HTTPS://Site.Example", FeedURL: "https://e.org/feed", Items: []Item{
				{Title: "status", HTML: "<p>text</p>"},
			}},
			wantURLs:   []string{"https://site.example/#item-"},
			wantTitles: []string{"status"},
			wantPub:    []time.Time{{}},
		},
		{
			name:        "no address to anchor on",
			feed:        Feed{Items: []Item{{Title: "status"}}},
			wantSkipped: 1,
		},
		{
			name: "published dates",
			feed: Feed{Items: []Item{
				{URL: "https://e.org/1", Title: "past", Published: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
				{URL: "https://e.org/2", Title: "hours ahead", Published: fetchedUTC.Add(23 * time.Hour)},
				{URL: "https://e.org/3", Title: "days ahead", Published: fetchedUTC.Add(25 * time.Hour)},
				{URL: "https://e.org/4", Title: "none"},
			}},
			wantURLs:   []string{"https://e.org/1", "https://e.org/2", "https://e.org/3", "https://e.org/4"},
			wantTitles: []string{"past", "hours ahead", "days ahead", "none"},
			wantPub: []time.Time{time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), fetchedUTC.Add(23 * time.Hour),
				{}, {}},
		},
		{
			name: "titles are plain text on one line",
			feed: Feed{Items: []Item{
				{URL: "https://e.org/1", Title: "<p>Two</p><p>paragraphs &amp; an <b>entity</b></p>"},
				{URL: "https://e.org/2", HTML: "<p>" + strings.Repeat("word ", 40) + "</p><p>next</p>"},
				{URL: "https://e.org/3", HTML: "<script>x()</script>"},
			}},
			wantURLs: []string{"https://e.org/1", "https://e.org/2", "https://e.org/3"},
			wantTitles: []string{"Two paragraphs & an entity",
				strings.TrimSpace(strings.Repeat("word ", 19)) + " word…", ""},
			wantPub: []time.Time{{}, {}, {}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, skipped := tt.feed.Documents("src", fetched)
			checkDocuments(t, docs, fetchedUTC)
			if skipped != tt.wantSkipped {
				t.Errorf("skipped %d, want %d", skipped, tt.wantSkipped)
			}
			if len(docs) != len(tt.wantURLs) {
				t.Fatalf("%d documents, want %d: %+v", len(docs), len(tt.wantURLs), docs)
			}
			for i, d := range docs {
				wantURL := tt.wantURLs[i]
				if strings.HasSuffix(wantURL, "#item-") && strings.HasPrefix(d.URL, wantURL) {
					wantURL = d.URL // the rest is a hash, checked by checkDocuments
				}
				if d.URL != wantURL || d.Title != tt.wantTitles[i] || !d.Published.Equal(tt.wantPub[i]) || d.Source != "src" {
					t.Errorf("doc %d = %q %q %v %q, want %q %q %v", i, d.URL, d.Title, d.Published, d.Source,
						tt.wantURLs[i], tt.wantTitles[i], tt.wantPub[i])
				}
			}
		})
	}
}

// TestItemAnchorsAreStable: a linkless item gets the same URL on every
// fetch as long as its identity (GUID, else title and date) stays, and
// another URL when that changes.
func TestItemAnchorsAreStable(t *testing.T) {
	day := time.Date(2024, 3, 5, 9, 30, 0, 0, time.UTC)
	urlOf := func(it Item) string {
		t.Helper()
		f := Feed{SiteURL: "https://e.org/", Items: []Item{it}}
		docs, _ := f.Documents("src", fetchedAt)
		if len(docs) != 1 {
			t.Fatalf("%d documents from %+v", len(docs), it)
		}
		return docs[0].URL
	}
	first := urlOf(Item{Title: "Status", HTML: "first text", Published: day})
	tests := []struct {
		name string
		item Item
		same bool
	}{
		{"text edited", Item{Title: "Status", HTML: "edited text", Published: day}, true},
		{"markup in the title", Item{Title: "<b>Status</b>", HTML: "first text", Published: day}, true},
		{"other date", Item{Title: "Status", HTML: "first text", Published: day.Add(time.Hour)}, false},
		{"other title", Item{Title: "Status 2", HTML: "first text", Published: day}, false},
		{"a GUID decides", Item{GUID: "tag:e.org,1", Title: "Status", HTML: "first text", Published: day}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := urlOf(tt.item); (got == first) != tt.same {
				t.Errorf("URL %q, first %q, want same: %v", got, first, tt.same)
			}
		})
	}
	retitled := urlOf(Item{GUID: "tag:e.org,1", Title: "Retitled", HTML: "x", Published: day.Add(time.Hour)})
	if g := urlOf(Item{GUID: "tag:e.org,1", Title: "Status"}); g != retitled {
		t.Errorf("same GUID, other title and date: %q, want %q", g, retitled)
	}
	if !ItemAnchor(first) || !ItemAnchor("https://e.org/a#section") || ItemAnchor("https://e.org/a") {
		t.Errorf("ItemAnchor misjudges %q, a part of a page or a page", first)
	}
}

func TestSummary(t *testing.T) {
	tests := []struct{ in, want string }{
		{"short", "short"},
		{"first line\nsecond line", "first line"},
		{"abcdefghij klmnop", "abcdefghij…"},
		{"abcdefghijklmnopqrstu", "abcdefghijklmn…"},
		{"éééééééééé éééééé", "éééééééééé…"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := summary(tt.in, 15); got != tt.want {
				t.Errorf("summary(%q, 15) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
