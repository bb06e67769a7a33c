package demoworld

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// files holds the stories, templates and static pages of the world.
//
//go:embed world
var files embed.FS

// maxDaysAgo bounds a story's day offset: most stories fall within the 21
// days before now; a few go back four months, so that the alliance review
// and the radar have a history (a partner gone quiet, a technology that
// fell).
const maxDaysAgo = 120

// siteFeed is the pseudo-feed of the stories published on the crawled site.
const siteFeed = "site"

// story is one article of the world, as written in world/stories.
type story struct {
	ID         string
	Feed       string // the feed (file name) the story belongs to, or siteFeed
	Title      string
	Author     string
	Tags       []string
	DaysAgo    int
	Clock      time.Duration // time of day (UTC)
	Also       []string      // feeds that also carry the story under the same link
	AlsoUTM    []string      // feeds that carry it under a utm-tagged link
	Paragraphs []string
}

// Path is the story's canonical path on the demo server.
func (s *story) Path() string {
	if s.Feed == siteFeed {
		return "/site/articles/" + s.ID + ".html"
	}
	return "/news/" + s.ID
}

// Published places the story relative to now: days_ago days before today
// (UTC) at its time of day, a day earlier when that would be in the future.
func (s *story) Published(now time.Time) time.Time {
	now = now.UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	t := day.AddDate(0, 0, -s.DaysAgo).Add(s.Clock)
	if t.After(now) {
		t = t.Add(-24 * time.Hour)
	}
	return t
}

// Words counts the words of the story's body.
func (s *story) Words() int {
	n := 0
	for _, p := range s.Paragraphs {
		n += len(strings.Fields(p))
	}
	return n
}

// loadStories parses the embedded stories once; a parse error is a bug in
// the bundled data, which the tests catch.
var loadStories = sync.OnceValues(func() ([]*story, error) {
	return parseStoryFiles(files, "world/stories")
})

// mustStories returns the embedded stories or panics when they are malformed.
func mustStories() []*story {
	stories, err := loadStories()
	if err != nil {
		panic("demoworld: bundled stories: " + err.Error())
	}
	return stories
}

