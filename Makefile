# Two commands: `make run` serves the portal on its embedded defaults, `make test` runs the suite.
PYTHON ?= python3.11
VENV ?= .venv
BIN = $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
RUN_URL = $(or $(PUBLIC_URL),http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT))
FLASK = $(BIN)/flask --app wsgi

.PHONY: run test lint install install-test catalogs migrate demo translations-update clean bench bench-uploads

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

catalogs: $(VENV)/.installed
	$(FLASK) translations compile

migrate: catalogs
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) seed-demo

# Mail links and the trusted host come from PUBLIC_URL: by default the address served here
# (127.0.0.1 when HOST is 0.0.0.0); set PUBLIC_URL to the address other machines use.
run: demo
	@echo "Serving the portal on http://$(HOST):$(PORT) (PUBLIC_URL $(RUN_URL))"
	PUBLIC_URL=$(RUN_URL) $(FLASK) run --host $(HOST) --port $(PORT)

# The suite on every core (pytest-xdist: one worker per core; tests/parallel.py says what keeps
# the workers apart). TEST_WORKERS=0 runs it in this process (for --pdb, or to compare).
TEST_WORKERS ?= auto
test: install-test catalogs
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The slow proofs `make test` leaves out (marked slow_proof: the production topology, every page
# in a browser looking for stored XSS, the Spanish and English crawls of tests/browser/test_crawl.py);
# CI runs them after `make test`. About 5 minutes.
.PHONY: slow-proofs
slow-proofs: install-test catalogs
	SLOW_PROOFS=1 $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup -m slow_proof $(PYTEST_ARGS)

# Ruff (rules in pyproject.toml); `make test` runs the same check (tests/test_lint.py).
LINT_PATHS = portal media_index tests bench deploy wsgi.py gunicorn.conf.py
lint: install-test
	$(BIN)/ruff check $(LINT_PATHS)

translations-update: $(VENV)/.installed
	$(FLASK) translations update

bench: install-test
	$(BIN)/python bench/search.py

clean:
	rm -rf $(VENV) instance .pytest_cache
	find translations -name '*.mo' -delete

# Issue 14: CPU per request of each dashboard against the home page (demo data, one process).
.PHONY: bench-passwords
bench-passwords: install-test
	$(BIN)/python bench/passwords.py $(BENCH_ARGS)

.PHONY: bench-dashboards
bench-dashboards: install-test catalogs
	$(BIN)/python bench/dashboards.py $(BENCH_ARGS)

# CPU per page of the load mix at program scale, in one process, on the data `bench/load.py
# --keep` left: make bench-pages BENCH_ARGS="--folder /tmp/portal-load-X --database portal_bench_X"
.PHONY: bench-pages
bench-pages: install-test catalogs
	$(BIN)/python bench/pages.py $(BENCH_ARGS)

bench-uploads: install-test   # ~15 min; needs about 3x 4 GiB free in the temp folder
	$(BIN)/python bench/uploads.py

# Issue 8: the security proofs alone (they also run in `make test`).
.PHONY: security
security: install-test catalogs
	$(BIN)/python -m pytest tests/security $(PYTEST_ARGS)

topology: install-test catalogs   # PostgreSQL + Redis + moto (S3) + 2 web hosts + nginx, Ctrl-C stops
	$(BIN)/python deploy/topology.py

.PHONY: browser browser-report
# Browser tests (headless Debian Chromium; axe-core fetched with npm into ~/.cache on first use).
browser: install-test catalogs
	$(BIN)/python -m pytest -m browser tests/browser $(PYTEST_ARGS)

# Rewrites docs/BROWSER.md (page weights, slow-link times) and docs/screenshots/.
browser-report: install-test catalogs
	BROWSER_REPORT=1 $(BIN)/python -m pytest tests/browser/test_weight.py $(PYTEST_ARGS)

# Issue 9.4 / 8.10: load benchmark (gunicorn + PostgreSQL + Redis, 10/50/100 users, slow clients);
# ~10 min, plus ~20 min the first time in a day (data generated and indexed, then cached in $TMPDIR).
.PHONY: bench-load
bench-load: install-test catalogs
	$(BIN)/python bench/load.py $(BENCH_ARGS)

# The same scenario at a tenth of the scale, short phases, run by CI: fails on any error or if
# slow uploads starve the other users (figures from it are not the published ones). ~5 min.
.PHONY: load-check
load-check: install-test catalogs
	$(BIN)/python bench/load.py --small --users 10,50,100 --mix-seconds 12 --sat-seconds 5 \
	  --slow 6 --no-cache --check $(BENCH_ARGS)

# Issue 8.9: faults injected, nothing lost (kill -9 during uploads, PostgreSQL crash during 100
# hand-ins, index worker killed mid-batch, S3 frozen mid-request). About 7 minutes; needs root
# (a throw-away PostgreSQL cluster of its own, run as the postgres user) and Debian's postgresql.
.PHONY: reliability
reliability: install-test catalogs
	RELIABILITY=1 $(BIN)/python -m pytest tests/reliability -s $(PYTEST_ARGS)

# Issue 19.2: automatic transcription with the real engine and a real model shipped in a wheel
# (the `asr` and `asr-test` extras: faster-whisper and Systran's tiny.en, ~71 MB; nothing is
# fetched at run time) on a talk spoken by espeak-ng. About a minute; `make test` skips it,
# saying so, where the extras are not installed.
.PHONY: asr-check bench-transcribe
$(VENV)/.installed-asr: $(VENV)/.installed-test
	$(BIN)/pip install --quiet -e '.[test,asr,asr-test]'
	touch $@

asr-check: $(VENV)/.installed-asr catalogs
	$(BIN)/python -m pytest -m asr tests/library/test_library_transcription_real.py $(PYTEST_ARGS)

bench-transcribe: $(VENV)/.installed-asr   # the real-time factor on 2 threads (docs/TRANSCRIPTION.md)
	$(BIN)/python bench/transcribe.py $(BENCH_ARGS)
