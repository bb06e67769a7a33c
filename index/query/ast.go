// Package query is techintel's search language: the words, operators and
// fields a user types into the search box, an alert or the CLI. It parses
// a query into a small syntax tree whose String form parses back to the
// same tree; package index turns the tree into bleve query objects, so
// that search and percolation run exactly the same query.
//
// The language, in short (README "Query language" has it in full):
//
//	5G slicing             both words (words are ANDed by default)
//	5G OR LTE              either; AND binds tighter than OR
//	NOT huawei, -huawei    without the word; +word requires it (the default)
//	(a OR b) c             parentheses group
//	"open ran"             the words next to each other, in this order
//	nokia NEAR/5 5G        both within 5 words of each other, either order
//	slic*                  words starting with "slic"
//	title:ran entity:"Deutsche Telekom" technology:5G source:x component:y url:"https://…"
//	salient:ericsson       about Ericsson, not naming it in passing
//	published:>=2026-01-01 published:<2026-02-01 published:2026-01-15
//
// AND, OR, NOT and NEAR are operators only in upper case; in lower case
// they are words.
package query

import (
	"strconv"
	"strings"
	"time"
)

// Node is a node of a parsed query.
type Node interface {
	// String prints the node in the query language; parsing it gives
	// the same node.
	String() string
	node()
}

// And matches documents that every node matches.
type And struct{ Nodes []Node }

// Or matches documents that any node matches.
type Or struct{ Nodes []Node }

// Not matches documents that Node does not match.
type Not struct{ Node Node }

// Term is a word, a prefix or a quoted phrase, in a field or (Field "")
// in the text.
type Term struct {
	Field  string // a field name; "" for the title and body
	Value  string // as typed, unquoted
	Phrase bool   // it was quoted
	Prefix bool   // it ended in * (Value is without it)
}

// Near matches documents where Left and Right (words or phrases of the
// text) occur within Distance words of each other, in either order.
type Near struct {
	Left, Right Term
	Distance    int
}

// Range bounds a date field.
type Range struct {
	Field string // a field name of kind KindDate
	Op    string // ">=", ">", "<=", "<" or "=" (that whole day)
	Date  time.Time
	// Text is the date as typed (YYYY-MM-DD or RFC 3339), kept so that
	// String prints the same text.
	Text string
}

func (*And) node()   {}
func (*Or) node()    {}
func (*Not) node()   {}
func (*Term) node()  {}
func (*Near) node()  {}
func (*Range) node() {}

func (n *And) String() string { return join(n.Nodes, " ", precAnd) }
func (n *Or) String() string  { return join(n.Nodes, " OR ", precOr) }

func (n *Not) String() string { return "NOT " + wrap(n.Node, precUnary) }

func (t *Term) String() string {
	var b strings.Builder
	if t.Field != "" {
		b.WriteString(t.Field)
		b.WriteByte(':')
	}
	switch {
	case t.Phrase:
		b.WriteString(quote(t.Value))
	case t.Field != "" && kindOf(t.Field) != KindText:
		if isPlainValue(t.Value) {
			b.WriteString(t.Value)
		} else {
			b.WriteString(quote(t.Value))
		}
	default:
		// A word from the parser always prints bare; quoting any other
		// would turn it into a phrase.
		b.WriteString(t.Value)
	}
	if t.Prefix {
		b.WriteByte('*')
	}
	return b.String()
}

func (n *Near) String() string {
	return n.Left.String() + " NEAR/" + strconv.Itoa(n.Distance) + " " + n.Right.String()
}

func (r *Range) String() string {
	op := r.Op
	if op == "=" {
		op = ""
	}
	return r.Field + ":" + op + r.Text
}

// Precedence levels, loosest first, for printing parentheses only where
// parsing needs them.
const (
	precOr = iota
	precAnd
	precUnary
)

func prec(n Node) int {
	switch n.(type) {
	case *Or:
		return precOr
	case *And:
		return precAnd
	}
	return precUnary
}

func wrap(n Node, min int) string {
	if prec(n) < min {
		return "(" + n.String() + ")"
	}
	return n.String()
}

func join(nodes []Node, sep string, p int) string {
	parts := make([]string, len(nodes))
	for i, n := range nodes {
		// A child of the same kind is printed in parentheses so that
		// the tree keeps its shape when parsed again.
		if prec(n) <= p {
			parts[i] = "(" + n.String() + ")"
		} else {
			parts[i] = n.String()
		}
	}
	return strings.Join(parts, sep)
}

// quote prints s as a quoted phrase, escaping " and \.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// isPlainValue: s prints without quotes as a field's value.
func isPlainValue(s string) bool {
	if s == "" || s[0] == '>' || s[0] == '<' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return false
		}
	}
	return true
}
