package digest_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/digest"
	"github.com/techintel/techintel/index/insight"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden files")

func TestParseWeek(t *testing.T) {
	tests := []struct {
		in   string
		want string // Monday, or "" for an error
	}{
		{"2026-W47", "2026-11-16"},
		{"2026-W01", "2025-12-29"},
		{"2020-W53", "2020-12-28"},
		{"2026-W53", "2026-12-28"}, // 2026 starts on a Thursday: 53 weeks
		{"2025-W53", ""},
		{"2026-W00", ""},
		{"2026-47", ""},
		{"26-W47", ""},
		{"2026-W4", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := digest.ParseWeek(tt.in)
			if tt.want == "" {
				if !errors.Is(err, digest.ErrBadWeek) {
					t.Errorf("ParseWeek(%q) = %v, %v; want ErrBadWeek", tt.in, got, err)
				}
				return
			}
			if err != nil || got.Format(time.DateOnly) != tt.want || got.Weekday() != time.Monday {
				t.Errorf("ParseWeek(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
			}
			if digest.WeekOf(got) != tt.in {
				t.Errorf("WeekOf(%v) = %s", got, digest.WeekOf(got))
			}
		})
	}
	if got := digest.LastCompleteWeek(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)); got != "2026-W47" {
		t.Errorf("LastCompleteWeek(Monday 23 Nov) = %s", got)
	}
}

// world indexes a small week of news: week 47 of 2026 and the week before.
func world(tb testing.TB) *index.Index {
	tb.Helper()
	ix, err := index.OpenMem()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	mk := func(i int, day string, title string, comps, ents []string) index.Document {
		u := fmt.Sprintf("https://news.example/%d", i)
		p, _ := time.Parse(time.DateOnly, day)
		return index.Document{ID: index.DocID(u), URL: u, Title: title, Body: title + ". <script>alert(1)</script> More text.",
			Source: "wire", Published: p.Add(9 * time.Hour), Fetched: p.Add(10 * time.Hour),
			Components: comps, Entities: ents, Technologies: []string{}}
	}
	docs := []index.Document{
		mk(1, "2026-11-16", "Nokia opens Open RAN lab", []string{"own"}, []string{"Nokia"}),
		mk(2, "2026-11-17", "Vodafone & Nokia trial slicing", []string{"own", "alliances"}, []string{"Nokia", "Vodafone"}),
		mk(3, "2026-11-19", "Ericsson wins <b>big</b> [deal]", []string{"others"}, []string{"Ericsson"}),
		mk(4, "2026-11-22", "3GPP agrees Release 20 scope", []string{"industry"}, []string{"3GPP"}),
		mk(5, "2026-11-10", "Ericsson earlier news", []string{"others"}, []string{"Ericsson"}),
		mk(6, "2026-11-11", "Ericsson more earlier news", []string{"others"}, []string{"Ericsson"}),
		mk(7, "2026-11-23", "Next week's Nokia news", []string{"own"}, []string{"Nokia"}),
		// The Ericsson story again, from another wire: one story, two sources.
		mk(8, "2026-11-20", "Ericsson wins <b>big</b> [deal]", []string{"others"}, []string{"Ericsson"}),
		// A watched page, first gathered weeks ago.
		mk(9, "2026-11-02", "Nokia newsroom: press contacts", []string{"own"}, []string{"Nokia"}),
	}
	// Salience as the tagger sets it: the slicing trial is Nokia's story;
	// Vodafone is named in passing.
	docs[1].Salient, docs[1].Primary = []string{"Nokia"}, "own"
	// A partner active in the autumn and silent since: gone quiet.
	for i, x := range [][2]string{{"2026-09-08", "Qualcomm unveils a satellite modem"}, {"2026-09-15", "Qualcomm and operators test uplink carrier aggregation in Texas"},
		{"2026-10-06", "Snapdragon summit dates announced by Qualcomm for December"}} {
		q := mk(20+i, x[0], x[1], []string{"alliances"}, []string{"Qualcomm"})
		q.Salient, q.Primary = []string{"Qualcomm"}, "alliances"
		docs = append(docs, q)
	}
	docs[7].Source = "wire2"
	docs[8].Source = "nokia-site"
	docs[0].Technologies = []string{"Open RAN"}
	docs[3].Technologies = []string{"6G", "Open RAN"}
	docs[4].Technologies = []string{"Open RAN"}
	ctx := context.Background()
	if _, err := ix.Upsert(ctx, docs); err != nil {
		tb.Fatal(err)
	}
	// The watched page changes in week 47.
	page := docs[8]
	page.Body += " New: a contact for analysts."
	page.Updated = time.Date(2026, 11, 18, 8, 0, 0, 0, time.UTC)
	if res, err := ix.Upsert(ctx, []index.Document{page}); err != nil || len(res.Updated) != 1 {
		tb.Fatalf("change the watched page: %+v, %v", res, err)
	}
	return ix
}

