package demoworld

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"text/template"
	"time"
)

// feedDef describes one feed of the world and the source that reads it.
type feedDef struct {
	Key         string // the stories file (world/stories/KEY.txt)
	Path        string
	Source      string // source name in the generated config
	Format      string // for people: "RSS 2.0", "Atom 1.0", ...
	Title       string
	Description string
	ContentType string
	Schedule    string
	Components  []string // components every document of the source gets
	render      func(f *feedDef, w *world, base string) ([]byte, error)
}

const disclaimer = " All stories are fictional sample data for the techintel demo."

// feedDefs lists the feeds in the order the config and the home page show them.
var feedDefs = []*feedDef{
	{
		Key: "standards", Path: "/feeds/standards.rss", Source: "standards-weekly", Format: "RSS 2.0",
		Title:       "Spectrum & Standards Weekly",
		Description: "Standards bodies, spectrum policy and regulation." + disclaimer,
		ContentType: "application/rss+xml; charset=utf-8", Schedule: "@every 1h",
		Components: []string{"industry"}, render: renderRSS,
	},
	{
		Key: "partners", Path: "/feeds/partners.atom", Source: "ecosystem-alliances", Format: "Atom 1.0",
		Title:       "Ecosystem & Alliances",
		Description: "Partnerships, joint labs and co-engineering across the telecom ecosystem." + disclaimer,
		ContentType: "application/atom+xml; charset=utf-8", Schedule: "@every 2h",
		Components: []string{"alliances"}, render: renderAtom,
	},
	{
		Key: "competitors", Path: "/feeds/competitors.rdf", Source: "vendor-tracker", Format: "RSS 1.0 (RDF)",
		Title:       "Vendor Tracker",
		Description: "Deals, launches and results of network equipment vendors." + disclaimer,
		ContentType: "application/rdf+xml; charset=utf-8", Schedule: "@every 1h",
		render: renderRDF,
	},
	{
		Key: "newsroom", Path: "/feeds/newsroom.json", Source: "nokia-newsroom", Format: "JSON Feed 1.1",
		Title:       "Nokia Newsroom (demo)",
		Description: "Invented press releases of the company whose watch list this is." + disclaimer,
		ContentType: "application/feed+json; charset=utf-8", Schedule: "@every 30m",
		Components: []string{"own"}, render: renderJSON,
	},
	{
		Key: "analyst", Path: "/feeds/analyst-cp1252.xml", Source: "analyst-notes", Format: "RSS 2.0, windows-1252",
		Title:       "Marché & Réseaux – analyst notes",
		Description: "Short market notes from a European telecom analyst desk." + disclaimer,
		ContentType: "application/rss+xml; charset=windows-1252", Schedule: "@every 6h",
		render: renderCP1252,
	},
}

// item is a story as a feed template sees it.
type item struct {
	ID        string // a stable, non-URL identifier (Atom id)
	Title     string
	Author    string
	Link      string // absolute
	Href      string // the link as the Atom feed writes it: relative to xml:base where possible
	Summary   string // the first paragraph, plain text
	HTML      string // the whole body as HTML
	Published time.Time
	Tags      []string
}

// feedView is what a feed template renders.
type feedView struct {
	Base        string // scheme and host, no trailing slash
	Self        string
	Home        string
	Key         string
	Title       string
	Description string
	Encoding    string
	CDATA       bool // RSS: summary in description, full text in content:encoded
	Updated     time.Time
	Items       []item
}

func newFeedView(f *feedDef, w *world, base string) feedView {
	es := w.byFeed[f.Key]
	v := feedView{
		Base: base, Self: base + f.Path, Home: base + "/", Key: f.Key,
		Title: f.Title, Description: f.Description, Encoding: "utf-8",
		Updated: updated(es, w.now),
	}
	for i, e := range es {
		it := item{
			ID:        "tag:demo.techintel.invalid,2024:story/" + e.ID,
			Title:     e.Title,
			Author:    e.Author,
			Link:      base + e.Link,
			Href:      base + e.Link,
			Summary:   e.Paragraphs[0],
			HTML:      bodyHTML(e.Paragraphs),
			Published: e.Published,
			Tags:      e.Tags,
		}
		if rel, ok := strings.CutPrefix(e.Link, "/news/"); ok && i%2 == 1 {
			it.Href = rel // resolved against xml:base = BASE/news/
		}
		v.Items = append(v.Items, it)
	}
	return v
}

