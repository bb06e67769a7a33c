package main

import (
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/techintel/techintel/index"
)

// search is one search of the mix, asked of the API and of bare bleve.
type search struct {
	q            string
	since, until time.Time
}

// values is the API's query string for s.
func (s search) values() url.Values {
	v := url.Values{"q": {s.q}, "limit": {"20"}, "facets": {"entities"}}
	if !s.since.IsZero() {
		v.Set("since", s.since.Format(time.RFC3339))
		v.Set("until", s.until.Format(time.RFC3339))
	}
	return v
}

// query is the index.Query the API builds from values(): limit 20, the
// entities facet, relevance order.
func (s search) query() index.Query {
	return index.Query{Q: s.q, Since: s.since, Until: s.until, Limit: 20, Facets: []string{"entities"}}
}

// bareRequest is the request the bare index answers for s: the
// product's (index.BuildRequest), with its date filter (a non-scoring
// boolean filter, which the product's partitions inside the dates drop)
// made a clause of the conjunction again, as a plain bleve user writes
// it and as the earlier runs measured it (the same matches; the scores
// then count the date range too).
func bareRequest(s search) (*bleve.SearchRequest, error) {
	req, err := index.BuildRequest(s.query())
	if err != nil {
		return nil, err
	}
	if b, ok := req.Query.(*query.BooleanQuery); ok && b.Filter != nil {
		nb := *b
		nb.Must = bleve.NewConjunctionQuery(b.Must, b.Filter)
		nb.Filter = nil
		req.Query = &nb
	}
	return req, nil
}

// filtered reports whether s has a date filter.
func (s search) filtered() bool { return !s.since.IsZero() }

// mix returns n searches over the corpus's title words: in turn `a b`,
// `"a b"`, `+a +b` and `a`; half unfiltered, a third within a calendar
// month and a sixth within a quarter of the time the first upto
// documents span (months wholly inside it where it has them). Words are
// taken past the commonest hundred, so that queries match from a few
// documents to a few percent of them.
func mix(c *corpus, n int, seed uint64, upto int) []search {
	freq := map[string]int{}
	pairs := map[string]int{}
	for _, p := range c.pkgs {
		ws := tokens(p.short)
		for i, w := range ws {
			if len(w) < 4 {
				continue
			}
			freq[w]++
			if i > 0 && len(ws[i-1]) >= 4 {
				pairs[ws[i-1]+" "+w]++
			}
		}
	}
	vocab := make([]string, 0, len(freq))
	for w, f := range freq {
		if f >= 3 {
			vocab = append(vocab, w)
		}
	}
	slices.SortFunc(vocab, func(a, b string) int {
		if d := freq[b] - freq[a]; d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	vocab = vocab[min(100, len(vocab)/10):min(len(vocab), 3000)]
	var phrases []string
	for p, f := range pairs {
		a, b, _ := strings.Cut(p, " ")
		if f >= 5 && freq[a] < freq[vocab[0]] && freq[b] < freq[vocab[0]] {
			phrases = append(phrases, p)
		}
	}
	if len(phrases) == 0 { // a small corpus: any recurring pair
		for p, f := range pairs {
			if f >= 2 {
				phrases = append(phrases, p)
			}
		}
	}
	slices.Sort(phrases)
	r := rand.New(rand.NewPCG(seed, 7))
	lo, hi := c.covered(upto)
	word := func() string { return vocab[r.IntN(len(vocab))] }
	out := make([]search, 0, n)
	for i := range n {
		var s search
		switch i % 4 {
		case 0:
			s.q = word() + " " + word()
		case 1:
			if len(phrases) == 0 {
				s.q = `"` + word() + " " + word() + `"`
				break
			}
			s.q = `"` + phrases[r.IntN(len(phrases))] + `"`
		case 2:
			s.q = "+" + word() + " +" + word()
		default:
			s.q = word()
		}
		switch i % 6 {
		case 3, 4:
			s.since = within(lo, hi, 1, r)
			s.until = s.since.AddDate(0, 1, 0)
		case 5:
			s.since = within(lo, hi, 3, r)
			s.until = s.since.AddDate(0, 3, 0)
		}
		out = append(out, s)
	}
	return out
}

// within picks the first day of a span of months calendar months wholly
// inside lo to hi, or the first whole month's when none fits.
func within(lo, hi time.Time, months int, r *rand.Rand) time.Time {
	first := time.Date(lo.Year(), lo.Month(), 1, 0, 0, 0, 0, time.UTC)
	if first.Before(lo) {
		first = first.AddDate(0, 1, 0)
	}
	n := 0
	for !first.AddDate(0, n+months, 0).After(hi) {
		n++
	}
	if n == 0 {
		return first
	}
	return first.AddDate(0, r.IntN(n), 0)
}

// tokens are the lower-case words of s, split at anything not a letter.
func tokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) })
}
