package feeds

import (
	"encoding/json"
	"fmt"
	"strings"
)

// checkJSONDepth fails if JSON nests arrays and objects deeper than limit. It
// only counts brackets outside strings, so it allocates nothing.
func checkJSONDepth(b []byte, limit int) error {
	depth, inString, escaped := 0, false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			if depth++; depth > limit {
				return fmt.Errorf("values nested deeper than %d", limit)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

// capJSONItems keeps the first limit items of a JSON Feed. Counting decodes each
// item into an empty struct, which allocates almost nothing; the document is
// rebuilt only when it is over the cap. Well-formed JSON with neither a
// jsonfeed.org version nor items is not a feed (a REST API's answer, say),
// although gofeed would take it for an empty one. Malformed JSON is returned
// unchanged for gofeed to report.
func capJSONItems(b []byte, limit int) (out []byte, dropped int, err error) {
	var count struct {
		Version string     `json:"version"`
		Items   []struct{} `json:"items"`
	}
	if err := json.Unmarshal(b, &count); err != nil {
		return b, 0, nil
	}
	if count.Items == nil && !strings.Contains(count.Version, "jsonfeed.org") {
		return nil, 0, notFeed{msg: "not a feed: a JSON document without the version or items of a JSON Feed"}
	}
	if len(count.Items) <= limit {
		return b, 0, nil
	}
	var doc map[string]json.RawMessage
	var items struct {
		Items []json.RawMessage `json:"items"`
	}
	if json.Unmarshal(b, &doc) != nil || json.Unmarshal(b, &items) != nil {
		return b, 0, nil
	}
	for k := range doc {
		if strings.EqualFold(k, "items") {
			delete(doc, k)
		}
	}
	kept, err := json.Marshal(items.Items[:limit])
	if err != nil {
		return b, 0, nil
	}
	doc["items"] = kept
	if out, err = json.Marshal(doc); err != nil {
		return b, 0, nil
	}
	return out, len(items.Items) - limit, nil
}
