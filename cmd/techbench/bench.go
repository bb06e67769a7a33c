package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/tag"
)

// config is one techbench run (the flags).
type config struct {
	bin                  string
	size, searches, subs int
	perFeed              int
	packages, texts      string
	dir, reuse           string
	keep, skipBare       bool
	crawlProfile         string // -crawl-profile: crawl's -cpuprofile
	// ingest is "crawl" (the whole techintel crawl process, the default)
	// or "direct" (index.Upsert in batches of batch documents, and the
	// bare index in batches of as many).
	ingest string
	batch  int
	// bareBatch, when set, is the bare index's batch size in a crawl run
	// (-bare-batch; by default one feed's documents, as the crawl gets
	// them).
	bareBatch int
	// sizes are the checkpoints of a direct run, ascending, the last
	// being size: both indexes grow to each in turn and are measured
	// there (-sizes).
	sizes []int
	// newestFirst writes the documents newest first (-newest-first).
	newestFirst bool
	// serveMemMB, when set, runs the measured serve in a memory cgroup
	// of that many MB (-serve-memory-limit).
	serveMemMB int
	// profile, when set, is a folder for serve's CPU and heap profiles
	// of the search mix (serve -cpuprofile, -memprofile).
	profile string
}

// report is what one run measured.
type report struct {
	Size      int     `json:"size"`
	Subs      int     `json:"subscriptions"`
	Corpus    string  `json:"corpus"`
	Searches  int     `json:"searches"`
	Ingest    string  `json:"ingest"`
	DirectSec float64 `json:"direct_ingest_seconds,omitempty"`
	CrawlSec  float64 `json:"crawl_seconds,omitempty"`
	BareSec   float64 `json:"bare_ingest_seconds,omitempty"`
	// GenSec is the time the harness spent making the documents (text
	// and tags) for one side, not counted in the ingest times above (the
	// crawl does that work in its feed server's process): up to 200,000
	// documents are made before the clocks start, more are made as the
	// ingest goes and their wall time taken out, though not their CPU
	// time (the direct ingest's figures at millions say so).
	GenSec     float64 `json:"document_generation_seconds,omitempty"`
	CrawlRSSMB float64 `json:"crawl_peak_rss_mb,omitempty"`
	// Alerts raised in the crawl, and the state store's file growth.
	Alerts int `json:"alerts"`
	// CPU seconds (user and system) of the crawl process and of the bare
	// ingest: less swayed than wall time by a busy machine.
	CrawlCPU    float64 `json:"crawl_cpu_seconds,omitempty"`
	BareCPU     float64 `json:"bare_cpu_seconds,omitempty"`
	StateGrowth int64   `json:"state_growth_bytes"`
	StartSec    float64 `json:"serve_start_to_first_search_seconds"`
	// SettleSec is how long serve and the harness then took to go idle
	// (merges of the segments a just-written index left) before the
	// searches were timed.
	SettleSec  float64 `json:"settle_seconds"`
	ServeRSSMB float64 `json:"serve_peak_rss_mb"`
	// ServeAnonMB is the most anonymous memory (RssAnon: the heap and
	// stacks, not the index's segment files the kernel maps and may
	// drop) serve held at any search of the mix.
	ServeAnonMB float64 `json:"serve_peak_anon_rss_mb"`
	API         latency `json:"api"`
	Bare        latency `json:"bare"`
	// The same, split: searches with a month or quarter filter, and
	// those without.
	APIFiltered    latency `json:"api_date_filtered"`
	APIUnfiltered  latency `json:"api_unfiltered"`
	BareFiltered   latency `json:"bare_date_filtered"`
	BareUnfiltered latency `json:"bare_unfiltered"`
	// Partitions is how many partitions the product's index has.
	Partitions int `json:"partitions"`
	// With -serve-memory-limit: the cgroup's limit and the most it
	// held (serve's pages and the page cache of what it read).
	ServeMemLimitMB int     `json:"serve_memory_limit_mb,omitempty"`
	CgroupPeakMB    float64 `json:"serve_cgroup_peak_mb,omitempty"`
	Order           string  `json:"order"`
	// InProcess is index.Search on serve's index opened by techbench
	// (serve stopped), InProcessBleve the request Search builds run on
	// all that index's partitions at once (ix.Bleve(), an IndexAlias),
	// and InProcessBare the same request on the bare index in the same
	// loop: the API's comparison without HTTP and a second process.
	InProcess      latency   `json:"in_process"`
	InProcessBleve latency   `json:"in_process_bleve"`
	InProcessBare  latency   `json:"in_process_bare"`
	IndexBytes     int64     `json:"index_bytes"`
	BareBytes      int64     `json:"bare_bytes"`
	Hits           [2]uint64 `json:"total_hits"` // summed totals, API and bare: the same documents match
	Dir            string    `json:"dir,omitempty"`
}

