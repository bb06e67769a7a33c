package feeds

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// checkOPMLGolden compares outlines, as indented JSON, with
// testdata/opml/name, or rewrites the file under -update.
func checkOPMLGolden(tb testing.TB, name string, outlines []Outline) {
	tb.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "&" readable when reviewing
	enc.SetIndent("", "  ")
	if err := enc.Encode(outlines); err != nil {
		tb.Fatal(err)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", "opml", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("outlines differ from %s (run go test -update and review the diff)\ngot:\n%s", path, got)
	}
}

func TestParseOPMLGolden(t *testing.T) {
	tests := []struct {
		file      string
		wantCount int
	}{
		{"reader-export.opml", 10},
		{"flat.opml", 4},
		{"malformed.opml", 4},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b := readTestdata(t, filepath.Join("opml", tt.file))
			outlines, err := ParseOPML(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if len(outlines) != tt.wantCount {
				t.Errorf("%d outlines, want %d", len(outlines), tt.wantCount)
			}
			checkOPMLGolden(t, strings.TrimSuffix(tt.file, ".opml")+".golden.json", outlines)

			// One byte at a time, as a slow network would give it.
			slow, err := ParseOPML(iotest.OneByteReader(bytes.NewReader(b)))
			if err != nil || !slices.Equal(slow, outlines) {
				t.Errorf("read a byte at a time: %v, %v", slow, err)
			}
		})
	}
}

// TestOPMLRoundTrip writes what ParseOPML read and reads it back: titles,
// URLs and categories survive, in the grouping WriteOPML promises.
func TestOPMLRoundTrip(t *testing.T) {
	for _, file := range []string{"reader-export.opml", "flat.opml", "malformed.opml"} {
		t.Run(file, func(t *testing.T) {
			first, err := ParseOPML(bytes.NewReader(readTestdata(t, filepath.Join("opml", file))))
			if err != nil {
				t.Fatal(err)
			}
			checkRoundTrip(t, first)
		})
	}
	t.Run("hard values", func(t *testing.T) {
		checkRoundTrip(t, []Outline{
			{Title: `Quotes " and ' and <tags> & "amps"`, XMLURL: "https://e.org/feed?a=1&b=2", HTMLURL: "https://e.org/", Category: "A & B"},
			{Title: "Tab\tand\nnewline", XMLURL: "https://e.org/2", Category: ""},
			{Title: "", XMLURL: "https://e.org/3", Category: "Ünïcödé ✓"},
			{Title: "Second in A & B", XMLURL: "https://e.org/4", Category: "A & B"},
		})
	})
}

func checkRoundTrip(tb testing.TB, outlines []Outline) {
	tb.Helper()
	var buf bytes.Buffer
	if err := WriteOPML(&buf, "Round trip", outlines); err != nil {
		tb.Fatal(err)
	}
	again, err := ParseOPML(&buf)
	if err != nil {
		tb.Fatalf("reading back: %v\n%s", err, buf.Bytes())
	}
	if want := groupByCategory(outlines); !slices.Equal(again, want) {
		tb.Errorf("round trip changed the outlines:\ngot  %q\nwant %q\n%s", again, want, buf.Bytes())
	}
}

// groupByCategory is the order WriteOPML puts outlines in: each category's
// outlines together, where its first one was.
func groupByCategory(outlines []Outline) []Outline {
	var out []Outline
	done := map[string]bool{}
	for i, o := range outlines {
		if o.Category == "" {
			out = append(out, o)
			continue
		}
		if done[o.Category] {
			continue
		}
		done[o.Category] = true
		for _, p := range outlines[i:] {
			if p.Category == o.Category {
				out = append(out, p)
			}
		}
	}
	return out
}

