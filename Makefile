# techintel developer targets. `make test` is what CI and the README run.
GO ?= go

.PHONY: test lint bench fuzz demo build

test:
	$(GO) test -race -count=1 ./...

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Benchmarks that report ratios against a baseline run in the same process.
bench:
	$(GO) test -run='^$$' -bench=. -benchtime=1x -timeout=30m ./...

# Every fuzz target of every package, each for FUZZTIME on its seed corpus.
FUZZTIME ?= 10s
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) ./scripts/fuzz.sh

build:
	$(GO) build -o techintel ./cmd/techintel

demo:
	$(GO) run ./cmd/techintel demo
