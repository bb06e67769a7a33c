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
	ms := mix(c, 24, 1)
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
