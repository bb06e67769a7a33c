package api

import (
	"encoding/xml"
	"errors"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// atomEntries is how many alerts the Atom feed of a subscription carries.
const atomEntries = 100

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Link    []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
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
		ID:    "urn:techintel:subscription:" + sub.ID,
		Title: "techintel: " + sub.Name,
		Link:  []atomLink{{Rel: "self", Href: "/api/v1/subscriptions/" + sub.ID + "/feed.atom"}},
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
			Link:    atomLink{Href: a.Document.URL},
			Summary: atomText{Type: "text", Text: PlainSnippet(a.Document.Snippet)},
		})
	}
	feed.Updated = updated.UTC().Format(time.RFC3339)
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(feed)
}

// PlainSnippet turns a snippet (escaped text with <mark> tags) back into
// plain text.
func PlainSnippet(s string) string {
	return html.UnescapeString(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s))
}
