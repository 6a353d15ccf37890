# Causeway: build, test and tooling. `make help` lists the targets; every
# target documented with a `## ` comment shows up there.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.PHONY: help build test faults reliability-report sim fuzz bench lint clean services services-stop

GO      ?= go
BIN     := bin/causeway
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

# Test tiers gated by build tags. `make test` (what CI runs) turns on every
# tier that fits the CI budget; add a tier's tag here when you add the tier.
TEST_TAGS    ?= integration
TEST_TIMEOUT ?= 30m
# Packages also run under the race detector: the concurrent core. Patterns
# whose directory does not exist yet are reported and left out.
RACE_PKGS ?= ./node ./node/localnet/... ./node/p2p/... ./node/mempool/... ./relay/... ./settlement/queue/... ./settlement/store/... ./settlement/gateway/...

SEEDS          ?= 1000  # make sim: consensus simulation seeds
FUZZTIME       ?= 30s   # make fuzz: time per Fuzz target
BENCH_TIME     ?= 100x  # make bench: iterations per Go benchmark
BENCH_DURATION ?= 10s   # make bench: length of the chain benchmark
BENCH_POSTGRES ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable  # make bench: the separate-process run's store
BENCH_REDIS    ?= redis://127.0.0.1:6379/0                                 # make bench: and its queue
SCENARIO       ?=       # make faults: one scenario of TestFaults (e.g. split_chain); all when empty
SEED           ?= 0     # make faults: the fault seed to replay; 0 draws one (logged)
REPORT_DIR     ?= dist/reliability  # make reliability-report: where the report goes

# staticcheck 2026.2.2; its go.mod asks for go 1.26.0, so it builds with the
# pinned go 1.26.8. Fetched through the Go module proxy by `go run`.
STATICCHECK_VERSION := v0.8.2

tags_flag = $(if $(strip $(TEST_TAGS)),-tags '$(strip $(TEST_TAGS))')

help: ## List the targets
	@echo "Targets (variables in CAPS can be overridden: make fuzz FUZZTIME=1m):"
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-14s %s\n", $$1, $$2}'

build: ## Build bin/causeway
	$(GO) build -ldflags '-X main.version=$(VERSION)' -o $(BIN) ./cmd/causeway

test: ## What CI runs: ensure Postgres+Redis, go vet, every test tier (TEST_TAGS), then the race tier (RACE_PKGS)
	@env_file=$$(mktemp); trap 'rm -f "$$env_file"' EXIT; \
	bash deploy/scripts/test-services.sh "$$env_file"; \
	set -a; source "$$env_file"; set +a; \
	echo "==> go vet $(tags_flag) ./..."; \
	$(GO) vet $(tags_flag) ./...; \
	echo "==> go test -count=1 -timeout $(TEST_TIMEOUT) $(tags_flag) ./..."; \
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(tags_flag) ./...; \
	race_pkgs=""; \
	for p in $(RACE_PKGS); do \
		if [[ -d $${p%/...} ]]; then race_pkgs+=" $$p"; \
		else echo "==> race tier: leaving out $$p (no such directory yet)"; fi; \
	done; \
	if [[ -n $$race_pkgs ]]; then \
		echo "==> go test -race -count=1 $(tags_flag)$$race_pkgs"; \
		$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) $(tags_flag) $$race_pkgs; \
	fi

# The fault suite (also part of `make test`): separate processes on loopback
# under load, perturbed one scenario at a time; see TestFaults.
faults_run = env_file=$$(mktemp); trap 'rm -f "$$env_file"' EXIT; \
	bash deploy/scripts/test-services.sh "$$env_file"; \
	set -a; source "$$env_file"; set +a; \
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) -tags integration -v -run '^TestFaults$$$(if $(strip $(SCENARIO)),/^$(strip $(SCENARIO))$$)' \
		./cmd/causeway -args -faults.seed=$(strip $(SEED))

faults: ## The fault suite: make faults [SCENARIO=split_chain] [SEED=42]
	@$(faults_run)

reliability-report: ## Run the fault suite and write REPORT_DIR/reliability.{md,json}
	@mkdir -p $(strip $(REPORT_DIR)); export CAUSEWAY_RELIABILITY_DIR=$$(cd $(strip $(REPORT_DIR)) && pwd); \
	$(faults_run) > $(strip $(REPORT_DIR))/faults.log 2>&1 || { tail -50 $(strip $(REPORT_DIR))/faults.log; exit 1; }; \
	cat $(strip $(REPORT_DIR))/reliability.md

sim: ## Seeded consensus simulation: make sim SEEDS=100000
	$(GO) test ./node/consensus -run '^TestSimulation$$' -count=1 -timeout 0 -seeds=$(strip $(SEEDS))

fuzz: ## Run every Fuzz target in the repo for FUZZTIME each: make fuzz FUZZTIME=30s
	@for pkg in $$($(GO) list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./...); do \
		for fn in $$($(GO) test -list '^Fuzz' "$$pkg" | grep '^Fuzz' || true); do \
			echo "==> $$pkg $$fn ($(strip $(FUZZTIME)))"; \
			$(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(strip $(FUZZTIME)) "$$pkg"; \
		done; \
	done

bench: ## Go benchmarks (BENCH_TIME each), `causeway bench chain` for BENCH_DURATION, a short `causeway bench e2e` closed- and open-loop, in-process and as separate processes on BENCH_POSTGRES and BENCH_REDIS
	$(GO) test -run '^$$' -bench . -benchtime=$(strip $(BENCH_TIME)) ./...
	$(GO) run ./cmd/causeway bench chain --duration $(strip $(BENCH_DURATION))
	$(GO) run ./cmd/causeway bench e2e --transfers 1000 --light 20
	$(GO) run ./cmd/causeway bench e2e --rate 100 --duration $(strip $(BENCH_DURATION)) --light 5
	$(GO) run ./cmd/causeway bench e2e --processes --postgres '$(strip $(BENCH_POSTGRES))' --redis '$(strip $(BENCH_REDIS))' \
		--transfers 1000 --light 10

lint: ## gofmt check, go vet and staticcheck
	@unformatted=$$(gofmt -l .); \
	if [[ -n $$unformatted ]]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(tags_flag) ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) $(tags_flag) ./...

services: ## Ensure the test Postgres and Redis; prints the export lines the tests read
	@bash deploy/scripts/test-services.sh

services-stop: ## Stop the throwaway Postgres/Redis that `make services` or `make test` started
	@bash deploy/scripts/test-services.sh --stop

clean: ## Remove build outputs (bin/, dist/)
	rm -rf bin dist
