package index_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
)

func openMem(tb testing.TB) *index.Index {
	tb.Helper()
	ix, err := index.OpenMem()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	return ix
}

func doc(url, title, body string, published time.Time, comps, ents []string) index.Document {
	u, err := index.CanonicalURL(url)
	if err != nil {
		panic(err)
	}
	return index.Document{
		ID: index.DocID(u), URL: u, Title: title, Body: body, Source: "test",
		Published: published, Components: comps, Entities: ents, Technologies: []string{},
	}
}

var day = time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)

func TestUpsertNewUpdatedUnchanged(t *testing.T) {
	ix := openMem(t)
	ctx := context.Background()
	a := doc("https://example.com/a", "Alpha", "first body", day, []string{"own"}, []string{"Nokia"})
	b := doc("https://example.com/b", "Beta", "second body", time.Time{}, []string{}, []string{})

	res, err := ix.Upsert(ctx, []index.Document{a, b, a})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.New) != 2 || len(res.Updated) != 0 || res.Unchanged != 0 {
		t.Fatalf("first upsert: %+v", res)
	}
	got, err := ix.Get(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Published.IsZero() || !got.Published.Equal(got.Fetched) {
		t.Errorf("published should fall back to fetched: published=%v fetched=%v", got.Published, got.Fetched)
	}
	firstFetched := got.Fetched

	// Same content again, this time from another source and with no date:
	// nothing to write, first source and first fetch time kept.
	b2 := b
	b2.Source = "other"
	res, err = ix.Upsert(ctx, []index.Document{a, b2})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.New) != 0 || len(res.Updated) != 0 || res.Unchanged != 2 {
		t.Fatalf("second upsert: %+v", res)
	}

	// Changed body: updated in place.
	b3 := b
	b3.Body = "second body, corrected"
	res, err = ix.Upsert(ctx, []index.Document{b3})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Updated) != 1 || res.Updated[0] != b.ID {
		t.Fatalf("third upsert: %+v", res)
	}
	got, err = ix.Get(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Body != b3.Body || got.Source != "test" || !got.Fetched.Equal(firstFetched) {
		t.Errorf("after update: %+v", got)
	}
	if !got.Published.Equal(firstFetched) {
		t.Errorf("published fallback must stay the first fetch time, got %v want %v", got.Published, firstFetched)
	}
	if n, _ := ix.Count(); n != 2 {
		t.Errorf("count = %d, want 2", n)
	}
}

func TestGetNotFound(t *testing.T) {
	ix := openMem(t)
	_, err := ix.Get(context.Background(), "nope")
	if !errors.Is(err, index.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestEvidenceRoundTrip(t *testing.T) {
	ix := openMem(t)
	d := doc("https://example.com/e", "Intel's new chip", "body", day, []string{"others"}, []string{"Intel"})
	d.Evidence = []index.Evidence{{Entity: "Intel", Component: "others", Matched: "Intel", Field: "title"}}
	if _, err := ix.Upsert(context.Background(), []index.Document{d}); err != nil {
		t.Fatal(err)
	}
	got, err := ix.Get(context.Background(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Evidence, d.Evidence) {
		t.Errorf("evidence = %+v, want %+v", got.Evidence, d.Evidence)
	}
}

func TestOpenLockedIsAClearError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index")
	ix, err := index.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	start := time.Now()
	_, err = index.Open(path)
	if !errors.Is(err, index.ErrLocked) {
		t.Fatalf("second open: err = %v, want ErrLocked", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("second open took %v; it must fail promptly", time.Since(start))
	}
}

func TestReopenKeepsDocuments(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index")
	ix, err := index.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	d := doc("https://example.com/p", "Persisted", "kept across restarts", day, []string{}, []string{})
	if _, err := ix.Upsert(context.Background(), []index.Document{d}); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err = index.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	res, err := ix.Search(context.Background(), index.Query{Q: "restart"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 1 || !strings.Contains(res.Hits[0].Snippet, "<mark>restarts</mark>") {
		t.Fatalf("after reopen: total=%d hits=%+v", res.Total, res.Hits)
	}
}

func TestMarkGoneKeepsTheDocumentUntilItIsBack(t *testing.T) {
	ix := openMem(t)
	ctx := context.Background()
	d := doc("https://example.com/g", "Going", "soon gone", day, []string{}, []string{})
	if _, err := ix.Upsert(ctx, []index.Document{d}); err != nil {
		t.Fatal(err)
	}
	at := day.Add(48 * time.Hour)
	n, err := ix.MarkGone(ctx, []string{d.ID, "unknown"}, at)
	if err != nil || n != 1 {
		t.Fatalf("MarkGone = %d, %v", n, err)
	}
	got, err := ix.Get(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Gone.Equal(at) || got.Body != d.Body {
		t.Errorf("after MarkGone: %+v", got)
	}
	if n, _ := ix.MarkGone(ctx, []string{d.ID}, at.Add(time.Hour)); n != 0 {
		t.Errorf("marked twice")
	}
	// The page comes back with the same content: it is updated, not gone.
	res, err := ix.Upsert(ctx, []index.Document{d})
	if err != nil || len(res.Updated) != 1 {
		t.Fatalf("upsert after gone: %+v, %v", res, err)
	}
	if got, _ := ix.Get(ctx, d.ID); !got.Gone.IsZero() {
		t.Errorf("still gone after it came back: %v", got.Gone)
	}
}

func TestRetagChangesOnlyTags(t *testing.T) {
	ix := openMem(t)
	ctx := context.Background()
	var docs []index.Document
	for i := range 1200 { // more than one scan page
		title := "Ericsson news"
		if i%3 == 0 {
			title = "Nokia news"
		}
		docs = append(docs, doc(fmt.Sprintf("https://e.com/%d", i), title, "body", day, []string{}, []string{}))
	}
	if _, err := ix.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	before, _ := ix.Get(ctx, docs[0].ID)
	calls := 0
	seen, changed, err := ix.Retag(ctx, func(d *index.Document) {
		if strings.Contains(d.Title, "Nokia") {
			d.Entities, d.Components = []string{"Nokia"}, []string{"own"}
			d.Evidence = []index.Evidence{{Entity: "Nokia", Component: "own", Matched: "Nokia", Field: "title"}}
		}
	}, func(int, int) { calls++ })
	if err != nil || seen != 1200 || changed != 400 || calls == 0 {
		t.Fatalf("Retag = %d seen, %d changed, %v (%d progress calls)", seen, changed, err, calls)
	}
	after, _ := ix.Get(ctx, docs[0].ID)
	if !slices.Equal(after.Entities, []string{"Nokia"}) || len(after.Evidence) != 1 || !after.Updated.Equal(before.Updated) || after.Body != "body" {
		t.Errorf("after retag: %+v", after)
	}
	// A later fetch of the same content with the same tags writes nothing.
	d := docs[0]
	d.Entities, d.Components = []string{"Nokia"}, []string{"own"}
	if res, err := ix.Upsert(ctx, []index.Document{d}); err != nil || res.Unchanged != 1 {
		t.Errorf("upsert after retag: %+v, %v", res, err)
	}
}
