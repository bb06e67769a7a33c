package feeds

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// parseBoth parses body with quickScan allowed and with the full scan
// only, under lim, and fails t unless both give the same feed or the
// same error.
func parseBoth(t *testing.T, body []byte, contentType string, lim limits) {
	t.Helper()
	full := lim
	full.fullScan = true
	a, errA := parse(body, "https://fuzz.example/feeds/main.xml", contentType, lim)
	b, errB := parse(body, "https://fuzz.example/feeds/main.xml", contentType, full)
	if fmt.Sprint(errA) != fmt.Sprint(errB) {
		t.Fatalf("error with quickScan %v, with the full scan %v", errA, errB)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("feed with quickScan:\n%+v\nwith the full scan:\n%+v", a, b)
	}
}

// testLimits are small bounds, so that inputs of a fuzzer's size reach
// them.
var testLimits = limits{items: 3, depth: 6, elements: 30}

// FuzzQuickScan checks quickScan against scanXML: whatever the body,
// Parse gives the same feed, or the same error, with and without it,
// under the default limits and under small ones.
func FuzzQuickScan(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range quickCases {
		f.Add([]byte(s.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		parseBoth(t, body, "", defaultLimits())
		parseBoth(t, body, "", testLimits)
	})
}

// quickCases: what quickScan answers for, and what it leaves to the full
// scan.
var quickCases = []struct {
	name  string
	body  string
	quick bool
}{
	{"rss", `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>a</title><link>https://e.org/a</link><description><![CDATA[<p>x</p>]]></description></item><!-- <item> --></channel></rss>`, true},
	{"rdf", `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel/><item rdf:about='x'><title>a</title></item></rdf:RDF>`, true},
	{"atom", `<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="text">a &lt;b&gt;</title></entry></feed>`, false},
	{"xml:base", `<rss xml:base="https://e.org/x/"><channel><item><link>a</link></item></channel></rss>`, false},
	{"doctype", `<!DOCTYPE rss [<!ENTITY e "<item>">]><rss><channel><item/></channel></rss>`, false},
	{"mis-nested", `<rss><channel><item><title>a</item></title></channel></rss>`, false},
	{"unquoted attribute", `<rss version=2.0><channel/></rss>`, false},
	{"unclosed root", `<rss><channel><item><title>a</title></item></channel>`, false},
	{"too many items", `<rss><channel><item/><item/><item/><item/></channel></rss>`, false},
	{"too deep", `<rss><channel><item><a><b><c><d>x</d></c></b></a></item></channel></rss>`, false},
	{"two colons", `<rss><channel><a:b:item/></channel></rss>`, false},
	{"attribute with <", `<rss><channel><item x="a<b"/></channel></rss>`, false},
}

func TestQuickScan(t *testing.T) {
	for _, tc := range quickCases {
		t.Run(tc.name, func(t *testing.T) {
			b := []byte(tc.body)
			if got := quickScan(b, testLimits) != nil; got != tc.quick {
				t.Errorf("quickScan answered: %v, want %v", got, tc.quick)
			}
			parseBoth(t, b, "", testLimits)
			parseBoth(t, b, "", defaultLimits())
		})
	}
	// The goldens' RSS feeds take the quick path (else it would be dead
	// code), and give what the full scan gives.
	quick := 0
	files, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		parseBoth(t, b, "", defaultLimits())
		if quickScan(stripInvalidXMLChars(fixDeclaration(bytes.TrimLeft(toUTF8(b, ""), " \t\r\n"))), defaultLimits()) != nil {
			quick++
		}
	}
	if quick == 0 {
		t.Errorf("no feed of testdata took the quick path")
	}
	if quickScan(benchItems(1, 500)[0], defaultLimits()) == nil {
		t.Errorf("the benchmark's feed does not take the quick path")
	}
}
