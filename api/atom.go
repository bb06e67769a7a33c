package api

import (
	"encoding/xml"
	"errors"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// atomEntries is how many alerts the Atom feed of a subscription carries.
const atomEntries = 100

type atomFeed struct {
	XMLName   xml.Name      `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string        `xml:"id"`
	Title     string        `xml:"title"`
	Updated   string        `xml:"updated"`
	Author    atomAuthor    `xml:"author"`
	Generator atomGenerator `xml:"generator"`
	Link      []atomLink    `xml:"link"`
	Entries   []atomEntry   `xml:"entry"`
}

// atomAuthor: RFC 4287 4.1.1 wants an author on the feed unless every
// entry has one; the alerts are techintel's.
type atomAuthor struct {
	Name string `xml:"name"`
}

type atomGenerator struct {
	Text string `xml:",chardata"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Link    atomLink `xml:"link"`
	Summary atomText `xml:"summary"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

// handleAtom serves a subscription's latest alerts as an Atom feed (RFC
// 4287), newest first, so that they can be read in any feed reader. All
// text is plain (type="text") and XML-escaped by encoding/xml.
func (s *Server) handleAtom(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	sub, err := s.subs.GetSubscription(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, "no subscription with id "+strconv.Quote(id))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	// Page through to the newest alerts; keep the last atomEntries.
	var latest []Alert
	after := ""
	for {
		page, next, err := s.subs.Alerts(r.Context(), id, after, 500)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		latest = append(latest, page...)
		if len(latest) > atomEntries {
			latest = latest[len(latest)-atomEntries:]
		}
		if len(page) < 500 { // next is where a later poll starts, never empty after alerts
			break
		}
		after = next
	}
	updated := sub.Created
	feed := atomFeed{
		ID:        "urn:techintel:subscription:" + sub.ID,
		Title:     "techintel: " + sub.Name,
		Author:    atomAuthor{Name: "techintel"},
		Generator: atomGenerator{Text: "techintel"},
		// Feed readers resolve nothing against a relative self link: it
		// is absolute, on the host the feed was asked from.
		Link: []atomLink{{Rel: "self", Type: "application/atom+xml",
			Href: requestBase(r) + "/api/v1/subscriptions/" + url.PathEscape(sub.ID) + "/feed.atom"}},
	}
	for i := len(latest) - 1; i >= 0; i-- {
		a := latest[i]
		if a.Created.After(updated) {
			updated = a.Created
		}
		feed.Entries = append(feed.Entries, atomEntry{
			ID:      "urn:techintel:alert:" + a.ID,
			Title:   a.Document.Title,
			Updated: a.Created.UTC().Format(time.RFC3339),
			Link:    atomLink{Rel: "alternate", Href: a.Document.URL},
			Summary: atomText{Type: "text", Text: PlainSnippet(a.Document.Snippet)},
		})
	}
	feed.Updated = updated.UTC().Format(time.RFC3339)
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(feed)
}

// requestBase is the scheme and host a request was sent to: https when it
// came over TLS or through a proxy that says so.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return (&url.URL{Scheme: scheme, Host: r.Host}).String()
}

// PlainSnippet turns a snippet (escaped text with <mark> tags) back into
// plain text.
func PlainSnippet(s string) string {
	return html.UnescapeString(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s))
}