// latency is the distribution of one side's search times in ms.
type latency struct {
	P50, P90, P99, Max float64
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "techbench: %d documents (%s), %d subscriptions\n", r.Size, r.Corpus, r.Subs)
	if r.CrawlSec > 0 {
		fmt.Fprintf(w, "ingest: techintel crawl %.1f s (%.0f docs/s, peak RSS %.0f MB); bare bleve %.1f s (%.0f docs/s); ratio %.2fx\n",
			r.CrawlSec, float64(r.Size)/r.CrawlSec, r.CrawlRSSMB, r.BareSec, float64(r.Size)/r.BareSec, r.BareSec/r.CrawlSec)
	}
	if r.DirectSec > 0 {
		fmt.Fprintf(w, "ingest (direct: index.Upsert, not a crawl): %.1f s (%.0f docs/s); bare bleve %.1f s (%.0f docs/s); ratio %.2fx\n",
			r.DirectSec, float64(r.Size)/r.DirectSec, r.BareSec, float64(r.Size)/r.BareSec, r.BareSec/r.DirectSec)
	}
	r.printAlerts(w)
	fmt.Fprintf(w, "settled (serve and the harness idle, merges done) %.0f s after that\n", r.SettleSec)
	fmt.Fprintf(w, "serve: first search answered %.2f s after start; peak RSS %.0f MB (anonymous at most %.0f MB, the rest mapped index files); %d partitions (documents written %s)\n",
		r.StartSec, r.ServeRSSMB, r.ServeAnonMB, r.Partitions, r.Order)
	if r.ServeMemLimitMB > 0 {
		fmt.Fprintf(w, "serve ran in a memory cgroup of %d MB (page cache included); the cgroup's peak %.0f MB\n", r.ServeMemLimitMB, r.CgroupPeakMB)
	}
	fmt.Fprintf(w, "search (%d, limit=20, facets=entities): API p50 %.1f / p90 %.1f / p99 %.1f / max %.1f ms; bare bleve p50 %.1f / p90 %.1f / p99 %.1f / max %.1f ms; ratio p50 %.2fx, p99 %.2fx\n",
		r.Searches, r.API.P50, r.API.P90, r.API.P99, r.API.Max, r.Bare.P50, r.Bare.P90, r.Bare.P99, r.Bare.Max, r.API.P50/r.Bare.P50, r.API.P99/r.Bare.P99)
	for _, x := range []struct {
		name      string
		api, bare latency
	}{{"with a month or quarter filter", r.APIFiltered, r.BareFiltered}, {"without a date filter", r.APIUnfiltered, r.BareUnfiltered}} {
		fmt.Fprintf(w, "  %s: API p50 %.1f / p90 %.1f / p99 %.1f ms; bare bleve p50 %.1f / p90 %.1f / p99 %.1f ms; ratio p99 %.2fx\n",
			x.name, x.api.P50, x.api.P90, x.api.P99, x.bare.P50, x.bare.P90, x.bare.P99, x.api.P99/x.bare.P99)
	}
	fmt.Fprintf(w, "in process (serve stopped): index.Search p50 %.1f / p99 %.1f ms; its bleve request on all partitions (IndexAlias) p50 %.1f / p99 %.1f ms; on the bare index p50 %.1f / p99 %.1f ms; index.Search/bare p50 %.2fx, p99 %.2fx\n",
		r.InProcess.P50, r.InProcess.P99, r.InProcessBleve.P50, r.InProcessBleve.P99, r.InProcessBare.P50, r.InProcessBare.P99,
		r.InProcess.P50/r.InProcessBare.P50, r.InProcess.P99/r.InProcessBare.P99)
	fmt.Fprintf(w, "matches summed over the searches: API %d, bare %d\n", r.Hits[0], r.Hits[1])
	fmt.Fprintf(w, "disk: index %.0f MB (%.0f bytes/doc); bare bleve %.0f MB (%.0f bytes/doc); ratio %.2fx\n",
		float64(r.IndexBytes)/1e6, float64(r.IndexBytes)/float64(r.Size), float64(r.BareBytes)/1e6, float64(r.BareBytes)/float64(r.Size),
		float64(r.IndexBytes)/float64(r.BareBytes))
	if r.Dir != "" {
		fmt.Fprintf(w, "kept: %s\n", r.Dir)
	}
	b, _ := json.Marshal(r)
	fmt.Fprintf(w, "json: %s\n", b)
}

