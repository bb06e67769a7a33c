package index_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/techintel/techintel/index"
)

func TestCanonicalURL(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"lower-cases scheme and host", "HTTPS://News.Example.COM/Path", "https://news.example.com/Path"},
		{"drops fragment", "https://e.com/a#section-2", "https://e.com/a"},
		{"drops utm parameters", "https://e.com/a?utm_source=x&utm_MEDIUM=y&id=3", "https://e.com/a?id=3"},
		{"keeps a bare key bare", "https://e.com/news/326649?rss", "https://e.com/news/326649?rss"},
		{"bare and empty keys", "https://e.com/a?utm_source=x&rss&b=&a=1", "https://e.com/a?a=1&b=&rss"},
		{"drops click ids", "https://e.com/a?fbclid=1&gclid=2", "https://e.com/a"},
		{"sorts parameters", "https://e.com/a?b=2&a=1", "https://e.com/a?a=1&b=2"},
		{"drops default https port", "https://e.com:443/a", "https://e.com/a"},
		{"drops default http port", "http://e.com:80/a", "http://e.com/a"},
		{"keeps other ports", "http://e.com:8080/a", "http://e.com:8080/a"},
		{"drops trailing dot of host", "https://e.com./a", "https://e.com/a"},
		{"empty path is slash", "https://e.com", "https://e.com/"},
		{"drops user info", "https://user:pw@e.com/a", "https://e.com/a"},
		{"drops empty query", "https://e.com/a?", "https://e.com/a"},
		{"keeps ipv6 literal", "http://[::1]:8080/a", "http://[::1]:8080/a"},
		{"trims space", "  https://e.com/a  ", "https://e.com/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := index.CanonicalURL(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("CanonicalURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCanonicalURLRejects(t *testing.T) {
	for _, in := range []string{"javascript:alert(1)", "mailto:a@b.c", "/relative/path", "ftp://e.com/a", "https://", "data:text/html,hi", "http://%zz/"} {
		if got, err := index.CanonicalURL(in); err == nil {
			t.Errorf("CanonicalURL(%q) = %q, want an error", in, got)
		}
	}
}

func TestResolveURL(t *testing.T) {
	base, _ := url.Parse("https://e.com/news/index.html")
	got, err := index.ResolveURL(base, "../about?utm_campaign=z#top")
	if err != nil || got != "https://e.com/about" {
		t.Errorf("ResolveURL = %q, %v", got, err)
	}
}

func FuzzCanonicalURL(f *testing.F) {
	for _, s := range []string{"https://e.com/a?b=1#c", "HTTP://E.COM.:80", "http://[::1]:80/x?utm_a=1", "https://e.com/%41%2F?q=%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := index.CanonicalURL(in)
		if err != nil {
			return
		}
		if !strings.HasPrefix(got, "http://") && !strings.HasPrefix(got, "https://") {
			t.Fatalf("CanonicalURL(%q) = %q: not http(s)", in, got)
		}
		if strings.Contains(got, "#") {
			t.Fatalf("CanonicalURL(%q) = %q: keeps a fragment", in, got)
		}
		// Canonicalisation is idempotent: the same page has one identity.
		again, err := index.CanonicalURL(got)
		if err != nil || again != got {
			t.Fatalf("CanonicalURL(%q) = %q, but CanonicalURL(%q) = %q, %v", in, got, got, again, err)
		}
	})
}
