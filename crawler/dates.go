package crawler

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/itlightning/dateparse"
)

// publishedMeta picks the publication date the page declares, most
// deliberate source first: Open Graph's article:published_time, schema.org
// microdata, then JSON-LD. Failing those, Extract takes the first <time
// datetime> in the content of a page that is not a listing.
func (s *scan) publishedMeta() time.Time {
	for _, c := range []string{s.metaPublished, s.itemPublished} {
		if t, ok := parseDate(c); ok {
			return t
		}
	}
	for _, src := range s.jsonLD {
		if t, ok := parseDate(jsonLDDate(src)); ok {
			return t
		}
	}
	for _, c := range s.metaDates {
		if t, ok := parseDate(c); ok {
			return t
		}
	}
	return time.Time{}
}

// jsonLDDate finds the first datePublished in a JSON-LD block, through
// arrays and @graph, looking at keys in sorted order so the answer does not
// depend on map iteration.
func jsonLDDate(src string) string {
	src = strings.TrimSpace(src)
	src = strings.TrimSuffix(strings.TrimPrefix(src, "<!--"), "-->")
	var v any
	if json.Unmarshal([]byte(src), &v) != nil {
		// Hand-written JSON-LD is often not JSON (a trailing comma, a raw
		// line break in a string): the date can still be read.
		if m := jsonLDDateRE.FindStringSubmatch(src); m != nil {
			return m[1]
		}
		return ""
	}
	return findString(v, "datePublished", 0)
}

// jsonLDDateRE finds a datePublished in JSON-LD that does not parse.
var jsonLDDateRE = regexp.MustCompile(`"datePublished"\s*:\s*"([^"]{4,40})"`)

func findString(v any, key string, depth int) string {
	if depth > 16 {
		return ""
	}
	switch t := v.(type) {
	case map[string]any:
		if s, ok := t[key].(string); ok && s != "" {
			return s
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if s := findString(t[k], key, depth+1); s != "" {
				return s
			}
		}
	case []any:
		for _, e := range t {
			if s := findString(e, key, depth+1); s != "" {
				return s
			}
		}
	}
	return ""
}

// dateLayouts are the forms publication dates take in the wild: ISO 8601
// with or without seconds, zone or time (a missing zone is UTC), and the
// HTTP date format.
var dateLayouts = []string{
	time.RFC3339, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05",
	"2006-01-02T15:04", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05", "2006-01-02",
	time.RFC1123Z, time.RFC1123,
}

func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	// The rest of the forms pages use ("2015-07-10 09:53:00 -0400",
	// "July 10, 2015"): a date parser that knows them, within the years a
	// web page can have been published in.
	if len(s) > 64 {
		return time.Time{}, false
	}
	t, err := dateparse.ParseIn(s, time.UTC, dateparse.PreferMonthFirst(false),
		dateparse.RetryAmbiguousDateWithSwap(true), dateparse.SimpleErrorMessages(true))
	if err != nil || t.Year() < 1990 || t.Year() > 2199 {
		return time.Time{}, false
	}
	return t.UTC(), true
}
