package index

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestSearchHistogram(t *testing.T) {
	ix, err := OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	day := func(d int) time.Time { return time.Date(2026, 11, d, 9, 0, 0, 0, time.UTC) }
	var docs []Document
	for i, d := range []int{2, 3, 3, 9, 10, 10, 10, 20} {
		u := fmt.Sprintf("https://e.example/%d", i)
		docs = append(docs, Document{ID: DocID(u), URL: u, Title: "radio news", Body: "radio", Source: "s",
			Published: day(d), Fetched: day(d)})
	}
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	weeks := []time.Time{
		time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
	}
	for _, collapse := range []bool{false, true} {
		res, err := ix.Search(context.Background(), Query{Q: "radio", Histogram: weeks, Collapse: collapse})
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for _, b := range res.Histogram {
			got = append(got, b.Count)
		}
		if fmt.Sprint(got) != "[3 4 1]" || !res.Histogram[1].Start.Equal(weeks[1]) || !res.Histogram[1].End.Equal(weeks[2]) {
			t.Errorf("collapse %t: histogram %+v, want counts [3 4 1]", collapse, res.Histogram)
		}
	}
	res, err := ix.Search(context.Background(), Query{Q: "radio"})
	if err != nil || res.Histogram != nil {
		t.Errorf("no histogram asked, got %v %v", res.Histogram, err)
	}
	if _, err := ix.Search(context.Background(), Query{Histogram: []time.Time{weeks[1], weeks[0]}}); !errors.Is(err, ErrBadQuery) {
		t.Errorf("decreasing edges: err %v", err)
	}
}
