package index_test

import (
	"context"
	"testing"

	"github.com/techintel/techintel/index"
)

// TestPrepareGivesTheSameStories: documents prepared before Upsert (their
// signatures computed off the writer's lock) get the stories unprepared
// ones get, and a document edited after Prepare is clustered by its new
// text, not by the signature prepared for the old one.
func TestPrepareGivesTheSameStories(t *testing.T) {
	ctx := context.Background()
	storiesOf := func(ix *index.Index, docs []index.Document) []string {
		t.Helper()
		out := make([]string, len(docs))
		for i, d := range docs {
			got, err := ix.Get(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			out[i] = got.Story
		}
		return out
	}
	for _, tc := range []struct {
		name string
		edit func(docs []index.Document) // after Prepare
	}{
		{"as prepared", func([]index.Document) {}},
		// The copy's text becomes the unrelated document's: its prepared
		// signature (of the press release) would put it in the release's
		// story.
		{"edited after Prepare", func(docs []index.Document) {
			docs[1].Title, docs[1].Body = docs[2].Title, docs[2].Body+" Updated."
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plain, prepped := storyDocs(day), storyDocs(day)
			index.Prepare(prepped)
			tc.edit(prepped)
			tc.edit(plain)
			a, b := openMem(t), openMem(t)
			if _, err := a.Upsert(ctx, plain); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Upsert(ctx, prepped); err != nil {
				t.Fatal(err)
			}
			want, got := storiesOf(a, plain), storiesOf(b, prepped)
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("document %d: story %q prepared, %q not", i, got[i], want[i])
				}
			}
			// The stories themselves: the copy joins the release's story
			// only while it is a copy of it.
			joined := got[1] == got[0]
			if joined != (tc.name == "as prepared") {
				t.Errorf("copy in the release's story: %v; stories %q", joined, got)
			}
		})
	}
}

// TestPrepareCaps: Prepare cuts fields as Upsert does, so that what a
// caller percolates or journals after it is what gets stored.
func TestPrepareCaps(t *testing.T) {
	long := make([]byte, index.MaxBodyBytes+100)
	for i := range long {
		long[i] = 'a'
	}
	docs := []index.Document{doc("https://e.example/long", "t", string(long), day, nil, nil)}
	index.Prepare(docs)
	if len(docs[0].Body) > index.MaxBodyBytes {
		t.Errorf("body of %d bytes after Prepare, cap %d", len(docs[0].Body), index.MaxBodyBytes)
	}
}
