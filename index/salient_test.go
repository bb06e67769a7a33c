package index_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/tag"
)

// TestSalientFilterAndFields: documents tagged by the real tagger keep
// their salience through the index; Query.Salient filters on it.
func TestSalientFilterAndFields(t *testing.T) {
	ix, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	tg, err := tag.New([]tag.Entity{{Name: "Nokia", Role: "own"}, {Name: "Ericsson", Role: "competitor"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var docs []index.Document
	for i, d := range [][2]string{
		{"Nokia wins 5G deal", "Nokia will supply radios to an operator in Finland."},
		{"Market shares in RAN", "Ericsson leads. Ericsson grew. Ericsson gained. " +
			"The market stayed flat this year across every region we track closely and reports. " +
			"Analysts expect more of the same next year, with prices falling. Nokia was third."},
	} {
		u := fmt.Sprintf("https://news.example/%d", i)
		doc := index.Document{ID: index.DocID(u), URL: u, Title: d[0], Body: d[1], Source: "news",
			Published: time.Date(2026, 11, 2+i, 0, 0, 0, 0, time.UTC)}
		tg.Tag(&doc, nil)
		docs = append(docs, doc)
	}
	ctx := context.Background()
	if _, err := ix.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		salient bool
		want    int
	}{{false, 2}, {true, 1}} {
		res, err := ix.Search(ctx, index.Query{Entities: []string{"Nokia"}, Salient: tc.salient})
		if err != nil {
			t.Fatal(err)
		}
		if int(res.Total) != tc.want {
			t.Errorf("Nokia, salient %t: %d documents, want %d", tc.salient, res.Total, tc.want)
		}
	}
	got, err := ix.Get(ctx, docs[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Primary != "others" || !slices.Equal(got.Salient, []string{"Ericsson"}) || len(got.Salience) != 2 {
		t.Errorf("stored salience: primary %q salient %q salience %+v", got.Primary, got.Salient, got.Salience)
	}
}

// TestRetagFillsSalience: a document indexed without salience (before it
// existed) gets it at the first retag, though its tags are the same.
func TestRetagFillsSalience(t *testing.T) {
	ix, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	tg, err := tag.New([]tag.Entity{{Name: "Nokia", Role: "own"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	u := "https://news.example/old"
	doc := index.Document{ID: index.DocID(u), URL: u, Title: "Nokia wins deal", Body: "Nokia will supply radios.", Source: "news",
		Published: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)}
	tg.Tag(&doc, nil)
	old := doc
	old.Salient, old.Primary, old.Salience = nil, "", nil
	ctx := context.Background()
	if _, err := ix.Upsert(ctx, []index.Document{old}); err != nil {
		t.Fatal(err)
	}
	// The same page fetched again is no change, salience or not.
	if res, err := ix.Upsert(ctx, []index.Document{doc}); err != nil || res.Unchanged != 1 {
		t.Fatalf("re-fetch: %+v, %v; want unchanged", res, err)
	}
	_, changed, err := ix.Retag(ctx, func(d *index.Document) { tg.Tag(d, nil) }, nil)
	if err != nil || changed != 1 {
		t.Fatalf("retag changed %d, %v; want 1", changed, err)
	}
	got, err := ix.Get(ctx, doc.ID)
	if err != nil || got.Primary != "own" || !slices.Equal(got.Salient, []string{"Nokia"}) {
		t.Errorf("after retag: %+v, %v", got, err)
	}
}
