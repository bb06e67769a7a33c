package index

import "testing"

func TestPageKind(t *testing.T) {
	for u, want := range map[string]string{
		"https://a.example/":                        kindPage,
		"https://a.example":                         kindPage,
		"https://a.example/index.html":              kindPage,
		"https://a.example/about":                   kindPage,
		"https://a.example/site/about.html":         kindPage,
		"https://a.example/contact-us/":             kindPage,
		"https://a.example/news/":                   kindPage,
		"https://a.example/tag/5g":                  kindPage,
		"https://a.example/news/page/2":             kindPage,
		"https://a.example/news/2026/open-ran":      kindArticle,
		"https://a.example/blog/about-our-5g-trial": kindArticle,
		"https://a.example/press/nokia-wins.html":   kindArticle,
		"javascript:alert(7)":                       kindArticle,
		"%":                                         kindArticle,
	} {
		if got := pageKind(u); got != want {
			t.Errorf("pageKind(%q) = %q, want %q", u, got, want)
		}
	}
}