// bench runs cfg and prints the report of each checkpoint to out as it
// is measured (a long run's first figures survive a stop).
func bench(ctx context.Context, cfg config, out, log io.Writer) error {
	bin, err := filepath.Abs(cfg.bin)
	if err != nil {
		return err
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("-bin: %w (build it: go build -o techintel ./cmd/techintel)", err)
	}
	dir := cfg.reuse
	if dir == "" {
		dir = cfg.dir
		if dir == "" {
			if dir, err = os.MkdirTemp("", "techbench-"); err != nil {
				return err
			}
		} else if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	if !cfg.keep && cfg.reuse == "" {
		defer os.RemoveAll(dir)
	}
	c, err := newCorpus(ctx, cfg.packages, cfg.texts, cfg.size)
	if err != nil {
		return err
	}
	c.newestFirst = cfg.newestFirst
	if c.tagger, err = tag.New(watchList()); err != nil {
		return err
	}
	corpusName := fmt.Sprintf("%d Debian package descriptions, %d article sentences", len(c.pkgs), len(c.sentences))
	fmt.Fprintf(log, "techbench: %s in %s\n", corpusName, dir)
	newReport := func(size int) *report {
		rep := &report{Size: size, Subs: cfg.subs, Searches: cfg.searches, Ingest: cfg.ingest, Corpus: corpusName, Order: "oldest first"}
		if cfg.newestFirst {
			rep.Order = "newest first"
		}
		if cfg.keep || cfg.reuse != "" {
			rep.Dir = dir
		}
		return rep
	}

	feedLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	feedSrv := &http.Server{Handler: feedHandler(c, cfg.perFeed), ReadHeaderTimeout: time.Minute}
	go feedSrv.Serve(feedLn)
	defer feedSrv.Close()
	apiAddr, err := freeAddr()
	if err != nil {
		return err
	}
	conf := filepath.Join(dir, "techintel.toml")
	barePath := filepath.Join(dir, "bare.bleve")
	indexPath := filepath.Join(dir, "data", "index.bleve")

	// A direct run's serve has no sources: the documents did not come
	// from them, and serve would fetch every feed again at start.
	feeds := feedCount(cfg.size, cfg.perFeed)
	if cfg.ingest == "direct" {
		feeds = 0
	}
	// measure starts serve on the index of the first size documents and
	// runs the mix through it and the bare index, then in process.
	measure := func(rep *report) error {
		bare, err := bleve.Open(barePath)
		if err != nil {
			return fmt.Errorf("bare index: %w", err)
		}
		defer bare.Close()
		// serve gets the addresses of this run (the sources ran in the
		// crawl and are not due for days, so serve only searches).
		if err := writeConfig(conf, dir, apiAddr, feedLn.Addr().String(), feeds, cfg.perFeed); err != nil {
			return err
		}
		mixed := mix(c, cfg.searches+20, 1, rep.Size)
		if err := searchBoth(ctx, bin, conf, apiAddr, bare, mixed, rep, cfg.profile, cfg.serveMemMB, log); err != nil {
			return err
		}
		if err := searchInProcess(ctx, indexPath, bare, mixed, rep); err != nil {
			return err
		}
		rep.IndexBytes = du(indexPath)
		rep.BareBytes = du(barePath)
		return nil
	}

	if cfg.reuse == "" && cfg.ingest == "direct" {
		if err := writeConfig(conf, dir, apiAddr, "", 0, cfg.perFeed); err != nil {
			return err
		}
		// serve creates the data directory (the state store beside the
		// index: serve refuses an index without one as damaged) and
		// stops; the documents then go into the index it made.
		s, _, err := startServe(ctx, bin, conf, apiAddr)
		if err != nil {
			return err
		}
		if err := s.stop(); err != nil {
			return fmt.Errorf("techintel serve: %w\n%s", err, tail(s.out.String(), 2000))
		}
		from := 0
		for _, size := range cfg.sizes {
			rep := newReport(size)
			fmt.Fprintf(log, "techbench: direct ingest of documents %d to %d (index.Upsert, %d at a time)\n", from, size, cfg.batch)
			if rep.DirectSec, rep.GenSec, err = directIngest(ctx, indexPath, c, from, size, cfg.batch, cfg.perFeed, log); err != nil {
				return err
			}
			fmt.Fprintf(log, "techbench: direct ingest done in %.1f s; bare bleve ingest of documents %d to %d\n", rep.DirectSec, from, size)
			if rep.BareSec, rep.BareCPU, _, err = bareIngest(ctx, barePath, c, from, size, cfg.batch, cfg.perFeed); err != nil {
				return err
			}
			if err := measure(rep); err != nil {
				rep.print(out)
				return err
			}
			rep.print(out)
			from = size
		}
		return nil
	}
	rep := newReport(cfg.size)
	if cfg.reuse == "" && cfg.ingest == "crawl" {
		if cfg.subs > 0 {
			// Subscriptions go in through a serve without sources, so
			// that nothing is gathered before they exist.
			if err := writeConfig(conf, dir, apiAddr, "", 0, cfg.perFeed); err != nil {
				return err
			}
			if err := addSubscriptions(ctx, bin, conf, apiAddr, c, cfg.subs, log); err != nil {
				return err
			}
		}
		if err := writeConfig(conf, dir, apiAddr, feedLn.Addr().String(), feedCount(cfg.size, cfg.perFeed), cfg.perFeed); err != nil {
			return err
		}
		fmt.Fprintf(log, "techbench: techintel crawl of %d documents in %d feeds\n", cfg.size, feedCount(cfg.size, cfg.perFeed))
		stateBefore := stateSize(dir)
		start := time.Now()
		cmd := exec.CommandContext(ctx, bin, "crawl", "-config", conf)
		if cfg.crawlProfile != "" {
			cmd.Args = append(cmd.Args, "-cpuprofile", cfg.crawlProfile)
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("techintel crawl: %w\n%s", err, tail(out.String(), 2000))
		}
		rep.CrawlSec = time.Since(start).Seconds()
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rep.CrawlRSSMB = float64(ru.Maxrss) / 1024
		}
		rep.CrawlCPU = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
		fmt.Fprintf(log, "techbench: crawl done in %.1f s: %s\n", rep.CrawlSec, tail(out.String(), 300))
		rep.StateGrowth = stateSize(dir) - stateBefore
		if rep.Alerts, err = countAlerts(dir); err != nil {
			return fmt.Errorf("counting alerts: %w", err)
		}
	}
	if cfg.reuse == "" || !cfg.skipBare {
		os.RemoveAll(barePath)
		fmt.Fprintf(log, "techbench: bare bleve ingest of %d documents\n", cfg.size)
		perBatch := cfg.perFeed
		if cfg.ingest == "direct" {
			perBatch = cfg.batch
		}
		if cfg.bareBatch > 0 {
			perBatch = cfg.bareBatch
		}
		if rep.BareSec, rep.BareCPU, rep.GenSec, err = bareIngest(ctx, barePath, c, 0, cfg.size, perBatch, cfg.perFeed); err != nil {
			return err
		}
	}
	err = measure(rep)
	rep.print(out)
	return err
}

