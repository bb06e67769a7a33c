package main

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// The TOML decoder reports problems in its own terms ("incompatible types:
// TOML value has type string; destination has type integer", "floats must
// start with a digit", `unknown key "sources.fulltext"`). A person editing
// the file wants the field, which entry of a list it is in, and what to
// write instead; this file maps every decoder error to that.

// decodeError turns an error of toml.Decode on text into a ConfigError that
// names the field (as Validate does: `sources[1] (ietf-blog).crawl.max_pages`)
// and says what is wanted.
func decodeError(text string, err error) error {
	var (
		line    int
		lastKey string
		msg     string
	)
	var perr toml.ParseError
	if errors.As(err, &perr) {
		line, lastKey, msg = perr.Position.Line, perr.LastKey, oneLine(perr.Message)
	} else if m := typeErrorRE.FindStringSubmatch(err.Error()); m != nil {
		// Type mismatches come as plain errors: "toml: line 6 (last key
		// "sources.crawl.max_pages"): incompatible types: ...".
		line, _ = strconv.Atoi(m[1])
		lastKey, msg = m[2], oneLine(m[3])
	} else {
		return configErrorf("%s", oneLine(err.Error()))
	}
	if strings.Contains(msg, "table name") || strings.Contains(msg, "table array name") {
		return headerError(text, line, msg)
	}
	if k := keyAt(text, line); k != "" {
		// In a broken value the decoder's last key may be the table.
		lastKey = k
	}
	field := ""
	if lastKey != "" {
		field = fieldName(text, lastKey, line)
	}
	raw := lineValue(text, line)
	switch {
	case strings.HasPrefix(msg, "incompatible types:"):
		return configErrorf("%s (line %d): %s", field, line, wantType(lastKey, msg, raw))
	case strings.Contains(msg, "has already been defined"):
		if field == "" {
			return configErrorf("line %d: %s", line, msg)
		}
		return configErrorf("%s (line %d): set twice; keep one", field, line)
	case raw != "" && looksBare(raw):
		// An unquoted text value: the decoder tries it as a number or a
		// date and complains about digits.
		return configErrorf("%s (line %d): text must be in quotes: write %s = %q", orLine(field), line, lastPart(lastKey), raw)
	case field != "":
		return configErrorf("%s (line %d): %s", field, line, msg)
	default:
		return configErrorf("line %d: %s", line, msg)
	}
}

// unknownKeyError names a key the configuration does not have, with the
// entry it is in and the closest key that exists.
func unknownKeyError(text string, key toml.Key) error {
	dotted := key.String()
	line := keyLine(text, key)
	field := fieldName(text, dotted, line)
	msg := fmt.Sprintf("unknown key %q", field)
	if line > 0 {
		msg += fmt.Sprintf(" (line %d)", line)
	}
	if near := nearestKey(key); near != "" {
		msg += fmt.Sprintf("; did you mean %q?", near)
	} else if known := knownKeys(key[:len(key)-1]); len(known) > 0 {
		msg += "; known keys here: " + strings.Join(known, ", ")
	}
	return configErrorf("%s", msg)
}

// headerError explains a broken [table] or [[array]] header: the decoder
// notices at the end of the line, often on the next one.
func headerError(text string, line int, msg string) error {
	lines := strings.Split(text, "\n")
	for l := min(line, len(lines)); l >= 1; l-- {
		h := strings.TrimSpace(lines[l-1])
		if !strings.HasPrefix(h, "[") {
			continue
		}
		name := strings.Trim(h, "[] \t")
		if i := strings.IndexAny(name, "]#"); i >= 0 {
			name = strings.TrimSpace(name[:i])
		}
		want := "[" + name + "]"
		if strings.HasPrefix(h, "[[") {
			want = "[[" + name + "]]"
		}
		return configErrorf("line %d: table header %s is not closed or has a stray character; write %s", l, h, want)
	}
	return configErrorf("line %d: %s", line, msg)
}

