# techintel developer targets. `make test` is what CI and the README run.
GO ?= go

.PHONY: test test-long lint bench bench-cluster bench-scale fuzz demo build

# The README's test command: every package under the race detector, with a
# short version of each long test. Under 2 minutes on a 2-core machine.
test:
	$(GO) test -race -count=1 ./...

# The long tests (TECHINTEL_LONG_TESTS=1): the SIGKILL loop, the browser
# test (TECHINTEL_BROWSER_TESTS=1 makes a missing chromium a failure), the
# load test and the cluster of real processes (a nats-server binary from
# TECHINTEL_NATS_SERVER or PATH, which .ci/run builds) under the race
# detector, then the 5,000-feed refresh
# without it (the race build checks the concurrency, the plain build the
# scale).
LONG_TESTS = TestSIGKILLDuringIngest|TestBrowser|TestLoadWhileIndexing|TestClusterProcesses
test-long:
	TECHINTEL_LONG_TESTS=1 $(GO) test -race -count=1 -timeout=20m -run='^($(LONG_TESTS))$$' ./cmd/...
	TECHINTEL_LONG_TESTS=1 $(GO) test -count=1 -timeout=20m -run='^TestRefresh5000Feeds$$' ./cmd/techintel/

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Benchmarks that report ratios against a baseline run in the same process.
bench:
	$(GO) test -run='^$$' -bench=. -benchtime=1x -timeout=30m ./...

# Ingest beside bare bleve (parse, tag and upsert INGEST_DOCS documents
# against bleve batches of the same documents with the same mapping), and
# the story clusterer's restore at the first write: from the index (the
# old way, the baseline) against from the kept signatures, at
# STORY_DOCS documents in the window, and from a store of 100,000.
INGEST_DOCS ?= 20000
STORY_DOCS ?= 5000
.PHONY: bench-ingest
bench-ingest:
	TECHINTEL_BENCH_DOCS=$(INGEST_DOCS) $(GO) test -run='^$$' -bench='^BenchmarkIngestAndSearch$$' -benchtime=1x -timeout=30m ./cmd/techintel/
	TECHINTEL_BENCH_STORY_DOCS=$(STORY_DOCS) $(GO) test -run='^$$' -bench='^BenchmarkStoryRestore' -benchtime=1x -timeout=30m ./index/

# The API's own cost per search (README "The API's own cost per search"):
# serve's server on loopback beside index.Search on the same index and a
# bare net/http server sending the same answers.
.PHONY: bench-api
bench-api:
	$(GO) test -run='^$$' -bench='^BenchmarkAPISearch$$' -benchtime=2000x -timeout=30m ./cmd/techintel/

# Search and ingest at scale against bare bleve on the same documents
# (cmd/techbench; README "Performance"): SIZE documents generated from
# Debian's package descriptions, plus article sentences from TEXTS (a
# folder of expected.html files) when given; SUBS subscriptions saved
# first. Needs about 9 KB of disk per document, deleted afterwards.
SIZE ?= 20000
SEARCHES ?= 200
SUBS ?= 0
TEXTS ?=
bench-scale: build
	$(GO) run ./cmd/techbench -bin ./techintel -size $(SIZE) -searches $(SEARCHES) -subs $(SUBS) $(if $(TEXTS),-texts $(TEXTS))

# The cluster's figures (README, "Running on several machines"): a refresh
# round of 2,000 feeds on slow loopback servers with 1, 2 and 4 workers
# beside one process, then the queue's overhead on a CPU-bound ingest.
bench-cluster:
	$(GO) test -run='^$$' -bench='^BenchmarkRefreshRound$$' -benchtime=1x -timeout=60m ./cmd/techintel/
	$(GO) test -run='^$$' -bench='^BenchmarkQueueOverhead$$' -benchtime=1x -timeout=60m ./cmd/techintel/internal/cluster/

# Every fuzz target of every package, each for FUZZTIME on its seed corpus.
FUZZTIME ?= 10s
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) ./scripts/fuzz.sh

build:
	$(GO) build -o techintel ./cmd/techintel

demo:
	$(GO) run ./cmd/techintel demo
