package engine

import (
	"strings"
	"testing"

	"github.com/techintel/techintel/cmd/techintel/internal/cluster"
	"github.com/techintel/techintel/cmd/techintel/internal/gather"
	"github.com/techintel/techintel/index"
)

// Deliveries of one pull commit side by side by source, except where two
// sources share a document: those keep their stream order, so that the
// primary and a replica, pulling different runs of the stream, end with
// the same document (the last source's).
func TestCommitRounds(t *testing.T) {
	// delivery "src:url,url;gone" → one delivery of src.
	delivery := func(spec string) cluster.Delivery {
		src, rest, _ := strings.Cut(spec, ":")
		urls, gone, _ := strings.Cut(rest, ";")
		b := gather.Batch{Source: src}
		for _, u := range strings.Split(urls, ",") {
			if u != "" {
				b.Documents = append(b.Documents, index.Document{ID: "id-" + u, URL: "https://x.example/" + u})
			}
		}
		if gone != "" {
			b.Gone = []string{"id-" + gone}
		}
		return cluster.Delivery{Result: cluster.Result{Batch: b}}
	}
	for _, tc := range []struct {
		name string
		in   []string
		want string // rounds separated by " | ", sources by " "
	}{
		{"disjoint sources: one round", []string{"a:1,2", "b:3", "c:4"}, "a b c"},
		{"one source's batches stay together", []string{"a:1", "a:1", "b:2"}, "a a b"},
		{"a page two sources share", []string{"a:1,2", "b:3,2", "c:5"}, "a | b c"},
		{"a page gone in another source", []string{"a:1", "b:;1"}, "a | b"},
		{"three sharing in turn", []string{"feed:p", "site:p", "feed:p"}, "feed | site | feed"},
		{"no documents", []string{"a:", "b:"}, "a b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ds []cluster.Delivery
			for _, s := range tc.in {
				ds = append(ds, delivery(s))
			}
			var got []string
			n := 0
			for _, round := range commitRounds(ds) {
				var srcs []string
				for _, d := range round {
					srcs = append(srcs, d.Batch.Source)
				}
				n += len(round)
				got = append(got, strings.Join(srcs, " "))
			}
			if g := strings.Join(got, " | "); g != tc.want {
				t.Errorf("rounds %q, want %q", g, tc.want)
			}
			if n != len(ds) {
				t.Errorf("%d deliveries in the rounds, want %d", n, len(ds))
			}
		})
	}
}
