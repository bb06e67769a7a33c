package index_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
)

// TestPercolateEqualsSearch is a property test: for random documents and
// random standing searches, percolating the batch returns exactly the
// documents that the same search over an index of the batch returns.
func TestPercolateEqualsSearch(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	words := []string{"radio", "radios", "network", "networks", "slicing", "sliced", "core", "cloud", "open", "ran", "trial", "trials", "antenna", "spectrum", "deal"}
	ents := []string{"Nokia", "Ericsson", "Vodafone", "Huawei"}
	techs := []string{"5G", "Open RAN", "Wi-Fi"}
	srcs := []string{"s", "t", "u"}
	sentence := func(n int) string {
		var w []string
		for range n {
			w = append(w, words[r.IntN(len(words))])
		}
		return strings.Join(w, " ")
	}
	pick := func(from []string) []string {
		var out []string
		for _, v := range from {
			if r.IntN(3) == 0 {
				out = append(out, v)
			}
		}
		return out
	}
	for round := range 5 {
		var docs []index.Document
		for i := range 60 {
			u := fmt.Sprintf("https://p.example/%d/%d", round, i)
			docs = append(docs, index.Document{
				ID: index.DocID(u), URL: u, Title: sentence(4), Body: sentence(25), Source: srcs[r.IntN(len(srcs))],
				Published:  time.Date(2026, 11, 1+r.IntN(20), 0, 0, 0, 0, time.UTC),
				Components: pick(index.Components), Entities: pick(ents), Technologies: pick(techs),
			})
		}
		ix := openMem(t)
		ix.SetResolver(resolveEnts(ents))
		if _, err := ix.Upsert(context.Background(), slices.Clone(docs)); err != nil {
			t.Fatal(err)
		}
		var standing []index.Standing
		for i := range 80 {
			var q string
			w := func() string { return words[r.IntN(len(words))] }
			switch r.IntN(14) {
			case 0:
				q = words[r.IntN(len(words))]
			case 1:
				q = "+" + words[r.IntN(len(words))] + " +" + words[r.IntN(len(words))]
			case 2:
				q = fmt.Sprintf("%q", words[r.IntN(len(words))]+" "+words[r.IntN(len(words))])
			case 3:
				q = "title:" + words[r.IntN(len(words))] + " -" + words[r.IntN(len(words))]
			case 4:
				q = words[r.IntN(len(words))][:3] + "*"
			case 5:
				q = ""
			// The query language: operators, NEAR, fields, ranges.
			case 6:
				q = w() + " OR " + w() + " " + w()
			case 7:
				q = "(" + w() + " OR " + w() + ") NOT " + w()
			case 8:
				q = fmt.Sprintf("%s NEAR/%d %s", w(), r.IntN(4), w())
			case 9:
				q = fmt.Sprintf("%q NEAR/%d %s", w()+" "+w(), r.IntN(6), w())
			case 10:
				q = "entity:" + strings.ToLower(ents[r.IntN(len(ents))]) + " " + w()
			case 11:
				q = fmt.Sprintf("published:>=2026-11-%02d %s", 1+r.IntN(20), w())
			case 12:
				q = fmt.Sprintf("NOT published:2026-11-%02d", 1+r.IntN(20))
			case 13:
				q = "title:" + w() + " NEAR/2 title:" + w()
			}
			standing = append(standing, index.Standing{ID: fmt.Sprint(i), Q: q, Entities: pick(ents), Resolve: resolveEnts(ents)})
			if r.IntN(2) == 0 {
				standing[i].Components = pick(index.Components)
			}
			if r.IntN(4) == 0 {
				standing[i].Since = time.Date(2026, 11, 1+r.IntN(20), 0, 0, 0, 0, time.UTC)
			}
			if r.IntN(4) == 0 {
				standing[i].Until = time.Date(2026, 11, 21+r.IntN(5), 0, 0, 0, 0, time.UTC) // after any Since
			}
			if r.IntN(3) == 0 {
				standing[i].Technologies = pick(techs)
			}
			if r.IntN(3) == 0 {
				standing[i].Sources = pick(srcs)
			}
		}
		got, failed, err := index.Percolate(context.Background(), docs, standing)
		if err != nil || len(failed) > 0 {
			t.Fatal(err, failed)
		}
		for _, s := range standing {
			q := s.Query()
			q.Limit, q.NoFacets = 100, true
			res, err := ix.Search(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, h := range res.Hits {
				want = append(want, h.ID)
			}
			slices.Sort(want)
			g := slices.Clone(got[s.ID])
			slices.Sort(g)
			if !slices.Equal(g, want) {
				t.Errorf("round %d, %+v: percolate %d docs, search %d", round, s, len(g), len(want))
			}
		}
	}
}

// resolveEnts resolves entity names in any case, as the watch list does.
func resolveEnts(ents []string) index.Resolver {
	return func(field, v string) []string {
		for _, e := range ents {
			if field == "entity" && strings.EqualFold(e, v) {
				return []string{e}
			}
		}
		return nil
	}
}

// BenchmarkPercolate: a batch of 1,000 new documents against 1,000 and
// 10,000 standing searches, beside the naive way (each standing search as a
// search over the main index restricted to the batch's IDs).
func BenchmarkPercolate(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	vocab := make([]string, 2000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%dx", i)
	}
	ents := []string{"Nokia", "Ericsson", "Vodafone", "Huawei", "Samsung", "Intel", "Qualcomm", "ZTE"}
	text := func(n int) string {
		var w []string
		for range n {
			w = append(w, vocab[int(r.ExpFloat64()*200)%len(vocab)])
		}
		return strings.Join(w, " ")
	}
	var docs []index.Document
	for i := range 1000 {
		u := fmt.Sprintf("https://bench.example/%d", i)
		docs = append(docs, index.Document{ID: index.DocID(u), URL: u, Title: text(8), Body: text(300), Source: "s",
			Published: time.Now(), Components: []string{index.Components[i%4]}, Entities: []string{ents[i%len(ents)]}, Technologies: []string{}})
	}
	for _, n := range []int{1000, 10000} {
		var standing []index.Standing
		for i := range n {
			s := index.Standing{ID: fmt.Sprint(i)}
			switch i % 4 {
			case 0:
				s.Q = vocab[r.IntN(len(vocab))]
			case 1:
				s.Q = "+" + vocab[r.IntN(len(vocab))] + " +" + vocab[r.IntN(len(vocab))]
			case 2:
				s.Entities = []string{ents[r.IntN(len(ents))] + fmt.Sprint(r.IntN(50))} // mostly absent entities
			case 3:
				s.Q = vocab[r.IntN(len(vocab))]
				s.Components = []string{index.Components[r.IntN(4)]}
			}
			standing = append(standing, s)
		}
		b.Run(fmt.Sprintf("percolate/subs=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := index.Percolate(context.Background(), docs, standing); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("naive/subs=%d", n), func(b *testing.B) {
			ix := openMem(b)
			if _, err := ix.Upsert(context.Background(), slices.Clone(docs)); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				for _, s := range standing {
					// The batch restriction, as a query over the main index.
					q := s.Q
					if _, err := ix.Search(context.Background(), index.Query{Q: q, Components: s.Components, Entities: s.Entities, Limit: 100, NoFacets: true}); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

func TestValidateQuery(t *testing.T) {
	for q, ok := range map[string]bool{"": true, "nokia": true, "+a -b \"c d\"": true, "nok*": true,
		"nokia NEAR/3 radio": true, "published:>=2026-01-01": true,
		"(nokia": false, "foo:bar": false, "title:": false, "a NEAR b": false} {
		err := index.ValidateQuery(context.Background(), q)
		if (err == nil) != ok {
			t.Errorf("ValidateQuery(%q) = %v", q, err)
		}
		if err != nil && !errors.Is(err, index.ErrBadQuery) {
			t.Errorf("ValidateQuery(%q) = %v, not ErrBadQuery", q, err)
		}
	}
}

// TestPercolateSkipsAFailingSearch: one broken standing search does not
// stop the others.
func TestPercolateSkipsAFailingSearch(t *testing.T) {
	d := doc("https://e.com/x", "Nokia radio", "radio", day, []string{}, []string{})
	d.Fetched = day
	got, failed, err := index.Percolate(context.Background(), []index.Document{d},
		[]index.Standing{{ID: "bad", Q: "radio)"}, {ID: "good", Q: "radio"}})
	if err != nil || failed["bad"] == nil || len(got["good"]) != 1 {
		t.Fatalf("got %v, failed %v, err %v", got, failed, err)
	}
}
