package query

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Limits of one query. They bound the work a query can ask for (every
// term is a searcher, every nesting a stack frame); a query over them is
// an error, not truncated.
const (
	MaxLength   = 2000 // characters
	MaxTerms    = 64   // words, phrases, field values and ranges
	MaxDepth    = 32   // nested parentheses and NOTs
	MaxDistance = 100  // the n of NEAR/n
	MinPrefix   = 2    // characters before the * of a prefix
)

// Error is a mistake in a query, at a position counted in characters from
// 1.
type Error struct {
	Pos  int
	Msg  string
	Hint string // what would be right, may be empty
}

func (e *Error) Error() string {
	s := e.Msg + " at " + strconv.Itoa(e.Pos)
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

type tokKind int

const (
	tEOF tokKind = iota
	tLParen
	tRParen
	tAnd
	tOr
	tNot
	tNear
	tMinus
	tPlus
	tWord   // text, star
	tPhrase // text, star
	tField  // field, then text/phrase/star for the value
)

type token struct {
	kind   tokKind
	pos    int // 1-based character
	text   string
	star   bool
	n      int    // tNear: the distance
	field  string // tField: the fields key
	phrase bool   // tField: the value was quoted
	raw    string // as typed, for messages
}

var nearRE = regexp.MustCompile(`^NEAR/(\d+)$`)

func isSpace(r rune) bool { return unicode.IsSpace(r) }

// lexer splits a query into tokens.
type lexer struct {
	rs []rune
	i  int
}

func (l *lexer) peekRune(off int) (rune, bool) {
	if l.i+off < len(l.rs) {
		return l.rs[l.i+off], true
	}
	return 0, false
}

func (l *lexer) next() (token, error) {
	for l.i < len(l.rs) && isSpace(l.rs[l.i]) {
		l.i++
	}
	pos := l.i + 1
	r, ok := l.peekRune(0)
	if !ok {
		return token{kind: tEOF, pos: pos}, nil
	}
	switch r {
	case '(':
		l.i++
		return token{kind: tLParen, pos: pos, raw: "("}, nil
	case ')':
		l.i++
		return token{kind: tRParen, pos: pos, raw: ")"}, nil
	case '"':
		text, star, err := l.phrase()
		return token{kind: tPhrase, pos: pos, text: text, star: star, raw: `"` + text + `"`}, err
	case '-', '+':
		if n, ok := l.peekRune(1); ok && !isSpace(n) && n != ')' {
			l.i++
			k := tMinus
			if r == '+' {
				k = tPlus
			}
			return token{kind: k, pos: pos, raw: string(r)}, nil
		}
	}
	start := l.i
	for l.i < len(l.rs) {
		c := l.rs[l.i]
		if isSpace(c) || c == '"' || c == '(' || c == ')' {
			break
		}
		l.i++
	}
	word := string(l.rs[start:l.i])
	switch word {
	case "AND":
		return token{kind: tAnd, pos: pos, raw: word}, nil
	case "OR":
		return token{kind: tOr, pos: pos, raw: word}, nil
	case "NOT":
		return token{kind: tNot, pos: pos, raw: word}, nil
	}
	if strings.HasPrefix(word, "NEAR") {
		m := nearRE.FindStringSubmatch(word)
		if m == nil {
			return token{}, &Error{pos, fmt.Sprintf("bad operator %q", word), "write NEAR/n, n the most words between the two sides, as in NEAR/5"}
		}
		n, err := strconv.Atoi(m[1])
		if err != nil || n > MaxDistance {
			return token{}, &Error{pos, fmt.Sprintf("distance of %q too large", word), fmt.Sprintf("at most %d words", MaxDistance)}
		}
		return token{kind: tNear, pos: pos, n: n, raw: word}, nil
	}
	if c := strings.IndexByte(word, ':'); c > 0 && isFieldName(word[:c]) {
		name, ok := lookupField(word[:c])
		if !ok {
			return token{}, &Error{pos, fmt.Sprintf("unknown field %q", word[:c]),
				"known fields are " + strings.Join(FieldNames(), ", ") + ` (quote text with a colon: "a:b")`}
		}
		t := token{kind: tField, pos: pos, field: name, raw: word}
		value := word[c+1:]
		if value != "" {
			t.text, t.star = trimStar(value)
			return t, nil
		}
		if r, ok := l.peekRune(0); ok && r == '"' {
			text, star, err := l.phrase()
			t.text, t.star, t.phrase = text, star, true
			t.raw += `"` + text + `"`
			return t, err
		}
		return token{}, &Error{pos, fmt.Sprintf("missing value after %q", word), fmt.Sprintf(`write %s:word or %s:"some words"`, name, name)}
	}
	text, star := trimStar(word)
	return token{kind: tWord, pos: pos, text: text, star: star, raw: word}, nil
}

func trimStar(s string) (string, bool) {
	if strings.HasSuffix(s, "*") {
		return s[:len(s)-1], true
	}
	return s, false
}

// phrase reads a quoted phrase at l.i; \" and \\ escape.
func (l *lexer) phrase() (string, bool, error) {
	open := l.i + 1
	l.i++
	var b strings.Builder
	for l.i < len(l.rs) {
		c := l.rs[l.i]
		l.i++
		switch c {
		case '\\':
			if l.i < len(l.rs) {
				b.WriteRune(l.rs[l.i])
				l.i++
			}
		case '"':
			star := false
			if r, ok := l.peekRune(0); ok && r == '*' {
				star = true
				l.i++
			}
			return b.String(), star, nil
		default:
			b.WriteRune(c)
		}
	}
	return "", false, &Error{open, "unterminated quote", `close the phrase with "`}
}

// parser is a recursive-descent parser over the lexer's tokens.
type parser struct {
	lx    lexer
	tok   token
	terms int
	depth int
}

// Parse parses a query. An empty or blank query gives a nil Node, which
// matches every document. Errors are *Error values.
func Parse(s string) (Node, error) {
	rs := []rune(s)
	if len(rs) > MaxLength {
		return nil, &Error{MaxLength + 1, fmt.Sprintf("query longer than %d characters", MaxLength), ""}
	}
	p := &parser{lx: lexer{rs: rs}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, nil
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.unexpected("an operator or the end of the query")
	}
	return n, nil
}

func (p *parser) advance() error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) unexpected(want string) error {
	if p.tok.kind == tEOF {
		return &Error{p.tok.pos, "unexpected end of query", "expected " + want}
	}
	return &Error{p.tok.pos, fmt.Sprintf("unexpected %q", p.tok.raw), "expected " + want}
}

const wantOperand = `a word, a "phrase", a field or "("`

func (p *parser) or() (Node, error) {
	first, err := p.and()
	if err != nil {
		return nil, err
	}
	nodes := []Node{first}
	for p.tok.kind == tOr {
		if err := p.advance(); err != nil {
			return nil, err
		}
		n, err := p.and()
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	if len(nodes) == 1 {
		return first, nil
	}
	return &Or{Nodes: nodes}, nil
}

func (p *parser) and() (Node, error) {
	first, err := p.unary()
	if err != nil {
		return nil, err
	}
	nodes := []Node{first}
	for {
		switch p.tok.kind {
		case tEOF, tRParen, tOr:
			if len(nodes) == 1 {
				return first, nil
			}
			return &And{Nodes: nodes}, nil
		case tAnd:
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return &Error{p.tok.pos, fmt.Sprintf("query nested deeper than %d", MaxDepth), ""}
	}
	return nil
}

func (p *parser) unary() (Node, error) {
	switch p.tok.kind {
	case tNot, tMinus:
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		if err := p.advance(); err != nil {
			return nil, err
		}
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &Not{Node: n}, nil
	case tPlus:
		// Words are required by default: +word is the word.
		if err := p.advance(); err != nil {
			return nil, err
		}
		return p.unary()
	}
	return p.near()
}

func (p *parser) near() (Node, error) {
	left, err := p.primary()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tNear {
		return left, nil
	}
	op := p.tok
	lt, ok := left.(*Term)
	if !ok || !nearSide(lt) {
		return nil, &Error{op.pos, op.raw + " needs a word or phrase of the text on its left", ""}
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	right, err := p.primary()
	if err != nil {
		return nil, err
	}
	rt, ok := right.(*Term)
	if !ok || !nearSide(rt) || rt.Field != lt.Field {
		return nil, &Error{op.pos, op.raw + " needs a word or phrase of the text on its right, in the same field as the left", ""}
	}
	if p.tok.kind == tNear {
		return nil, &Error{p.tok.pos, "NEAR joins two words or phrases", "combine NEARs with AND"}
	}
	return &Near{Left: *lt, Right: *rt, Distance: op.n}, nil
}

// nearSide: t can be a side of NEAR, a word or phrase of a text field.
func nearSide(t *Term) bool {
	return !t.Prefix && (t.Field == "" || kindOf(t.Field) == KindText)
}

func (p *parser) count() error {
	p.terms++
	if p.terms > MaxTerms {
		return &Error{p.tok.pos, fmt.Sprintf("query has more than %d terms", MaxTerms), ""}
	}
	return nil
}

func (p *parser) primary() (Node, error) {
	t := p.tok
	switch t.kind {
	case tLParen:
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		if err := p.advance(); err != nil {
			return nil, err
		}
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			if p.tok.kind == tEOF {
				return nil, &Error{t.pos, `missing ")" for this "("`, ""}
			}
			return nil, p.unexpected(`")"`)
		}
		return n, p.advance()
	case tWord, tPhrase:
		if err := p.count(); err != nil {
			return nil, err
		}
		term := &Term{Value: t.text, Phrase: t.kind == tPhrase, Prefix: t.star}
		if err := checkText(term, t); err != nil {
			return nil, err
		}
		return term, p.advance()
	case tField:
		if err := p.count(); err != nil {
			return nil, err
		}
		n, err := fieldNode(t)
		if err != nil {
			return nil, err
		}
		return n, p.advance()
	}
	return nil, p.unexpected(wantOperand)
}

// checkText checks a word or phrase of a text field.
func checkText(term *Term, t token) error {
	if term.Phrase && term.Prefix {
		return &Error{t.pos, "a phrase cannot end in *", "put the * on a word outside the quotes"}
	}
	if term.Phrase && strings.TrimSpace(term.Value) == "" {
		return &Error{t.pos, "empty phrase", ""}
	}
	if !term.Phrase && strings.Contains(term.Value, "*") {
		return &Error{t.pos, fmt.Sprintf("%q: * may only end a word", t.raw), ""}
	}
	if term.Prefix && len([]rune(term.Value)) < MinPrefix {
		return &Error{t.pos, fmt.Sprintf("prefix %q too short", t.raw), fmt.Sprintf("give at least %d characters before the *", MinPrefix)}
	}
	return nil
}

func fieldNode(t token) (Node, error) {
	f, _ := FieldOf(t.field)
	switch f.Kind {
	case KindText:
		term := &Term{Field: t.field, Value: t.text, Phrase: t.phrase, Prefix: t.star}
		return term, checkText(term, t)
	case KindKeyword:
		if strings.TrimSpace(t.text) == "" {
			return nil, &Error{t.pos, fmt.Sprintf("empty value for %s:", t.field), ""}
		}
		if t.star && t.field != "url" {
			return nil, &Error{t.pos, fmt.Sprintf("%s: takes whole values, not prefixes", t.field), `only url:"https://host/path/"* takes a prefix`}
		}
		return &Term{Field: t.field, Value: t.text, Prefix: t.star}, nil
	}
	return parseRange(t)
}

// parseRange reads published:>=2026-01-01 and its kin.
func parseRange(t token) (Node, error) {
	v := t.text
	if t.star {
		v += "*"
	}
	op := "="
	for _, o := range []string{">=", "<=", ">", "<"} {
		if strings.HasPrefix(v, o) {
			op, v = o, v[len(o):]
			break
		}
	}
	r := &Range{Field: t.field, Op: op, Text: v}
	if _, _, err := periodOf(v); err != nil {
		return nil, &Error{t.pos, fmt.Sprintf("%s: %q is not a date", t.field, v), "write 2026-01-31, 2026-01, 2026 or an RFC 3339 time, after >=, >, <= or <"}
	}
	r.Date, _, _ = periodOf(v)
	return r, nil
}

// periodOf reads a year, month, day or instant as the period [start, end);
// an instant has start == end.
func periodOf(s string) (start, end time.Time, err error) {
	for _, l := range []struct {
		layout string
		y, m   int
		d      int
	}{{"2006", 1, 0, 0}, {"2006-01", 0, 1, 0}, {time.DateOnly, 0, 0, 1}} {
		if t, err := time.Parse(l.layout, s); err == nil && len(s) == len(l.layout) {
			return t, t.AddDate(l.y, l.m, l.d), nil
		}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	return t.UTC(), t.UTC(), nil
}

// Bounds returns the range as bleve wants it: lower and upper times (zero
// for none) and whether each is inclusive.
func (r *Range) Bounds() (lo, hi time.Time, loIncl, hiIncl bool) {
	start, end, _ := periodOf(r.Text)
	instant := start.Equal(end)
	switch r.Op {
	case ">=":
		return start, time.Time{}, true, false
	case ">":
		return end, time.Time{}, !instant, false
	case "<":
		return time.Time{}, start, false, false
	case "<=":
		return time.Time{}, end, false, instant
	}
	return start, end, true, instant
}
