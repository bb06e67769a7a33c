package story

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2025, 5, 8, 9, 0, 0, 0, time.UTC)

const otherRelease = "Nokia has opened a 6G research centre in Ottawa that will employ 300 engineers working " +
	"on radio interfaces, sensing and energy efficiency. The Canadian government contributed part of the " +
	"funding, and two universities will run joint projects with the centre."

func TestClustererAdd(t *testing.T) {
	steps := []struct {
		id          string
		title, body string
		at          time.Duration
		want        string
	}{
		{"full", releaseTitle, release, 0, "full"},
		{"other", "Nokia opens Ottawa 6G centre", otherRelease, time.Hour, "other"},
		{"summary", "Swiss TV gets a 5G slice", firstSentences(release, 1), 2 * time.Hour, "full"},
		{"with trailer", releaseTitle, "ZURICH -- " + release + aboutEricsson, 3 * time.Hour, "full"},
		{"other copy", "Canada lands Nokia 6G lab", firstSentences(otherRelease, 1), 5 * time.Hour, "other"},
		{"earlier copy", "Swisscom slice", release, -24 * time.Hour, "full"},
		{"too late", releaseTitle, release, Window + 6*time.Hour, "too late"},
		{"copy of the late one", "Again", release, Window + 7*time.Hour, "too late"},
		{"empty", "", "", 4 * time.Hour, "empty"},
		{"empty again", "", "", 4 * time.Hour, "empty again"},
		{"full", "re-added", otherRelease, 0, "full"},
	}
	c := NewClusterer()
	for _, s := range steps {
		if got := c.Add(s.id, Fingerprint(s.title, s.body), t0.Add(s.at)); got != s.want {
			t.Errorf("Add(%q) = %q, want %q", s.id, got, s.want)
		}
	}
	if n := c.Len(); n != len(steps)-1 {
		t.Errorf("Len = %d, want %d", n, len(steps)-1)
	}
	if s, ok := c.Story("summary"); !ok || s != "full" {
		t.Errorf(`Story("summary") = %q, %v`, s, ok)
	}
	if _, ok := c.Story("nope"); ok {
		t.Error(`Story("nope") found`)
	}
}

func TestClustererNearest(t *testing.T) {
	// A document that contains two stories joins the one it is most
	// similar to: the larger.
	c := NewClusterer()
	c.Add("large", Fingerprint("", firstSentences(release, 3)), t0)
	c.Add("small", Fingerprint("", firstSentences(otherRelease, 1)), t0)
	both := firstSentences(release, 3) + " " + firstSentences(otherRelease, 1)
	if got := c.Add("both", Fingerprint("", both), t0); got != "large" {
		t.Errorf("joined %q, want large", got)
	}
	// Among equally similar documents of two stories, the first added.
	c = NewClusterer()
	sig := Fingerprint("", release)
	c.Add("first", sig, t0)
	c.Add("second", sig, t0.Add(Window+time.Hour)) // too late for first: a story of its own
	if got := c.Add("between", sig, t0.Add(Window/2)); got != "first" {
		t.Errorf("joined %q, want first", got)
	}
}

func TestClustererStable(t *testing.T) {
	items := loadItems(t)
	run := func() []string {
		c := NewClusterer()
		var got []string
		for i, it := range items {
			got = append(got, c.Add(it.ID, Fingerprint(it.Title, it.Body), t0.Add(time.Duration(i)*time.Minute)))
		}
		return got
	}
	first := run()
	for range 3 {
		if again := run(); fmt.Sprint(again) != fmt.Sprint(first) {
			t.Fatal("a rebuild in the same order gave other story ids")
		}
	}
}

func TestClustererPrune(t *testing.T) {
	c := NewClusterer()
	c.Add("old", Fingerprint(releaseTitle, release), t0)
	c.Add("old copy", Fingerprint("", firstSentences(release, 2)), t0.Add(time.Hour))
	c.Add("new", Fingerprint("", otherRelease), t0.Add(10*24*time.Hour))
	if n := c.Prune(t0.Add(24 * time.Hour)); n != 2 {
		t.Errorf("Prune = %d, want 2", n)
	}
	if n := c.Prune(t0.Add(24 * time.Hour)); n != 0 {
		t.Errorf("second Prune = %d, want 0", n)
	}
	if c.Len() != 1 {
		t.Errorf("Len = %d, want 1", c.Len())
	}
	if got := c.Add("new copy", Fingerprint("", firstSentences(otherRelease, 1)), t0.Add(11*24*time.Hour)); got != "new" {
		t.Errorf("after Prune a copy joined %q, want new", got)
	}
	if got := c.Add("old again", Fingerprint(releaseTitle, release), t0.Add(12*24*time.Hour)); got != "old again" {
		t.Errorf("a copy of a pruned story joined %q", got)
	}
}

