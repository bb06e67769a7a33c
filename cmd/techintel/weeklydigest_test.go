package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/engine"
	"github.com/techintel/techintel/index/digest"
)

// TestWeeklyDigestFilesAreTheAPIDigest: the scheduled job's files of the
// demo world are the digest GET /api/v1/digest answers for that week, in
// every format, alliance review and technology radar sections included
// (they used to be missing from the files).
func TestWeeklyDigestFilesAreTheAPIDigest(t *testing.T) {
	if testing.Short() {
		t.Skip("gathers the demo world")
	}
	configPath, _ := demoWorld(t, "127.0.0.1:0")
	g, srv, _ := gathered(t, configPath)
	cfg, err := LoadConfig(configPath)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	week := digest.LastCompleteWeek(now)
	engine.WeeklyDigestJob(context.Background(), g, nil, now, slog.New(slog.NewTextHandler(io.Discard, nil)))

	for ext, format := range map[string]string{"md": "markdown", "html": "html", "json": "json"} {
		file, err := os.ReadFile(filepath.Join(cfg.DataDir, "digests", week+"."+ext))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(srv.URL + "/api/v1/digest?week=" + week + "&format=" + format)
		if err != nil {
			t.Fatal(err)
		}
		answer, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET digest %s: %d %v", format, resp.StatusCode, err)
		}
		if format == "json" {
			// The file is indented for people, the answer is not: the
			// same digest all the same.
			var f, a any
			if err := json.Unmarshal(file, &f); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(answer, &a); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f, a) {
				t.Errorf("%s.json is not the API's digest:\nfile %s\napi  %s", week, file, answer)
			}
			fm := f.(map[string]any)
			if al, _ := fm["alliances"].([]any); len(al) == 0 {
				t.Errorf("%s.json has no alliance review", week)
			}
			if rd, _ := fm["radar"].([]any); len(rd) == 0 {
				t.Errorf("%s.json has no radar", week)
			}
			continue
		}
		if string(file) != string(answer) {
			t.Errorf("%s.%s is not the API's digest:\nfile:\n%s\napi:\n%s", week, ext, file, answer)
		}
		for _, want := range []string{"Alliance review", "Technology radar"} {
			if !strings.Contains(string(file), want) {
				t.Errorf("%s.%s lacks its %q section", week, ext, want)
			}
		}
	}
}
