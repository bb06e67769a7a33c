package demoworld

import (
	"strings"
	"testing"
	"time"
)

// isoWeekStart is the Monday 00:00 UTC of t's ISO week.
func isoWeekStart(t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	back := (int(day.Weekday()) + 6) % 7 // days since Monday
	return day.AddDate(0, 0, -back)
}

func TestStoriesAreWellFormed(t *testing.T) {
	stories, err := loadStories()
	if err != nil {
		t.Fatal(err)
	}
	feeds := map[string]bool{}
	for _, f := range feedDefs {
		feeds[f.Key] = true
	}
	if n := len(stories); n < 50 || n > 70 {
		t.Errorf("%d stories, want 50-70", n)
	}
	perFeed := map[string]int{}
	paths := map[string]string{}
	for _, s := range stories {
		perFeed[s.Feed]++
		if s.Feed != siteFeed && !feeds[s.Feed] {
			t.Errorf("story %s: file %s.txt names no feed", s.ID, s.Feed)
		}
		if w := s.Words(); w < 80 || w > 250 {
			t.Errorf("story %s: %d words, want 80-250", s.ID, w)
		}
		if prev, ok := paths[s.Path()]; ok {
			t.Errorf("stories %s and %s share the link %s", prev, s.ID, s.Path())
		}
		paths[s.Path()] = s.ID
		for _, f := range append(append([]string{}, s.Also...), s.AlsoUTM...) {
			if !feeds[f] || f == s.Feed {
				t.Errorf("story %s: also/also_utm names %q, not another feed", s.ID, f)
			}
		}
		for _, p := range s.Paragraphs {
			if strings.Contains(p, "]]>") {
				t.Errorf("story %s: body contains ]]>", s.ID)
			}
		}
	}
	for key := range feeds {
		if perFeed[key] < 8 {
			t.Errorf("feed %s has %d stories of its own, want at least 8", key, perFeed[key])
		}
	}
	if n := perFeed[siteFeed]; n < 5 || n > 8 {
		t.Errorf("the site has %d articles, want about 6", n)
	}
}

// TestAnalystStoriesFitWindows1252 makes sure the windows-1252 feed needs no
// character references: every character of its stories has a byte.
func TestAnalystStoriesFitWindows1252(t *testing.T) {
	for _, s := range mustStories() {
		if s.Feed != "analyst" {
			continue
		}
		text := s.Title + s.Author + strings.Join(s.Paragraphs, " ")
		if enc := string(encodeCP1252([]byte(text))); strings.Contains(enc, "&#") {
			t.Errorf("story %s has characters windows-1252 lacks", s.ID)
		}
	}
}

// TestDatesCoverRecentWeeks checks, for moments spread over two weeks and
// all times of day, that every story falls within the maxDaysAgo+1 days before now and
// that the last complete ISO week, the one before it and (from Tuesday on)
// the current week have content.
func TestDatesCoverRecentWeeks(t *testing.T) {
	stories := mustStories()
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) // a Monday
	for h := 0; h < 14*24; h += 5 {
		now := start.Add(time.Duration(h)*time.Hour + 17*time.Minute)
		w := newWorld(stories, now)
		week := isoWeekStart(now)
		last, prev := week.AddDate(0, 0, -7), week.AddDate(0, 0, -14)
		var nCurrent, nLast, nPrev int
		for _, s := range w.stories {
			p := w.pub[s.ID]
			if p.After(now) || !p.After(now.Add(-(maxDaysAgo+1)*24*time.Hour)) {
				t.Fatalf("now %s: story %s published %s, outside the %d days before now", now, s.ID, p, maxDaysAgo+1)
			}
			switch {
			case !p.Before(week):
				nCurrent++
			case !p.Before(last):
				nLast++
			case !p.Before(prev):
				nPrev++
			}
		}
		if nLast < 12 || nPrev < 6 {
			t.Errorf("now %s: %d stories in the last complete ISO week, %d in the week before; want at least 12 and 6",
				now.Format(time.RFC3339), nLast, nPrev)
		}
		if now.Sub(week) >= 36*time.Hour && nCurrent == 0 {
			t.Errorf("now %s: nothing in the current ISO week", now.Format(time.RFC3339))
		}
	}
}

func TestNewWorldSyndication(t *testing.T) {
	w := newWorld(mustStories(), time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC))
	links := map[string][]string{} // link -> feeds
	for feed, es := range w.byFeed {
		for i, e := range es {
			links[e.Link] = append(links[e.Link], feed)
			if i > 0 && e.Published.After(es[i-1].Published) {
				t.Errorf("feed %s is not newest first at %s", feed, e.ID)
			}
		}
	}
	var shared, utm int
	for link, feeds := range links {
		if len(feeds) > 1 {
			shared++
		}
		if base, _, ok := strings.Cut(link, "?utm_source="); ok && len(links[base]) > 0 {
			utm++
		}
	}
	if shared == 0 {
		t.Error("no story appears in two feeds under the same link")
	}
	if utm == 0 {
		t.Error("no story appears in a second feed under a utm_source variant of its link")
	}
}

func TestParseStoriesErrors(t *testing.T) {
	body := "\n\nSome words.\n---\n"
	for name, text := range map[string]string{
		"unknown header":    "id: a\nbogus: 1\ndays_ago: 1\ntime: 10:00\ntitle: T\nauthor: A" + body,
		"days out of range": "id: a\ndays_ago: 121\ntime: 10:00\ntitle: T\nauthor: A" + body,
		"bad time":          "id: a\ndays_ago: 1\ntime: 25:00\ntitle: T\nauthor: A" + body,
		"no title":          "id: a\ndays_ago: 1\ntime: 10:00\nauthor: A" + body,
		"no body":           "id: a\ndays_ago: 1\ntime: 10:00\ntitle: T\nauthor: A\n---\n",
		"unterminated":      "id: a\ndays_ago: 1\ntime: 10:00\ntitle: T\nauthor: A\n\nWords.\n",
		"bad id":            "id: a b\ndays_ago: 1\ntime: 10:00\ntitle: T\nauthor: A" + body,
	} {
		if _, err := parseStories("x", text); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	got, err := parseStories("x", "# comment\nid: a\ndays_ago: 2\ntime: 07:30\ntitle: T\nauthor: A\ntags: x, y\n\nOne\ntwo.\n\nThree.\n---\n")
	if err != nil {
		t.Fatal(err)
	}
	s := got[0]
	if s.DaysAgo != 2 || s.Clock != 7*time.Hour+30*time.Minute || len(s.Paragraphs) != 2 ||
		s.Paragraphs[0] != "One two." || len(s.Tags) != 2 {
		t.Errorf("parsed %+v", s)
	}
}

func TestPublishedNeverInTheFuture(t *testing.T) {
	s := &story{DaysAgo: 0, Clock: 23 * time.Hour}
	now := time.Date(2026, 3, 12, 1, 0, 0, 0, time.UTC)
	if got, want := s.Published(now), time.Date(2026, 3, 11, 23, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Published = %s, want %s", got, want)
	}
	// A non-UTC now places stories by the UTC calendar.
	cet := time.FixedZone("CET", 3600)
	s = &story{DaysAgo: 1, Clock: 12 * time.Hour}
	if got, want := s.Published(time.Date(2026, 3, 12, 0, 30, 0, 0, cet)), time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Published = %s, want %s", got, want)
	}
}
