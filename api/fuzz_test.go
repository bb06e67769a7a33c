package api

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
)

// FuzzParseSearchQuery feeds raw query strings through the API's
// parameter parsing and then a real (in-memory) index: nothing panics, a
// parsed query is within bounds, and a search fails only as a bad query.
func FuzzParseSearchQuery(f *testing.F) {
	ix, err := index.OpenMem()
	if err != nil {
		f.Fatal(err)
	}
	defer ix.Close()
	var docs []index.Document
	for i, title := range []string{"Nokia ships <b>5G</b> radios", "Ericsson wins Vodafone deal", "Open RAN & O-RAN: what's new"} {
		u := fmt.Sprintf("https://news.example/%d", i)
		docs = append(docs, index.Document{ID: index.DocID(u), URL: u, Title: title, Body: title + " <script>x</script> body text",
			Source: "news", Published: time.Date(2026, 11, 2+i, 0, 0, 0, 0, time.UTC),
			Components: []string{"own"}, Entities: []string{"Nokia"}, Technologies: []string{"Open RAN"}})
	}
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"", "q=nokia", "q=nokia~9", "q=title:radio*&component=own&sort=date&limit=5",
		"q=%2Bnokia+-ericsson&since=2026-11-01&until=2026-11-03", "q=/[a-z]+/", "q=*", "q=a*b*c*d*e*",
		"limit=0", "limit=101", "offset=-1", "offset=99999999", "after=bm9wZQ", "after=!!", "since=yesterday",
		"q=%22open+ran%22", "q=published:>2026-01-01", "q=score:>1", "q=(((((", "q=\x00", "component=friends",
		"entity=Nokia&entity=&technology=Open+RAN&source=news", "sort=random", "q=nokia^1000", "bogus=1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := ParseSearchQuery(v)
		if err != nil {
			if err.Error() == "" {
				t.Errorf("empty error for %q", raw)
			}
			return
		}
		if q.Limit < 1 || q.Limit > index.MaxLimit {
			t.Errorf("limit %d accepted from %q", q.Limit, raw)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := ix.Search(ctx, q)
		if err != nil {
			if !errors.Is(err, index.ErrBadQuery) && ctx.Err() == nil {
				t.Errorf("query %q failed as something other than a bad query: %v", raw, err)
			}
			return
		}
		for _, h := range res.Hits {
			if rest := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(h.Snippet); strings.Contains(rest, "<") {
				t.Errorf("snippet with markup for %q: %q", raw, h.Snippet)
			}
		}
	})
}
