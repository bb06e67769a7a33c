package demoworld

import "net/url"

// Example is a search worth trying on the demo world: most show a trap
// planted in the stories that a precise gatherer and tagger must survive.
type Example struct {
	Title      string // what it shows off
	Query      string // the query string (bleve syntax); "" matches all
	Entity     string // entity filter
	Component  string // component filter
	Technology string // technology filter (API only)
	Source     string // source filter (API only)
	Collapse   bool   // one hit per story
	Expect     string // what a correct techintel answers
}

// Values returns the example as GET /api/v1/search parameters.
func (e Example) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", e.Query)
	set("entity", e.Entity)
	set("component", e.Component)
	set("technology", e.Technology)
	set("source", e.Source)
	if e.Collapse {
		v.Set("collapse", "story")
	}
	return v
}

// Args returns the example as `techintel search` flags and query, or nil
// when it needs a filter only the API has.
func (e Example) Args() []string {
	if e.Technology != "" || e.Source != "" {
		return nil
	}
	var args []string
	if e.Component != "" {
		args = append(args, "-component", e.Component)
	}
	if e.Collapse {
		args = append(args, "-collapse")
	}
	if e.Entity != "" {
		args = append(args, "-entity", e.Entity)
	}
	return append(args, e.Query)
}

// Examples lists searches that show off the demo world.
func Examples() []Example {
	return []Example{
		{Title: "Everything about ourselves", Component: "own",
			Expect: "the newsroom plus every story naming Nokia or Nokia Bell Labs"},
		{Title: "Nokian Tyres is not Nokia", Query: "tyres", Entity: "Nokia",
			Expect: "no hits: the Nordic markets wrap names Nokian Tyres, never Nokia (q=tyres alone finds it)"},
		{Title: "'artificial intelligence' is not Intel", Query: "intelligence", Entity: "Intel",
			Expect: "no hits: stories about artificial intelligence do not mention Intel"},
		{Title: "Intelsat is not Intel", Query: "intelsat", Entity: "Intel",
			Expect: "no hits (q=intelsat alone finds the direct-to-device trial, tagged Non-terrestrial networks)"},
		{Title: "3GPP2 is not 3GPP", Query: "CDMA", Entity: "3GPP",
			Expect: "no hits: the CDMA sunset story only mentions 3GPP2"},
		{Title: "Possessives count", Query: "inventory", Entity: "Ericsson",
			Expect: "the Ericsson's-quarter story, which only ever says \"Ericsson's\""},
		{Title: "Hyphenated compounds count", Query: "startup", Entity: "Qualcomm",
			Expect: "the Samsung Networks story, whose only mention is \"Qualcomm-backed\""},
		{Title: "Typographic apostrophes and windows-1252", Query: "capex", Entity: "Telefónica",
			Expect: "the analyst note on Telefónica’s capex, read from the windows-1252 feed"},
		{Title: "Aliases without accents", Query: "template", Entity: "Telefónica",
			Expect: "the slicing SLA template story, which spells it Telefonica"},
		{Title: "6GHz is not 6G", Query: "6GHz", Technology: "6G",
			Expect: "no hits: the upper 6GHz band story is about Wi-Fi spectrum"},
		{Title: "One story, two feeds", Query: "WRC-27",
			Expect: "one hit, though standards-weekly and vendor-tracker both carry it under the same link"},
		{Title: "One press release, two write-ups: one story", Query: "Xeon", Collapse: true,
			Expect: "one hit: the Ecosystem & Alliances release and Vendor Tracker's rewrite of it (other URL, title and trimming) share a story; the hit lists the other under also"},
		{Title: "utm_source does not make a new document", Query: "marketplace",
			Expect: "one hit, though analyst-notes links it with ?utm_source=analyst"},
		{Title: "robots.txt is obeyed", Query: "Kestrel",
			Expect: "no hits: only /site/private/roadmap.html mentions it and robots.txt disallows it"},
		{Title: "Scripts and sidebars are not content", Entity: "Huawei", Source: siteSource,
			Expect: "no hits: site pages carry Huawei only in a <script>"},
	}
}
