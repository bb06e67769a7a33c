package main

import (
	"fmt"
	"html"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/techintel/techintel/feeds"
	"github.com/techintel/techintel/index"
)

var (
	testEnd  = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	testSpan = 365 * 24 * time.Hour
)

// buildQuery is the request the bare side runs for s.
func buildQuery(s search) (*bleve.SearchRequest, error) { return index.BuildRequest(s.query()) }

// testPackages is a Packages file of n packages with descriptions, tags
// continued on the next line, and one package without a description.
func testPackages(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "Package: pkg%d\nVersion: 1.0\nSection: utils\nDescription: tool number %d for parsing network packets & logs\nTag: role::program, use::analysing,\n interface::commandline\n\n", i, i)
	}
	b.WriteString("Package: nodesc\nVersion: 1\n\n")
	return b.String()
}

func TestReadPackages(t *testing.T) {
	pkgs, err := readPackages(strings.NewReader(testPackages(3)))
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 3 {
		t.Fatalf("%d packages, want 3 (the one without a description left out)", len(pkgs))
	}
	p := pkgs[1]
	if p.name != "pkg1" || p.section != "utils" || p.short != "tool number 1 for parsing network packets & logs" {
		t.Errorf("package 1: %+v", p)
	}
	if got := strings.Join(p.tags, "|"); got != "program|analysing|commandline" {
		t.Errorf("tags %q, want program|analysing|commandline (the continuation line included)", got)
	}
}

// TestCorpusFeedsParse: the generated feeds are RSS the product's parser
// reads whole, item for item as the generator made them.
func TestCorpusFeedsParse(t *testing.T) {
	pkgs, err := readPackages(strings.NewReader(testPackages(150)))
	if err != nil {
		t.Fatal(err)
	}
	c := &corpus{pkgs: pkgs, size: 250, end: testEnd, span: testSpan}
	srv := httptest.NewServer(feedHandler(c, 100))
	defer srv.Close()
	if n := feedCount(c.size, 100); n != 3 {
		t.Fatalf("%d feeds for 250 documents of 100 a feed, want 3", n)
	}
	seen := map[string]bool{}
	for k := range 3 {
		resp, err := srv.Client().Get(fmt.Sprintf("%s/feed/%d.xml", srv.URL, k))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		f, err := feeds.Parse(body, srv.URL+"/feed", "application/rss+xml")
		if err != nil {
			t.Fatalf("feed %d: %v", k, err)
		}
		want := min(100, c.size-k*100)
		if len(f.Items) != want {
			t.Fatalf("feed %d: %d items, want %d", k, len(f.Items), want)
		}
		for j, it := range f.Items {
			d := c.doc(k*100 + j)
			if html.UnescapeString(it.Title) != d.title || it.URL != d.url {
				t.Errorf("feed %d item %d: %q %q, generated %q %q", k, j, it.Title, it.URL, d.title, d.url)
			}
			seen[d.url] = true
		}
	}
	if len(seen) != c.size {
		t.Errorf("%d distinct URLs for %d documents", len(seen), c.size)
	}
	if resp, _ := srv.Client().Get(srv.URL + "/feed/3.xml"); resp == nil || resp.StatusCode != 404 {
		t.Error("a feed past the corpus is not a 404")
	}
}

func TestMixShapes(t *testing.T) {
	pkgs, err := readPackages(strings.NewReader(testPackages(400)))
	if err != nil {
		t.Fatal(err)
	}
	c := &corpus{pkgs: pkgs, size: 1000, end: testEnd, span: testSpan}
	ms := mix(c, 24, 1, c.size)
	if len(ms) != 24 {
		t.Fatalf("%d searches, want 24", len(ms))
	}
	var phrases, required, dated int
	for _, s := range ms {
		if strings.HasPrefix(s.q, `"`) {
			phrases++
		}
		if strings.HasPrefix(s.q, "+") {
			required++
		}
		if !s.since.IsZero() {
			dated++
			if !s.until.After(s.since) || s.since.Before(c.end.Add(-c.span)) {
				t.Errorf("%q: range %v..%v outside the corpus year", s.q, s.since, s.until)
			}
		}
		if _, err := buildQuery(s); err != nil {
			t.Errorf("%q: %v", s.q, err)
		}
	}
	if phrases != 6 || required != 6 || dated != 12 {
		t.Errorf("%d phrases, %d +a +b, %d dated; want 6, 6, 12", phrases, required, dated)
	}
}

// TestMixWithinCheckpoint: at a checkpoint of a -sizes run, the date
// filters fall in the months the documents written so far span, in
// either order, and the documents' dates follow the order asked.
func TestMixWithinCheckpoint(t *testing.T) {
	pkgs, err := readPackages(strings.NewReader(testPackages(400)))
	if err != nil {
		t.Fatal(err)
	}
	for _, newestFirst := range []bool{false, true} {
		c := &corpus{pkgs: pkgs, size: 3000, end: testEnd, span: testSpan, newestFirst: newestFirst}
		first, last := c.doc(0).published, c.doc(c.size-1).published
		if newestFirst != first.After(last) {
			t.Errorf("newest first %v: document 0 at %v, the last at %v", newestFirst, first, last)
		}
		lo, hi := c.covered(1000)
		for i := range 1000 {
			if p := c.doc(i).published; p.Before(lo.Add(-time.Second)) || p.After(hi) {
				t.Fatalf("newest first %v: document %d at %v, outside the first thousand's %v..%v", newestFirst, i, p, lo, hi)
			}
		}
		if d := hi.Sub(lo); d < testSpan/3-time.Hour || d > testSpan/3+time.Hour {
			t.Errorf("newest first %v: a third of the documents cover %v of %v", newestFirst, d, testSpan)
		}
		months, quarters := 0, 0
		for _, s := range mix(c, 60, 1, 1000) {
			if !s.filtered() {
				continue
			}
			if s.since.Before(lo) {
				t.Errorf("newest first %v: %q from %v, before the documents written (%v)", newestFirst, s.q, s.since, lo)
			}
			switch s.until {
			case s.since.AddDate(0, 1, 0):
				months++
				if s.until.After(hi) {
					t.Errorf("newest first %v: a month to %v, past the documents written (%v)", newestFirst, s.until, hi)
				}
			case s.since.AddDate(0, 3, 0):
				quarters++
			default:
				t.Errorf("%q: %v..%v is neither a month nor a quarter", s.q, s.since, s.until)
			}
		}
		if months != 20 || quarters != 10 {
			t.Errorf("%d months and %d quarters, want 20 and 10", months, quarters)
		}
	}
}
