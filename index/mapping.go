package index

import (
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
)

// Field names in the index. Text fields are English-analysed; keyword
// fields are exact values used for filters and facets.
const (
	fieldURL          = "url"
	fieldTitle        = "title"
	fieldBody         = "body"
	fieldAuthor       = "author"
	fieldSource       = "source"
	fieldPublished    = "published"
	fieldFetched      = "fetched"
	fieldUpdated      = "updated"
	fieldGone         = "gone"
	fieldComponents   = "components"
	fieldEntities     = "entities"
	fieldTechnologies = "technologies"
	fieldEvidence     = "evidence"
	fieldHash         = "hash"
	fieldStory        = "story"
	fieldSalient      = "salient"
	fieldPrimary      = "primary"
	fieldSalience     = "salience"
	// fieldKind tells articles from pages (pageKind), indexed only, so
	// that relevance order puts pages below articles.
	fieldKind = "kind"
)

// storedFields are loaded for every hit.
var hitFields = []string{fieldURL, fieldTitle, fieldSource, fieldPublished, fieldFetched,
	fieldUpdated, fieldComponents, fieldEntities, fieldTechnologies, fieldStory,
	fieldSalient, fieldPrimary}

// NewMapping returns the explicit mapping of a techintel index. Nothing is
// mapped dynamically: a field that is not listed here is neither indexed
// nor stored.
//
// Every query the index builds names its fields, so the mapping disables
// bleve's composite _all field (which would index the title and the body
// a second time, with their positions: about a tenth of the indexing CPU
// and of the disk). Indexes made before keep theirs, unread. The
// DefaultAnalyzer is the English one all the same, so that anything
// analysed without a field stems as the text fields do.
func NewMapping() mapping.IndexMapping { return newMapping(true) }

// newMapping builds the mapping; with store false it indexes the same terms
// the same way but keeps nothing for display (no stored fields, term
// vectors or doc values), which is all percolation needs.
func newMapping(store bool) mapping.IndexMapping {
	text := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = en.AnalyzerName
		f.Store = store
		f.IncludeTermVectors = true // phrase queries and highlighting
		f.IncludeInAll = false      // _all is disabled (NewMapping)
		f.DocValues = false
		return f
	}
	kw := func(docValues bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = store
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = docValues && store // facets and sort read doc values
		return f
	}
	date := func() *mapping.FieldMapping {
		f := bleve.NewDateTimeFieldMapping()
		f.Store = store
		f.IncludeInAll = false
		f.DocValues = store
		return f
	}
	storedOnly := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Index = false
		f.Store = store
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}

	doc := bleve.NewDocumentStaticMapping()
	doc.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	doc.AddFieldMappingsAt(fieldTitle, text())
	doc.AddFieldMappingsAt(fieldBody, text())
	doc.AddFieldMappingsAt(fieldURL, kw(false))
	doc.AddFieldMappingsAt(fieldAuthor, kw(false))
	doc.AddFieldMappingsAt(fieldSource, kw(true))
	doc.AddFieldMappingsAt(fieldComponents, kw(true))
	doc.AddFieldMappingsAt(fieldEntities, kw(true))
	doc.AddFieldMappingsAt(fieldTechnologies, kw(true))
	doc.AddFieldMappingsAt(fieldStory, kw(true))
	doc.AddFieldMappingsAt(fieldSalient, kw(true))
	doc.AddFieldMappingsAt(fieldPrimary, kw(true))
	doc.AddFieldMappingsAt(fieldSalience, storedOnly())
	kind := kw(false)
	kind.Store = false
	doc.AddFieldMappingsAt(fieldKind, kind)
	doc.AddFieldMappingsAt(fieldPublished, date())
	doc.AddFieldMappingsAt(fieldFetched, date())
	doc.AddFieldMappingsAt(fieldUpdated, date())
	doc.AddFieldMappingsAt(fieldGone, date())
	doc.AddFieldMappingsAt(fieldEvidence, storedOnly())
	doc.AddFieldMappingsAt(fieldHash, storedOnly())

	im := bleve.NewIndexMapping()
	im.DefaultMapping = doc
	im.DefaultAnalyzer = en.AnalyzerName
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	return im
}
