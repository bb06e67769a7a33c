package demoworld

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

// Content types of the non-feed routes.
const (
	htmlType = "text/html; charset=utf-8"
	textType = "text/plain; charset=utf-8"
)

// Handler serves the bundled world (embedded with go:embed): five feeds of
// different formats, a page per feed story under /news/, and a small
// crawlable site under /site/ with /robots.txt. Item dates are computed
// relative to now, so the last three ISO weeks before now always have
// content (the weekly digest shows the last complete ISO week).
//
// Links are absolute, built from the request's Host header, so the world
// works on whatever address it is served. Every answer carries an ETag (a
// hash of the content) and, where it has a date, Last-Modified; conditional
// requests get 304 Not Modified.
//
// Routes:
//
//	/                          an HTML overview of the world
//	/feeds/standards.rss       RSS 2.0
//	/feeds/partners.atom       Atom 1.0 with xml:base and relative links
//	/feeds/competitors.rdf     RSS 1.0 (RDF)
//	/feeds/newsroom.json       JSON Feed 1.1
//	/feeds/analyst-cp1252.xml  RSS 2.0 encoded in windows-1252
//	/news/{id}                 the page a feed story links to
//	/site/                     the crawlable site's index
//	/site/articles/{id}.html   its articles
//	/site/about.html           its about page
//	/site/private/roadmap.html a page robots.txt disallows
//	/robots.txt
func Handler(now time.Time) http.Handler {
	w := newWorld(mustStories(), now)
	feedTemplates() // parse the templates now: a broken bundle fails at once
	pageTemplates()
	robots, err := fs.ReadFile(files, "world/static/robots.txt")
	if err != nil {
		panic("demoworld: " + err.Error())
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(rw http.ResponseWriter, r *http.Request) {
		body, err := renderHome(w)
		serve(rw, r, htmlType, w.now, body, err)
	})
	for _, f := range feedDefs {
		mod := updated(w.byFeed[f.Key], w.now)
		mux.HandleFunc("GET "+f.Path, func(rw http.ResponseWriter, r *http.Request) {
			body, err := f.render(f, w, baseURL(r))
			serve(rw, r, f.ContentType, mod, body, err)
		})
	}
	mux.HandleFunc("GET /news/{id}", func(rw http.ResponseWriter, r *http.Request) {
		s := w.byPath["/news/"+r.PathValue("id")]
		if s == nil {
			http.NotFound(rw, r)
			return
		}
		body, err := renderNews(w, baseURL(r), s)
		serve(rw, r, htmlType, w.pub[s.ID], body, err)
	})
	mux.HandleFunc("GET /site", func(rw http.ResponseWriter, r *http.Request) {
		http.Redirect(rw, r, "/site/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /site/{$}", func(rw http.ResponseWriter, r *http.Request) {
		body, err := renderSiteIndex(w, baseURL(r))
		serve(rw, r, htmlType, updated(w.site, w.now), body, err)
	})
	mux.HandleFunc("GET /site/articles/{file}", func(rw http.ResponseWriter, r *http.Request) {
		s := w.byPath[r.URL.Path]
		if s == nil || s.Feed != siteFeed {
			http.NotFound(rw, r)
			return
		}
		body, err := renderSiteArticle(w, baseURL(r), s)
		serve(rw, r, htmlType, w.pub[s.ID], body, err)
	})
	mux.HandleFunc("GET /site/about.html", func(rw http.ResponseWriter, r *http.Request) {
		body, err := renderSiteStatic("site-about", "About Telecom Insight")
		serve(rw, r, htmlType, time.Time{}, body, err)
	})
	mux.HandleFunc("GET /site/private/roadmap.html", func(rw http.ResponseWriter, r *http.Request) {
		body, err := renderSiteStatic("site-private", "Subscriber briefing: the Project Kestrel roadmap")
		serve(rw, r, htmlType, time.Time{}, body, err)
	})
	mux.HandleFunc("GET /robots.txt", func(rw http.ResponseWriter, r *http.Request) {
		serve(rw, r, textType, time.Time{}, robots, nil)
	})
	return mux
}

// baseURL is the scheme and host the request reached us on.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" || strings.ContainsAny(host, "/\\ \"<>") {
		host = "127.0.0.1"
	}
	return scheme + "://" + host
}

// serve answers with body, its ETag and Last-Modified (unless modtime is
// zero), handling conditional and HEAD requests through http.ServeContent.
func serve(rw http.ResponseWriter, r *http.Request, contentType string, modtime time.Time, body []byte, err error) {
	if err != nil {
		http.Error(rw, "demoworld: "+err.Error(), http.StatusInternalServerError)
		return
	}
	sum := sha256.Sum256(body)
	h := rw.Header()
	h.Set("Content-Type", contentType)
	h.Set("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
	h.Set("Cache-Control", "no-cache")
	http.ServeContent(rw, r, "", modtime, bytes.NewReader(body))
}