func TestClustererFlood(t *testing.T) {
	// Hundreds of identical documents fill the same buckets; Add still
	// finds the story through the newest of them.
	c := NewClusterer()
	sig := Fingerprint(releaseTitle, release)
	for i := range 3 * MaxBucketScan {
		if got := c.Add(fmt.Sprint("copy", i), sig, t0); got != "copy0" {
			t.Fatalf("copy %d joined %q", i, got)
		}
	}
}

func TestClustererConcurrent(t *testing.T) {
	c := NewClusterer()
	sigs := []Signature{Fingerprint("", release), Fingerprint("", otherRelease)}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				c.Add(fmt.Sprintf("%d-%d", g, i), sigs[i%2], t0)
				c.Story(fmt.Sprintf("%d-%d", g, i/2))
			}
		})
	}
	wg.Wait()
	stories := map[string]bool{}
	for g := range 4 {
		for i := range 50 {
			s, _ := c.Story(fmt.Sprintf("%d-%d", g, i))
			stories[s] = true
		}
	}
	if c.Len() != 200 || len(stories) != 2 {
		t.Errorf("Len %d, %d stories; want 200 and 2", c.Len(), len(stories))
	}
}

// TestClustererAddKept: a document published before keepFrom joins the
// story of a kept document it is similar to, or of an old document added
// lately, but is not kept: a kept document cannot join it; one at or
// after keepFrom is kept as Add keeps it.
func TestClustererAddKept(t *testing.T) {
	keepFrom := t0.Add(-28 * 24 * time.Hour)
	steps := []struct {
		id   string
		body string
		at   time.Time
		want string
		kept bool
	}{
		{"recent", release, keepFrom.Add(24 * time.Hour), "recent", true},
		{"old copy of recent", release, keepFrom.Add(-time.Hour), "recent", false},
		{"old", otherRelease, keepFrom.Add(-60 * 24 * time.Hour), "old", false},
		{"old copy of old", otherRelease, keepFrom.Add(-60*24*time.Hour + time.Hour), "old", false},
		{"at keepFrom", otherRelease, keepFrom, "at keepFrom", true},
		{"copy at keepFrom", otherRelease, keepFrom.Add(time.Hour), "at keepFrom", true},
	}
	c := NewClusterer()
	for _, s := range steps {
		if got := c.AddKept(s.id, Fingerprint("", s.body), s.at, keepFrom); got != s.want {
			t.Errorf("AddKept(%q) = %q, want %q", s.id, got, s.want)
		}
		if _, ok := c.Story(s.id); ok != s.kept {
			t.Errorf("%q kept: %v, want %v", s.id, ok, s.kept)
		}
	}
	if n := c.Len(); n != 3 {
		t.Errorf("Len = %d, want 3", n)
	}
	// Past maxOld other old documents, an old copy no longer finds its
	// story; after a Prune neither.
	c2 := NewClusterer()
	at := keepFrom.Add(-60 * 24 * time.Hour)
	c2.AddKept("first", Fingerprint("", release), at, keepFrom)
	if got := c2.AddKept("near copy", Fingerprint("", release), at, keepFrom); got != "first" {
		t.Errorf("near copy joined %q, want first", got)
	}
	for i := range maxOld {
		c2.AddKept(fmt.Sprint("filler ", i), Fingerprint("", fmt.Sprintf("filler number %d of many, with words %d", i, i*7)), at, keepFrom)
	}
	if got := c2.AddKept("far copy", Fingerprint("", release), at, keepFrom); got != "far copy" {
		t.Errorf("far copy joined %q, want its own story", got)
	}
	c2.Prune(keepFrom)
	if got := c2.AddKept("copy after prune", Fingerprint("", release), at, keepFrom); got != "copy after prune" {
		t.Errorf("copy after prune joined %q, want its own story", got)
	}
}
