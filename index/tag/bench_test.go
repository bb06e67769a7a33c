package tag

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
)

// benchWorld generates a watch list of nEnt entities and nTech technologies
// with made-up names of one to three words, some with aliases, exclude and
// context phrases, and docs of about 2 KB that mention a dozen of them among
// ordinary words.
func benchWorld(nEnt, nTech, nDocs int) ([]Entity, []Technology, []*index.Document) {
	rng := rand.New(rand.NewPCG(1, 2))
	syll := []string{"no", "ki", "ta", "ri", "ve", "lo", "zan", "tel", "com", "sys", "net", "ra", "mi", "qu", "dor", "ix"}
	word := func() string {
		var b strings.Builder
		for range 2 + rng.IntN(2) {
			b.WriteString(syll[rng.IntN(len(syll))])
		}
		s := b.String()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	phrase := func() string {
		w := []string{word()}
		for range rng.IntN(3) {
			w = append(w, word())
		}
		return strings.Join(w, " ")
	}
	seen := map[string]bool{}
	unique := func() string {
		for {
			if p := phrase(); !seen[p] {
				seen[p] = true
				return p
			}
		}
	}
	roles := Roles()
	var names []string
	ents := make([]Entity, nEnt)
	for i := range ents {
		ents[i] = Entity{Name: unique(), Role: roles[i%len(roles)], CaseSensitive: i%50 == 0}
		if i%3 == 0 {
			ents[i].Aliases = []string{ents[i].Name + " Group", fmt.Sprintf("%s-%d", word(), i)}
		}
		// Some precision controls, as a real watch list has them.
		if i%10 == 0 {
			ents[i].Exclude = []string{ents[i].Name + " Arena", "the " + ents[i].Name}
		}
		if i%25 == 0 {
			ents[i].Context = []string{"telecom", "network operators", "spectrum"}
		}
		names = append(names, ents[i].Name)
	}
	techs := make([]Technology, nTech)
	for i := range techs {
		techs[i] = Technology{Name: unique()}
		if i%2 == 0 {
			techs[i].Aliases = []string{fmt.Sprintf("T%dX", i)}
		}
		names = append(names, techs[i].Name)
	}
	common := strings.Fields(`the of and to in a is that for on with as by at from
		network operators said new trial spectrum radio vendor deal market report
		announced partnership cloud core edge deployment standard release research
		intelligence army alarm nokian telecom's open-source low-latency`)
	docs := make([]*index.Document, nDocs)
	for i := range docs {
		var b strings.Builder
		for b.Len() < 2048 {
			if rng.IntN(30) == 0 {
				b.WriteString(names[rng.IntN(len(names))])
				b.WriteString("'s ")
				continue
			}
			b.WriteString(common[rng.IntN(len(common))])
			if rng.IntN(12) == 0 {
				b.WriteString(".\n")
			} else {
				b.WriteByte(' ')
			}
		}
		docs[i] = &index.Document{Title: phrase() + " " + names[rng.IntN(len(names))], Body: b.String(), Source: "bench"}
	}
	return ents, techs, docs
}

func BenchmarkTag(b *testing.B) {
	ents, techs, docs := benchWorld(5000, 500, 64)
	tg, err := New(ents, techs)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(docs[0].Body)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tg.Tag(docs[i%len(docs)], []string{"industry"})
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}

func BenchmarkTagParallel(b *testing.B) {
	ents, techs, docs := benchWorld(5000, 500, 64)
	tg, err := New(ents, techs)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(docs[0].Body)))
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			doc := *docs[i%len(docs)]
			tg.Tag(&doc, nil)
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}

func BenchmarkNew(b *testing.B) {
	ents, techs, _ := benchWorld(5000, 500, 0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(ents, techs); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBenchWorldTags guards the benchmark against measuring nothing.
func TestBenchWorldTags(t *testing.T) {
	ents, techs, docs := benchWorld(5000, 500, 8)
	tg, err := New(ents, techs)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		tg.Tag(d, nil)
		if len(d.Entities)+len(d.Technologies) < 5 {
			t.Errorf("only %d entities and %d technologies tagged in %q", len(d.Entities), len(d.Technologies), d.Body)
		}
	}
}

// BenchmarkTagShareOfIngest tags 1,000 documents of about 2 KB with 5,000
// entities and 500 technologies, then upserts the same documents into a
// fresh in-memory index (the indexing half of ingest), and reports what
// share of the two together the tagging is. The aim is under 20%.
func BenchmarkTagShareOfIngest(b *testing.B) {
	ents, techs, proto := benchWorld(5000, 500, 1000)
	tg, err := New(ents, techs)
	if err != nil {
		b.Fatal(err)
	}
	var tagTime, indexTime time.Duration
	n := 0
	for b.Loop() {
		docs := make([]index.Document, len(proto))
		for i, d := range proto {
			docs[i] = *d
			docs[i].ID = fmt.Sprintf("doc%d", i)
			docs[i].URL = "https://bench.example/" + docs[i].ID
		}
		start := time.Now()
		for i := range docs {
			tg.Tag(&docs[i], nil)
		}
		tagTime += time.Since(start)
		ix, err := index.OpenMem()
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		if _, err := ix.Upsert(context.Background(), docs); err != nil {
			b.Fatal(err)
		}
		indexTime += time.Since(start)
		ix.Close()
		n += len(docs)
	}
	b.ReportMetric(float64(n)/tagTime.Seconds(), "tag-docs/s")
	b.ReportMetric(float64(n)/indexTime.Seconds(), "index-docs/s")
	b.ReportMetric(100*tagTime.Seconds()/(tagTime+indexTime).Seconds(), "tag-%")
}

// runsOf returns the white-space separated runs of the benchmark world's
// bodies and some of other scripts, as skipTechnical asks about them.
func runsOf(docs []*index.Document) []string {
	runs := strings.Fields("naïve café.com Zürich-Ost 東京/大阪 e-mail x@y.z ::1 _ a|b résumé.pdf Ω-3 …")
	for _, d := range docs {
		runs = append(runs, strings.Fields(d.Body)...)
	}
	return runs
}

func TestHasTechByte(t *testing.T) {
	_, _, docs := benchWorld(50, 10, 16)
	for _, w := range runsOf(docs) {
		if got, want := hasTechByte(w), strings.ContainsAny(w, ":@_/.-|"); got != want {
			t.Fatalf("hasTechByte(%q) = %v, strings.ContainsAny %v", w, got, want)
		}
	}
}

// BenchmarkHasTechByte asks hasTechByte and strings.ContainsAny (the call
// it replaced) about the same runs of text, alternating which goes
// first, and reports their ratio.
func BenchmarkHasTechByte(b *testing.B) {
	_, _, docs := benchWorld(5000, 500, 64)
	runs := runsOf(docs)
	var took [2]time.Duration
	round, hits := 0, 0
	for b.Loop() {
		round++
		for k := range 2 {
			side := (k + round) % 2
			start := time.Now()
			for _, w := range runs {
				if side == 0 && hasTechByte(w) || side == 1 && strings.ContainsAny(w, ":@_/.-|") {
					hits++
				}
			}
			took[side] += time.Since(start)
		}
	}
	b.ReportMetric(took[0].Seconds()/took[1].Seconds(), "new/old")
	b.ReportMetric(float64(hits), "hits")
}
