package feeds

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestKeys(t *testing.T) {
	day := time.Date(2024, 3, 5, 9, 30, 0, 0, time.UTC)
	long := strings.Repeat("g", maxKeyGUID+1)
	tests := []struct {
		name  string
		feed  Feed
		want  []string // "td:" alone means any title+date key
		check func(t *testing.T, keys []string)
	}{
		{name: "guid, then url, then title and date", feed: Feed{FeedURL: "https://e.org/feed", Items: []Item{
			{GUID: "tag:e.org,2024:1", URL: "https://e.org/1"},
			{URL: "https://E.org/2?utm_source=rss"},
			{GUID: "https://e.org/3"},
			{Title: "No link, no id", Published: day},
		}}, want: []string{"guid:tag:e.org,2024:1", "url:https://e.org/2", "guid:https://e.org/3", "td:"}},
		{name: "relative links resolve as documents do", feed: Feed{SiteURL: "https://site.example/blog/", Items: []Item{
			{URL: "p/1"},
		}}, want: []string{"url:https://site.example/blog/p/1"}},
		{name: "a long GUID is hashed", feed: Feed{Items: []Item{{GUID: long, URL: "https://e.org/1"}}},
			check: func(t *testing.T, keys []string) {
				if !strings.HasPrefix(keys[0], "guid:sha256:") || len(keys[0]) != len("guid:sha256:")+64 {
					t.Errorf("key %q", keys[0])
				}
			}},
		{name: "a GUID shared by different links identifies none of them", feed: Feed{Items: []Item{
			{GUID: "https://e.org/", URL: "https://e.org/a"},
			{GUID: "https://e.org/", URL: "https://e.org/b"},
			{GUID: "fine", URL: "https://e.org/c"},
		}}, want: []string{"url:https://e.org/a", "url:https://e.org/b", "guid:fine"}},
		{name: "a GUID repeated with the same link is one item", feed: Feed{Items: []Item{
			{GUID: "g", URL: "https://e.org/a"},
			{GUID: "g", URL: "https://e.org/a#comments"},
		}}, want: []string{"guid:g", "guid:g"}},
		{name: "title and date: markup does not matter, the date does", feed: Feed{Items: []Item{
			{Title: "Hello <b>world</b>", Published: day},
			{Title: "Hello world", Published: day},
			{Title: "Hello world", Published: day.Add(time.Hour)},
			{Title: "Hello world"},
		}}, check: func(t *testing.T, keys []string) {
			if keys[0] != keys[1] || keys[1] == keys[2] || keys[2] == keys[3] || !strings.HasPrefix(keys[3], "td:") {
				t.Errorf("keys %q", keys)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys := tt.feed.Keys()
			if len(keys) != len(tt.feed.Items) {
				t.Fatalf("%d keys for %d items", len(keys), len(tt.feed.Items))
			}
			for i, w := range tt.want {
				if keys[i] != w && (w != "td:" || !strings.HasPrefix(keys[i], "td:") || len(keys[i]) != 3+32) {
					t.Errorf("key %d = %q, want %q", i, keys[i], w)
				}
			}
			if tt.check != nil {
				tt.check(t, keys)
			}
		})
	}
}

func TestDocumentsWithKeys(t *testing.T) {
	feed := Feed{FeedURL: "https://e.org/feed", Items: []Item{
		{GUID: "g1", URL: "https://e.org/a", Title: "A"},
		{Title: "no link: anchored", Published: fetchedAt.Add(-time.Hour)},
		{},
		{GUID: "g1", URL: "https://e.org/a", Title: "A", HTML: "listed twice: dropped"},
		{URL: "https://e.org/b", Title: "B"},
		{GUID: "g3", URL: "https://e.org/b", Title: "B under another GUID: another item"},
		{GUID: "https://e.org/c", Title: "C, by its GUID"},
	}}
	docs, keys, skipped := feed.DocumentsWithKeys("src", fetchedAt)
	checkDocuments(t, docs, fetchedAt)
	wantKeys := []string{"guid:g1", titleDateKey(feed.Items[1]), "url:https://e.org/b", "guid:g3", "guid:https://e.org/c"}
	if !slices.Equal(keys, wantKeys) || skipped != 1 {
		t.Errorf("keys %q, skipped %d; want %q, 1", keys, skipped, wantKeys)
	}
	var titles []string
	for _, d := range docs {
		titles = append(titles, d.Title)
	}
	if want := []string{"A", "no link: anchored", "B", "B under another GUID: another item", "C, by its GUID"}; !slices.Equal(titles, want) {
		t.Errorf("titles %q, want %q", titles, want)
	}
	plain, plainSkipped := feed.Documents("src", fetchedAt)
	if len(plain) != len(docs) || plainSkipped != skipped {
		t.Errorf("Documents gave %d documents, %d skipped; DocumentsWithKeys %d, %d", len(plain), plainSkipped, len(docs), skipped)
	}
}

// TestKeysAcrossFetches is what the keys are for: the same items fetched
// twice, after the site moved one story and edited another, keep their keys,
// so that the caller updates the old documents instead of adding new ones.
func TestKeysAcrossFetches(t *testing.T) {
	before := `<rss version="2.0"><channel><title>T</title><link>https://news.example/</link>
		<item><guid isPermaLink="false">story-1</guid><link>https://news.example/2024/03/story</link><title>Story</title></item>
		<item><link>https://news.example/no-guid</link><title>No GUID</title><description>first text</description></item>
	</channel></rss>`
	after := `<rss version="2.0"><channel><title>T</title><link>https://news.example/</link>
		<item><guid isPermaLink="false">story-1</guid><link>https://news.example/2024/03/story-renamed?utm_source=rss</link><title>Story, retitled</title></item>
		<item><link>https://news.example/no-guid</link><title>No GUID</title><description>edited text</description></item>
		<item><guid>story-2</guid><link>https://news.example/new</link><title>New</title></item>
	</channel></rss>`
	var runs [2][]string
	for i, body := range []string{before, after} {
		f, err := Parse([]byte(body), "https://news.example/feed", "application/rss+xml")
		if err != nil {
			t.Fatal(err)
		}
		_, runs[i], _ = f.DocumentsWithKeys("news", fetchedAt)
	}
	want := [2][]string{
		{"guid:story-1", "url:https://news.example/no-guid"},
		{"guid:story-1", "url:https://news.example/no-guid", "guid:story-2"},
	}
	if !slices.Equal(runs[0], want[0]) || !slices.Equal(runs[1], want[1]) {
		t.Errorf("keys %q, want %q", runs, want)
	}
}

// TestKeysOfFormats checks that each format's own identifier is the GUID.
func TestKeysOfFormats(t *testing.T) {
	tests := []struct{ file, feedURL, want string }{
		{"rss2.xml", "https://news.example.com/feed.xml", "guid:"},
		{"atom.xml", "https://blog.example.org/feed", "guid:"},
		{"jsonfeed.json", "https://json.example.com/feed.json", "guid:"},
		{"rss1-rdf.xml", "https://rdf.example.org/index.rdf", "url:"}, // RSS 1.0 items have no id
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := Parse(readTestdata(t, tt.file), tt.feedURL, "")
			if err != nil {
				t.Fatal(err)
			}
			docs, keys, _ := f.DocumentsWithKeys("s", fetchedAt)
			if len(keys) != len(docs) || len(keys) == 0 {
				t.Fatalf("%d keys for %d documents", len(keys), len(docs))
			}
			if !strings.HasPrefix(keys[0], tt.want) {
				t.Errorf("first key %q, want a %q one", keys[0], tt.want)
			}
			checkKeys(t, docs, keys)
		})
	}
}

// checkKeys fails unless there is one key per document and no key repeats.
func checkKeys[D any](tb testing.TB, docs []D, keys []string) {
	tb.Helper()
	if len(keys) != len(docs) {
		tb.Fatalf("%d keys for %d documents", len(keys), len(docs))
	}
	seen := map[string]bool{}
	for i, k := range keys {
		if k == "" || seen[k] {
			tb.Errorf("key %d %q is empty or repeated", i, k)
		}
		seen[k] = true
	}
}