// writeConfig writes the techintel config of the run: one feed source per
// perFeed documents on the loopback feed server (none when feedAddr is
// empty), a small watch list and technologies that occur in the text, no
// rate limit, and schedules that do not run again within the run.
func writeConfig(path, dir, apiAddr, feedAddr string, feeds, perFeed int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "data_dir = %q\n\n[api]\nlisten = %q\nrate_limit = 0\nsearch_timeout = \"60s\"\n\n", filepath.Join(dir, "data"), apiAddr)
	b.WriteString("[http]\nallow_private_networks = true\nmax_runs_per_host = 8\ntimeout = \"5m\"\n\n")
	ents, techs := watchList()
	for _, e := range ents {
		fmt.Fprintf(&b, "[[watch]]\nname = %q\nrole = %q\n\n", e.Name, e.Role)
	}
	for _, t := range techs {
		fmt.Fprintf(&b, "[[technologies]]\nname = %q\n\n", t.Name)
	}
	for k := range feeds {
		fmt.Fprintf(&b, "[[sources]]\nname = \"debian-%d\"\ntype = \"feed\"\nurl = \"http://%s/feed/%d.xml\"\nschedule = \"@every 240h\"\n\n", k, feedAddr, k)
	}
	_ = perFeed
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// watchList is the run's watch list and technologies: names that occur
// in the text, one of each role.
func watchList() ([]tag.Entity, []tag.Technology) {
	var ents []tag.Entity
	for _, w := range []struct{ name, role string }{
		{"GNOME", "own"}, {"Python", "partner"}, {"KDE", "competitor"}, {"Mozilla", "competitor"},
		{"Apache", "customer"}, {"W3C", "standards"}, {"Perl", "other"},
	} {
		ents = append(ents, tag.Entity{Name: w.name, Role: w.role})
	}
	var techs []tag.Technology
	for _, t := range []string{"Rust", "Java", "OpenGL", "Qt"} {
		techs = append(techs, tag.Technology{Name: t})
	}
	return ents, techs
}

