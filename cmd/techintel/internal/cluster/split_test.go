package cluster

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/techintel/techintel/cmd/techintel/internal/gather"
	"github.com/techintel/techintel/index"
)

// A batch larger than a message is split into parts that each fit, in
// order, the state (pages, validators, Final) on the last part only.
func TestSplit(t *testing.T) {
	batch := func(n, body int) gather.Batch {
		b := gather.Batch{Source: "s", Final: true, Validators: &gather.Validators{ETag: `"e"`}, Fetched: n, Seen: n,
			Pages: map[string]*gather.PageState{"http://x/": {Hash: "h"}}}
		for i := range n {
			b.Documents = append(b.Documents, index.Document{ID: fmt.Sprint(i), URL: fmt.Sprintf("http://x/%d", i), Body: strings.Repeat("é", body)})
			b.ItemKeys = append(b.ItemKeys, fmt.Sprintf("k%d", i))
		}
		return b
	}
	for _, tc := range []struct {
		name        string
		batch       gather.Batch
		limit       int
		parts, cuts int
	}{
		{"fits", batch(3, 10), 64 << 10, 1, 0},
		{"empty", gather.Batch{Source: "s", Final: true}, 1024, 1, 0},
		{"many small", batch(100, 100), 4 << 10, 0, 0}, // parts: checked below, more than one
		{"one huge document", batch(2, 50_000), 16 << 10, 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parts, err := split(Result{JobID: "j", Seq: 3, Batch: tc.batch}, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if tc.parts > 0 && len(parts) != tc.parts {
				t.Fatalf("%d parts, want %d", len(parts), tc.parts)
			}
			if tc.parts == 0 && len(parts) < 2 {
				t.Fatalf("%d parts, want several", len(parts))
			}
			var ids, keys []string
			for i, p := range parts {
				data, _ := json.Marshal(p)
				if len(data) > tc.limit {
					t.Errorf("part %d: %d bytes, limit %d", i, len(data), tc.limit)
				}
				if p.Part != i || p.Seq != 3 || p.JobID != "j" {
					t.Errorf("part %d numbered %d, seq %d, job %q", i, p.Part, p.Seq, p.JobID)
				}
				last := i == len(parts)-1
				if p.Batch.Final != last || (!last && (p.Batch.Validators != nil || len(p.Batch.Pages) > 0)) {
					t.Errorf("part %d of %d: final %v, validators %v, pages %d: state belongs on the last part only",
						i, len(parts), p.Batch.Final, p.Batch.Validators, len(p.Batch.Pages))
				}
				for _, d := range p.Batch.Documents {
					ids = append(ids, d.ID)
				}
				keys = append(keys, p.Batch.ItemKeys...)
			}
			if len(ids) != len(tc.batch.Documents) || len(keys) != len(tc.batch.ItemKeys) {
				t.Fatalf("%d documents and %d keys in the parts, want %d", len(ids), len(keys), len(tc.batch.Documents))
			}
			for i := range ids {
				if ids[i] != tc.batch.Documents[i].ID || keys[i] != tc.batch.ItemKeys[i] {
					t.Fatalf("document %d is %s (key %s), want %s in order", i, ids[i], keys[i], tc.batch.Documents[i].ID)
				}
			}
			if n := len(parts[len(parts)-1].Batch.Errors); n != tc.cuts {
				t.Errorf("%d errors about cut bodies, want %d", n, tc.cuts)
			}
		})
	}
}

// FuzzSplit: whatever the documents and the limit, every part fits, the
// documents come out in order, and only the last part is final.
func FuzzSplit(f *testing.F) {
	f.Add("short", 3, 2048)
	f.Add(strings.Repeat("ü\x00\"<", 3000), 5, 4096)
	f.Add("", 0, 1024)
	f.Fuzz(func(t *testing.T, body string, n, limit int) {
		n, limit = n%50, 1024+abs(limit)%(64<<10)
		if n < 0 {
			n = -n
		}
		b := gather.Batch{Source: "s", Final: true, Validators: &gather.Validators{ETag: "e"}}
		for i := range n {
			b.Documents = append(b.Documents, index.Document{ID: fmt.Sprint(i), URL: fmt.Sprintf("http://x/%d", i), Body: body})
		}
		parts, err := split(Result{JobID: "j", Batch: b}, limit)
		if err != nil {
			return // a state too large for the limit is refused, not cut
		}
		var ids []string
		for i, p := range parts {
			data, _ := json.Marshal(p)
			if len(data) > limit {
				t.Fatalf("part %d: %d bytes over the limit %d", i, len(data), limit)
			}
			if p.Batch.Final != (i == len(parts)-1) {
				t.Fatalf("part %d of %d: final %v", i, len(parts), p.Batch.Final)
			}
			for _, d := range p.Batch.Documents {
				ids = append(ids, d.ID)
			}
		}
		if len(ids) != n {
			t.Fatalf("%d documents out of %d", len(ids), n)
		}
		for i, id := range ids {
			if id != fmt.Sprint(i) {
				t.Fatalf("document %d is %s", i, id)
			}
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