func orLine(field string) string {
	if field == "" {
		return "value"
	}
	return field
}

func lastPart(dotted string) string {
	if i := strings.LastIndexByte(dotted, '.'); i >= 0 {
		return dotted[i+1:]
	}
	if dotted == "" {
		return "key"
	}
	return dotted
}

// wantType explains a type mismatch: what the field needs, with an example,
// and what was written.
func wantType(key, msg, raw string) string {
	var got, want string
	if i := strings.Index(msg, "TOML value has type "); i >= 0 {
		rest := msg[i+len("TOML value has type "):]
		got, _, _ = strings.Cut(rest, ";")
	}
	if i := strings.Index(msg, "destination has type "); i >= 0 {
		want = strings.TrimSpace(msg[i+len("destination has type "):])
	}
	name := lastPart(key)
	var wanted, example string
	switch want {
	case "integer":
		wanted, example = "a whole number", name+" = 10"
	case "float":
		wanted, example = "a number", name+" = 20"
	case "boolean":
		wanted, example = "true or false", name+" = true"
	case "string":
		wanted, example = "text in quotes", name+` = "…"`
	case "slice":
		wanted, example = "a list in brackets", name+` = ["…", "…"]`
		if key == "watch" || key == "technologies" || key == "sources" || key == "api.tokens" {
			wanted, example = "a list of tables", "[["+key+"]]"
		}
	case "struct", "map":
		wanted, example = "a table", "["+key+"]"
	default:
		wanted = want
	}
	gotText := map[string]string{
		"string": "text in quotes", "int64": "a whole number", "float64": "a number", "bool": "true/false",
		"[]interface {}": "a list", "map[string]interface {}": "a table",
	}[got]
	if gotText == "" {
		gotText = got
	}
	s := "wants " + wanted
	if example != "" {
		s += " (" + example + ")"
	}
	s += ", got " + gotText
	if raw != "" {
		s += " " + raw
	}
	if got == "string" && unquotedFits(raw, want) {
		s += "; remove the quotes"
	}
	return s
}

// unquotedFits reports whether a quoted value would be right without its
// quotes ("500" for an integer, "true" for a boolean).
func unquotedFits(raw, want string) bool {
	v, err := strconv.Unquote(raw)
	if err != nil {
		return false
	}
	switch want {
	case "integer":
		_, err = strconv.ParseInt(v, 10, 64)
	case "float":
		_, err = strconv.ParseFloat(v, 64)
	case "boolean":
		return v == "true" || v == "false"
	default:
		return false
	}
	return err == nil
}

// looksBare reports whether a value as written is an unquoted word or path,
// which TOML does not allow ("./data", "yes").
func looksBare(raw string) bool {
	if raw == "" {
		return false
	}
	switch raw[0] {
	case '"', '\'', '[', '{', '+', '-':
		return false
	}
	if raw[0] >= '0' && raw[0] <= '9' {
		// 5m or 10MiB: a duration or size without quotes is bare too.
		_, err := strconv.ParseFloat(strings.ReplaceAll(raw, "_", ""), 64)
		return err != nil && !strings.ContainsAny(raw, ":T")
	}
	switch raw {
	case "true", "false", "inf", "nan":
		return false
	}
	return true
}

