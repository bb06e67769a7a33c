package datadir_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/story"
)

// TestStorySignaturesKeptInStore: documents indexed through an open data
// directory leave their story signatures in its state store, so that the
// next start restores the clusterer from there.
func TestStorySignaturesKeptInStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data")
	d, err := datadir.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	u, err := index.CanonicalURL("https://news.example/a")
	if err != nil {
		t.Fatal(err)
	}
	doc := index.Document{ID: index.DocID(u), URL: u, Title: "Nokia opens a 6G lab",
		Body: "Nokia has opened a 6G research centre in Ottawa that will employ 300 engineers.", Source: "test",
		Published: time.Now().Add(-time.Hour)}
	if _, err := d.Index.Upsert(context.Background(), []index.Document{doc}); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d, err = datadir.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var got []story.Record
	err = d.Store.Signatures(time.Now().Add(-24*time.Hour), func(r story.Record) error { got = append(got, r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != doc.ID || got[0].Sig.Shingles == 0 {
		t.Fatalf("kept signatures: %+v", got)
	}
	if _, complete, err := d.Store.SignaturesFilled(); err != nil || !complete {
		t.Errorf("signatures of a new data directory not marked complete: %v %v", complete, err)
	}
}
