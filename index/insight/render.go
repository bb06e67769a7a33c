package insight

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	textTemplate "text/template"
	"time"
)

// The export of one partner's review, for a meeting or a file.
const reviewMarkdown = `# Alliance review: {{md .Name}}

{{if .Reviewed}}Last reviewed {{date .Reviewed}}{{else}}Never reviewed{{end}}; every {{.ReviewEvery}} days; next due {{date .Due}}{{if .Overdue}} (overdue){{end}}.

## Activity

{{.Months6}} documents in the last 6 months, {{.Months12}} in the last 12.

| week | documents |
|---|---:|
{{range .Weeks}}{{if .Count}}| {{.Week}} | {{.Count}} |
{{end}}{{end}}
## Technologies
{{range .Technologies}}
- {{md .Name}}: {{.Count}}{{else}}
None named.{{end}}

## Co-mentions

With our own firm: {{.WithOwn}}.{{range .WithCompetitors}}
With {{md .Name}} (competitor): {{.Count}}.{{end}}
{{if .Signals}}
## Signals: announced with a competitor
{{range .Signals}}
- {{date .Published}} [{{md .Title}}](<{{.URL}}>) with {{md .Competitor}}{{end}}
{{end}}
## Latest stories about {{md .Name}}
{{range .Latest}}
- {{date .Published}} [{{md .Title}}](<{{.URL}}>) ({{md .Source}}){{else}}
None.{{end}}
`

const reviewHTML = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Alliance review: {{plain .Name}}</title></head>
<body style="font-family:Helvetica,Arial,sans-serif;max-width:720px;margin:0 auto;padding:16px;color:#1d2430;">
<h1>Alliance review: <bdi>{{.Name}}</bdi></h1>
<p>{{if .Reviewed}}Last reviewed {{date .Reviewed}}{{else}}Never reviewed{{end}}; every {{.ReviewEvery}} days; next due {{date .Due}}{{if .Overdue}} <strong>(overdue)</strong>{{end}}.</p>
<h2>Activity</h2>
<p>{{.Months6}} documents in the last 6 months, {{.Months12}} in the last 12.</p>
<table>{{range .Weeks}}{{if .Count}}<tr><td>{{.Week}}</td><td style="text-align:right">{{.Count}}</td></tr>{{end}}{{end}}</table>
<h2>Technologies</h2>
{{if .Technologies}}<ul>{{range .Technologies}}<li><bdi>{{.Name}}</bdi>: {{.Count}}</li>{{end}}</ul>{{else}}<p>None named.</p>{{end}}
<h2>Co-mentions</h2>
<ul><li>With our own firm: {{.WithOwn}}</li>{{range .WithCompetitors}}<li>With <bdi>{{.Name}}</bdi> (competitor): {{.Count}}</li>{{end}}</ul>
{{if .Signals}}<h2>Signals: announced with a competitor</h2><ul>{{range .Signals}}<li>{{date .Published}} <a href="{{.URL}}"><bdi>{{.Title}}</bdi></a> with <bdi>{{.Competitor}}</bdi></li>{{end}}</ul>{{end}}
<h2>Latest stories about <bdi>{{.Name}}</bdi></h2>
{{if .Latest}}<ul>{{range .Latest}}<li>{{date .Published}} <a href="{{.URL}}"><bdi>{{.Title}}</bdi></a> (<bdi>{{.Source}}</bdi>)</li>{{end}}</ul>{{else}}<p>None.</p>{{end}}
</body></html>
`

// WriteMarkdown writes one partner's review as Markdown; crawled text is
// escaped so that it cannot make links or markup.
func (r *Review) WriteMarkdown(w io.Writer) error {
	t, err := textTemplate.New("review.md").Funcs(textTemplate.FuncMap{"md": mdEscape, "date": date}).Parse(reviewMarkdown)
	if err != nil {
		return fmt.Errorf("insight: markdown template: %w", err)
	}
	return t.Execute(w, r)
}

// WriteHTML writes one partner's review as a self-contained HTML page;
// html/template escapes everything crawled.
func (r *Review) WriteHTML(w io.Writer) error {
	t, err := template.New("review.html").Funcs(template.FuncMap{"date": date, "plain": stripBidi}).Parse(reviewHTML)
	if err != nil {
		return fmt.Errorf("insight: html template: %w", err)
	}
	return t.Execute(w, r)
}

// date formats a time or *time.Time as a day.
func date(v any) string {
	switch t := v.(type) {
	case time.Time:
		return t.UTC().Format(time.DateOnly)
	case *time.Time:
		if t != nil {
			return t.UTC().Format(time.DateOnly)
		}
	}
	return ""
}

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

// stripBidi drops the bidirectional formatting characters (embeddings,
// overrides, isolates, marks) from text that cannot be isolated with
// <bdi>, such as a page's <title>: a partner's name pasted from a crawled
// page could otherwise reverse the window's title.
func stripBidi(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\u061c' || r == '\u200e' || r == '\u200f' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			return -1
		}
		return r
	}, s)
}
