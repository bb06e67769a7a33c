package story

import (
	"strings"
	"testing"
)

// A press release and what syndication does to it. These texts are not in
// the evaluation set, so they check the thresholds on text they were not
// chosen on.
const (
	releaseTitle = "Ericsson and Swisscom complete first 5G standalone slicing trial for live TV"
	release      = "Ericsson and Swisscom have completed the first trial in Switzerland of a 5G standalone network slice " +
		"reserved for live television production, the companies said on Thursday. During an ice hockey match in " +
		"Zurich, camera crews sent ultra-high-definition video over the public network with guaranteed uplink of " +
		"100 megabits per second while thousands of fans used the same cells. Swisscom plans to sell the service " +
		"to broadcasters from the autumn, priced per event. Ericsson supplied the core network software and the " +
		"radio access network used in the trial."
	aboutEricsson = " About Ericsson: Ericsson enables communications service providers and enterprises to capture " +
		"the full value of connectivity. The company's portfolio spans the business areas Networks, Cloud Software " +
		"and Services, Enterprise Wireless Solutions, Global Communications Platform, and Technologies and New " +
		"Businesses. Ericsson is headquartered in Stockholm, Sweden."
)

func firstSentences(s string, n int) string {
	parts := strings.SplitAfter(s, ". ")
	return strings.TrimSpace(strings.Join(parts[:n], ""))
}

func TestSimilar(t *testing.T) {
	tests := []struct {
		name               string
		titleA, bodyA      string
		titleB, bodyB      string
		similar, identical bool
	}{
		{name: "same text", titleA: releaseTitle, bodyA: release, titleB: releaseTitle, bodyB: release,
			similar: true, identical: true},
		{name: "retitled", titleA: releaseTitle, bodyA: release,
			titleB: "Swisscom reserves a slice of 5G for TV crews", bodyB: release, similar: true, identical: true},
		{name: "case, accents, punctuation and white space", titleA: releaseTitle, bodyA: release,
			titleB:  strings.ToUpper(releaseTitle),
			bodyB:   strings.NewReplacer("Zurich", "Zürich", ",", "", " ", "\n  ", "Ericsson", "ERICSSON").Replace(release),
			similar: true, identical: true},
		{name: "trimmed to three sentences", titleA: releaseTitle, bodyA: release,
			titleB: "Swiss TV goes 5G slicing", bodyB: firstSentences(release, 3), similar: true},
		{name: "trimmed to the lead, as a feed summary", titleA: releaseTitle, bodyA: release,
			titleB: "Swisscom, Ericsson test 5G slice for broadcasters", bodyB: firstSentences(release, 1), similar: true},
		{name: "dateline and boilerplate", titleA: releaseTitle, bodyA: release,
			titleB: releaseTitle, bodyB: "STOCKHOLM, May 8, 2025 /Newswire/ -- " + release + aboutEricsson, similar: true},
		{name: "wire edit", titleA: releaseTitle, bodyA: release,
			titleB: "Swisscom tests network slice for live TV",
			bodyB: "Ericsson and Swisscom said Thursday they completed Switzerland's first trial of a 5G standalone " +
				"network slice reserved for live TV production. During an ice hockey game in Zurich, camera crews " +
				"sent ultra-high-definition video over the public network with a guaranteed uplink of 100 Mbps while " +
				"thousands of fans used the same cells. Swisscom plans to sell the service to broadcasters from the " +
				"fall, priced per event.",
			similar: true},
		{name: "another Ericsson 5G announcement", titleA: releaseTitle, bodyA: release,
			titleB: "Ericsson launches 5G standalone slicing software for operators",
			bodyB: "Ericsson has launched software that lets operators sell 5G standalone network slices to " +
				"enterprises, with automated ordering and guaranteed uplink for video. The company said three " +
				"operators in Europe will start commercial trials in the autumn. Ericsson supplied the software " +
				"as an upgrade to its dual-mode core network."},
		{name: "same boilerplate, other release", titleA: releaseTitle, bodyA: release + aboutEricsson,
			titleB: "Ericsson opens 6G research centre in Ottawa",
			bodyB: "Ericsson has opened a 6G research centre in Ottawa that will employ 300 engineers working on " +
				"radio interfaces, sensing and energy efficiency. The Canadian government contributed part of " +
				"the funding." + aboutEricsson},
		{name: "same topic, other operator", titleA: releaseTitle, bodyA: release,
			titleB: "Nokia and Elisa test 5G slice for live sport",
			bodyB: "Nokia and Elisa have tested a 5G standalone network slice for live sport production in " +
				"Helsinki, giving broadcast cameras guaranteed uplink during a football match. Elisa plans a " +
				"commercial service next year."},
		{name: "identical titles without body", titleA: "Nokia wins 5G deal in India", titleB: "Nokia wins 5G deal in India",
			similar: true, identical: true},
		{name: "different titles without body", titleA: "Nokia wins 5G deal in India", titleB: "Nokia wins 5G deal in Japan"},
		{name: "short body inside a long one", titleA: releaseTitle, bodyA: release,
			titleB: "Ice hockey", bodyB: "Ericsson supplied the core network software."},
		{name: "empty", titleA: "", bodyA: "", titleB: "", bodyB: ""},
		{name: "punctuation only", titleA: "!!!", bodyA: "...", titleB: "!!!", bodyB: "..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := Fingerprint(tt.titleA, tt.bodyA), Fingerprint(tt.titleB, tt.bodyB)
			j, c := Jaccard(a, b), Containment(a, b)
			if got := Similar(a, b); got != tt.similar {
				t.Errorf("Similar = %v, want %v (Jaccard %.3f, containment %.3f, shingles %d and %d)",
					got, tt.similar, j, c, a.Shingles, b.Shingles)
			}
			if Similar(b, a) != Similar(a, b) || Jaccard(b, a) != j || Containment(b, a) != c {
				t.Error("not symmetric")
			}
			if got := a == b && a.Shingles > 0; got != tt.identical {
				t.Errorf("identical signatures = %v, want %v", got, tt.identical)
			}
		})
	}
}