var sites = []string{"nokia-site"}

var watch = []digest.Entity{{"Nokia", "own"}, {"Vodafone", "partner"}, {"Ericsson", "competitor"}, {"3GPP", "standards"}, {"Huawei", "competitor"},
	{"Qualcomm", "partner"}}

func TestBuild(t *testing.T) {
	d, err := digest.Build(context.Background(), world(t), "2026-W47", watch, sites)
	if err != nil {
		t.Fatal(err)
	}
	counts, stories := map[string]int{}, map[string]int{}
	for c, v := range d.Components {
		counts[c], stories[c] = v.Count, v.Stories
	}
	if counts["own"] != 2 || counts["alliances"] != 1 || counts["others"] != 2 || counts["industry"] != 1 {
		t.Errorf("component counts = %v", counts)
	}
	if stories["others"] != 1 || stories["own"] != 2 {
		t.Errorf("stories = %v; the Ericsson deal from two wires is one story", stories)
	}
	others := d.Components["others"].Top
	if len(others) != 1 || others[0].StorySize != 2 || len(others[0].Also) != 1 {
		t.Errorf("others top = %+v; want the Ericsson story once, with its other source", others)
	}
	if len(d.NewTechnologies) != 1 || d.NewTechnologies[0] != (digest.TechnologyCount{Name: "6G", Count: 1}) {
		t.Errorf("new technologies = %+v; want 6G only (Open RAN was seen the week before)", d.NewTechnologies)
	}
	if len(d.Changed) != 1 || d.Changed[0].Source != "nokia-site" || !d.Changed[0].Updated.Equal(time.Date(2026, 11, 18, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("changed = %+v; want the Nokia newsroom page", d.Changed)
	}
	// Each story once, under its primary component.
	seen := map[string]string{}
	for c, v := range d.Components {
		for _, s := range v.Top {
			if prev, ok := seen[s.Story]; ok {
				t.Errorf("story %q listed under %s and %s", s.Title, prev, c)
			}
			seen[s.Story] = c
		}
	}
	if len(seen) != 4 || stories["alliances"] != 0 {
		t.Errorf("%d stories listed, alliances %d; want 4, the Vodafone mention being in passing", len(seen), stories["alliances"])
	}
	if own := d.Components["own"].Top; len(own) != 2 || !slices.Equal(own[0].AlsoConcerns, []string{"alliances"}) {
		t.Errorf("own stories = %+v; want the slicing trial also concerning alliances", own)
	}
	if q := d.Summary.Quiet; len(q) != 1 || q[0] != (digest.Quiet{Name: "Qualcomm", Before: 3}) {
		t.Errorf("quiet partners = %+v; want Qualcomm with 3 documents before", q)
	}
	for _, cs := range d.Summary.Components {
		if cs.Component == "alliances" && (cs.Average != 0.3 || cs.Change != -0.3) {
			t.Errorf("alliances summary = %+v; want 3 stories over 12 weeks: average 0.3, change -0.3", cs)
		}
	}
	want := map[string][2]int{"Nokia": {2, 0}, "Vodafone": {1, 0}, "Ericsson": {2, 2}, "3GPP": {1, 0}, "Huawei": {0, 0}, "Qualcomm": {0, 0}}
	for _, e := range d.Entities {
		if got := [2]int{e.Count, e.PreviousCount}; got != want[e.Name] {
			t.Errorf("%s: this/previous = %v, want %v", e.Name, got, want[e.Name])
		}
	}
	if _, err := digest.Build(context.Background(), world(t), "2026-W99", watch, sites); !errors.Is(err, digest.ErrBadWeek) {
		t.Errorf("bad week: %v", err)
	}
}

// TestRenderGolden renders the digest, with its alliance review and radar
// sections, in every format of Write, the one renderer of the API, the
// command line and the weekly files, and compares them with
// testdata/*.golden (go test -update rewrites them).
func TestRenderGolden(t *testing.T) {
	ix := world(t)
	d, err := digest.Build(context.Background(), ix, "2026-W47", watch, sites)
	if err != nil {
		t.Fatal(err)
	}
	ents := []insight.Entity{{Name: "Nokia", Role: "own"}, {Name: "Vodafone", Role: "partner"}, {Name: "Qualcomm", Role: "partner"}}
	reviewed := map[string]time.Time{"Vodafone": time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	if err := digest.AddReviews(context.Background(), ix, d, ents, []string{"Open RAN", "6G"}, reviewed); err != nil {
		t.Fatal(err)
	}
	ext := map[string]string{"markdown": "md", "html": "html", "json": "json"}
	for _, format := range digest.Formats() {
		f := struct {
			name  string
			write func(*bytes.Buffer) error
		}{"digest." + ext[format], func(b *bytes.Buffer) error { return digest.Write(b, d, format) }}
		t.Run(f.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := f.write(&buf); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", f.name+".golden")
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s differs from %s:\n%s", f.name, golden, buf.String())
			}
			out := buf.String()
			// JSON carries crawled text as it is (it is not HTML); the
			// pages must not.
			if format != "json" && (strings.Contains(out, "<script>") || strings.Contains(out, "<b>big</b>")) {
				t.Errorf("%s carries markup from crawled text", f.name)
			}
			wants := []string{"Alliance review", "Technology radar"}
			if format == "json" {
				wants = []string{`"alliances": [`, `"radar": [`}
			}
			for _, want := range wants {
				if !strings.Contains(out, want) {
					t.Errorf("%s lacks %q", f.name, want)
				}
			}
		})
	}
}

