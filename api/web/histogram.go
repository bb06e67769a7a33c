package web

import (
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/techintel/techintel/index"
)

// The search page's hits-over-time bars: server-rendered SVG, one bar per
// day or week, each a link that narrows the search to its period (the
// since and until parameters). The counts come from the index in the same
// search as the hits (a date-range facet).

// histWeeks is how many weeks the bars cover without a date range.
const histWeeks = 16

// histogramEdges picks the buckets for q: days when since and until span
// at most two months, else weeks (Monday to Monday, UTC) up to the week
// of until, or of now.
func histogramEdges(q index.Query, now time.Time) (edges []time.Time, unit string) {
	day := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	if !q.Since.IsZero() && !q.Until.IsZero() && q.Until.Sub(q.Since) <= 62*24*time.Hour && q.Since.Before(q.Until) {
		for t := day(q.Since.UTC()); t.Before(q.Until); t = t.AddDate(0, 0, 1) {
			edges = append(edges, t)
		}
		return append(edges, edges[len(edges)-1].AddDate(0, 0, 1)), "day"
	}
	end := now.UTC()
	if !q.Until.IsZero() && q.Until.Before(end) {
		end = q.Until.UTC()
	}
	// The Monday after end's week.
	monday := day(end).AddDate(0, 0, -((int(end.Weekday()) + 6) % 7))
	last := monday.AddDate(0, 0, 7)
	first := last.AddDate(0, 0, -7*histWeeks)
	if !q.Since.IsZero() && q.Since.After(first) {
		s := day(q.Since.UTC())
		first = s.AddDate(0, 0, -((int(s.Weekday()) + 6) % 7))
	}
	for t := first; !t.After(last); t = t.AddDate(0, 0, 7) {
		edges = append(edges, t)
	}
	return edges, "week"
}

type histBar struct {
	X, Y, W, H float64
	URL, Label string
	On         bool
}

type histView struct {
	Bars        []histBar
	First, Last string
	Unit        string
}

// histogramView lays the buckets out in a 1000×100 viewBox.
func histogramView(buckets []index.Bucket, unit string, vals url.Values) *histView {
	if len(buckets) == 0 {
		return nil
	}
	top := 0
	for _, b := range buckets {
		top = max(top, b.Count)
	}
	if top == 0 {
		return nil
	}
	// Weeks before the first match are left out (the bars would crowd
	// into a corner), keeping at least minBars.
	const minBars = 8
	first := slices.IndexFunc(buckets, func(b index.Bucket) bool { return b.Count > 0 })
	buckets = buckets[min(first, max(len(buckets)-minBars, 0)):]
	w := 1000.0 / float64(len(buckets))
	v := &histView{Unit: unit,
		First: buckets[0].Start.Format(time.DateOnly),
		Last:  buckets[len(buckets)-1].End.AddDate(0, 0, -1).Format(time.DateOnly)}
	for i, b := range buckets {
		since, until := b.Start.Format(time.DateOnly), b.End.AddDate(0, 0, -1).Format(time.DateOnly)
		nv := clone(vals)
		nv.Del("offset")
		nv.Del("after")
		nv.Set("since", since)
		nv.Set("until", until)
		h := 0.0
		if b.Count > 0 {
			h = max(92*float64(b.Count)/float64(top), 2)
		}
		period := "week of " + since
		if unit == "day" {
			period = since
		}
		v.Bars = append(v.Bars, histBar{
			X: float64(i)*w + w*0.1, W: w * 0.8, Y: 100 - h, H: h,
			URL:   pageURL(nv),
			Label: fmt.Sprintf("%s: %d documents", period, b.Count),
			On:    vals.Get("since") == since && vals.Get("until") == until,
		})
	}
	return v
}
