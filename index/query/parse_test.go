package query

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want: the String of the parsed query
	}{
		{"5G AND slicing", "5G slicing"},
		{"5G slicing", "5G slicing"},
		{"+5G +slicing", "5G slicing"},
		{"NOT huawei", "NOT huawei"},
		{"-huawei nokia", "NOT huawei nokia"},
		{"a OR b c", "a OR b c"},
		{"(a OR b) c", "(a OR b) c"},
		{"a AND (b OR c) AND NOT d", "a (b OR c) NOT d"},
		{`"open ran" europe`, `"open ran" europe`},
		{`nokia NEAR/5 "network slicing"`, `nokia NEAR/5 "network slicing"`},
		{`title:"open ran" NEAR/3 title:europe`, `title:"open ran" NEAR/3 title:europe`},
		{"slic*", "slic*"},
		{`entity:"Samsung Networks"`, `entity:"Samsung Networks"`},
		{`entities:Nokia`, `entity:Nokia`},
		{`Salient:Ericsson -salient:"open ran"`, `salient:Ericsson NOT salient:"open ran"`},
		{`Technology:"Open RAN"`, `technology:"Open RAN"`},
		{`url:"https://example.com/news/"*`, `url:"https://example.com/news/"*`},
		{`url:https://example.com/a`, `url:"https://example.com/a"`},
		{"published:>=2026-01-01", "published:>=2026-01-01"},
		{"published:2026-01 updated:<2026-02-01T10:00:00Z", "published:2026-01 updated:<2026-02-01T10:00:00Z"},
		{"10:30 and or not", "10:30 and or not"},
		{`"say \"hi\""`, `"say \"hi\""`},
		{"- x", "- x"},
		{"((a))", "a"},
		{"NOT NOT a", "NOT NOT a"},
		{"a (b c) d", "a (b c) d"},
		{"   ", ""},
	} {
		n, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		got := ""
		if n != nil {
			got = n.String()
		}
		if got != tc.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
		again, err := Parse(got)
		if err != nil || !reflect.DeepEqual(again, n) {
			t.Errorf("Parse(%q) again = %#v, %v; want %#v", got, again, err, n)
		}
	}
}

func TestParseShape(t *testing.T) {
	n, err := Parse("a b OR c")
	if err != nil {
		t.Fatal(err)
	}
	want := &Or{Nodes: []Node{&And{Nodes: []Node{&Term{Value: "a"}, &Term{Value: "b"}}}, &Term{Value: "c"}}}
	if !reflect.DeepEqual(n, want) {
		t.Errorf("AND must bind tighter than OR: got %s", n)
	}
	n, _ = Parse("-a")
	if !reflect.DeepEqual(n, &Not{Node: &Term{Value: "a"}}) {
		t.Errorf("-a = %#v", n)
	}
	n, _ = Parse(`nokia NEAR/3 "open ran"`)
	if !reflect.DeepEqual(n, &Near{Left: Term{Value: "nokia"}, Right: Term{Value: "open ran", Phrase: true}, Distance: 3}) {
		t.Errorf("NEAR = %#v", n)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"(5G OR LTE)) x", `unexpected ")" at 12`},
		{"5G AND (slicing", `missing ")" for this "(" at 8`},
		{"5G AND", "unexpected end of query at 7: expected a word"},
		{"OR 5G", `unexpected "OR" at 1`},
		{"foo:bar", `unknown field "foo" at 1: known fields are body, component, entity, published, salient, source, story, technology, title, updated, url`},
		{`"open ran`, "unterminated quote at 1"},
		{"a NEAR b", `bad operator "NEAR" at 3`},
		{"a NEAR/5", "unexpected end of query at 9"},
		{"(a b) NEAR/2 c", "NEAR/2 needs a word or phrase of the text on its left at 7"},
		{"a NEAR/2 entity:x", "on its right"},
		{"s*", `prefix "s*" too short at 1`},
		{"a*b", "* may only end a word at 1"},
		{`"a b"*`, "a phrase cannot end in * at 1"},
		{"published:yesterday", `published: "yesterday" is not a date at 1`},
		{"entity:", `missing value after "entity:" at 1`},
		{"entity:nok*", "entity: takes whole values, not prefixes at 1"},
		{"salient:eric*", "salient: takes whole values, not prefixes at 1"},
		{"a NEAR/500 b", "too large at 3"},
		{strings.Repeat("(", MaxDepth+1) + "a", "nested deeper"},
		{strings.Repeat("a ", MaxTerms+1), "more than 64 terms"},
		{strings.Repeat("a", MaxLength+1), "longer than 2000 characters"},
	} {
		_, err := Parse(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%.40q) = %v, want an error with %q", tc.in, err, tc.want)
		}
		if _, ok := err.(*Error); err != nil && !ok {
			t.Errorf("Parse(%.40q): error %T is not *Error", tc.in, err)
		}
	}
}

func TestRangeBounds(t *testing.T) {
	for _, tc := range []struct {
		in             string
		lo, hi         string
		loIncl, hiIncl bool
	}{
		{"published:>=2026-01-01", "2026-01-01", "", true, false},
		{"published:>2026-01-01", "2026-01-02", "", true, false},
		{"published:<2026-01", "", "2026-01-01", false, false},
		{"published:<=2026-01", "", "2026-02-01", false, false},
		{"published:2026", "2026-01-01", "2027-01-01", true, false},
	} {
		n, err := Parse(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi, li, hiI := n.(*Range).Bounds()
		day := func(x string) string {
			if x == "" {
				return "0001-01-01"
			}
			return x
		}
		if lo.Format("2006-01-02") != day(tc.lo) || hi.Format("2006-01-02") != day(tc.hi) || li != tc.loIncl || hiI != tc.hiIncl {
			t.Errorf("%s: bounds %v %v %v %v", tc.in, lo, hi, li, hiI)
		}
	}
}

// FuzzParse: the parser never panics, and a parsed query printed and
// parsed again is the same query.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"5G AND slicing", `"open ran" -huawei`, "(a OR b) NOT c", `nokia NEAR/5 "x y"`,
		"slic*", `entity:"Deutsche Telekom"`, "published:>=2026-01-01", `url:"https://a/"*`, "- +x", `"a\"b"`, "a:b 10:30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not *Error", err)
			}
			return
		}
		if n == nil {
			return
		}
		printed := n.String()
		again, err := Parse(printed)
		if err != nil {
			t.Fatalf("Parse(%q) printed %q, which fails: %v", s, printed, err)
		}
		if !reflect.DeepEqual(n, again) {
			t.Fatalf("Parse(%q) printed %q, which parses to %s", s, printed, again)
		}
	})
}
