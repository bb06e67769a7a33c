package tag

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/techintel/techintel/index"
)

func TestExcerpt(t *testing.T) {
	long := "Operators across Europe have spent the last two years testing open radio networks in the field, " +
		"and on Tuesday Nokia said its new radios would ship to three of them before the end of the year, " +
		"with more to follow once the tests in Germany are complete."
	tests := []struct {
		name, text, match, want string
	}{
		{"short text whole", "Nokia wins", "Nokia", "Nokia wins"},
		{"white space collapsed", "  Deutsche\n  Telekom\tsaid\n", "Deutsche\n  Telekom", "Deutsche Telekom said"},
		{"cut both sides at words", long, "Nokia",
			"…testing open radio networks in the field, and on Tuesday Nokia said its new " +
				"radios would ship to three of them before the…"},
		{"match at the start", long, "Operators",
			"Operators across Europe have spent the last two years testing open…"},
		{"match at the end", long, "complete", "…the year, with more to follow once the tests in Germany are complete."},
		{"no word boundary", strings.Repeat("x", 100) + "Nokia" + strings.Repeat("y", 100), "Nokia", "…Nokia…"},
		{"multibyte", strings.Repeat("é ", 50) + "Telefónica" + strings.Repeat(" ü", 50), "Telefónica",
			"…" + strings.Repeat("é ", 30) + "Telefónica" + strings.Repeat(" ü", 30) + "…"},
		{"trailing white space is no cut", "Orange said " + strings.Repeat(" ", 80), "Orange", "Orange said"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := strings.Index(tt.text, tt.match)
			got := excerpt(tt.text, i, i+len(tt.match))
			if got != tt.want {
				t.Errorf("excerpt = %q\nwant      %q", got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > 2*excerptRadius+utf8.RuneCountInString(tt.match)+2 {
				t.Errorf("excerpt has %d characters", n)
			}
		})
	}
}

func TestTagExcerpt(t *testing.T) {
	tg := newTestTagger(t)
	doc := &index.Document{
		Title: "Intel’s O-RAN push",
		Body: "In a crowded hall in Barcelona on Monday morning the chief executive said that Nokia\nBell Labs " +
			"has a new radio, and that Ericsson was still behind.",
	}
	tg.Tag(doc, []string{"industry"})
	want := map[string]string{
		"Intel":    "Intel’s O-RAN push",
		"Open RAN": "Intel’s O-RAN push",
		"Nokia":    "…Barcelona on Monday morning the chief executive said that Nokia Bell Labs has a new radio, and that Ericsson was still behind.",
		"Ericsson": "…said that Nokia Bell Labs has a new radio, and that Ericsson was still behind.",
		"":         "",
	}
	for _, e := range doc.Evidence {
		if w, ok := want[e.Entity]; !ok || e.Excerpt != w {
			t.Errorf("%s/%s excerpt = %q, want %q", e.Entity, e.Field, e.Excerpt, w)
		}
	}
}
