package digest

import (
	"context"
	"time"

	"github.com/techintel/techintel/index/insight"
)

// PartnerLine is a partner's line in the digest's alliance section.
type PartnerLine struct {
	Name     string `json:"name"`
	Week     int    `json:"week"`      // documents in the digest's week
	Months6  int    `json:"months_6"`  // in the 26 weeks up to it
	Months12 int    `json:"months_12"` // in the 52 weeks up to it
	// Signals are its stories with a competitor in the 26 weeks.
	Signals []insight.Signal `json:"signals"`
	Overdue bool             `json:"overdue"` // its review is due
	Due     time.Time        `json:"due"`
}

// RadarLine is a technology's line in the digest's radar section.
type RadarLine struct {
	Technology string     `json:"technology"`
	Trend      string     `json:"trend"`
	Week       int        `json:"week"` // documents in the digest's week
	Position   string     `json:"position"`
	FirstSeen  *time.Time `json:"first_seen"`
}

// AddReviews adds the alliance review and the technology radar, as of the
// end of the digest's week, to d: one line per partner (overdue reviews
// flagged) and per watched technology. reviewed holds the last review
// date per partner.
func AddReviews(ctx context.Context, s insight.Searcher, d *Digest, watch []insight.Entity, technologies []string,
	reviewed map[string]time.Time) error {
	rs, err := insight.Alliances(ctx, s, d.To, watch, reviewed)
	if err != nil {
		return err
	}
	half := d.To.AddDate(0, 0, -7*26)
	d.Alliances = []PartnerLine{}
	for _, r := range rs {
		l := PartnerLine{Name: r.Name, Months6: r.Months6, Months12: r.Months12, Signals: []insight.Signal{},
			Overdue: r.Overdue, Due: r.Due}
		if n := len(r.Weeks); n > 0 {
			l.Week = r.Weeks[n-1].Count
		}
		for _, sg := range r.Signals {
			if !sg.Published.Before(half) {
				l.Signals = append(l.Signals, sg)
			}
		}
		d.Alliances = append(d.Alliances, l)
	}
	rd, err := insight.NewRadar(ctx, s, d.To, technologies, watch)
	if err != nil {
		return err
	}
	d.Radar = []RadarLine{}
	for _, e := range rd.Technologies {
		l := RadarLine{Technology: e.Technology, Trend: e.Trend, Position: e.Position, FirstSeen: e.FirstSeen}
		if n := len(e.Weeks); n > 0 {
			l.Week = e.Weeks[n-1].Count
		}
		d.Radar = append(d.Radar, l)
	}
	return nil
}