// lineValue returns the value written on line (1-based) after "=", with
// its comment cut, or "".
func lineValue(text string, line int) string {
	lines := strings.Split(text, "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	_, v, ok := strings.Cut(lines[line-1], "=")
	if !ok {
		return ""
	}
	v = strings.TrimSpace(v)
	if !strings.HasPrefix(v, `"`) && !strings.HasPrefix(v, `'`) {
		if i := strings.Index(v, "#"); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
	}
	return v
}

var (
	typeErrorRE   = regexp.MustCompile(`^toml: (?:line (\d+) )?\(last key "([^"]*)"\): (.*)`)
	arrayHeaderRE = regexp.MustCompile(`^\[\[\s*([^\]]+?)\s*\]\]`)
	tableHeaderRE = regexp.MustCompile(`^\[\s*([^\]]+?)\s*\]`)
	keyLineRE     = regexp.MustCompile(`^([A-Za-z0-9_.\-" ]+?)\s*=`)
	nameLineRE    = regexp.MustCompile(`^name\s*=\s*"([^"]*)"`)
)

// element is one entry of an array of tables ([[sources]]), as found by
// scanning the text.
type element struct {
	array string // "sources"
	index int
	name  string
}

// scanText walks the text's headers and keys the way the decoder sees them:
// visit is called for every key line with its table path, its 1-based
// line, and the array element it is in (nil outside one). It returns the
// elements with their names, which may come after the line asked about.
func scanText(text string, visit func(table, key string, line int, el *element)) []*element {
	var elems []*element
	counts := map[string]int{}
	var cur *element
	table := ""
	for i, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if m := arrayHeaderRE.FindStringSubmatch(l); m != nil {
			table = strings.ReplaceAll(m[1], " ", "")
			cur = &element{array: table, index: counts[table]}
			counts[table]++
			elems = append(elems, cur)
			continue
		}
		if m := tableHeaderRE.FindStringSubmatch(l); m != nil {
			table = strings.ReplaceAll(m[1], " ", "")
			if cur != nil && !strings.HasPrefix(table, cur.array+".") {
				cur = nil
			}
			continue
		}
		m := keyLineRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		key := strings.Trim(strings.TrimSpace(m[1]), `"`)
		if cur != nil && table == cur.array {
			if n := nameLineRE.FindStringSubmatch(l); n != nil {
				cur.name = n[1]
			}
		}
		if visit != nil {
			visit(table, key, i+1, cur)
		}
	}
	return elems
}

// fieldName renders a dotted key at line as the field name Validate uses:
// `sources[1] (ietf-blog).crawl.max_pages`.
func fieldName(text, dotted string, line int) string {
	var at *element
	scanText(text, func(table, key string, l int, el *element) {
		if l <= line && el != nil {
			at = el
		}
	})
	// A header line itself (the element starts there) has no key line yet.
	if at == nil || !strings.HasPrefix(dotted, at.array+".") && dotted != at.array {
		return dotted
	}
	s := fmt.Sprintf("%s[%d]", at.array, at.index)
	if at.name != "" {
		s += " (" + at.name + ")"
	}
	return s + strings.TrimPrefix(dotted, at.array)
}

// keyAt returns the dotted key written on line, or "".
func keyAt(text string, line int) string {
	found := ""
	scanText(text, func(table, k string, l int, _ *element) {
		if l == line {
			found = k
			if table != "" {
				found = table + "." + k
			}
		}
	})
	return found
}

// keyLine finds the line a key is written on, or 0.
func keyLine(text string, key toml.Key) int {
	want := key.String()
	found := 0
	scanText(text, func(table, k string, l int, _ *element) {
		full := k
		if table != "" {
			full = table + "." + k
		}
		if found == 0 && full == want {
			found = l
		}
	})
	return found
}

// knownKeys lists the keys the table at path has, from Config's toml tags.
func knownKeys(path toml.Key) []string {
	t := reflect.TypeOf(Config{})
	for _, part := range path {
		f, ok := fieldByTag(t, part)
		if !ok {
			return nil
		}
		t = f.Type
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return nil
		}
	}
	var keys []string
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ",")
		if tag != "" && tag != "-" {
			keys = append(keys, tag)
		}
	}
	return keys
}

func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ",")
		if tag == name {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

// nearestKey returns the known key closest to a misspelt one (at most two
// edits, or the same once underscores are dropped), or "".
func nearestKey(key toml.Key) string {
	last := key[len(key)-1]
	best, bestDist := "", 3
	for _, k := range knownKeys(key[:len(key)-1]) {
		if strings.ReplaceAll(k, "_", "") == strings.ReplaceAll(last, "_", "") {
			return k
		}
		if d := editDistance(strings.ToLower(last), k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
