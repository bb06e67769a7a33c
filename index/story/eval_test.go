package story

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// The evaluation set lives with the tagger's: the same labelled items, whose
// story labels group the copies of one press release.
const evalPath = "../tag/testdata/eval/eval.json"

type evalItem struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Body  string `json:"body"`
	Story string `json:"story"` // empty: a story of its own
}

func loadItems(tb testing.TB) []evalItem {
	tb.Helper()
	b, err := os.ReadFile(evalPath)
	if err != nil {
		tb.Fatal(err)
	}
	var set struct {
		Items []evalItem `json:"items"`
	}
	if err := json.Unmarshal(b, &set); err != nil {
		tb.Fatalf("%s: %v", evalPath, err)
	}
	for i := range set.Items {
		if set.Items[i].Story == "" {
			set.Items[i].Story = set.Items[i].ID
		}
	}
	return set.Items
}

// TestStoryEvaluation clusters the evaluation items in file order, an hour
// apart, and scores the pairs: a pair is positive when the gold labels put
// both items in one story. It fails below 0.95 precision or 0.90 recall.
func TestStoryEvaluation(t *testing.T) {
	items := loadItems(t)
	c := NewClusterer()
	start := time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC)
	got := make([]string, len(items))
	for i, it := range items {
		got[i] = c.Add(it.ID, Fingerprint(it.Title, it.Body), start.Add(time.Duration(i)*time.Hour))
	}
	var tp, fp, fn int
	var errs []string
	for i := range items {
		for j := i + 1; j < len(items); j++ {
			gold, pred := items[i].Story == items[j].Story, got[i] == got[j]
			switch {
			case gold && pred:
				tp++
			case pred:
				fp++
				errs = append(errs, fmt.Sprintf("FP %s %s", items[i].ID, items[j].ID))
			case gold:
				fn++
				errs = append(errs, fmt.Sprintf("FN %s %s", items[i].ID, items[j].ID))
			}
		}
	}
	precision, recall := 1.0, 1.0
	if tp+fp > 0 {
		precision = float64(tp) / float64(tp+fp)
	}
	if tp+fn > 0 {
		recall = float64(tp) / float64(tp+fn)
	}
	stories := slices.Compact(slices.Sorted(slices.Values(got)))
	t.Logf("%d items, %d stories found; pairs: TP %d FP %d FN %d; precision %.3f, recall %.3f%s",
		len(items), len(stories), tp, fp, fn, precision, recall, strings.Join(append([]string{""}, errs...), "\n  "))
	if precision < 0.95 || recall < 0.90 {
		t.Errorf("precision %.3f, recall %.3f; want at least 0.95 and 0.90", precision, recall)
	}
}
