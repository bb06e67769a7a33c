package insight_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/insight"
)

var watch = []insight.Entity{
	{Name: "Nokia", Role: "own"},
	{Name: "Intel", Role: "partner", ReviewEvery: 30},
	{Name: "Qualcomm", Role: "partner"},
	{Name: "Ericsson", Role: "competitor"},
}

// now is a Wednesday; the complete weeks end on Monday 2026-11-23.
var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// world indexes a year in which Qualcomm goes quiet after the summer,
// Intel announces with Ericsson, 6G rises and 4G falls.
func world(tb testing.TB) *index.Index {
	tb.Helper()
	ix, err := index.OpenMem()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	var docs []index.Document
	n := 0
	add := func(weeksAgo int, title string, ents, salient, techs []string) {
		n++
		u := fmt.Sprintf("https://news.example/%d", n)
		p := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC).AddDate(0, 0, -7*weeksAgo+1)
		docs = append(docs, index.Document{ID: index.DocID(u), URL: u, Title: fmt.Sprintf("%s, story %d", title, n),
			Body: fmt.Sprintf("Body of story %d about %v with distinct words %d.", n, ents, n*7919), Source: "wire",
			Published: p, Fetched: p, Components: []string{}, Entities: ents, Technologies: techs, Salient: salient})
	}
	for w := 30; w <= 40; w++ {
		add(w, "Qualcomm modem update", []string{"Qualcomm"}, []string{"Qualcomm"}, []string{"4G"})
	}
	add(3, "Intel and Ericsson show vRAN servers", []string{"Ericsson", "Intel"}, []string{"Ericsson", "Intel"}, nil)
	add(5, "Intel ships Xeon for Nokia", []string{"Intel", "Nokia"}, []string{"Intel"}, []string{"6G"})
	add(40, "Intel earnings mention Nokia in passing", []string{"Intel", "Nokia"}, []string{"Intel"}, nil)
	for w := 1; w <= 4; w++ {
		add(w, "6G research", []string{"Nokia"}, []string{"Nokia"}, []string{"6G"})
		add(w, "6G trial", []string{"Ericsson"}, []string{"Ericsson"}, []string{"6G"})
	}
	for w := 5; w <= 12; w++ {
		add(w, "4G network refresh", []string{"Ericsson"}, []string{"Ericsson"}, []string{"4G"})
	}
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		tb.Fatal(err)
	}
	return ix
}

func TestAlliances(t *testing.T) {
	ix := world(t)
	reviewed := map[string]time.Time{"Intel": now.AddDate(0, 0, -10)}
	rs, err := insight.Alliances(context.Background(), ix, now, watch, reviewed)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Name != "Intel" || rs[1].Name != "Qualcomm" {
		t.Fatalf("reviews = %+v; want Intel and Qualcomm", rs)
	}
	intel, qc := rs[0], rs[1]
	if len(intel.Weeks) != 52 || intel.Months12 != 3 || intel.Months6 != 2 {
		t.Errorf("Intel activity: %d weeks, 12 months %d, 6 months %d; want 52, 3, 2", len(intel.Weeks), intel.Months12, intel.Months6)
	}
	if intel.WithOwn != 2 || !slices.Equal(intel.WithCompetitors, []insight.NameCount{{Name: "Ericsson", Count: 1}}) {
		t.Errorf("Intel co-mentions: own %d, competitors %+v", intel.WithOwn, intel.WithCompetitors)
	}
	if len(intel.Signals) != 1 || intel.Signals[0].Competitor != "Ericsson" {
		t.Errorf("Intel signals = %+v; want the Ericsson announcement", intel.Signals)
	}
	if intel.Overdue || intel.ReviewEvery != 30 || !intel.Due.Equal(now.AddDate(0, 0, 20)) {
		t.Errorf("Intel review: overdue %t every %d due %v; want due in 20 days", intel.Overdue, intel.ReviewEvery, intel.Due)
	}
	if qc.QuietWeeks != 29 || intel.QuietWeeks != 2 {
		t.Errorf("quiet weeks: Qualcomm %d, Intel %d; want 29 and 2", qc.QuietWeeks, intel.QuietWeeks)
	}
	if qc.Months6 != 0 || qc.Months12 != 11 || !qc.Overdue || qc.Reviewed != nil || qc.ReviewEvery != insight.DefaultReviewEvery {
		t.Errorf("Qualcomm: 6 months %d, 12 months %d, overdue %t, reviewed %v", qc.Months6, qc.Months12, qc.Overdue, qc.Reviewed)
	}
	if len(qc.Technologies) != 1 || qc.Technologies[0] != (insight.NameCount{Name: "4G", Count: 11}) {
		t.Errorf("Qualcomm technologies = %+v", qc.Technologies)
	}
	if _, ok, err := insight.Alliance(context.Background(), ix, now, "Ericsson", watch, nil); ok || err != nil {
		t.Errorf("Alliance(Ericsson) = %t, %v; a competitor has no alliance review", ok, err)
	}
}

func TestRadar(t *testing.T) {
	rd, err := insight.NewRadar(context.Background(), world(t), now, []string{"4G", "6G", "Quantum"}, watch)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]insight.RadarEntry{}
	for _, e := range rd.Technologies {
		got[e.Technology] = e
	}
	if g := got["6G"]; g.Trend != insight.Rising || g.Own != 5 || g.Competitors != 4 || g.Position != "ahead" {
		t.Errorf("6G = %s own %d competitors %d %s; want rising, 5 and 4, ahead (the Intel story names Nokia too)", g.Trend, g.Own, g.Competitors, g.Position)
	}
	if g := got["4G"]; g.Trend != insight.Falling || g.Position != "behind" || g.FirstSeen == nil {
		t.Errorf("4G = %s %s first seen %v; want falling, behind, a date", g.Trend, g.Position, g.FirstSeen)
	}
	if g := got["Quantum"]; g.Trend != insight.Steady || g.Position != "absent" || g.FirstSeen != nil {
		t.Errorf("Quantum = %+v; want steady, absent, never seen", g)
	}
	if rd.Technologies[0].Technology != "6G" {
		t.Errorf("radar order %v; rising first", rd.Technologies)
	}
}

func TestTrend(t *testing.T) {
	for _, tc := range []struct {
		counts []int
		want   string
	}{
		{[]int{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0}, insight.Rising},
		{[]int{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0}, insight.Steady}, // 2 documents: noise
		{[]int{1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 2, 1}, insight.Rising}, // 1.5 a week against 1
		{[]int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2}, insight.Steady},
		{[]int{2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 0, 0}, insight.Falling},
		{[]int{1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}, insight.Steady}, // 2 documents before: noise
		{[]int{1, 1}, insight.Steady},
	} {
		if got := insight.Trend(tc.counts); got != tc.want {
			t.Errorf("Trend(%v) = %s, want %s", tc.counts, got, tc.want)
		}
	}
}

func TestReviewExport(t *testing.T) {
	ix := world(t)
	r, ok, err := insight.Alliance(context.Background(), ix, now, "Intel", watch, nil)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	r.Latest[0].Title = `<script>alert(1)</script> [x](javascript:y)`
	var md, html strings.Builder
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteHTML(&html); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"markdown": md.String(), "html": html.String()} {
		if strings.Contains(out, "<script>") || name == "markdown" && strings.Contains(out, "](javascript") {
			t.Errorf("%s export carries crawled markup:\n%s", name, out)
		}
		for _, want := range []string{"Alliance review: Intel", "Never reviewed", "Ericsson"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s export lacks %q:\n%s", name, want, out)
			}
		}
	}
}
