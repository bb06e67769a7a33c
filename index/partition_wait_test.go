package index

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestSearchRunsDuringAnotherPartitionsWrite: while a bleve batch is being
// written to one partition (held open here), a search of another
// partition answers; a search that includes the written partition waits
// for the batch and sees its document.
func TestSearchRunsDuringAnotherPartitionsWrite(t *testing.T) {
	ctx := context.Background()
	var hold atomic.Bool
	entered := make(chan string, 1)
	release := make(chan struct{})
	o := monthly()
	o.beforeBatch = func(key string) {
		if hold.Load() {
			entered <- key
			<-release
		}
	}
	ix, _ := openDisk(t, o)
	if _, err := ix.Upsert(ctx, monthDocs(jan, 2, 3)); err != nil {
		t.Fatal(err)
	}
	// Generous: a deadline fails the test only when nothing happens.
	deadline := time.After(2 * time.Minute)
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()

	hold.Store(true)
	wrote := make(chan error, 1)
	go func() {
		_, err := ix.Upsert(ctx, datedDocs("feb", jan.AddDate(0, 1, 2)))
		wrote <- err
	}()
	select {
	case key := <-entered:
		if key != "2026-02" {
			t.Fatalf("the write went to %s, want 2026-02", key)
		}
	case <-deadline:
		t.Fatal("the write to February never began")
	}
	hold.Store(false)

	type answer struct {
		res *Result
		err error
	}
	search := func(q Query) chan answer {
		c := make(chan answer, 1)
		go func() {
			r, err := ix.Search(ctx, q)
			c <- answer{r, err}
		}()
		return c
	}
	select {
	case a := <-search(Query{Q: "radio", Since: jan.AddDate(0, 0, -14), Until: jan.AddDate(0, 0, 17)}):
		if a.err != nil || a.res.Total != 3 {
			t.Fatalf("January during February's write: %+v, %v", a.res, a.err)
		}
	case <-deadline:
		t.Fatal("a search of January waited for the write to February")
	}
	all := search(Query{Q: "sparrow"})
	released = true
	close(release)
	select {
	case a := <-all:
		if a.err != nil || a.res.Total != 1 {
			t.Fatalf("a search of every partition after the write: %+v, %v", a.res, a.err)
		}
	case <-deadline:
		t.Fatal("a search of every partition never answered")
	}
	select {
	case err := <-wrote:
		if err != nil {
			t.Fatal(err)
		}
	case <-deadline:
		t.Fatal("the write never ended")
	}
}
