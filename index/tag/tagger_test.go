package tag

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/techintel/techintel/index"
)

// testEntities is a watch list with every trap the matching rules name.
var testEntities = []Entity{
	{Name: "Nokia", Role: "own", Aliases: []string{"Nokia Bell Labs"}},
	{Name: "Bell Labs", Role: "other"},
	{Name: "Ericsson", Role: "competitor"},
	{Name: "Intel", Role: "partner"},
	{Name: "Qualcomm", Role: "partner"},
	{Name: "Telefónica", Role: "customer", Aliases: []string{"Movistar"}},
	{Name: "Societe Generale", Role: "customer"},
	{Name: "Deutsche Telekom", Role: "customer"},
	{Name: "AT&T", Role: "customer"},
	{Name: "E.ON", Role: "customer"},
	{Name: "3GPP", Role: "standards"},
	{Name: "ETSI", Role: "standards"},
	{Name: "O-RAN Alliance", Role: "standards"},
	{Name: "Arm", Role: "partner", CaseSensitive: true},
	{Name: "Meta", Role: "other", CaseSensitive: true, Aliases: []string{"Meta Platforms"}},
	{Name: "Alphabet", Role: "other", Aliases: []string{"Google"}},
	{Name: "Google", Role: "partner"},
}

var testTechnologies = []Technology{
	{Name: "Open RAN", Aliases: []string{"O-RAN"}},
	{Name: "5G"},
	{Name: "5G-Advanced"},
	{Name: "Wi-Fi", Aliases: []string{"802.11"}},
	{Name: "TCP/IP"},
}

func newTestTagger(tb testing.TB) *Tagger {
	tb.Helper()
	tg, err := New(testEntities, testTechnologies)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return tg
}

// ev is the compact form of an Evidence used in the tables: entity|field|matched.
func ev(e index.Evidence) string { return e.Entity + "|" + e.Field + "|" + e.Matched }