func TestFingerprintEmpty(t *testing.T) {
	var zero Signature
	for _, s := range []string{"", " \n ", "—", "'s"} {
		if sig := Fingerprint(s, s); sig.Shingles != 0 || sig != zero {
			t.Errorf("Fingerprint(%q) = %d shingles, want the zero Signature", s, sig.Shingles)
		}
	}
	if sig := Fingerprint("", "one"); sig.Shingles != 1 || !Similar(sig, sig) {
		t.Errorf("one word: %d shingles, similar to itself %v", sig.Shingles, Similar(sig, sig))
	}
}

func TestFingerprintTitleOnlyForShortBodies(t *testing.T) {
	long := Fingerprint("one title", release)
	if other := Fingerprint("a quite different title", release); other != long {
		t.Error("the title changed the signature of a long body")
	}
	short := Fingerprint("one title", "Nokia said so.")
	if other := Fingerprint("a quite different title", "Nokia said so."); other == short {
		t.Error("the title did not change the signature of a short body")
	}
}

// Short items that share a boilerplate tail but not their news are not one
// story: below MinShingles they must be near-copies as a whole.
func TestShortItemsWithSharedBoilerplate(t *testing.T) {
	tail := " Read more on our website. Follow us for more text."
	a := Fingerprint("Ericsson wins big deal", "Ericsson wins big deal."+tail)
	b := Fingerprint("Ericsson earlier news", "Ericsson earlier news."+tail)
	c := Fingerprint("Ericsson wins big deal", "Ericsson wins big deal."+tail)
	if Similar(a, b) {
		t.Errorf("different short news with one tail: similar (jaccard %.2f)", Jaccard(a, b))
	}
	if !Similar(a, c) {
		t.Errorf("the same short item twice: not similar (jaccard %.2f)", Jaccard(a, c))
	}
}
