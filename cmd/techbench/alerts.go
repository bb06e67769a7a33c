package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/techintel/techintel/index/store"
)

// stateSize is the size of the state store's file in dir's data
// directory, 0 if there is none yet.
func stateSize(dir string) int64 {
	fi, err := os.Stat(filepath.Join(dir, "data", "state.db"))
	if err != nil {
		return 0
	}
	return fi.Size()
}

// countAlerts counts the alerts in the state store of dir's data
// directory (no techintel process may hold it).
func countAlerts(dir string) (int, error) {
	st, err := store.Open(filepath.Join(dir, "data", "state.db"))
	if err != nil {
		return 0, err
	}
	defer st.Close()
	n, after := 0, ""
	for {
		page, next, err := st.Alerts("", after, 10000)
		if err != nil {
			return n, err
		}
		if len(page) == 0 {
			return n, nil
		}
		n += len(page)
		after = next
	}
}

// printAlerts reports the state store's growth over the crawl per alert.
func (r *report) printAlerts(w io.Writer) {
	if r.CrawlSec == 0 {
		return
	}
	if r.BareCPU > 0 {
		fmt.Fprintf(w, "ingest CPU: techintel crawl %.1f s, bare bleve %.1f s (the harness's process while it indexed); ratio %.2fx\n",
			r.CrawlCPU, r.BareCPU, r.BareCPU/r.CrawlCPU)
	}
	per := "no alerts"
	if r.Alerts > 0 {
		// The crawl's other state (item identities, story signatures,
		// validators) grows the file too: subtract a run with -subs 0
		// for the alerts' share.
		per = fmt.Sprintf("%.0f bytes of file growth per alert, the crawl's other state included", float64(r.StateGrowth)/float64(r.Alerts))
	}
	fmt.Fprintf(w, "state store: %d alerts, the file grew %.1f MB over the crawl (%s)\n", r.Alerts, float64(r.StateGrowth)/1e6, per)
}

// selfCPU is this process's CPU seconds so far, user and system.
func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