func TestTagMatching(t *testing.T) {
	tg := newTestTagger(t)
	tests := []struct {
		name         string
		title, body  string
		entities     []string
		technologies []string
		evidence     []string // entity|field|matched, each must be present
	}{
		{name: "possessive straight", body: "Intel's new chip", entities: []string{"Intel"},
			evidence: []string{"Intel|body|Intel"}},
		{name: "possessive curly", body: "Intel’s new chip", entities: []string{"Intel"},
			evidence: []string{"Intel|body|Intel"}},
		{name: "possessive upper case", body: "INTEL'S CHIP", entities: []string{"Intel"},
			evidence: []string{"Intel|body|INTEL"}},
		{name: "possessive of a symbol name", body: "AT&T's network", entities: []string{"AT&T"},
			evidence: []string{"AT&T|body|AT&T"}},
		{name: "hyphenated compounds", body: "A Qualcomm-backed, Ericsson-led consortium",
			entities: []string{"Ericsson", "Qualcomm"},
			evidence: []string{"Qualcomm|body|Qualcomm", "Ericsson|body|Ericsson"}},
		{name: "intel not in intelligence", body: "artificial intelligence and Intelsat"},
		{name: "nokia not in nokian", body: "Nokian Tyres reported"},
		{name: "3gpp not in 3gpp2", body: "3GPP2 specs", entities: []string{}},
		{name: "3gpp beside 3gpp2", body: "3GPP2 and 3GPP", entities: []string{"3GPP"},
			evidence: []string{"3GPP|body|3GPP"}},
		{name: "etsi not in etsix", body: "ETSIx and xETSI"},
		{name: "arm not in alarm or army", body: "an alarm for the army"},
		{name: "case-sensitive arm ignores robotic arm", body: "a robotic arm; ARM chips"},
		{name: "case-sensitive arm exact", body: "Arm's Neoverse", entities: []string{"Arm"},
			evidence: []string{"Arm|body|Arm"}},
		{name: "case-sensitive meta", body: "meta data about Meta Platforms",
			entities: []string{"Meta"}, evidence: []string{"Meta|body|Meta Platforms"}},
		{name: "case-sensitive alias needs exact case", body: "META PLATFORMS and meta platforms"},
		{name: "multi-word across line break", body: "Deutsche\n  Telekom said",
			entities: []string{"Deutsche Telekom"}, evidence: []string{"Deutsche Telekom|body|Deutsche\n  Telekom"}},
		{name: "multi-word across no-break space", body: "Deutsche\u00a0Telekom", entities: []string{"Deutsche Telekom"}},
		{name: "multi-word across hyphen", body: "deutsche-telekom", entities: []string{"Deutsche Telekom"}},
		{name: "multi-word broken by punctuation", body: "in Deutsche. Telekom is"},
		{name: "longest alias wins", body: "Nokia Bell\nLabs research", entities: []string{"Nokia"},
			evidence: []string{"Nokia|body|Nokia Bell\nLabs"}},
		{name: "shorter name alone", body: "Bell Labs research", entities: []string{"Bell Labs"}},
		{name: "possessive breaks a phrase", body: "Nokia's Bell Labs",
			entities: []string{"Bell Labs", "Nokia"}, evidence: []string{"Nokia|body|Nokia"}},
		{name: "accent in name, none in text", body: "Telefonica and TELEFONICA",
			entities: []string{"Telefónica"}, evidence: []string{"Telefónica|body|Telefonica"}},
		{name: "accent in text, none in name", body: "Société Générale", entities: []string{"Societe Generale"},
			evidence: []string{"Societe Generale|body|Société Générale"}},
		{name: "decomposed accent", body: "Telefo\u0301nica", entities: []string{"Telefónica"},
			evidence: []string{"Telefónica|body|Telefo\u0301nica"}},
		{name: "soft hyphen inside word", body: "Tele\u00adfónica", entities: []string{"Telefónica"}},
		{name: "full-width letters", body: "Ｉｎｔｅｌ", entities: []string{"Intel"},
			evidence: []string{"Intel|body|Ｉｎｔｅｌ"}},
		{name: "o-ran as written", body: "O-RAN radios", technologies: []string{"Open RAN"},
			evidence: []string{"Open RAN|body|O-RAN"}},
		{name: "o-ran possessive", body: "O-RAN’s future", technologies: []string{"Open RAN"},
			evidence: []string{"Open RAN|body|O-RAN"}},
		{name: "plural possessive is another word", body: "the Nokias' phones"},
		{name: "o ran with a space", body: "o ran radios", technologies: []string{"Open RAN"},
			evidence: []string{"Open RAN|body|o ran"}},
		{name: "open-ran hyphenated", body: "open-RAN", technologies: []string{"Open RAN"}},
		{name: "open ran broken by a full stop", body: "the market is open. RAN vendors"},
		{name: "entity and technology overlap", body: "the O-RAN Alliance",
			entities: []string{"O-RAN Alliance"}, technologies: []string{"Open RAN"},
			evidence: []string{"O-RAN Alliance|body|O-RAN Alliance", "Open RAN|body|O-RAN"}},
		{name: "5g not in 5ghz", body: "the 5GHz band"},
		{name: "5g word", body: "5G networks", technologies: []string{"5G"}},
		{name: "longest technology wins", body: "5G-Advanced", technologies: []string{"5G-Advanced"}},
		{name: "at&t split by spaces", body: "AT & T"},
		{name: "dotted name", body: "e.on and E.ON", entities: []string{"E.ON"}, evidence: []string{"E.ON|body|e.on"}},
		{name: "dotted name needs its dot", body: "E ON"},
		{name: "decimal not a prefix", body: "802.11ax and 802.11.3"},
		{name: "decimal name", body: "802.11 radios", technologies: []string{"Wi-Fi"}},
		{name: "slash name", body: "TCP/IP stack", technologies: []string{"TCP/IP"}},
		{name: "slash name needs its slash", body: "TCP IP stack"},
		{name: "shared alias tags both", body: "Google said", entities: []string{"Alphabet", "Google"},
			evidence: []string{"Alphabet|body|Google", "Google|body|Google"}},
		{name: "first mention is quoted", body: "nokia then NOKIA", entities: []string{"Nokia"},
			evidence: []string{"Nokia|body|nokia"}},
		{name: "title and body each", title: "Ericsson wins", body: "ERICSSON said",
			entities: []string{"Ericsson"}, evidence: []string{"Ericsson|title|Ericsson", "Ericsson|body|ERICSSON"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := &index.Document{Title: tt.title, Body: tt.body}
			tg.Tag(doc, nil)
			if want := orEmpty(tt.entities); !slices.Equal(doc.Entities, want) {
				t.Errorf("entities = %q, want %q", doc.Entities, want)
			}
			if want := orEmpty(tt.technologies); !slices.Equal(doc.Technologies, want) {
				t.Errorf("technologies = %q, want %q", doc.Technologies, want)
			}
			var got []string
			for _, e := range doc.Evidence {
				got = append(got, ev(e))
			}
			for _, want := range tt.evidence {
				if !slices.Contains(got, want) {
					t.Errorf("evidence %q missing; got %q", want, got)
				}
			}
		})
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func TestTagComponents(t *testing.T) {
	tg := newTestTagger(t)
	tests := []struct {
		name       string
		body       string
		source     []string
		components []string
		evidence   []index.Evidence // exactly
	}{
		{
			name:       "own partner competitor standards",
			body:       "ETSI: Nokia and Intel beat Ericsson",
			components: []string{"industry", "own", "alliances", "others"},
			evidence: []index.Evidence{
				{Entity: "ETSI", Component: "industry", Matched: "ETSI", Field: "body",
					Excerpt: "ETSI: Nokia and Intel beat Ericsson"},
				{Entity: "Ericsson", Component: "others", Matched: "Ericsson", Field: "body",
					Excerpt: "ETSI: Nokia and Intel beat Ericsson"},
				{Entity: "Intel", Component: "alliances", Matched: "Intel", Field: "body",
					Excerpt: "ETSI: Nokia and Intel beat Ericsson"},
				{Entity: "Nokia", Component: "own", Matched: "Nokia", Field: "body",
					Excerpt: "ETSI: Nokia and Intel beat Ericsson"},
			},
		},
		{
			name:       "source components only",
			body:       "nothing to see",
			source:     []string{"industry", "bogus", "industry", "others"},
			components: []string{"industry", "others"},
			evidence: []index.Evidence{
				{Component: "industry", Matched: "ietf-blog", Field: "source"},
				{Component: "others", Matched: "ietf-blog", Field: "source"},
			},
		},
		{
			name:       "source and entity give the same component",
			body:       "3GPP met",
			source:     []string{"industry"},
			components: []string{"industry"},
			evidence: []index.Evidence{
				{Component: "industry", Matched: "ietf-blog", Field: "source"},
				{Entity: "3GPP", Component: "industry", Matched: "3GPP", Field: "body", Excerpt: "3GPP met"},
			},
		},
		{
			name:       "technologies give no component",
			body:       "5G",
			components: []string{},
			evidence:   []index.Evidence{{Entity: "5G", Matched: "5G", Field: "body", Excerpt: "5G"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := &index.Document{Source: "ietf-blog", Body: tt.body}
			tg.Tag(doc, tt.source)
			if !slices.Equal(doc.Components, tt.components) {
				t.Errorf("components = %q, want %q", doc.Components, tt.components)
			}
			if !slices.Equal(doc.Evidence, tt.evidence) {
				t.Errorf("evidence = %+v\nwant %+v", doc.Evidence, tt.evidence)
			}
		})
	}
}

func TestTagEmptyAndRetag(t *testing.T) {
	tg := newTestTagger(t)
	doc := &index.Document{
		Body:       "nothing",
		Components: []string{"own"}, Entities: []string{"Old"},
		Technologies: []string{"Old"}, Evidence: []index.Evidence{{Entity: "Old"}},
	}
	tg.Tag(doc, nil)
	b, err := json.Marshal(struct {
		C []string         `json:"components"`
		E []string         `json:"entities"`
		T []string         `json:"technologies"`
		V []index.Evidence `json:"evidence"`
	}{doc.Components, doc.Entities, doc.Technologies, doc.Evidence})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"components":[],"entities":[],"technologies":[],"evidence":[]}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

func TestTagConcurrent(t *testing.T) {
	tg := newTestTagger(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 200 {
				doc := &index.Document{Title: "Intel’s O-RAN", Body: strings.Repeat("Nokia and ETSI. ", i+j%7)}
				tg.Tag(doc, []string{"industry"})
				if !slices.Contains(doc.Entities, "Intel") || !slices.Equal(doc.Technologies, []string{"Open RAN"}) {
					t.Errorf("goroutine %d: got %q %q", i, doc.Entities, doc.Technologies)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name     string
		entities []Entity
		techs    []Technology
		want     string
	}{
		{"empty entity name", []Entity{{Role: "own"}}, nil, "tag: entity 1: empty name"},
		{"unknown role", []Entity{{Name: "X", Role: "friend"}}, nil, `tag: entity "X": unknown role "friend"`},
		{"role is case-sensitive", []Entity{{Name: "X", Role: "Own"}}, nil, `unknown role "Own"`},
		{"duplicate entity", []Entity{{Name: "X", Role: "own"}, {Name: "X", Role: "other"}}, nil,
			`tag: duplicate entity "X"`},
		{"empty alias", []Entity{{Name: "X", Role: "own", Aliases: []string{""}}}, nil,
			`alias "" has no letters or digits`},
		{"punctuation name", []Entity{{Name: "!!!", Role: "own"}}, nil, `alias "!!!" has no letters or digits`},
		{"empty technology name", nil, []Technology{{}}, "tag: technology 1: empty name"},
		{"duplicate technology", nil, []Technology{{Name: "5G"}, {Name: "5G"}}, `tag: duplicate technology "5G"`},
		{"trailing symbols", nil, []Technology{{Name: "C++"}}, `tag: technology "C++": alias "C++": '+'`},
		{"leading symbol", nil, []Technology{{Name: "X", Aliases: []string{".NET"}}}, `alias ".NET": '.'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.entities, tt.techs)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "tag: ") {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestNewAccepts(t *testing.T) {
	names := []string{"Yahoo!", `"Quoted"`, "Intel Corp.", "McDonald's", "(Paren)", "Procter & Gamble", "U.S. Cellular"}
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			tg, err := New([]Entity{{Name: n, Role: "other"}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			doc := &index.Document{Body: "news: " + n + " today"}
			tg.Tag(doc, nil)
			if !slices.Equal(doc.Entities, []string{n}) {
				t.Errorf("%q does not find itself: %q", n, doc.Entities)
			}
		})
	}
}

func TestComponentForRole(t *testing.T) {
	want := map[string]string{
		"own": "own", "partner": "alliances", "competitor": "others", "other": "others",
		"customer": "industry", "standards": "industry",
	}
	for _, role := range Roles() {
		t.Run(role, func(t *testing.T) {
			c, ok := ComponentForRole(role)
			if !ok || c != want[role] || !index.ValidComponent(c) {
				t.Errorf("ComponentForRole(%q) = %q, %v; want %q", role, c, ok, want[role])
			}
		})
	}
	if len(Roles()) != len(want) {
		t.Errorf("Roles() = %q, want %d roles", Roles(), len(want))
	}
	if c, ok := ComponentForRole("Own"); ok {
		t.Errorf(`ComponentForRole("Own") = %q, true; want false`, c)
	}
}
