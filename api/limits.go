package api

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Bounds on what one request may ask for. A query's cost grows faster
// than its length (bleve parses and plans every term, and a fuzzy or
// wildcard term expands into every matching word of the index), so the
// bounds are checked here, before any work, and a search that still runs
// long is cut by api.search_timeout.
const (
	// MaxQueryLength is the longest query string, in characters.
	MaxQueryLength = 1000
	// MaxQueryTerms is the most words and operators in one query.
	MaxQueryTerms = 64
	// MaxExpandingTerms is the most fuzzy (~), wildcard (*, ?) and
	// regular expression (/…/) terms in one query.
	MaxExpandingTerms = 8
	// MaxListItems is the most values of one list in a request
	// (components, entities, repeated filters).
	MaxListItems = 50
	// MaxValueLength is the longest single filter value or entity name.
	MaxValueLength = 200
	// MaxNameLength is the longest subscription name.
	MaxNameLength = 1000
	// MaxURLLength is the longest webhook URL.
	MaxURLLength = 2048
)

// CheckQuery refuses a query string past the bounds, naming the bound.
func CheckQuery(field, q string) error {
	if n := utf8.RuneCountInString(q); n > MaxQueryLength {
		return fmt.Errorf("%s: %d characters is too long (at most %d)", field, n, MaxQueryLength)
	}
	terms := strings.Fields(q)
	if len(terms) > MaxQueryTerms {
		return fmt.Errorf("%s: %d terms is too many (at most %d)", field, len(terms), MaxQueryTerms)
	}
	expanding := 0
	for _, t := range terms {
		if strings.ContainsAny(t, "~*?") || strings.HasPrefix(strings.TrimLeft(t, "+-"), "/") {
			expanding++
		}
	}
	if expanding > MaxExpandingTerms {
		return fmt.Errorf("%s: %d fuzzy, wildcard or regular expression terms is too many (at most %d)", field, expanding, MaxExpandingTerms)
	}
	return nil
}

// checkList refuses a list with too many values or too long a value.
func checkList(field string, vs []string) error {
	if len(vs) > MaxListItems {
		return fmt.Errorf("%s: %d values is too many (at most %d)", field, len(vs), MaxListItems)
	}
	for i, v := range vs {
		if n := utf8.RuneCountInString(v); n > MaxValueLength {
			return fmt.Errorf("%s[%d]: %d characters is too long (at most %d)", field, i, n, MaxValueLength)
		}
	}
	return nil
}

// checkSubscriptionRequest bounds every field of a subscription or a
// preview before it reaches the store or the index.
func checkSubscriptionRequest(r SubscriptionRequest) error {
	if n := utf8.RuneCountInString(r.Name); n > MaxNameLength {
		return fmt.Errorf("name: %d characters is too long (at most %d)", n, MaxNameLength)
	}
	if err := CheckQuery("query", r.Query); err != nil {
		return err
	}
	if err := checkList("components", r.Components); err != nil {
		return err
	}
	if err := checkList("entities", r.Entities); err != nil {
		return err
	}
	if err := checkList("technologies", r.Technologies); err != nil {
		return err
	}
	if err := checkList("sources", r.Sources); err != nil {
		return err
	}
	if len(r.WebhookURL) > MaxURLLength {
		return fmt.Errorf("webhook_url: %d bytes is too long (at most %d)", len(r.WebhookURL), MaxURLLength)
	}
	return nil
}
