package api

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
)

// encodingJSON is what writeJSON sent for a search before the hand-written
// encoder: the reference appendSearchResponse must equal byte for byte.
func encodingJSON(t testing.TB, r searchResponse) ([]byte, error) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(r)
	return buf.Bytes(), err
}

// fill sets every field reachable from v (a pointer) to a value that is
// not its zero value, by reflection: a field added to index.Result,
// index.Hit or what they hold is then in the answer encoding/json writes,
// and the comparison fails until appendSearchResponse writes it too.
func fill(t *testing.T, v reflect.Value, seed *int) {
	t.Helper()
	*seed++
	n := *seed
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), seed)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 11, n%28+1, 10, 4, 5, n*1000, time.FixedZone("", 3600*(n%5)))))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(t, v.Field(i), seed)
			}
		}
	case reflect.String:
		v.SetString("v" + strconv.Itoa(n) + ` <mark>é"\</mark>`)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(n))
	case reflect.Uint64, reflect.Uint, reflect.Uint32:
		v.SetUint(uint64(n))
	case reflect.Float64, reflect.Float32:
		v.SetFloat(float64(n) + 0.25)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(t, s.Index(i), seed)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range 3 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(t, k, seed)
			fill(t, e, seed)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	default:
		t.Fatalf("fill: no value for a %s (%s): teach fill and appendSearchResponse about it", v.Kind(), v.Type())
	}
}

func TestSearchJSONEqualsEncodingJSON(t *testing.T) {
	full := searchResponse{}
	seed := 0
	fill(t, reflect.ValueOf(&full).Elem(), &seed)

	hit := index.Hit{ID: "a", Published: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	cases := map[string]searchResponse{
		"every field set": full,
		"empty result":    {Result: &index.Result{}},
		"empty slices and maps": {Result: &index.Result{Hits: []index.Hit{}, Histogram: []index.Bucket{},
			Facets: index.Facets{Components: map[string]int{}, Entities: map[string]int{}}}},
		"hint": {Result: &index.Result{Hits: []index.Hit{}}, Hint: EmptyIndexHint},
		"strings JSON escapes": {Result: &index.Result{Hits: []index.Hit{{
			Title:   "tab\there, nl\n, cr\r, bs\b, ff\f, nul\x00, unit\x1f, del\x7f, quote\" back\\ slash",
			Snippet: "a <mark>b</mark> & c > d ' e \u2028 \u2029 \u00e9 \U0001F600 bad\xff\xfe utf8 \xe2\x82",
			URL:     "https://example.com/?a=1&b=<2>",
			Salient: []string{""}, Components: []string{}, Entities: nil,
		}}}},
		"numbers": {Result: &index.Result{Total: math.MaxUint64, Stories: -3, TookMS: 1e-7, Hits: []index.Hit{
			{Score: 0}, {Score: 1e21}, {Score: 123456789.125}, {Score: -2.5e-9}, {Score: 1e-6}, {Score: 999999999999999999999},
			{Score: math.SmallestNonzeroFloat64}, {Score: math.MaxFloat64}, {Score: math.Copysign(0, -1)},
		}}},
		"times": {Result: &index.Result{Hits: []index.Hit{
			{}, hit,
			{Published: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("x", -(23*3600+59*60)))},
			{Published: time.Date(0, 1, 1, 0, 0, 0, 1, time.FixedZone("y", 5*3600+30*60+7))},
			{Published: time.Date(2026, 3, 29, 1, 30, 0, 0, time.Local)},
		}}},
		"facets sorted": {Result: &index.Result{Facets: index.Facets{Entities: map[string]int{"b": 1, "a": 2, "B": 3, "é": 4, "": 5}}}},
	}
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			want, err := encodingJSON(t, r)
			if err != nil {
				t.Fatal(err)
			}
			got, err := appendSearchResponse(nil, r)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("appendSearchResponse differs from encoding/json:\n got %s\nwant %s", got, want)
			}
		})
	}
}

