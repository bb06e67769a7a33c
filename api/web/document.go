package web

import (
	"errors"
	"html/template"
	"net/http"

	"github.com/techintel/techintel/index"
)

// documentView is a document with its body and evidence excerpts
// highlighted where the tags matched.
type documentView struct {
	Doc      *index.Document
	Body     template.HTML
	Evidence []evidenceView
	APIURL   string
	Story    []index.Hit // the other documents of its story, newest first
	Changes  []Change    // of a watched page, newest first
}

type evidenceView struct {
	index.Evidence
	IsTech  bool
	Excerpt template.HTML
}

func (h *Handler) handleDocument(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	d, err := h.o.Searcher.Get(r.Context(), id)
	if errors.Is(err, index.ErrNotFound) {
		h.errorPage(w, r, http.StatusNotFound, "There is no document with id "+id+".")
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	entities := map[string]bool{}
	for _, e := range d.Entities {
		entities[e] = true
	}
	var matched []string
	v := documentView{Doc: d, APIURL: "/api/v1/documents/" + d.ID}
	for _, e := range d.Evidence {
		if e.Field != "source" {
			matched = append(matched, e.Matched)
		}
		v.Evidence = append(v.Evidence, evidenceView{
			Evidence: e, IsTech: e.Component == "" && !entities[e.Entity],
			Excerpt: highlight(e.Excerpt, []string{e.Matched}),
		})
	}
	v.Body = highlight(d.Body, matched)
	if h.o.History != nil {
		// A failure here only loses the history.
		if changes, err := h.o.History(d.Source, d.URL); err == nil {
			for i := len(changes) - 1; i >= 0; i-- {
				v.Changes = append(v.Changes, changes[i])
			}
		}
	}
	if d.Story != "" {
		// The story's other copies; a failure here only loses that list.
		res, err := h.o.Searcher.Search(r.Context(), index.Query{Q: "story:" + d.Story, Sort: index.SortDate, Limit: index.MaxLimit, NoFacets: true})
		if err == nil {
			for _, hit := range res.Hits {
				if hit.ID != d.ID {
					v.Story = append(v.Story, hit)
				}
			}
		}
	}
	h.render(w, r, http.StatusOK, "document", d.Title, "search", v)
}
