package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
)

// TestLoadWhileIndexing is the short version of the documented load run:
// 50 clients search a real index through the real API for a few seconds
// while documents keep being indexed; no request may fail. It loads the
// machine, so it is a long test: TECHINTEL_LONG_TESTS=1 (make test-long).
func TestLoadWhileIndexing(t *testing.T) {
	if testing.Short() || os.Getenv("TECHINTEL_LONG_TESTS") != "1" {
		t.Skip("a load test; set TECHINTEL_LONG_TESTS=1 (make test-long) to run it")
	}
	ix, err := index.Open(t.TempDir() + "/index.bleve")
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	batch := func(from, n int) {
		var docs []index.Document
		for i := from; i < from+n; i++ {
			title, body := worldText(i)
			u := fmt.Sprintf("https://load.example/%d", i)
			docs = append(docs, index.Document{ID: index.DocID(u), URL: u, Title: title, Body: body, Source: "load",
				Published:  time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour),
				Components: []string{"own"}, Entities: []string{worldOrgs[i%len(worldOrgs)]}, Technologies: []string{}})
		}
		if _, err := ix.Upsert(ctx, docs); err != nil && ctx.Err() == nil {
			t.Error(err)
		}
	}
	batch(0, 2000)
	indexed := make(chan int)
	go func() {
		n := 2000
		for ctx.Err() == nil {
			batch(n, 100)
			n += 100
		}
		indexed <- n
	}()
	// The search timeout is generous: the test is about no failed request
	// under load on a machine that may be far busier than production.
	srv := httptest.NewServer(api.New(api.Options{Searcher: ix, SearchTimeout: time.Minute}))
	defer srv.Close()

	rep, err := Run(context.Background(), Config{URL: srv.URL, Clients: 50, Duration: 10 * time.Second, PID: os.Getpid()})
	cancel()
	n := <-indexed
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rep.Print(&b)
	t.Logf("%d documents indexed meanwhile\n%s", n-2000, b.String())
	if rep.Requests == 0 || rep.Errors != 0 || rep.Statuses["200"] != rep.Requests {
		t.Errorf("requests %d, errors %d, statuses %v, first error %q", rep.Requests, rep.Errors, rep.Statuses, rep.FirstError)
	}
	if !(rep.P50MS <= rep.P95MS && rep.P95MS <= rep.P99MS && rep.P99MS <= rep.MaxMS) {
		t.Errorf("percentiles out of order: %+v", rep)
	}
	if rep.PeakRSSMB <= 0 {
		t.Errorf("peak RSS of this process not measured")
	}
}

func TestWorld(t *testing.T) {
	srv := httptest.NewServer(newWorld(10, 2, time.Now()))
	defer srv.Close()
	for path, want := range map[string]string{
		"/site/":      `href="/site/p/1"`,
		"/site/p/4":   `href="/site/p/9"`,
		"/feed/1.xml": "<item><title>",
		"/robots.txt": "Allow: /",
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d, want %q in %.200s", path, resp.StatusCode, want, b)
		}
	}
	for _, path := range []string{"/site/p/10", "/site/p/-1", "/feed/2.xml", "/feed/x.xml"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
}