// What encoding/json refuses is left to it: the handler then answers 500
// (writeJSON), never a body encoding/json would not have written.
func TestSearchJSONLeavesUnencodableToEncodingJSON(t *testing.T) {
	for name, r := range map[string]searchResponse{
		"NaN score":      {Result: &index.Result{Hits: []index.Hit{{Score: math.NaN()}}}},
		"infinite took":  {Result: &index.Result{TookMS: math.Inf(1)}},
		"year 10000":     {Result: &index.Result{Hits: []index.Hit{{Updated: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}}},
		"negative year":  {Result: &index.Result{Histogram: []index.Bucket{{End: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}}}},
		"offset 24 h":    {Result: &index.Result{Hits: []index.Hit{{Fetched: time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("z", 24*3600))}}}},
		"offset -24 h":   {Result: &index.Result{Hits: []index.Hit{{Published: time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("z", -24*3600))}}}},
		"also's year":    {Result: &index.Result{Hits: []index.Hit{{Also: []index.Copy{{Published: time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)}}}}}},
		"no result here": {},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := appendSearchResponse(nil, r); err == nil {
				t.Fatal("encoded what encoding/json refuses")
			}
			if r.Result != nil {
				if _, err := encodingJSON(t, r); err == nil {
					t.Fatal("encoding/json encodes this: appendSearchResponse should too")
				}
				rec := httptest.NewRecorder()
				writeJSON(rec, http.StatusOK, r)
				if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "internal error") {
					t.Errorf("writeJSON answered %d %s, want 500", rec.Code, rec.Body)
				}
			}
		})
	}
}

// writeJSON sends a Content-Length, so that the answer is not chunked.
func TestWriteJSONSendsLength(t *testing.T) {
	rec := httptest.NewRecorder()
	writeJSON(rec, http.StatusCreated, map[string]string{"a": "<b>"})
	if got, want := rec.Body.String(), "{\"a\":\"<b>\"}\n"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	if rec.Code != http.StatusCreated || rec.Header().Get("Content-Length") != strconv.Itoa(rec.Body.Len()) {
		t.Errorf("status %d, Content-Length %q for %d bytes", rec.Code, rec.Header().Get("Content-Length"), rec.Body.Len())
	}
}

func FuzzSearchJSON(f *testing.F) {
	f.Add("Nokia <mark>RAN</mark>", "https://a.example/?x=1&y=2", 1.5, int64(1764000000), "GNOME")
	f.Add("bad \xff utf8 \u2028", "\x00\x1f\"\\", -1e-7, int64(0), "")
	f.Fuzz(func(t *testing.T, text, url string, score float64, unix int64, key string) {
		r := searchResponse{Result: &index.Result{Total: 3, TookMS: score, Next: text,
			Hits: []index.Hit{{ID: key, URL: url, Title: text, Snippet: text + url, Score: score,
				Published: time.Unix(unix, unix%1e9).UTC(), Components: []string{text}, Salient: []string{}, Primary: key}},
			Facets: index.Facets{Entities: map[string]int{key: 1, text: 2, url: 3}}}, Hint: url}
		want, werr := encodingJSON(t, r)
		got, gerr := appendSearchResponse(nil, r)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("encoding/json error %v, appendSearchResponse error %v", werr, gerr)
		}
		if werr == nil && !bytes.Equal(got, want) {
			t.Fatalf("appendSearchResponse differs from encoding/json:\n got %s\nwant %s", got, want)
		}
	})
}

// BenchmarkSearchJSON measures the search answer's encoding beside
// encoding/json's (what writeJSON did before) on a page of 20 hits.
func BenchmarkSearchJSON(b *testing.B) {
	res := &index.Result{Total: 123, TookMS: 0.4, Facets: index.Facets{Components: map[string]int{"own": 3}, Entities: map[string]int{}, Technologies: map[string]int{}}}
	for i := range 10 {
		res.Facets.Entities["entity "+strconv.Itoa(i)] = i
	}
	for i := range 20 {
		res.Hits = append(res.Hits, index.Hit{ID: "0123456789abcdef" + strconv.Itoa(i), URL: "https://news.example/2026/11/some-article-" + strconv.Itoa(i),
			Title: "A title of an article of some length", Snippet: strings.Repeat("a word or <mark>two</mark> ", 12),
			Source: "news", Published: time.Now(), Fetched: time.Now(), Updated: time.Now(), Components: []string{"own"},
			Entities: []string{"GNOME", "Python"}, Technologies: []string{}, Score: 1.2345, Story: "abcdef0123", Salient: []string{"GNOME"}})
	}
	r := searchResponse{Result: res}
	var hand, std time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := appendSearchResponse(make([]byte, 0, 16<<10), r); err != nil {
			b.Fatal(err)
		}
		hand += time.Since(start)
		start = time.Now()
		if _, err := encodingJSON(b, r); err != nil {
			b.Fatal(err)
		}
		std += time.Since(start)
	}
	b.ReportMetric(float64(hand.Nanoseconds())/float64(b.N)/1e3, "hand-us")
	b.ReportMetric(float64(std.Nanoseconds())/float64(b.N)/1e3, "encoding/json-us")
	b.ReportMetric(float64(hand)/float64(std), "hand/encoding-json")
}