// freeAddr is a loopback address nothing listens on (now).
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// preGenerate is the most documents bareIngest makes before it starts
// its clock (about 7 KB each in memory); past it, it makes them as it
// goes and takes their making's wall time out.
const preGenerate = 200_000

// bareIngest indexes documents from to to of the corpus into a bleve
// index with techintel's mapping (new when from is 0, else the one at
// path), in batches of batch documents (perFeed for a crawl run: one per
// feed, as the crawl gets them). It returns the seconds and the CPU
// seconds (this process's, while it indexed) the indexing took, opening
// and closing included, and genSec, the seconds making the documents
// took. Up to preGenerate documents are made before the clocks start;
// more are made as it goes, their making's wall time taken out of sec
// but not out of cpuSec (CPU time cannot be told apart per goroutine:
// the report says so).
func bareIngest(ctx context.Context, path string, c *corpus, from, to, batch, perFeed int) (sec, cpuSec, genSec float64, err error) {
	fetched := time.Now().UTC()
	var made []index.Document
	var gen time.Duration // making the documents: not bleve's work
	if to-from <= preGenerate {
		t := time.Now()
		made = make([]index.Document, 0, to-from)
		for i := from; i < to; i++ {
			made = append(made, benchDoc(c, i, perFeed, fetched))
		}
		genSec = time.Since(t).Seconds()
	}
	start, cpu := time.Now(), selfCPU()
	var bi bleve.Index
	if from == 0 {
		bi, err = bleve.NewUsing(path, index.NewMapping(), scorch.Name, scorch.Name, nil)
	} else {
		bi, err = bleve.Open(path)
	}
	if err != nil {
		return 0, 0, 0, fmt.Errorf("bare index: %w", err)
	}
	b := bi.NewBatch()
	for i := from; i < to; i++ {
		if err := ctx.Err(); err != nil {
			bi.Close()
			return 0, 0, 0, err
		}
		var d index.Document
		if made != nil {
			d = made[i-from]
		} else {
			t := time.Now()
			d = benchDoc(c, i, perFeed, fetched)
			gen += time.Since(t)
		}
		if err := index.AddToBatch(b, &d); err != nil {
			bi.Close()
			return 0, 0, 0, err
		}
		if b.Size() >= batch || i == to-1 {
			if err := bi.Batch(b); err != nil {
				bi.Close()
				return 0, 0, 0, fmt.Errorf("bare index: %w", err)
			}
			b.Reset()
		}
	}
	if err := bi.Close(); err != nil {
		return 0, 0, 0, err
	}
	if made == nil {
		genSec = gen.Seconds()
	}
	return (time.Since(start) - gen).Seconds(), selfCPU() - cpu, genSec, nil
}

// du is the bytes of the files under path.
func du(path string) int64 {
	var n int64
	filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}

// percentiles fills a latency from durations.
func percentiles(d []time.Duration) latency {
	if len(d) == 0 {
		return latency{}
	}
	slices.Sort(d)
	at := func(p float64) float64 {
		return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds()) / 1000
	}
	return latency{P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: at(1)}
}
