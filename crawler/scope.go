package crawler

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// maxURLLength drops longer links: session-id and calendar traps tend to
// grow their URLs, and no page worth indexing needs 2,000 bytes to be
// named (the length most software has long been known to accept).
const maxURLLength = 2000

// scope decides which URLs a crawl may fetch: Config.AllowedDomains,
// Include, Exclude and maxURLLength, around the start page's host.
//
// colly's own AllowedDomains is not used: it compares host names only
// (ignoring ports, which matter on a test server or a staging site), has
// no subdomain wildcard, and is never asked about the redirects we follow
// ourselves.
type scope struct {
	host             string // canonical host[:port] of the start page, after its redirects
	allowed          []hostPattern
	include, exclude []*regexp.Regexp
}

func newScope(cfg Config, host string) (*scope, error) {
	s := &scope{host: host}
	for _, d := range cfg.AllowedDomains {
		p, err := parseHostPattern(d)
		if err != nil {
			return nil, fmt.Errorf("crawler: allowed_domains: %w", err)
		}
		s.allowed = append(s.allowed, p)
	}
	var err error
	if s.include, err = compilePatterns(cfg.Include); err != nil {
		return nil, fmt.Errorf("crawler: include: %w", err)
	}
	if s.exclude, err = compilePatterns(cfg.Exclude); err != nil {
		return nil, fmt.Errorf("crawler: exclude: %w", err)
	}
	return s, nil
}

// hostOK reports whether u's host is one the crawl may visit.
func (s *scope) hostOK(u *url.URL) bool {
	if u.Host == s.host {
		return true
	}
	for _, p := range s.allowed {
		if p.match(u) {
			return true
		}
	}
	return false
}

// check returns why the canonical URL link may not be fetched, or "".
func (s *scope) check(link string) string {
	if len(link) > maxURLLength {
		return fmt.Sprintf("URL longer than %d bytes", maxURLLength)
	}
	u, err := url.Parse(link)
	if err != nil {
		return "malformed URL"
	}
	if !s.hostOK(u) {
		return "another host"
	}
	for _, re := range s.exclude {
		if re.MatchString(link) {
			return "matches exclude " + re.String()
		}
	}
	if len(s.include) == 0 {
		return ""
	}
	for _, re := range s.include {
		if re.MatchString(link) {
			return ""
		}
	}
	return "matches no include pattern"
}

func compilePatterns(ss []string) ([]*regexp.Regexp, error) {
	res := make([]*regexp.Regexp, 0, len(ss))
	for _, s := range ss {
		re, err := regexp.Compile(s)
		if err != nil {
			return nil, err
		}
		res = append(res, re)
	}
	return res, nil
}

// hostPattern is one AllowedDomains entry.
type hostPattern struct {
	host     string // lower case, without "*." and port
	port     string // "" for the scheme's default
	wildcard bool   // "*.host": subdomains of host
}

func parseHostPattern(s string) (hostPattern, error) {
	raw := s
	s = strings.ToLower(strings.TrimSpace(s))
	var p hostPattern
	if rest, ok := strings.CutPrefix(s, "*."); ok {
		p.wildcard, s = true, rest
	}
	u, err := url.Parse("http://" + s)
	if s == "" || err != nil || u.Host != s || u.Hostname() == "" || strings.Contains(s, "*") {
		return hostPattern{}, fmt.Errorf("%q is not a host or *.domain", raw)
	}
	p.host, p.port = strings.TrimSuffix(u.Hostname(), "."), u.Port()
	return p, nil
}

func (p hostPattern) match(u *url.URL) bool {
	h := u.Hostname()
	if u.Port() != p.port {
		return false
	}
	if p.wildcard {
		return strings.HasSuffix(h, "."+p.host)
	}
	return h == p.host
}
