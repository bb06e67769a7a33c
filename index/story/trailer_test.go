package story

import "testing"

func TestCutTrailer(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"about section", "Nokia wins. About Nokia: Nokia is a leader.", "Nokia wins. "},
		{"about heading on its own line", "Nokia wins.\n\nAbout Nokia\nNokia is a leader.", "Nokia wins.\n\n"},
		{"multi-word name", "Deal done.\nAbout Deutsche Telekom AG: We connect.", "Deal done.\n"},
		{"symbol name", "Deal done. About AT&T: We connect.", "Deal done. "},
		{"heading at the end", "Deal done. About Nokia", "Deal done. "},
		{"forward-looking statements", "Results up.\nForward-Looking Statements\nThis release…", "Results up.\n"},
		{"media contacts", "Results up.\n\nMedia contacts: press@example.com", "Results up.\n\n"},
		{"end marker", "Results up.\n###\nMore.", "Results up.\n"},
		{"first about wins", "Deal. About Nokia: A. About Bell Labs: B.", "Deal. "},
		{"about a number", "Deal done. About 300 engineers will work there.", "Deal done. About 300 engineers will work there."},
		{"about a possessive", "Deal done. About Nokia's plans: more later.", "Deal done. About Nokia's plans: more later."},
		{"about in a sentence", "He talked About Nokia: a lot.", "He talked About Nokia: a lot."},
		{"lower case", "Deal done. about nokia: a firm.", "Deal done. about nokia: a firm."},
		{"long phrase", "Deal done. About The Big Plan For Many New Radios Here: yes.", "Deal done. About The Big Plan For Many New Radios Here: yes."},
		{"nothing before it", "About Nokia: Nokia is a leader.", "About Nokia: Nokia is a leader."},
		{"media in a sentence", "Deal done. Media outlets reported it.", "Deal done. Media outlets reported it."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cutTrailer(tt.in); got != tt.want {
				t.Errorf("cutTrailer(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
