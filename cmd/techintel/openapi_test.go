package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/api/web"
)

// TestOpenAPI validates real answers of every endpoint, over the demo
// world gathered through the real pipeline, against api/openapi.json: the
// request must be one the description allows, and the answer (status,
// content type, body) one it describes. Every operation of the
// description must be exercised, so that neither side can drift.
func TestOpenAPI(t *testing.T) {
	ctx := context.Background()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("openapi.json is not a valid description: %v", err)
	}
	// The feed and the digest's other formats are text to the schema;
	// kin-openapi decodes JSON bodies only unless told.
	asText := func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(body)
		return string(b), err
	}
	for _, ct := range []string{"application/atom+xml", "text/markdown", "text/html"} {
		openapi3filter.RegisterBodyDecoder(ct, asText)
		defer openapi3filter.UnregisterBodyDecoder(ct)
	}
	configPath, _ := demoWorld(t, "127.0.0.1:0")
	g, _, _ := gathered(t, configPath)
	cfg, err := LoadConfig(configPath)
	if err != nil {
		t.Fatal(err)
	}
	h := apiHandlerFor(g, cfg.API, nil) // with backups, as serve runs it
	apiServer, ok := h.(*api.Server)
	if !ok {
		t.Fatalf("apiHandlerFor gave a %T, not the *api.Server whose routes the description must cover", h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	doc.Servers = openapi3.Servers{{URL: srv.URL}} // the description's "/" is wherever it is served
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}

	covered := map[string]bool{} // "GET /api/v1/search"
	call := func(method, path string, body any, want int) []byte {
		t.Helper()
		var rd io.Reader
		var raw []byte
		if body != nil {
			raw, _ = json.Marshal(body)
			rd = bytes.NewReader(raw)
		}
		req, err := http.NewRequest(method, srv.URL+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		if method == "POST" { // the API refuses a POST that is not JSON, body or not
			req.Header.Set("Content-Type", "application/json")
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatalf("%s %s: not in openapi.json: %v", method, path, err)
		}
		covered[method+" "+route.Path] = true
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}}
		// The description must allow the request, except for the bad
		// requests sent on purpose.
		if want < 400 {
			if body != nil {
				req.Body = io.NopCloser(bytes.NewReader(raw))
			}
			if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
				t.Errorf("%s %s: request not allowed by openapi.json: %v", method, path, err)
			}
			if body != nil {
				req.Body = io.NopCloser(bytes.NewReader(raw))
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
		}
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode,
			Header: resp.Header, Body: io.NopCloser(bytes.NewReader(b)), Options: in.Options}
		if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
			t.Errorf("%s %s: answer does not match openapi.json: %v\n%.600s", method, path, err, b)
		}
		return b
	}

	call("GET", "/healthz", nil, 200)
	call("GET", "/api/v1/openapi.json", nil, 200)
	var sr struct {
		Hits []struct{ ID string } `json:"hits"`
	}
	json.Unmarshal(call("GET", "/api/v1/search", nil, 200), &sr)
	if len(sr.Hits) == 0 {
		t.Fatal("the demo world gave no documents")
	}
	call("GET", "/api/v1/search?q="+url.QueryEscape(`"open ran" OR entity:nokia published:>=2020-01-01`)+"&facets=entities,sources&sort=recency&limit=5", nil, 200)
	call("GET", "/api/v1/search?q=slicing&collapse=story&sort=date&component=own&facets=none", nil, 200)
	call("GET", "/api/v1/search?q="+url.QueryEscape("(open ran"), nil, 400)
	call("GET", "/api/v1/documents/"+sr.Hits[0].ID, nil, 200)
	call("GET", "/api/v1/documents/nope", nil, 404)
	var sources struct {
		Sources []struct{ Name string } `json:"sources"`
	}
	json.Unmarshal(call("GET", "/api/v1/sources", nil, 200), &sources)
	call("POST", "/api/v1/sources/"+url.PathEscape(sources.Sources[0].Name)+"/run", nil, 200)
	call("POST", "/api/v1/sources/nope/run", nil, 404)

	sub := api.SubscriptionRequest{Name: "open ran", Query: `"open ran" OR entity:DT`, Components: []string{"own"}, Backfill: true}
	call("POST", "/api/v1/subscriptions/preview", sub, 200)
	var created struct{ ID string }
	json.Unmarshal(call("POST", "/api/v1/subscriptions", sub, 201), &created)
	call("POST", "/api/v1/subscriptions", api.SubscriptionRequest{Name: "bad", Query: "a NEAR b"}, 400)
	call("GET", "/api/v1/subscriptions", nil, 200)
	call("GET", "/api/v1/subscriptions/"+created.ID, nil, 200)
	call("GET", "/api/v1/subscriptions/nope", nil, 404)
	call("GET", "/api/v1/subscriptions/"+created.ID+"/feed.atom", nil, 200)
	call("GET", "/api/v1/alerts?subscription="+created.ID+"&limit=2", nil, 200)
	call("GET", "/api/v1/alerts?limit=0", nil, 400)

	var ents struct {
		Entities []struct{ Name string } `json:"entities"`
	}
	json.Unmarshal(call("GET", "/api/v1/entities", nil, 200), &ents)
	call("GET", "/api/v1/entities/"+url.PathEscape(ents.Entities[0].Name)+"/timeline?weeks=4", nil, 200)
	call("GET", "/api/v1/entities/nope/timeline", nil, 404)
	call("GET", "/api/v1/matrix", nil, 200)
	call("GET", "/api/v1/digest", nil, 200)
	call("GET", "/api/v1/digest?format=markdown", nil, 200)
	call("GET", "/api/v1/digest?week=soon", nil, 400)
	call("POST", "/api/v1/admin/backup", map[string]string{"dir": "openapi-test"}, 200) // under backup_dir, beside the test's data directory
	call("DELETE", "/api/v1/subscriptions/"+created.ID, nil, 204)

	var alliances struct {
		Partners []struct{ Name string } `json:"partners"`
	}
	json.Unmarshal(call("GET", "/api/v1/alliances", nil, 200), &alliances)
	if len(alliances.Partners) == 0 {
		t.Fatal("the demo world has no partner to review")
	}
	partner := "/api/v1/alliances/" + url.PathEscape(alliances.Partners[0].Name)
	call("GET", "/api/v1/alliances?week=1", nil, 400)
	call("GET", partner, nil, 200)
	call("GET", partner+"?format=markdown", nil, 200)
	call("GET", partner+"?format=html", nil, 200)
	call("GET", partner+"?format=pdf", nil, 400)
	call("GET", "/api/v1/alliances/nope", nil, 404)
	call("POST", partner+"/reviewed", nil, 200)
	call("POST", "/api/v1/alliances/nope/reviewed", nil, 404)
	// Once reviewed, the partner's review has a date (not null).
	call("GET", "/api/v1/alliances", nil, 200)
	var radar struct {
		Technologies []struct{ Technology string } `json:"technologies"`
	}
	json.Unmarshal(call("GET", "/api/v1/radar", nil, 200), &radar)
	if len(radar.Technologies) == 0 {
		t.Fatal("the demo world's radar has no technology")
	}
	call("GET", "/api/v1/radar?q=x", nil, 400)
	// The digest again, now that a partner has been reviewed: its
	// alliance and radar sections must match their schemas too.
	var dg struct {
		Alliances []json.RawMessage `json:"alliances"`
		Radar     []json.RawMessage `json:"radar"`
	}
	json.Unmarshal(call("GET", "/api/v1/digest", nil, 200), &dg)
	if len(dg.Alliances) == 0 || len(dg.Radar) == 0 {
		t.Errorf("the demo digest has %d alliance and %d radar lines; the test needs some of each", len(dg.Alliances), len(dg.Radar))
	}

	// Every route the server registers must be described, so that a new
	// endpoint cannot be left out (/metrics is served outside this mux).
	for _, r := range apiServer.Routes() {
		method, path, _ := strings.Cut(r, " ")
		item := doc.Paths.Find(path)
		if item == nil || item.GetOperation(method) == nil {
			t.Errorf("%s is registered by the API but not described in openapi.json", r)
		}
	}
	for p, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !covered[strings.ToUpper(method)+" "+p] {
				t.Errorf("%s %s is described but not exercised", method, p)
			}
		}
	}
}

// TestSearchHelpExamples: every example of the Search help page finds
// something in the demo world, through the API as the page's links do.
func TestSearchHelpExamples(t *testing.T) {
	configPath, _ := demoWorld(t, "127.0.0.1:0")
	_, srv, _ := gathered(t, configPath)
	for _, e := range web.HelpExamples() {
		var res struct {
			Total int    `json:"total"`
			Error string `json:"error"`
		}
		if status := getJSON(t, srv.URL+"/api/v1/search?"+url.Values{"q": {e.Q}}.Encode(), &res); status != 200 || res.Total == 0 {
			t.Errorf("%s: status %d, %d hits %s", e.Q, status, res.Total, res.Error)
		}
	}
}
