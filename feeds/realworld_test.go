package feeds

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRealWorldShapes parses the feeds of testdata/realworld (see its
// README) and checks what each one once lost.
func TestRealWorldShapes(t *testing.T) {
	tests := []struct {
		file, feedURL string
		check         func(t *testing.T, f *Feed, titles, urls []string, pub []time.Time, bodies []string)
	}{
		{"podcast-show-links.xml", "https://podcast.example/feed", func(t *testing.T, f *Feed, titles, urls []string, _ []time.Time, _ []string) {
			if len(titles) != 3 || urls[0] != "https://podcast.example/show" || !ItemAnchor(urls[1]) || !ItemAnchor(urls[2]) {
				t.Errorf("episodes %q at %q, want 3, the first at the show's page", titles, urls)
			}
		}},
		{"fragment-links.xml", "https://notes.example/feed", func(t *testing.T, f *Feed, titles, urls []string, _ []time.Time, _ []string) {
			want := []string{"https://notes.example/page.html#a080605", "https://notes.example/page.html#a080604", "https://notes.example/page.html#a080603"}
			if !slices.Equal(urls, want) {
				t.Errorf("URLs %q, want %q", urls, want)
			}
		}},
		{"sponsor-same-link.xml", "https://blog.example/feed", func(t *testing.T, f *Feed, titles, urls []string, _ []time.Time, _ []string) {
			if want := []string{"Our take on network slicing", "Sponsored: a slicing toolkit"}; !slices.Equal(titles, want) {
				t.Errorf("titles %q, want %q", titles, want)
			}
		}},
		{"blogger-iframe.atom", "https://radionotes.example.blogspot.com/feeds/posts/default", func(t *testing.T, f *Feed, _, _ []string, _ []time.Time, bodies []string) {
			if len(bodies) != 1 || strings.Contains(bodies[0], "</p>") || !strings.Contains(bodies[0], "We mounted the small cell on the lamp post.") {
				t.Errorf("body %q: markup leaked or text lost", bodies)
			}
		}},
		{"jsonfeed-entities.json", "https://weekly.example/feed.json", func(t *testing.T, f *Feed, titles, _ []string, _ []time.Time, _ []string) {
			if want := "‘Open RAN is here’, says operator & vendor"; len(titles) != 1 || titles[0] != want {
				t.Errorf("title %q, want %q", titles, want)
			}
		}},
		{"portuguese-dates.xml", "https://noticias.example/feed", func(t *testing.T, f *Feed, _, _ []string, pub []time.Time, _ []string) {
			want := []time.Time{
				time.Date(2018, 9, 24, 22, 18, 49, 0, time.UTC), time.Date(2022, 11, 16, 0, 0, 0, 0, time.UTC),
				time.Date(2018, 1, 6, 8, 0, 0, 0, time.UTC), time.Date(2020, 1, 10, 14, 33, 0, 0, time.UTC),
				time.Date(2023, 12, 16, 14, 2, 33, 0, time.UTC),
			}
			if !slices.EqualFunc(pub, want, time.Time.Equal) {
				t.Errorf("dates %v, want %v", pub, want)
			}
		}},
		{"bare-query.xml", "https://news.example/feed", func(t *testing.T, f *Feed, _, urls []string, _ []time.Time, _ []string) {
			want := []string{"https://news.example/news/326649?rss", "https://news.example/news/326650?id=7&rss"}
			if !slices.Equal(urls, want) {
				t.Errorf("URLs %q, want %q", urls, want)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := Parse(readTestdata(t, "realworld/"+tt.file), tt.feedURL, "")
			if err != nil {
				t.Fatal(err)
			}
			docs, keys, _ := f.DocumentsWithKeys("s", fetchedAt)
			checkDocuments(t, docs, fetchedAt)
			checkKeys(t, docs, keys)
			var titles, urls, bodies []string
			var pub []time.Time
			for _, d := range docs {
				titles, urls, bodies, pub = append(titles, d.Title), append(urls, d.URL), append(bodies, d.Body), append(pub, d.Published)
			}
			tt.check(t, f, titles, urls, pub, bodies)
		})
	}
}
