# newscrawl: the commands a new user types. See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Debian's Chromium; Playwright's own browser download is neither needed nor possible offline.
CHROMIUM ?= /usr/bin/chromium
ARTICLES ?= 300
SEED ?= 1
# Empty: each command's own default, the first edition of the spider's outlet (en for almayadeen).
EDITION ?=
EDITION_ARG = $(if $(EDITION),--edition $(EDITION))

.PHONY: setup chromium test lint demo replica schema clean cron merge dataset deploy

# Everything a fresh machine needs: the venv with the pinned requirements, and Chromium.
# `make test` and `make demo` run it first, so neither needs a `make setup` before it.
setup: $(BIN)/.installed chromium

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Installs Debian's chromium only when no browser is at $(CHROMIUM).
chromium:
	@if [ -x "$(CHROMIUM)" ]; then echo "chromium: $(CHROMIUM)"; \
	else echo "installing Debian's chromium"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; fi

test: setup
	$(BIN)/python -m pytest

# The package's lint and import order (ruff.toml), then its types (mypy.ini); .ci/run runs it before the tests.
lint: $(BIN)/.installed
	$(BIN)/ruff check newscrawl
	$(BIN)/mypy

# Serves the replica, crawls it with the real spider, checks it against the truth and builds
# its dataset, all under the name `demo` (output/demo/en/, output/dataset/demo-en/, ...).
demo: setup
	$(BIN)/python scripts/demo.py --articles $(ARTICLES) --seed $(SEED)

# Serves the replica in the foreground (prints its address).
replica: $(BIN)/.installed
	$(BIN)/python -m tests.outlets.almayadeen.replica --articles $(ARTICLES) --seed $(SEED)

schema: $(BIN)/.installed
	$(BIN)/python -m newscrawl.schema > docs/article.schema.json

# One scheduled crawl: locked, resumable, logged under output/logs/ (README "Scheduled runs (cron)").
# Extra options: make cron CRON_ARGS="--max-errors 20 -a sections=politics"
cron: $(BIN)/.installed
	$(BIN)/python -m newscrawl.cron $(EDITION_ARG) $(CRON_ARGS)

# Every run of an edition in one deduplicated dataset: output/merged/<dataset>-<edition>.jsonl, the
# dataset being the only one with runs (the live site's almayadeen, a mirror's, demo) or
# MERGE_ARGS="--dataset NAME".
merge: $(BIN)/.installed
	$(BIN)/python -m newscrawl.merge $(EDITION_ARG) $(MERGE_ARGS)

# Parquet, CSV, dataset card and report of an edition (README "The published dataset"):
# output/dataset/<dataset>-<edition>/, merging the runs first when needed; the dataset as for
# merge (right after `make demo` alone: demo), or DATASET_ARGS="--dataset NAME".
dataset: $(BIN)/.installed
	$(BIN)/python -m newscrawl.dataset $(EDITION_ARG) $(DATASET_ARGS)

# Adds the project to scrapyd (README "Scheduling with scrapyd instead"): the egg is built in a
# temporary copy, so the checkout stays clean. make deploy DEPLOY_ARGS="--url http://host:6800/"
deploy: $(BIN)/.installed
	$(BIN)/python -m newscrawl.deploy $(DEPLOY_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache

.PHONY: bench
# Benchmarks against the replica (issue #9): writes docs/benchmarks.md and docs/benchmarks.png.
# Tiny harness check: make bench BENCH_ARGS=--smoke ; see bench/__main__.py for options.
bench: $(BIN)/.installed .venv-extractors/.installed
	$(BIN)/pip install --quiet -r requirements-bench.txt
	$(BIN)/python -m bench $(BENCH_ARGS)

# Extractors compared in the bench whose pins clash with the crawler's venv get their own.
.venv-extractors/.installed: requirements-bench-extractors.txt
	$(PYTHON) -m venv .venv-extractors
	.venv-extractors/bin/pip install --quiet -r requirements-bench-extractors.txt
	touch $@
