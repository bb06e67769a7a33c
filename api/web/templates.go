package web

import (
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/techintel/techintel/index"
)

// componentTitles are the components as the digest names them.
var componentTitles = map[string]string{
	index.ComponentIndustry:  "Industry and customer requirements",
	index.ComponentOwn:       "What we are doing",
	index.ComponentAlliances: "What our alliances and partners are doing",
	index.ComponentOthers:    "What others are doing",
}

// componentLabels are short names for chips and legends.
var componentLabels = map[string]string{
	index.ComponentIndustry:  "Industry",
	index.ComponentOwn:       "Own",
	index.ComponentAlliances: "Alliances",
	index.ComponentOthers:    "Others",
}

var funcs = template.FuncMap{
	"snippet": snippetHTML,
	"plural": func(n any, one, many string) string {
		if fmt.Sprint(n) == "1" {
			return "1 " + one
		}
		return fmt.Sprint(n) + " " + many
	},
	// moreCopies: how many documents of a collapsed hit's story neither
	// the hit nor its also list shows.
	"moreCopies": func(h index.Hit) int { return max(h.StorySize-1-len(h.Also), 0) },
	"highlight":  highlight,
	"date": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.DateOnly)
	},
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"timeptr": func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return "never"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"iso":       func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"urlBreaks": urlBreaks,
	"componentTitle": func(c string) string {
		if t, ok := componentTitles[c]; ok {
			return t
		}
		return c
	},
	"componentLabel": func(c string) string {
		if t, ok := componentLabels[c]; ok {
			return t
		}
		return c
	},
	"searchURL": func(param, value string) string {
		return "/?" + url.Values{param: {value}}.Encode()
	},
	"entityURL": func(name string) string { return "/entities/" + url.PathEscape(name) },
	// day is date for an optional time (alliance reviews, the radar).
	"day": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.DateOnly)
	},
	"pathEscape":    url.PathEscape,
	"join":          strings.Join,
	"componentList": func() []string { return index.Components },
}

// parseTemplates parses every page with the layout and the shared
// partials; each page defines "content".
func parseTemplates() (map[string]*template.Template, error) {
	shared := []string{"templates/layout.html", "templates/partials.html"}
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		if n == shared[0] || n == shared[1] {
			continue
		}
		t, err := template.New("").Funcs(funcs).ParseFS(assets, append(shared, n)...)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", n, err)
		}
		pages[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return pages, nil
}

// urlBreaks escapes a URL for display and lets it wrap after its
// separators ("/", ".", "?", "&", "=", "-") instead of in the middle of a
// word, on a narrow screen.
func urlBreaks(u string) template.HTML {
	var b strings.Builder
	for _, r := range u {
		b.WriteString(template.HTMLEscapeString(string(r)))
		switch r {
		case '/', '.', '?', '&', '=', '-', '_':
			b.WriteString("<wbr>")
		}
	}
	return template.HTML(b.String())
}
