// Package tag tags documents with the four intelligence components, the
// watched entities and the technologies they mention, and records evidence
// for every tag. It is pure (no I/O); a Tagger is immutable once New has
// built it and safe for concurrent use.
//
// # Components
//
// A document gets a component when it mentions a watched entity whose role
// maps to it (see ComponentForRole), or when its source's configuration lists
// the component. Technologies give no component.
//
// # Matching
//
// Title and body are split once into tokens, each a run of letters and
// digits normalised to lower case with accents folded (NFKD, nonspacing marks
// dropped, ø→o, ß→ss, …), so "Telefonica" finds "Telefónica" and the other way
// round. Every name and alias is split the same way and stored in one trie
// over token sequences, so a document is matched against thousands of names
// in a single pass. The rules that follow from this:
//
//   - Names match whole tokens only: "Intel" does not match "intelligence",
//     "Nokia" not "Nokian", "3GPP" not "3GPP2", "Arm" not "alarm" or "army",
//     and "5G" not "5GHz" (one token) but does match "5G-Advanced".
//   - Hyphens separate tokens, so "Qualcomm-backed" and "Ericsson-led" are
//     mentions of Qualcomm and Ericsson.
//   - A possessive 's or ’s is not part of the token: "Intel's" and
//     "Intel’s" mention Intel, and the evidence quotes "Intel". A plural
//     possessive ("Siemens'") needs no rule: the apostrophe separates.
//   - '&' between letters or digits is part of the token ("AT&T", "R&D");
//     a '&' between spaces is a token itself ("Procter & Gamble"). '.' between
//     digits is part of the token, so "802.11" is one token and does not match
//     "802.11ax". An apostrophe before a letter other than a possessive s is
//     kept ("O'Reilly").
//   - The words of a multi-word name may be separated by any run of white
//     space (line breaks included) and hyphens, in the name and in the text
//     alike: "Open RAN" matches "open-RAN", and "O-RAN" matches "O RAN".
//     Any other punctuation between them breaks the phrase ("open. RAN").
//   - Matching ignores case unless the entry is CaseSensitive; then only
//     mentions with the exact case of its name or alias count (accents are
//     still folded), so "arm" in "robotic arm" does not tag Arm.
//   - At each position the longest name wins and its tokens are not matched
//     again, separately for entities and technologies: with "Nokia" aliased
//     "Nokia Bell Labs" and an entity "Bell Labs", "Nokia Bell Labs" tags only
//     Nokia; a technology "O-RAN" is still found inside "O-RAN Alliance".
//   - When one phrase is a name or alias of several entries, all are tagged.
//
// Names made only of symbols ("C++" becomes "c", "++" nothing) cannot be
// matched as written; New rejects names and aliases with no token at all.
//
// # Evidence
//
// There is one Evidence per entry and field ("title", "body") quoting the
// first matching text exactly as it appears in the document, and one per
// source component with Field "source", Matched the source name and Entity
// empty. Evidence is sorted by name, component (canonical order) and field.
package tag