func TestWriteOPML(t *testing.T) {
	var buf bytes.Buffer
	err := WriteOPML(&buf, "techintel <sources>", []Outline{
		{Title: "A", XMLURL: "https://a.example/feed", Category: "X"},
		{Title: "B", XMLURL: "https://b.example/feed", HTMLURL: "https://b.example/"},
		{Title: "C", XMLURL: "https://c.example/feed", Category: "X"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head>
    <title>techintel &lt;sources&gt;</title>
  </head>
  <body>
    <outline text="X" title="X">
      <outline type="rss" text="A" title="A" xmlUrl="https://a.example/feed"/>
      <outline type="rss" text="C" title="C" xmlUrl="https://c.example/feed"/>
    </outline>
    <outline type="rss" text="B" title="B" xmlUrl="https://b.example/feed" htmlUrl="https://b.example/"/>
  </body>
</opml>
`
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}

	if err := WriteOPML(&buf, "t", []Outline{{Title: "no url"}}); err == nil || !strings.HasPrefix(err.Error(), "feeds: write opml: ") {
		t.Errorf("outline without a URL: error %v", err)
	}
	if err := WriteOPML(failingWriter{}, "t", nil); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("failing writer: error %v", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestParseOPMLErrors(t *testing.T) {
	nest := func(n int) string {
		return `<opml><body>` + strings.Repeat(`<outline text="f">`, n) + `<outline xmlUrl="https://e.org/"/>` +
			strings.Repeat(`</outline>`, n) + `</body></opml>`
	}
	many := func(n int) string {
		return `<opml><body>` + strings.Repeat(`<outline xmlUrl="https://e.org/"/>`, n) + `</body></opml>`
	}
	tests := []struct {
		name, body string
		want       string // "" for no error
		wantErr    error
	}{
		{"empty", "", "feeds: opml: the file is empty or has no root element", nil},
		{"only a declaration", `<?xml version="1.0"?>`, "the file is empty or has no root element", nil},
		{"a feed, not OPML", string(readTestdata(t, "rss2.xml")), "feeds: opml: not an OPML file: the root element is <rss>", nil},
		{"an HTML page", string(readTestdata(t, "html-page.html")), "not an OPML file: the root element is <html>", nil},
		{"cut short", "<opml>\n<body>\n<outline text=\"a\" xmlUrl=\"https://e.org/\"/>\n<outline text=\"b\"", "feeds: opml: XML syntax error on line 4: unexpected EOF", nil},
		{"bad bytes", "<opml><body><outline text=\"\xff\xfe\" xmlUrl=\"x\"/></body></opml>", "feeds: opml: XML syntax error on line 1: invalid UTF-8", nil},
		{"no outlines", `<opml version="2.0"><head><title>t</title></head><body/></opml>`, "", nil},
		{"outlines in head are not feeds", `<opml><head><outline xmlUrl="https://e.org/"/></head><body/></opml>`, "", nil},
		{"nesting at the limit", nest(MaxOPMLDepth - 1), "", nil},
		{"nesting over the limit", nest(MaxOPMLDepth), fmt.Sprintf("feeds: opml: outlines nested deeper than %d", MaxOPMLDepth), nil},
		{"other elements nested deep", `<opml><body>` + strings.Repeat("<x>", 40), "elements nested deeper than 22", nil},
		{"outlines at the limit", many(MaxOutlines), "", nil},
		{"too many outlines", many(MaxOutlines + 1), fmt.Sprintf("feeds: opml: more than %d outlines", MaxOutlines), nil},
		{"entity bomb stays inert", string(readTestdata(t, "opml/malformed.opml")), "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outlines, err := ParseOPML(strings.NewReader(tt.body))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range outlines {
					if len(o.Title) > 100 {
						t.Errorf("title of %d bytes: an entity was expanded", len(o.Title))
					}
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "feeds: opml: ") {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v does not wrap %v", err, tt.wantErr)
			}
		})
	}
}

// TestParseOPMLSize runs the size cap at 1 MiB; ParseOPML's is 32 MiB, too
// slow to build and read in a test under the race detector.
func TestParseOPMLSize(t *testing.T) {
	const limit = 1 << 20
	doc := func(n int) string {
		s := `<opml><body><outline xmlUrl="https://e.org/" text="`
		end := `"/></body></opml>`
		return s + strings.Repeat("x", n-len(s)-len(end)) + end
	}
	if _, err := parseOPML(strings.NewReader(doc(limit)), limit); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	_, err := parseOPML(strings.NewReader(doc(limit+1)), limit)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "body too large: over 1 MiB") {
		t.Errorf("over the limit: error %v", err)
	}
}
