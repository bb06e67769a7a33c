package index

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRescoreLiftsThePhrase: of documents with the same words, equally
// often and equally long, those where the words stand together rank
// first, in every partition layout.
func TestRescoreLiftsThePhrase(t *testing.T) {
	ix, err := openMem(monthly())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var docs []Document
	together := map[string]bool{}
	base := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	for i := range 40 {
		u := fmt.Sprintf("https://news.example/a/%d", i)
		body := "network alpha beta slicing gamma delta"
		if i%4 == 0 {
			body = "alpha network slicing beta gamma delta"
			together[DocID(u)] = true
		}
		docs = append(docs, Document{ID: DocID(u), URL: u, Source: "s", Title: fmt.Sprintf("report %d", i), Body: body,
			Published:  base.AddDate(0, i%3, 0), // three partitions
			Components: []string{}, Entities: []string{}, Technologies: []string{}})
	}
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(context.Background(), Query{Q: "network slicing", Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 40 || len(res.Hits) != 40 {
		t.Fatalf("total %d, %d hits; want 40", res.Total, len(res.Hits))
	}
	for i, h := range res.Hits {
		if want := i < len(together); together[h.ID] != want {
			t.Fatalf("hit %d (%s) has the phrase: %v; want the %d with it first", i, h.URL, together[h.ID], len(together))
		}
	}
}

// TestRescorePagesStay: with a window smaller than the matches, paging
// by the next cursor reads every match once, and the pages are the slices
// of one long page: the window (the first hits of the words alone,
// reordered, in descending score), then the others (likewise).
func TestRescorePagesStay(t *testing.T) {
	ix := requestCorpusEvery(t, 300, 24*time.Hour) // five partitions
	ix.window = 7
	ctx := context.Background()
	for _, text := range []string{"network slicing", "radio operators", "+trial +spring"} {
		t.Run(text, func(t *testing.T) {
			long, err := ix.Search(ctx, Query{Q: text, Limit: MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			if long.Total <= 7 {
				t.Fatalf("%d matches: the test needs more than the window", long.Total)
			}
			var paged []Hit
			q := Query{Q: text, Limit: 3}
			for pages := 0; ; pages++ {
				if pages > int(long.Total) {
					t.Fatalf("paging does not end: %d pages read", pages)
				}
				res, err := ix.Search(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				paged = append(paged, res.Hits...)
				if res.Next == "" {
					break
				}
				q.After = res.Next
			}
			if uint64(len(paged)) != long.Total {
				t.Fatalf("paging read %d hits of %d", len(paged), long.Total)
			}
			seen := map[string]bool{}
			for i, h := range paged {
				if seen[h.ID] {
					t.Fatalf("hit %d (%s) read twice", i, h.ID)
				}
				seen[h.ID] = true
				// In descending score within the window, and after it.
				if i > 0 && i != 7 && h.Score > paged[i-1].Score {
					t.Errorf("hit %d scores %v after %v", i, h.Score, paged[i-1].Score)
				}
				if i < len(long.Hits) && long.Hits[i].ID != h.ID {
					t.Fatalf("paged hit %d is %s, the long page's %s", i, h.ID, long.Hits[i].ID)
				}
			}
			// The window: the first seven by the words alone (plan's
			// request without the phrase), in another order.
			req, rs, err := ix.plan(Query{Q: text, Limit: 7, NoFacets: true})
			if err != nil || !rs.on {
				t.Fatalf("plan: %v, rescoring %+v", err, rs)
			}
			first, err := ix.Bleve().SearchInContext(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			var words, window []string
			for i, h := range first.Hits {
				words = append(words, h.ID)
				window = append(window, paged[i].ID)
			}
			slices.Sort(words)
			slices.Sort(window)
			if !slices.Equal(words, window) {
				t.Errorf("the first seven hits are not the words' first seven:\n%v\n%v", window, words)
			}
		})
	}
}

// TestRescorePagesBelowArticles: a front page or a listing with the same
// words as articles ranks below them.
func TestRescorePagesBelowArticles(t *testing.T) {
	ix, err := openMem(monthly())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var docs []Document
	for i, u := range []string{"https://a.example/", "https://b.example/tag/radio", "https://c.example/news/1",
		"https://c.example/news/2", "https://d.example/category/radio/page/2", "https://c.example/news/3"} {
		docs = append(docs, Document{ID: DocID(u), URL: u, Source: "s", Title: "radio news", Body: "open radio networks " + fmt.Sprint(i),
			Published: time.Date(2026, 2, 1+i, 0, 0, 0, 0, time.UTC), Components: []string{}, Entities: []string{}, Technologies: []string{}})
	}
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(context.Background(), Query{Q: "radio networks"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range res.Hits {
		got = append(got, h.URL)
	}
	if len(got) != 6 {
		t.Fatalf("hits %q", got)
	}
	for _, u := range got[:3] {
		if !strings.Contains(u, "/news/") {
			t.Errorf("a page among the first three: %q", got)
		}
	}
}
