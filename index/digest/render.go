package digest

import (
	"embed"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io"
	"slices"
	"strings"
	textTemplate "text/template"
	"time"

	"github.com/techintel/techintel/index"
)

//go:embed templates
var templates embed.FS

var componentTitles = map[string]string{
	index.ComponentIndustry:  "Industry and customer requirements",
	index.ComponentOwn:       "What we are doing",
	index.ComponentAlliances: "What our alliances and partners are doing",
	index.ComponentOthers:    "What others are doing",
}

// view adds what the templates need to a digest.
type view struct {
	*Digest
	Sections []section
	Chart    chart
}

type section struct {
	Slug, Title string
	Component
}

// chart is an SVG bar chart of activity per entity, this week and the one
// before.
type chart struct {
	Width, Height int
	Bars          []bar
}

type bar struct {
	Label              string
	Y, W, PrevW, TextY int
	Count, Prev        int
}

func newView(d *Digest) view {
	v := view{Digest: d}
	for _, c := range index.Components {
		v.Sections = append(v.Sections, section{Slug: c, Title: componentTitles[c], Component: d.Components[c]})
	}
	maxCount := 1
	for _, e := range d.Entities {
		maxCount = max(maxCount, e.Count, e.PreviousCount)
	}
	const labelW, barW, rowH = 170, 330, 22
	for i, e := range d.Entities {
		v.Chart.Bars = append(v.Chart.Bars, bar{
			Label: e.Name, Y: i * rowH, TextY: i*rowH + 14, Count: e.Count, Prev: e.PreviousCount,
			W: e.Count * barW / maxCount, PrevW: e.PreviousCount * barW / maxCount,
		})
	}
	v.Chart.Width = labelW + barW + 60
	v.Chart.Height = max(len(d.Entities)*rowH, rowH)
	return v
}

// WriteHTML writes the digest as a self-contained HTML page (inline CSS
// and SVG, no scripts) that reads well in a mail client. html/template
// escapes everything that came from crawled pages.
func WriteHTML(w io.Writer, d *Digest) error {
	t, err := template.New("digest.html").Funcs(template.FuncMap{
		"date":   dateOnly,
		"day":    dayOf,
		"also":   alsoReported,
		"n":      countOf,
		"title":  componentTitle,
		"short":  componentShort,
		"signed": signed,
		"snippet": func(s string) template.HTML {
			// Snippets are already escaped plain text with <mark> tags;
			// the allow-list sanitiser keeps only those tags.
			return template.HTML(index.SanitizeSnippet(s))
		},
	}).ParseFS(templates, "templates/digest.html")
	if err != nil {
		return fmt.Errorf("digest: html template: %w", err)
	}
	return t.Execute(w, newView(d))
}

// Formats lists the formats Write renders.
func Formats() []string { return []string{"markdown", "html", "json"} }

// Write renders the digest in one of Formats: the one renderer of the
// API's answers, the command line's output and the weekly digest files,
// so that they all show the same digest.
func Write(w io.Writer, d *Digest, format string) error {
	switch format {
	case "markdown":
		return WriteMarkdown(w, d)
	case "html":
		return WriteHTML(w, d)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false) // snippets carry <mark>; JSON is not HTML
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	}
	return fmt.Errorf("digest: format %q is not one of %s", format, strings.Join(Formats(), ", "))
}

// WriteMarkdown writes the digest as Markdown.
func WriteMarkdown(w io.Writer, d *Digest) error {
	t, err := textTemplate.New("digest.md").Funcs(textTemplate.FuncMap{
		"date":      dateOnly,
		"day":       dayOf,
		"md":        mdEscape,
		"also":      alsoReported,
		"n":         countOf,
		"title":     componentTitle,
		"short":     componentShort,
		"signed":    signed,
		"mdsnippet": mdSnippet,
	}).ParseFS(templates, "templates/digest.md")
	if err != nil {
		return fmt.Errorf("digest: markdown template: %w", err)
	}
	return t.Execute(w, newView(d))
}

func dateOnly(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// dayOf is dateOnly for an optional time: "" for nil.
func dayOf(t *time.Time) string {
	if t == nil {
		return ""
	}
	return dateOnly(*t)
}

// mdEscape escapes the characters that would make crawled text into
// Markdown links, emphasis or HTML.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_{}[]()<>#|!", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// alsoReported names the other sources of a hit's story, "" when there are
// none.
func alsoReported(h index.Hit) string {
	var names []string
	for _, c := range h.Also {
		if c.Source != h.Source && !slices.Contains(names, c.Source) {
			names = append(names, c.Source)
		}
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// countOf writes a count with its noun, singular or plural: "1 story",
// "2 documents".
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") {
		noun = strings.TrimSuffix(noun, "y") + "ie"
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func componentTitle(c string) string { return componentTitles[c] }

// componentShort names a component in a few words, for "also concerns".
func componentShort(c string) string {
	switch c {
	case index.ComponentIndustry:
		return "industry and customers"
	case index.ComponentOwn:
		return "our own firm"
	case index.ComponentAlliances:
		return "alliances and partners"
	case index.ComponentOthers:
		return "others"
	}
	return c
}

// signed writes a change with its sign: "+1.5", "-2.0", "0.0".
func signed(x float64) string {
	if x > 0 {
		return fmt.Sprintf("+%.1f", x)
	}
	if x == 0 {
		return "0.0"
	}
	return fmt.Sprintf("%.1f", x)
}

// mdSnippet turns a search snippet (escaped text with <mark> tags) into
// Markdown: the marked words in bold, everything else escaped.
func mdSnippet(s string) string {
	s = strings.NewReplacer("<mark>", "\x00", "</mark>", "\x00").Replace(index.SanitizeSnippet(s))
	s = mdEscape(html.UnescapeString(s))
	return strings.ReplaceAll(s, "\x00", "**")
}
