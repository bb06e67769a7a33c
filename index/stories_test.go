package index_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/techintel/techintel/index"
)

// release is a press release as syndicated: each copy trims or adds a little.
const release = `Nokia and Vodafone today announced a multi-year agreement to deploy
Open RAN sites across Europe, starting with 2,500 sites in the United Kingdom. The
deployment uses Nokia's AirScale portfolio and cloud RAN software running on
commercial servers, and will be complete by the end of 2027. "This is the largest
Open RAN roll-out in Europe," said the head of networks at Vodafone. The companies
will also work on energy savings, with a target of cutting power use per site by
30 percent through software that puts radios to sleep when traffic is low.`

func storyDocs(at time.Time) []index.Document {
	return []index.Document{
		doc("https://newswire.example/nokia-vodafone", "Nokia and Vodafone sign Open RAN deal", release, at, nil, nil),
		doc("https://telecoms.example/2026/11/vodafone-picks-nokia", "Vodafone picks Nokia for 2,500 Open RAN sites",
			"LONDON - "+strings.Replace(release, "The companies\nwill also work on energy savings", "They will also work on energy savings", 1)+" About Vodafone: Vodafone is a telecoms company.", at.Add(3*time.Hour), nil, nil),
		doc("https://other.example/ericsson-results", "Ericsson reports third-quarter results",
			"Ericsson reported net sales of SEK 60 billion for the third quarter, with margins up in its networks business and a weaker market in North America. The company expects the RAN market to stay flat next year.", at, nil, nil),
	}
}

func TestUpsertAssignsStories(t *testing.T) {
	ix := openMem(t)
	ctx := context.Background()
	docs := storyDocs(day)
	if _, err := ix.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	stories := map[string]string{}
	for _, d := range docs {
		got, err := ix.Get(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		stories[d.URL] = got.Story
	}
	first, copy, other := stories[docs[0].URL], stories[docs[1].URL], stories[docs[2].URL]
	if first != docs[0].ID {
		t.Errorf("the first document of a story should name it: story %q, id %q", first, docs[0].ID)
	}
	if copy != first {
		t.Errorf("syndicated copy got story %q, want %q", copy, first)
	}
	if other == first || other != docs[2].ID {
		t.Errorf("unrelated document got story %q", other)
	}

	// An update keeps the story, even when the text drifts.
	upd := docs[1]
	upd.Body += " Update: the first sites went live in Manchester."
	res, err := ix.Upsert(ctx, []index.Document{upd})
	if err != nil || len(res.Updated) != 1 {
		t.Fatalf("update: %+v, %v", res, err)
	}
	got, _ := ix.Get(ctx, upd.ID)
	if got.Story != first {
		t.Errorf("updated copy moved to story %q", got.Story)
	}
}

func TestStoriesSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index")
	ctx := context.Background()
	at := time.Now().Add(-24 * time.Hour) // within the horizon loaded at open
	docs := storyDocs(at)
	ix, err := index.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Upsert(ctx, docs[:1]); err != nil {
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
	if _, err := ix.Upsert(ctx, docs[1:]); err != nil {
		t.Fatal(err)
	}
	got, err := ix.Get(ctx, docs[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Story != docs[0].ID {
		t.Errorf("a copy indexed after a restart should join the story of %s; got %q", docs[0].ID, got.Story)
	}
}

func TestSearchCollapse(t *testing.T) {
	ix := openMem(t)
	ctx := context.Background()
	docs := storyDocs(day)
	third := doc("https://blog.example/p/123", "Nokia wins Vodafone Open RAN", release+" Our take: a big win.", day.Add(time.Hour), nil, nil)
	third.Source = "blog"
	docs = append(docs, third)
	if _, err := ix.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}

	plain, err := ix.Search(ctx, index.Query{Q: "RAN"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(ctx, index.Query{Q: "RAN", Collapse: true})
	if err != nil {
		t.Fatal(err)
	}
	if plain.Total != 4 || len(plain.Hits) != 4 {
		t.Fatalf("plain search: total %d, %d hits; want 4", plain.Total, len(plain.Hits))
	}
	if res.Total != plain.Total || res.Facets.Sources["blog"] != 1 {
		t.Errorf("collapse should keep document counts: total %d, facets %v", res.Total, res.Facets.Sources)
	}
	if len(res.Hits) != 2 {
		t.Fatalf("collapsed: %d hits, want one per story (2): %+v", len(res.Hits), res.Hits)
	}
	var story index.Hit
	for _, h := range res.Hits {
		if h.Story == docs[0].ID {
			story = h
		}
	}
	if story.StorySize != 3 || len(story.Also) != 2 {
		t.Fatalf("story hit: size %d, also %+v; want 3 and the 2 other copies", story.StorySize, story.Also)
	}
	for _, c := range story.Also {
		if c.ID == story.ID || c.URL == "" || c.Source == "" {
			t.Errorf("bad copy %+v of %s", c, story.ID)
		}
	}
	// The leader is the best-ranked copy: the first of the plain hits of its story.
	for _, h := range plain.Hits {
		if h.Story == story.Story {
			if h.ID != story.ID {
				t.Errorf("leader %s, want the best-ranked copy %s", story.ID, h.ID)
			}
			break
		}
	}

	// Paging by offset walks stories, not documents.
	p2, err := ix.Search(ctx, index.Query{Q: "RAN", Collapse: true, Limit: 1, Offset: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(p2.Hits) != 1 || p2.Hits[0].ID != res.Hits[1].ID {
		t.Errorf("second page: %+v, want %s", p2.Hits, res.Hits[1].ID)
	}
	if _, err := ix.Search(ctx, index.Query{Q: "RAN", Collapse: true, After: plain.Next + "x"}); err == nil {
		t.Error("collapse with an after cursor should be a bad query")
	}
}

func TestOpenRefusesOlderMapping(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index")
	bi, err := bleve.New(path, index.NewMapping())
	if err != nil {
		t.Fatal(err)
	}
	if err := bi.SetInternal([]byte("techintel_mapping"), []byte("1")); err != nil {
		t.Fatal(err)
	}
	bi.Close()
	_, err = index.Open(path)
	if err == nil || !strings.Contains(err.Error(), "older techintel") {
		t.Fatalf("open of a version-1 index: %v", err)
	}
}
