package feeds

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// feedCorpusDirs hold real feeds from other feed parsers' test suites
// (node-feedparser and ROME).
var feedCorpusDirs = []string{"../../shared/corpora/feeds/node-feedparser", "../../shared/corpora/feeds/rome"}

// minRetention is the share of the items gofeed parses that must become
// documents over the corpus.
const minRetention = 0.995

// corpusFeed is one file of the feed corpus.
type corpusFeed struct {
	name string
	body []byte
}

func loadFeedCorpus(tb testing.TB) []corpusFeed {
	tb.Helper()
	var out []corpusFeed
	for _, dir := range feedCorpusDirs {
		files, err := os.ReadDir(dir)
		if err != nil {
			tb.Skipf("feed corpus not found at %s (%v): skipping", dir, err)
		}
		for _, f := range files {
			if f.IsDir() || strings.HasPrefix(f.Name(), "LICENSE") || strings.HasPrefix(f.Name(), "README") {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, f.Name()))
			if err != nil {
				tb.Fatal(err)
			}
			// A gzipped file stands for a response with Content-Encoding:
			// gzip, which Fetch decompresses before Parse.
			if bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
				if zr, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
					if u, err := io.ReadAll(zr); err == nil {
						b = u
					}
				}
			}
			out = append(out, corpusFeed{name: filepath.Base(dir) + "/" + f.Name(), body: b})
		}
	}
	return out
}

// mojibake are the marks of text decoded with the wrong charset: UTF-8
// read as windows-1252 ("Ã©", "â€™"), or bytes no decoder could map.
var mojibake = []string{"\uFFFD", "Ã©", "Ã¨", "Ã¶", "Ã¼", "â€™", "â€œ", "â€\u009d", "Ã\u00a0"}

// TestFeedCorpusRetention parses every feed of the corpus with gofeed alone
// and with Parse and Documents, and holds the share of gofeed's items kept
// as documents to minRetention, with no feed that gofeed parses failing,
// no mojibake, and every item date gofeed reads parsed. It logs the figures
// and the feeds that still lose items.
func TestFeedCorpusRetention(t *testing.T) {
	feeds := loadFeedCorpus(t)
	fetched := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var gofeedItems, kept, failed, parsed, empty, repeats int
	var losers, failures, garbled, undated []string
	for _, cf := range feeds {
		gf, gerr := gofeed.NewParser().Parse(bytes.NewReader(cf.body))
		f, err := Parse(cf.body, "https://feeds.example.org/"+cf.name, "")
		if gerr != nil {
			continue // not a feed to gofeed either: nothing to keep
		}
		parsed++
		n := countable(gf, &empty, &repeats)
		gofeedItems += n
		if err != nil {
			failed++
			failures = append(failures, fmt.Sprintf("%s: %v", cf.name, err))
			continue
		}
		docs, _ := f.Documents("corpus", fetched)
		kept += min(len(docs), n)
		if len(docs) < n {
			losers = append(losers, fmt.Sprintf("%s: %d of %d", cf.name, len(docs), n))
		}
		for _, d := range docs {
			for _, m := range mojibake {
				if strings.Contains(d.Title, m) || strings.Contains(d.Body, m) {
					garbled = append(garbled, fmt.Sprintf("%s: %q has %q", cf.name, d.Title, m))
					break
				}
			}
		}
		for i, gi := range gf.Items {
			if i >= len(f.Items) || !f.Items[i].Published.IsZero() {
				continue
			}
			if raw := firstNonBlank(gi.Published, gi.Updated); raw != "" && readableDate(raw) {
				undated = append(undated, fmt.Sprintf("%s item %d: %q", cf.name, i, raw))
			}
		}
	}
	if gofeedItems == 0 {
		t.Skip("no feed of the corpus parsed")
	}
	ratio := float64(kept) / float64(gofeedItems)
	slices.Sort(losers)
	t.Logf("%d files, %d parsed by gofeed with %d items (not counting %d empty items and %d exact repeats); "+
		"kept %d documents (%.2f%%); %d of gofeed's feeds failed", len(feeds), parsed, gofeedItems, empty, repeats,
		kept, 100*ratio, failed)
	if len(losers) > 0 {
		t.Logf("feeds losing items:\n  %s", strings.Join(losers, "\n  "))
	}
	if ratio < minRetention {
		t.Errorf("kept %.2f%% of gofeed's items, want at least %.1f%%", 100*ratio, 100*minRetention)
	}
	if len(failures) > 0 {
		t.Errorf("feeds gofeed parses that Parse fails:\n  %s", strings.Join(failures, "\n  "))
	}
	if len(garbled) > 0 {
		t.Errorf("mojibake:\n  %s", strings.Join(garbled, "\n  "))
	}
	if len(undated) > 0 {
		t.Errorf("dates a reader can read, not parsed:\n  %s", strings.Join(undated, "\n  "))
	}
}

func firstNonBlank(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// readableDate says whether a date string holds a year a reader would see
// as a date (a digit run of four between 1990 and 2199), rather than a
// placeholder such as "unknown" or "0000".
func readableDate(s string) bool {
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r < '0' || r > '9' }) {
		if len(f) == 4 && f >= "1990" && f <= "2199" {
			return true
		}
	}
	return false
}

// countable returns how many of gofeed's items a reader would see as items,
// counting in empty those with nothing to show (no title, text, link, GUID
// or enclosure: an <item> holding only <itunes:duration>) and in repeats
// those that repeat an earlier item exactly (same GUID, link, title, text
// and date): one document each is what such a feed means.
func countable(gf *gofeed.Feed, empty, repeats *int) int {
	n := 0
	seen := map[string]bool{}
	for _, gi := range gf.Items {
		if gi == nil {
			continue
		}
		if strings.TrimSpace(gi.Title+gi.Description+gi.Content+gi.Link+gi.GUID) == "" && len(gi.Enclosures) == 0 {
			*empty++
			continue
		}
		sig := strings.Join([]string{gi.GUID, gi.Link, gi.Title, gi.Description, gi.Content, gi.Published}, "\x00")
		if seen[sig] {
			*repeats++
			continue
		}
		seen[sig] = true
		n++
	}
	return n
}