// parseStoryFiles reads every *.txt file of dir; the file name (without
// extension) names the feed of its stories.
func parseStoryFiles(fsys fs.FS, dir string) ([]*story, error) {
	names, err := fs.Glob(fsys, dir+"/*.txt")
	if err != nil {
		return nil, err
	}
	var all []*story
	seen := map[string]string{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		feed := strings.TrimSuffix(path.Base(name), ".txt")
		stories, err := parseStories(feed, string(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for _, s := range stories {
			if prev, ok := seen[s.ID]; ok {
				return nil, fmt.Errorf("%s: story %q already defined in %s", name, s.ID, prev)
			}
			seen[s.ID] = name
		}
		all = append(all, stories...)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("no stories under %s", dir)
	}
	return all, nil
}

// parseStories parses one story file: "key: value" headers, a blank line,
// the body (paragraphs separated by blank lines), then a "---" line. Lines
// starting with '#' outside a body are comments.
func parseStories(feed, text string) ([]*story, error) {
	var (
		out     []*story
		cur     *story
		inBody  bool
		para    []string
		lineNum int
	)
	flushPara := func() {
		if len(para) > 0 {
			cur.Paragraphs = append(cur.Paragraphs, strings.Join(para, " "))
			para = nil
		}
	}
	finish := func() error {
		if cur == nil {
			return nil
		}
		flushPara()
		if err := cur.validate(); err != nil {
			return fmt.Errorf("story ending on line %d: %w", lineNum, err)
		}
		out = append(out, cur)
		cur, inBody = nil, false
		return nil
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		lineNum++
		line := strings.TrimRight(sc.Text(), " \t\r")
		switch {
		case line == "---":
			if err := finish(); err != nil {
				return nil, err
			}
		case inBody && line == "":
			flushPara()
		case inBody:
			para = append(para, strings.TrimSpace(line))
		case strings.HasPrefix(line, "#"):
		case line == "":
			if cur != nil {
				inBody = true
			}
		default:
			if cur == nil {
				cur = &story{Feed: feed, DaysAgo: -1, Clock: -1}
			}
			if err := cur.set(line); err != nil {
				return nil, fmt.Errorf("line %d: %w", lineNum, err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if cur != nil {
		return nil, fmt.Errorf("story %q is not ended by a --- line", cur.ID)
	}
	return out, nil
}

// set applies one header line.
func (s *story) set(line string) error {
	key, value, ok := strings.Cut(line, ":")
	if !ok {
		return fmt.Errorf("header %q is not key: value", line)
	}
	value = strings.TrimSpace(value)
	switch strings.TrimSpace(key) {
	case "id":
		s.ID = value
	case "title":
		s.Title = value
	case "author":
		s.Author = value
	case "tags":
		s.Tags = splitList(value)
	case "also":
		s.Also = splitList(value)
	case "also_utm":
		s.AlsoUTM = splitList(value)
	case "days_ago":
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 || n > maxDaysAgo {
			return fmt.Errorf("days_ago %q: want a whole number from 0 to %d", value, maxDaysAgo)
		}
		s.DaysAgo = n
	case "time":
		t, err := time.Parse("15:04", value)
		if err != nil {
			return fmt.Errorf("time %q: want HH:MM", value)
		}
		s.Clock = time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	default:
		return fmt.Errorf("unknown header %q", key)
	}
	return nil
}

func (s *story) validate() error {
	switch {
	case s.ID == "" || strings.ContainsAny(s.ID, " /?#%"):
		return fmt.Errorf("id %q: want a non-empty slug", s.ID)
	case s.Title == "":
		return fmt.Errorf("story %q has no title", s.ID)
	case s.Author == "":
		return fmt.Errorf("story %q has no author", s.ID)
	case s.DaysAgo < 0:
		return fmt.Errorf("story %q has no days_ago", s.ID)
	case s.Clock < 0:
		return fmt.Errorf("story %q has no time", s.ID)
	case len(s.Paragraphs) == 0:
		return fmt.Errorf("story %q has no body", s.ID)
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// entry is a story as one feed carries it.
type entry struct {
	*story
	Link      string // path and query on the demo server
	Published time.Time
}

// world is the set of stories dated for one moment.
type world struct {
	now     time.Time
	stories []*story             // newest first
	pub     map[string]time.Time // story id -> published
	byFeed  map[string][]entry   // feed key -> entries, newest first
	site    []entry              // the site's articles, newest first
	byPath  map[string]*story    // canonical path -> story
}

// utmQuery is what a syndicating feed appends to a story's link.
func utmQuery(feed string) string {
	return "?utm_source=" + feed + "&utm_medium=rss&utm_campaign=syndication"
}

// newWorld dates the stories for now and sorts them into feeds.
func newWorld(stories []*story, now time.Time) *world {
	w := &world{
		now:    now.UTC(),
		pub:    map[string]time.Time{},
		byFeed: map[string][]entry{},
		byPath: map[string]*story{},
	}
	for _, s := range stories {
		t := s.Published(now)
		w.pub[s.ID] = t
		w.byPath[s.Path()] = s
		w.stories = append(w.stories, s)
		e := entry{story: s, Link: s.Path(), Published: t}
		if s.Feed == siteFeed {
			w.site = append(w.site, e)
		} else {
			w.byFeed[s.Feed] = append(w.byFeed[s.Feed], e)
		}
		for _, f := range s.Also {
			w.byFeed[f] = append(w.byFeed[f], e)
		}
		for _, f := range s.AlsoUTM {
			u := e
			u.Link = s.Path() + utmQuery(f)
			w.byFeed[f] = append(w.byFeed[f], u)
		}
	}
	newest := func(a, b entry) int { return b.Published.Compare(a.Published) }
	for _, es := range w.byFeed {
		slices.SortStableFunc(es, newest)
	}
	slices.SortStableFunc(w.site, newest)
	slices.SortStableFunc(w.stories, func(a, b *story) int { return w.pub[b.ID].Compare(w.pub[a.ID]) })
	return w
}

// updated is the newest publication time among entries.
func updated(es []entry, fallback time.Time) time.Time {
	if len(es) == 0 {
		return fallback
	}
	t := es[0].Published
	for _, e := range es[1:] {
		if e.Published.After(t) {
			t = e.Published
		}
	}
	return t
}
