package query

import (
	"slices"
	"strings"
)

// Kind says how a field's values are matched.
type Kind int

const (
	// KindText: analysed words and phrases, like the text without a
	// field.
	KindText Kind = iota
	// KindKeyword: exact values (tags, source names, URLs); entities and
	// technologies are matched without regard to case and through their
	// aliases.
	KindKeyword
	// KindDate: ranges (published:>=2026-01-01) or a whole day, month or
	// year (published:2026-01).
	KindDate
)

// Field describes a field of the language.
type Field struct {
	Kind Kind
	// Index is the field of the bleve index it searches.
	Index string
	// Help is a one-line description for the error that lists fields.
	Help string
}

// fieldTable returns the fields of the language, by the name users type.
// The plural names of the API parameters are accepted too (aliasOf). It
// is built per call: a package-level map would be mutable state.
func fieldTable() map[string]Field {
	return map[string]Field{
		"title":      {KindText, "title", "words or phrases in the title"},
		"body":       {KindText, "body", "words or phrases in the body"},
		"entity":     {KindKeyword, "entities", "a watched entity, by name or alias"},
		"technology": {KindKeyword, "technologies", "a technology, by name or alias"},
		"salient":    {KindKeyword, "salient", "an entity or technology the document is about, by name or alias"},
		"source":     {KindKeyword, "source", "the source's name"},
		"component":  {KindKeyword, "components", "a component slug"},
		"url":        {KindKeyword, "url", `the document's URL; "https://host/path/"* for a prefix`},
		"story":      {KindKeyword, "story", "a story id: every copy of one news item"},
		"published":  {KindDate, "published", "publication date: published:>=2026-01-01"},
		"updated":    {KindDate, "updated", "date of the last change: updated:2026-01"},
	}
}

// aliasOf maps other accepted field names to the language's.
func aliasOf(name string) string {
	switch name {
	case "entities":
		return "entity"
	case "technologies", "tech":
		return "technology"
	case "sources":
		return "source"
	case "components":
		return "component"
	}
	return name
}

// FieldNames lists the field names users type, sorted.
func FieldNames() []string {
	t := fieldTable()
	out := make([]string, 0, len(t))
	for k := range t {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// lookupField returns the fields key of a typed field name, any case.
func lookupField(name string) (string, bool) {
	n := aliasOf(strings.ToLower(name))
	_, ok := fieldTable()[n]
	return n, ok
}

// isFieldName: s has the shape of a field name (letters only), so that
// "s:" starts a field rather than a word like "10:30".
func isFieldName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_') {
			return false
		}
	}
	return true
}

// FieldOf describes the field of a parsed Term or Range.
func FieldOf(name string) (Field, bool) {
	f, ok := fieldTable()[name]
	return f, ok
}

// kindOf is the kind of a field name; KindText for none.
func kindOf(name string) Kind {
	f, _ := FieldOf(name)
	return f.Kind
}
