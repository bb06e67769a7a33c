package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/techintel/techintel/index"
)

// TestConfigTagRules: veto, plurals and [[watch.alias_rules]] tables reach the
// tagger, and review_every is read.
func TestConfigTagRules(t *testing.T) {
	cfg, err := ParseConfig(`
[[watch]]
name = "Microsoft"
role = "partner"
review_every = 30
veto = ["chess"]
plurals = true

[[watch.alias_rules]]
name = "MS"
case_sensitive = true
context = ["Windows"]
context_window = 1

[[watch]]
name = "Red Hat"
role = "partner"
case_sensitive = true

[[watch.alias_rules]]
name = "Redhat"
`)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Watch[0].ReviewEvery != 30 {
		t.Errorf("review_every = %d, want 30", cfg.Watch[0].ReviewEvery)
	}
	tg, err := cfg.tagger()
	if err != nil {
		t.Fatal(err)
	}
	for body, want := range map[string][]string{
		"It runs MS Windows and redhat.":      {"Microsoft", "Red Hat"},
		"Latency 30 MS; the red hat was lost": {},
		"Two Microsofts in one room.":         {"Microsoft"},
		"Microsoft opened a chess club.":      {},
	} {
		doc := &index.Document{Title: "x", Body: body}
		tg.Tag(doc, nil)
		if !slices.Equal(doc.Entities, want) {
			t.Errorf("%q: entities %q, want %q", body, doc.Entities, want)
		}
	}
	_, err = ParseConfig("[[watch]]\nname = \"X\"\nrole = \"partner\"\nreview_every = -1\n")
	if err == nil || !strings.Contains(err.Error(), "review_every") {
		t.Errorf("negative review_every: %v", err)
	}
}
