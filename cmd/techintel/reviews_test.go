package main

import (
	"slices"
	"testing"
)

// TestDemoWorldReviews: on the demo world, Fujitsu (a partner) has gone
// quiet, Google Cloud announced with Ericsson (a competitor), small cells
// fall while other technologies rise, and the digest lists each story
// once with its summary.
func TestDemoWorldReviews(t *testing.T) {
	configPath, _ := demoWorld(t, "127.0.0.1:0")
	_, srv, _ := gathered(t, configPath)

	var alliances struct {
		Partners []struct {
			Name       string
			QuietWeeks int `json:"quiet_weeks"`
			Months12   int `json:"months_12"`
			Signals    []struct{ Competitor, Title string }
		}
		Overdue []string
	}
	if status := getJSON(t, srv.URL+"/api/v1/alliances", &alliances); status != 200 {
		t.Fatalf("alliances: status %d", status)
	}
	found := map[string]bool{}
	for _, p := range alliances.Partners {
		switch {
		case p.Name == "Fujitsu" && p.QuietWeeks >= 4 && p.Months12 == 3:
			found["quiet"] = true
		case p.Name == "Google Cloud" && len(p.Signals) > 0 && p.Signals[0].Competitor == "Ericsson":
			found["signal"] = true
		}
	}
	if !found["quiet"] || !found["signal"] || len(alliances.Overdue) != len(alliances.Partners) {
		t.Errorf("alliances = %+v; want Fujitsu quiet, Google Cloud with Ericsson, every review overdue (none done)", alliances)
	}

	var radar struct {
		Technologies []struct{ Technology, Trend string }
	}
	getJSON(t, srv.URL+"/api/v1/radar", &radar)
	trends := map[string]string{}
	for _, e := range radar.Technologies {
		trends[e.Technology] = e.Trend
	}
	if trends["Small cells"] != "falling" || !slices.Contains(mapValues(trends), "rising") {
		t.Errorf("radar trends = %v; want small cells falling and a technology rising", trends)
	}

	var d struct {
		Summary struct {
			Components []struct{ Component string }
			Quiet      []struct{ Name string }
		}
		Components map[string]struct {
			Top []struct {
				Story        string
				AlsoConcerns []string `json:"also_concerns"`
			}
		}
		Alliances []struct{ Name string }
	}
	if status := getJSON(t, srv.URL+"/api/v1/digest", &d); status != 200 {
		t.Fatalf("digest: status %d", status)
	}
	seen := map[string]string{}
	for c, comp := range d.Components {
		for _, s := range comp.Top {
			if prev, ok := seen[s.Story]; ok {
				t.Errorf("story %s listed under %s and %s", s.Story, prev, c)
			}
			seen[s.Story] = c
		}
	}
	if len(seen) == 0 || len(d.Summary.Components) != 4 || len(d.Alliances) != len(alliances.Partners) {
		t.Errorf("digest: %d stories, summary %+v, %d alliance lines", len(seen), d.Summary, len(d.Alliances))
	}
	if !slices.ContainsFunc(d.Summary.Quiet, func(q struct{ Name string }) bool { return q.Name == "Fujitsu" }) {
		t.Errorf("digest summary quiet partners = %+v; want Fujitsu", d.Summary.Quiet)
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