// TestReviewsSection: the alliance and radar sections on the test world,
// with Qualcomm quiet and never reviewed.
func TestReviewsSection(t *testing.T) {
	ix := world(t)
	d, err := digest.Build(context.Background(), ix, "2026-W47", watch, sites)
	if err != nil {
		t.Fatal(err)
	}
	ents := []insight.Entity{{Name: "Nokia", Role: "own"}, {Name: "Vodafone", Role: "partner"}, {Name: "Qualcomm", Role: "partner"}}
	reviewed := map[string]time.Time{"Vodafone": time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	if err := digest.AddReviews(context.Background(), ix, d, ents, []string{"Open RAN", "6G"}, reviewed); err != nil {
		t.Fatal(err)
	}
	if len(d.Alliances) != 2 || d.Alliances[0].Name != "Vodafone" || d.Alliances[0].Overdue || d.Alliances[0].Week != 1 ||
		!d.Alliances[1].Overdue || d.Alliances[1].Months12 != 3 {
		t.Errorf("alliances = %+v; want Vodafone due later with 1 this week, Qualcomm overdue with 3 in 12 months", d.Alliances)
	}
	if len(d.Radar) != 2 {
		t.Fatalf("radar = %+v", d.Radar)
	}
	var md bytes.Buffer
	if err := digest.WriteMarkdown(&md, d); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Alliance review", "| Qualcomm | 0 | 3 | 3 | **overdue** |", "## Technology radar", "| 6G | steady | 1 |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	var h bytes.Buffer
	if err := digest.WriteHTML(&h, d); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.String(), "Alliance review") || !strings.Contains(h.String(), "<strong>overdue</strong>") {
		t.Errorf("html lacks the alliance review")
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	err := digest.Write(io.Discard, &digest.Digest{}, "pdf")
	if err == nil || !strings.Contains(err.Error(), `"pdf"`) || !strings.Contains(err.Error(), "markdown, html, json") {
		t.Errorf("Write(pdf) = %v, want an error naming the format and the known ones", err)
	}
}
