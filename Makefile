# salesbot — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install translations browser run test test-dates lint bench migrate demo console playground manifest clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "salesbot needs Python >= 3.11 (found %s)" % sys.version.split()[0]'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Translations: gettext catalogs (reports/locale/<locale>/LC_MESSAGES/salesbot.po), compiled to .mo at install.
PO := $(wildcard reports/locale/*/LC_MESSAGES/salesbot.po)
MO := $(PO:.po=.mo)
BABEL_EXTRACT := -F babel.cfg -k msg:1c,2 -k nmsg:1c,2,3 -c i18n: --no-default-keywords --no-location --sort-by-file --project salesbot \
	--version 0.1 -w 120

%.mo: %.po $(STAMP)
	@$(BIN)/pybabel -q compile -D salesbot -i $< -o $@

install: $(STAMP) $(MO)  ## create .venv and install salesbot with its dev tools; compile the translations

translations: $(STAMP)  ## extract the strings from the code, merge them into every .po (new/changed ones to translate)
	$(BIN)/pybabel extract $(BABEL_EXTRACT) -o reports/locale/salesbot.pot bot handlers reports db
	$(BIN)/pybabel update -D salesbot -i reports/locale/salesbot.pot -d reports/locale -w 120 --ignore-obsolete
	@$(BIN)/python -m reports.i18n reports/locale/salesbot.pot

run: install  ## migrate, load demo data when empty, start (serve/socket with tokens, console without)
	$(BIN)/salesbot run

# The playground's browser test drives Chromium and its driver from the system's packages (no browser download):
# installed here when missing in a root shell with apt-get (CI, containers); elsewhere that one test skips with a
# NOTICE (.ci/run makes the skip a failure).
CHROMIUM_PKGS := chromium chromium-driver fonts-noto-color-emoji

browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || \
	  ! { [ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || ! command -v apt-get >/dev/null; }; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    apt-get install -y -qq $(CHROMIUM_PKGS) >/dev/null 2>&1 || \
	      { apt-get update -qq && apt-get install -y -qq $(CHROMIUM_PKGS) >/dev/null; } || true; \
	  fi; \
	  command -v chromedriver >/dev/null || echo "NOTICE: no chromium/chromedriver: the playground's browser test \
	will be skipped (Debian/Ubuntu: apt-get install $(CHROMIUM_PKGS))"; \
	fi

test: install browser  ## lint, then every test (SQLite and PostgreSQL; the playground in headless Chromium)
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 --dist loadfile

# Dates the suite must pass on, whatever today is: months ahead, the New York DST night (clocks jump at
# 07:00 UTC while the suite runs), and a leap day just before midnight.
FAKE_DATES ?= 2027-06-15 12:00:00|2027-03-14 06:59:30|2028-02-29 23:59:00

test-dates: install  ## every test again with the system clock at other dates (libfaketime)
	@command -v faketime >/dev/null || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	  { apt-get install -y -qq faketime >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq faketime; }; }; } || \
	  { echo "test-dates needs faketime (Debian/Ubuntu: apt-get install faketime)"; exit 1; }
	@dates='$(FAKE_DATES)'; IFS='|'; for d in $$dates; do echo "== make test with the clock at $$d"; \
	  faketime "$$d" $(BIN)/pytest -n 2 --dist loadfile -q -p no:cacheprovider || exit 1; done

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . || true

bench: install  ## performance benchmarks, one table of figures
	$(BIN)/python -m benchmarks

migrate: install
	$(BIN)/salesbot migrate

demo: install
	$(BIN)/salesbot demo

console: install
	$(BIN)/salesbot console

playground: install  ## salesbot in a Slack-like page: http://127.0.0.1:8080/ (a sandbox with the demo team)
	$(BIN)/salesbot playground

manifest: install
	$(BIN)/salesbot manifest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache console-files playground-screenshots
