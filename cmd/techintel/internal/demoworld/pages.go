package demoworld

import (
	"bytes"
	"html/template"
	"sync"
	"time"
)

// pageLink is a link to an article, with what a listing shows of it.
type pageLink struct {
	Href      string
	Title     string
	Format    string
	Count     int
	Teaser    string
	Published time.Time
}

// pageView is what a page template renders.
type pageView struct {
	Title       string
	Description string
	Canonical   string
	Article     bool
	Author      string
	Publisher   string
	Published   time.Time
	Paragraphs  []string
	Tags        []string
	Related     []pageLink
	Articles    []pageLink
	Feeds       []pageLink
}

var pageFuncs = template.FuncMap{
	"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"human":   func(t time.Time) string { return t.UTC().Format("2 January 2006, 15:04 MST") },
}

// pageTemplates holds one template set per page; site pages share the layout.
var pageTemplates = sync.OnceValue(func() map[string]*template.Template {
	layout := template.Must(template.New("").Funcs(pageFuncs).ParseFS(files, "world/templates/pages/layout.html"))
	m := map[string]*template.Template{}
	for _, name := range []string{"site-index", "site-article", "site-about", "site-private"} {
		t := template.Must(layout.Clone())
		m[name] = template.Must(t.ParseFS(files, "world/templates/pages/"+name+".html")).Lookup("layout")
	}
	for _, name := range []string{"news", "home"} {
		m[name] = template.Must(template.New(name+".html").Funcs(pageFuncs).ParseFS(files, "world/templates/pages/"+name+".html"))
	}
	return m
})

func renderPage(name string, v pageView) ([]byte, error) {
	var b bytes.Buffer
	if err := pageTemplates()[name].Execute(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func siteLinks(es []entry) []pageLink {
	var out []pageLink
	for _, e := range es {
		out = append(out, pageLink{Href: e.Link, Title: e.Title, Teaser: e.Paragraphs[0], Published: e.Published})
	}
	return out
}

// renderSiteIndex renders /site/: every article, newest first, plus links to
// the about page and the private page robots.txt disallows.
func renderSiteIndex(w *world, base string) ([]byte, error) {
	return renderPage("site-index", pageView{
		Title:       "Latest telecom analysis",
		Description: "Fictional telecom-industry analysis for the techintel demo.",
		Canonical:   base + "/site/",
		Articles:    siteLinks(w.site),
	})
}

// renderSiteArticle renders one site article with a sidebar of the three
// articles that follow it in the listing.
func renderSiteArticle(w *world, base string, s *story) ([]byte, error) {
	var related []pageLink
	n := len(w.site)
	for i, e := range w.site {
		if e.ID != s.ID {
			continue
		}
		for j := 1; j <= 3 && j < n; j++ {
			r := w.site[(i+j)%n]
			related = append(related, pageLink{Href: r.Link, Title: r.Title, Published: r.Published})
		}
	}
	return renderPage("site-article", pageView{
		Title:       s.Title,
		Description: s.Paragraphs[0],
		Canonical:   base + s.Path(),
		Article:     true,
		Author:      s.Author,
		Published:   w.pub[s.ID],
		Paragraphs:  s.Paragraphs,
		Tags:        s.Tags,
		Related:     related,
	})
}

func renderSiteStatic(name, title string) ([]byte, error) {
	return renderPage(name, pageView{Title: title})
}

// renderNews renders the page a feed story links to.
func renderNews(w *world, base string, s *story) ([]byte, error) {
	publisher := "techintel demo world"
	for _, f := range feedDefs {
		if f.Key == s.Feed {
			publisher = f.Title
		}
	}
	return renderPage("news", pageView{
		Title:       s.Title,
		Description: s.Paragraphs[0],
		Canonical:   base + s.Path(),
		Article:     true,
		Author:      s.Author,
		Publisher:   publisher,
		Published:   w.pub[s.ID],
		Paragraphs:  s.Paragraphs,
		Tags:        s.Tags,
	})
}

// renderHome renders / : what the world serves.
func renderHome(w *world) ([]byte, error) {
	v := pageView{Title: "techintel demo world", Published: w.now, Articles: siteLinks(w.site)}
	for _, f := range feedDefs {
		v.Feeds = append(v.Feeds, pageLink{Href: f.Path, Title: f.Title, Format: f.Format, Count: len(w.byFeed[f.Key])})
	}
	return renderPage("home", v)
}
