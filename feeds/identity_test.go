package feeds

import (
	"strings"
	"testing"
)

// TestIdentity holds the rule "a document is one item" on the shapes of
// real feeds that used to merge items.
func TestIdentity(t *testing.T) {
	show := "https://pod.example/show"
	tests := []struct {
		name     string
		feed     Feed
		wantKeys []string // "" where only the prefix below is checked
		prefix   []string
		wantURLs []string // "#item-" for an item anchor under the page before it
	}{
		{
			name: "podcast episodes all linking to the show's page",
			feed: Feed{FeedURL: "https://pod.example/feed", Items: []Item{
				{GUID: "ep-3", URL: show, Title: "Episode 3"},
				{GUID: "ep-2", URL: show, Title: "Episode 2"},
				{GUID: "ep-1", URL: show, Title: "Episode 1"},
			}},
			wantKeys: []string{"guid:ep-3", "guid:ep-2", "guid:ep-1"},
			wantURLs: []string{show, show + "#item-", show + "#item-"},
		},
		{
			name: "posts linked as parts of one page",
			feed: Feed{FeedURL: "https://blog.example/feed", Items: []Item{
				{URL: "https://blog.example/page.html#a080605", Title: "June 5"},
				{URL: "https://blog.example/page.html#a080604", Title: "June 4"},
			}},
			wantKeys: []string{"url:https://blog.example/page.html#a080605", "url:https://blog.example/page.html#a080604"},
			wantURLs: []string{"https://blog.example/page.html#a080605", "https://blog.example/page.html#a080604"},
		},
		{
			name: "a lone fragment link is the page",
			feed: Feed{FeedURL: "https://blog.example/feed", Items: []Item{
				{URL: "https://blog.example/post#more", Title: "Post"},
			}},
			wantKeys: []string{"url:https://blog.example/post"},
			wantURLs: []string{"https://blog.example/post"},
		},
		{
			name: "description-only items",
			feed: Feed{FeedURL: "https://status.example/feed", Items: []Item{
				{HTML: "<p>Service restored.</p>"},
				{HTML: "<p>Investigating errors.</p>"},
				{HTML: "<p>Service restored.</p>"}, // listed twice
			}},
			prefix:   []string{"td:", "td:", "td:"},
			wantURLs: []string{"https://status.example/feed#item-", "https://status.example/feed#item-"},
		},
		{
			name: "a sponsor post reusing a link, without GUIDs",
			feed: Feed{FeedURL: "https://blog.example/feed", Items: []Item{
				{URL: "https://blog.example/post", Title: "Post"},
				{URL: "https://blog.example/post", Title: "Sponsor: buy things"},
			}},
			prefix:   []string{"url:https://blog.example/post", "url:https://blog.example/post#"},
			wantURLs: []string{"https://blog.example/post", "https://blog.example/post#item-"},
		},
		{
			name: "the site's address as every GUID, on one link",
			feed: Feed{FeedURL: "https://moe.example/feed", Items: []Item{
				{GUID: "https://moe.example/spotlight/", URL: "https://proxy.example/x", Title: "Schools"},
				{GUID: "https://moe.example/spotlight/", URL: "https://proxy.example/x", Title: "Seminar"},
			}},
			prefix:   []string{"url:https://proxy.example/x", "url:https://proxy.example/x#"},
			wantURLs: []string{"https://proxy.example/x", "https://proxy.example/x#item-"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, keys, _ := tt.feed.DocumentsWithKeys("s", fetchedAt)
			checkDocuments(t, docs, fetchedAt)
			checkKeys(t, docs, keys)
			if len(docs) != len(tt.wantURLs) {
				t.Fatalf("%d documents, want %d: %q", len(docs), len(tt.wantURLs), keys)
			}
			for i, d := range docs {
				want := tt.wantURLs[i]
				if strings.HasSuffix(want, "#item-") {
					if !strings.HasPrefix(d.URL, want) || !ItemAnchor(d.URL) {
						t.Errorf("doc %d URL %q, want an item anchor under %q", i, d.URL, want)
					}
				} else if d.URL != want {
					t.Errorf("doc %d URL %q, want %q", i, d.URL, want)
				}
			}
			all := tt.feed.Keys()
			for i, w := range tt.wantKeys {
				if all[i] != w {
					t.Errorf("key %d %q, want %q", i, all[i], w)
				}
			}
			for i, p := range tt.prefix {
				if !strings.HasPrefix(all[i], p) {
					t.Errorf("key %d %q, want prefix %q", i, all[i], p)
				}
			}
		})
	}
}
