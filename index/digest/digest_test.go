package digest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/digest"
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
	}
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		tb.Fatal(err)
	}
	return ix
}

var watch = []digest.Entity{{"Nokia", "own"}, {"Vodafone", "partner"}, {"Ericsson", "competitor"}, {"3GPP", "standards"}, {"Huawei", "competitor"}}

func TestBuild(t *testing.T) {
	d, err := digest.Build(context.Background(), world(t), "2026-W47", watch)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for c, v := range d.Components {
		counts[c] = v.Count
	}
	if counts["own"] != 2 || counts["alliances"] != 1 || counts["others"] != 1 || counts["industry"] != 1 {
		t.Errorf("component counts = %v", counts)
	}
	want := map[string][2]int{"Nokia": {2, 0}, "Vodafone": {1, 0}, "Ericsson": {1, 2}, "3GPP": {1, 0}, "Huawei": {0, 0}}
	for _, e := range d.Entities {
		if got := [2]int{e.Count, e.PreviousCount}; got != want[e.Name] {
			t.Errorf("%s: this/previous = %v, want %v", e.Name, got, want[e.Name])
		}
	}
	if _, err := digest.Build(context.Background(), world(t), "2026-W99", watch); !errors.Is(err, digest.ErrBadWeek) {
		t.Errorf("bad week: %v", err)
	}
}

// TestRenderGolden renders the digest in all three formats and compares
// them with testdata/*.golden (go test -update rewrites them).
func TestRenderGolden(t *testing.T) {
	d, err := digest.Build(context.Background(), world(t), "2026-W47", watch)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"digest.md", func(b *bytes.Buffer) error { return digest.WriteMarkdown(b, d) }},
		{"digest.html", func(b *bytes.Buffer) error { return digest.WriteHTML(b, d) }},
		{"digest.json", func(b *bytes.Buffer) error {
			enc := json.NewEncoder(b)
			enc.SetIndent("", "  ")
			return enc.Encode(d)
		}},
	} {
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
			if strings.Contains(out, "<script>") || strings.Contains(out, "<b>big</b>") {
				t.Errorf("%s carries markup from crawled text", f.name)
			}
		})
	}
}