// bodyHTML renders paragraphs as HTML.
func bodyHTML(paras []string) string {
	var b strings.Builder
	for i, p := range paras {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("<p>")
		b.WriteString(textEscaper.Replace(p))
		b.WriteString("</p>")
	}
	return b.String()
}

// textEscaper escapes text for HTML and XML element content; xmlEscaper
// also for attribute values (the templates quote them with ").
var (
	textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	xmlEscaper  = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
)

var feedFuncs = template.FuncMap{
	"x":       xmlEscaper.Replace,
	"rfc822":  func(t time.Time) string { return t.UTC().Format(time.RFC1123Z) },
	"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"cdata": func(s string) string {
		return "<![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]>"
	},
}

var feedTemplates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").Funcs(feedFuncs).ParseFS(files, "world/templates/feeds/*.tmpl"))
})

func execFeed(name string, v feedView) ([]byte, error) {
	var b bytes.Buffer
	if err := feedTemplates().ExecuteTemplate(&b, name, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func renderRSS(f *feedDef, w *world, base string) ([]byte, error) {
	v := newFeedView(f, w, base)
	v.CDATA = true
	return execFeed("rss.tmpl", v)
}

func renderAtom(f *feedDef, w *world, base string) ([]byte, error) {
	return execFeed("atom.tmpl", newFeedView(f, w, base))
}

func renderRDF(f *feedDef, w *world, base string) ([]byte, error) {
	return execFeed("rdf.tmpl", newFeedView(f, w, base))
}

// renderCP1252 renders an RSS feed declared and encoded as windows-1252,
// with the whole body escaped in description (no CDATA, so characters
// windows-1252 lacks can fall back to character references).
func renderCP1252(f *feedDef, w *world, base string) ([]byte, error) {
	v := newFeedView(f, w, base)
	v.Encoding = "windows-1252"
	b, err := execFeed("rss.tmpl", v)
	if err != nil {
		return nil, err
	}
	return encodeCP1252(b), nil
}

// JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/).
type jsonFeed struct {
	Version     string       `json:"version"`
	Title       string       `json:"title"`
	HomePageURL string       `json:"home_page_url"`
	FeedURL     string       `json:"feed_url"`
	Description string       `json:"description"`
	Language    string       `json:"language"`
	Authors     []jsonAuthor `json:"authors"`
	Items       []jsonItem   `json:"items"`
}

type jsonAuthor struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type jsonItem struct {
	ID            string       `json:"id"`
	URL           string       `json:"url"`
	Title         string       `json:"title"`
	Summary       string       `json:"summary"`
	ContentHTML   string       `json:"content_html"`
	DatePublished string       `json:"date_published"`
	Authors       []jsonAuthor `json:"authors"`
	Tags          []string     `json:"tags,omitempty"`
}

func renderJSON(f *feedDef, w *world, base string) ([]byte, error) {
	v := newFeedView(f, w, base)
	jf := jsonFeed{
		Version:     "https://jsonfeed.org/version/1.1",
		Title:       v.Title,
		HomePageURL: v.Home,
		FeedURL:     v.Self,
		Description: v.Description,
		Language:    "en",
		Authors:     []jsonAuthor{{Name: "Nokia Communications (demo)", URL: v.Home}},
		Items:       []jsonItem{},
	}
	for _, it := range v.Items {
		jf.Items = append(jf.Items, jsonItem{
			ID:            it.Link,
			URL:           it.Link,
			Title:         it.Title,
			Summary:       it.Summary,
			ContentHTML:   it.HTML,
			DatePublished: it.Published.UTC().Format(time.RFC3339),
			Authors:       []jsonAuthor{{Name: it.Author}},
			Tags:          it.Tags,
		})
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(jf); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
