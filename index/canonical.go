package index

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
)

// trackingParams are query parameters that identify a campaign, not a page.
// Any parameter starting with "utm_" is dropped as well.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "msclkid": true, "mc_cid": true,
	"mc_eid": true, "_hsenc": true, "_hsmi": true, "igshid": true, "yclid": true,
}

// CanonicalURL normalises an absolute http(s) URL so that the same page
// reached by different links gets one identity: scheme and host lower-cased,
// trailing dot of the host and default ports removed, an empty path made "/",
// the fragment and tracking parameters (utm_*, fbclid, gclid, ...) dropped,
// and the remaining query parameters sorted (a key written bare, "?rss",
// stays bare).
func CanonicalURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("index: canonical url %q: %w", raw, err)
	}
	return canonical(u)
}

// ResolveURL resolves ref against base and canonicalises the result.
func ResolveURL(base *url.URL, ref string) (string, error) {
	r, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return "", fmt.Errorf("index: canonical url %q: %w", ref, err)
	}
	if base != nil {
		r = base.ResolveReference(r)
	}
	return canonical(r)
}

var errNotHTTP = errors.New("not an absolute http(s) URL")

func canonical(u *url.URL) (string, error) {
	u.Scheme = strings.ToLower(u.Scheme)
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("index: canonical url %q: %w", u.String(), errNotHTTP)
	}
	host := strings.ToLower(u.Hostname())
	// "example.com." and "example.com.." name the same host: drop every
	// trailing dot, so that canonicalising twice changes nothing.
	host = strings.TrimRight(host, ".")
	if host == "" {
		return "", fmt.Errorf("index: canonical url %q: empty host", u.String())
	}
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6 literal
	}
	u.Host = host
	u.User = nil
	u.Fragment = ""
	u.RawFragment = ""
	if u.Path == "" {
		u.Path = "/"
		u.RawPath = ""
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			// Keep a query we cannot parse as it is: it still names the page.
			return u.String(), nil
		}
		for k := range q {
			lk := strings.ToLower(k)
			if strings.HasPrefix(lk, "utm_") || trackingParams[lk] {
				delete(q, k)
			}
		}
		u.RawQuery = encodeSorted(q, bareKeys(u.RawQuery))
	}
	u.ForceQuery = false
	return u.String(), nil
}

// bareKeys returns the query keys written without "=" ("?rss"): some
// servers answer "?rss" and "?rss=" differently, so they stay bare.
func bareKeys(raw string) map[string]bool {
	var bare map[string]bool
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" || strings.Contains(pair, "=") {
			continue
		}
		if k, err := url.QueryUnescape(pair); err == nil {
			if bare == nil {
				bare = make(map[string]bool)
			}
			bare[k] = true
		}
	}
	return bare
}

func encodeSorted(q url.Values, bare map[string]bool) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k))
			if v == "" && bare[k] {
				continue
			}
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(v))
		}
	}
	return b.String()
}
