package api

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/techintel/techintel/index"
)

// The search answer is written by hand: it is the API's hottest answer,
// and encoding/json spent about as long on it as a small index spends on
// the search itself (reflection over 20 hits, and three time.Time
// MarshalJSON calls per hit whose output it then re-scans). The bytes are
// exactly encoding/json's with SetEscapeHTML(false), a test compares the
// two on every field (so that a field added to index.Hit and not here
// fails it), and anything this encoder cannot write as encoding/json
// would (a non-finite score, a year past 9999) falls back to
// encoding/json, whose error the caller reports.

// errNotEncodable says that appendSearchResponse met a value it leaves to
// encoding/json.
var errNotEncodable = errors.New("value left to encoding/json")

// appendSearchResponse appends r as encoding/json would encode it (with
// SetEscapeHTML(false) and the encoder's trailing newline).
func appendSearchResponse(b []byte, r searchResponse) ([]byte, error) {
	res := r.Result
	if res == nil {
		return nil, errNotEncodable
	}
	var err error
	b = append(b, `{"total":`...)
	b = strconv.AppendUint(b, res.Total, 10)
	if res.Stories != 0 {
		b = append(b, `,"stories":`...)
		b = strconv.AppendInt(b, int64(res.Stories), 10)
	}
	if len(res.Histogram) > 0 {
		b = append(b, `,"histogram":[`...)
		for i, k := range res.Histogram {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"start":`...)
			if b, err = appendTime(b, k.Start); err != nil {
				return nil, err
			}
			b = append(b, `,"end":`...)
			if b, err = appendTime(b, k.End); err != nil {
				return nil, err
			}
			b = append(b, `,"count":`...)
			b = strconv.AppendInt(b, int64(k.Count), 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"took_ms":`...)
	if b, err = appendFloat(b, res.TookMS); err != nil {
		return nil, err
	}
	b = append(b, `,"hits":`...)
	if res.Hits == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range res.Hits {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendHit(b, &res.Hits[i]); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	b = append(b, `,"facets":{"components":`...)
	b = appendCounts(b, res.Facets.Components)
	b = append(b, `,"entities":`...)
	b = appendCounts(b, res.Facets.Entities)
	b = append(b, `,"technologies":`...)
	b = appendCounts(b, res.Facets.Technologies)
	b = append(b, `,"sources":`...)
	b = appendCounts(b, res.Facets.Sources)
	b = append(b, '}')
	if res.Next != "" {
		b = append(b, `,"next":`...)
		b = appendString(b, res.Next)
	}
	if r.Hint != "" {
		b = append(b, `,"hint":`...)
		b = appendString(b, r.Hint)
	}
	return append(b, "}\n"...), nil
}

func appendHit(b []byte, h *index.Hit) ([]byte, error) {
	var err error
	b = append(b, `{"id":`...)
	b = appendString(b, h.ID)
	b = append(b, `,"url":`...)
	b = appendString(b, h.URL)
	b = append(b, `,"title":`...)
	b = appendString(b, h.Title)
	b = append(b, `,"snippet":`...)
	b = appendString(b, h.Snippet)
	b = append(b, `,"source":`...)
	b = appendString(b, h.Source)
	b = append(b, `,"published":`...)
	if b, err = appendTime(b, h.Published); err != nil {
		return nil, err
	}
	b = append(b, `,"fetched":`...)
	if b, err = appendTime(b, h.Fetched); err != nil {
		return nil, err
	}
	b = append(b, `,"updated":`...)
	if b, err = appendTime(b, h.Updated); err != nil {
		return nil, err
	}
	b = append(b, `,"components":`...)
	b = appendStrings(b, h.Components)
	b = append(b, `,"entities":`...)
	b = appendStrings(b, h.Entities)
	b = append(b, `,"technologies":`...)
	b = appendStrings(b, h.Technologies)
	b = append(b, `,"score":`...)
	if b, err = appendFloat(b, h.Score); err != nil {
		return nil, err
	}
	b = append(b, `,"story":`...)
	b = appendString(b, h.Story)
	if h.StorySize != 0 {
		b = append(b, `,"story_size":`...)
		b = strconv.AppendInt(b, int64(h.StorySize), 10)
	}
	if len(h.Also) > 0 {
		b = append(b, `,"also":[`...)
		for i, c := range h.Also {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = appendString(b, c.ID)
			b = append(b, `,"url":`...)
			b = appendString(b, c.URL)
			b = append(b, `,"title":`...)
			b = appendString(b, c.Title)
			b = append(b, `,"source":`...)
			b = appendString(b, c.Source)
			b = append(b, `,"published":`...)
			if b, err = appendTime(b, c.Published); err != nil {
				return nil, err
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"salient":`...)
	b = appendStrings(b, h.Salient)
	if h.Primary != "" {
		b = append(b, `,"primary":`...)
		b = appendString(b, h.Primary)
	}
	return append(b, '}'), nil
}

// appendStrings writes a nil slice as null and an empty one as [], as
// encoding/json does.
func appendStrings(b []byte, vs []string) []byte {
	if vs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, v)
	}
	return append(b, ']')
}

// appendCounts writes a facet's counts with their keys sorted, as
// encoding/json does.
func appendCounts(b []byte, m map[string]int) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(m[k]), 10)
	}
	return append(b, '}')
}

// appendTime writes t as time.Time's MarshalJSON does, and leaves to
// encoding/json (which then fails) what MarshalJSON refuses: a year
// outside 0-9999 or a zone offset of a day or more.
func appendTime(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		return nil, errNotEncodable
	}
	if _, off := t.Zone(); off <= -24*3600 || off >= 24*3600 {
		return nil, errNotEncodable
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

// appendFloat writes f as encoding/json does (ES6 number formatting) and
// leaves NaN and infinities, which JSON cannot hold, to encoding/json.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, errNotEncodable
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 is written e-9.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

const hexDigits = "0123456789abcdef"

// appendString quotes s as encoding/json does without HTML escaping:
// snippets carry <mark>, and JSON is not HTML. Control characters are
// escaped, invalid UTF-8 becomes U+FFFD, and U+2028 and U+2029 are
// escaped for the sake of JavaScript.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
