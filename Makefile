# Two commands on a fresh machine:
#   make book   set up .venv, build the site strictly into _build/html
#   make test   set up .venv (with test tools and Debian packages), run the whole suite
# While you work: make check, the unit tests alone, in well under a minute.
# Also: make serve, make clean (and more targets as the book grows: see `make help`).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
JB := $(BIN)/jupyter-book
PORT ?= 8000
# Debian packages: the book needs a CJK font for figures; the tests also need a browser.
DEBS_BOOK := fonts-noto-cjk
DEBS_TEST := $(DEBS_BOOK) chromium
# The PDF (make pdf): XeLaTeX and latexmk, xeCJK (which needs ctexhook from
# texlive-lang-chinese), the fonts (text, code, CJK, maths), and poppler-utils for the tests.
DEBS_PDF := texlive-xetex texlive-latex-extra texlive-fonts-recommended texlive-plain-generic \
    latexmk texlive-lang-cjk texlive-lang-chinese fonts-noto-cjk fonts-freefont-otf \
    fonts-dejavu-core fonts-lmodern poppler-utils
DEBS_TEST += $(DEBS_PDF)
# The benchmarks (make bench) compare with libjpeg-turbo's command-line decoder, djpeg.
DEBS_BENCH := libjpeg-turbo-progs
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Browser code the site serves itself (thebe for live code, require.js for its widgets) and
# axe-core for the tests: pinned with their SHA-256 in book/_ext/vendor.toml, fetched from
# the npm registry by a Python script (no Node.js needed) into vendor/ (gitignored); the
# book's live_code extension copies what the site needs into it.
VENDOR_PINS := book/_ext/vendor.toml

.PHONY: help book test check serve clean debs-book debs-test debs-pdf debs-bench

help:
	@echo "make book   build the site into _build/html (strict: warnings are errors)"
	@echo "make test   run the whole test suite (builds the book and the PDFs, drives Chromium)"
	@echo "make check  run the unit tests only: no book build, PDF or browser (under a minute)"
	@echo "make bench  run the benchmarks (benchmarks/) and print their tables"
	@echo "make pdf    build the PDF student handout and instructor edition into _build/latex"
	@echo "make serve  serve _build/html on http://127.0.0.1:$(PORT)"
	@echo "make clean  remove _build, .venv and generated data"

$(VENV)/.book-installed: requirements.txt code/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-installed: $(VENV)/.book-installed requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# Install missing Debian packages (needs root or sudo); already-present ones cost nothing.
debs-book debs-test debs-pdf debs-bench: debs-%:
	@missing=$$(for p in $(DEBS_$(shell echo $* | tr a-z A-Z)); do \
	    dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "Installing Debian packages:" $$missing; \
	    $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# Sphinx re-reads only changed pages; when medimg changed since the last build, every
# page is rebuilt (--all) so that no cell output is stale.
book: $(VENV)/.book-installed debs-book vendor
	@all=""; if [ -f _build/html/index.html ] && \
	    [ -n "$$(find code/medimg -name '*.py' -newer _build/html/index.html)" ]; then all="--all"; fi; \
	$(JB) build . -W -n --keep-going $$all
	@echo "Open _build/html/index.html in a browser, or run: make serve"

test: $(VENV)/.test-installed debs-test vendor
	$(BIN)/python -m pytest

# The fast lane: every test but those marked build, pdf or browser (pytest.ini), so it
# needs no book build, TeX or Chromium, only .venv.
check: $(VENV)/.test-installed
	$(BIN)/python -m pytest -m "not build and not pdf and not browser and not slow" --no-cov

# Two PDFs from the same sources, with XeLaTeX (see book/_latex/): the student handout
# (no solutions) and the instructor edition, _build/latex/medimg-warmup-*.pdf.
.PHONY: pdf
pdf: $(VENV)/.book-installed debs-pdf
	$(BIN)/python book/_latex/pdf.py

# Benchmarks print tables of timings measured in one run; they are not tests.
.PHONY: bench
bench: $(VENV)/.book-installed debs-bench
	$(BIN)/python benchmarks/bench_dataset.py
	$(BIN)/python benchmarks/bench_classifier.py

# Fetches only what is missing or changed in $(VENDOR_PINS); a second run costs nothing.
.PHONY: vendor
vendor:
	$(PYTHON) book/_ext/npm_vendor.py --pins $(VENDOR_PINS) --into vendor

serve:
	@test -f _build/html/index.html || { echo "Build the book first: make book"; exit 1; }
	@echo "Serving on http://127.0.0.1:$(PORT)/ (Ctrl+C to stop)"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

clean:
	rm -rf _build $(VENV) data/generated .pytest_cache .coverage
	rm -rf vendor
