# salesbot — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test lint bench migrate demo console manifest clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "salesbot needs Python >= 3.11 (found %s)" % sys.version.split()[0]'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)  ## create .venv and install salesbot with its dev tools

run: install  ## migrate, load demo data when empty, start (serve/socket with tokens, console without)
	$(BIN)/salesbot run

test: install  ## lint, then every test (SQLite and PostgreSQL)
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 --dist loadfile

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

manifest: install
	$(BIN)/salesbot manifest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache console-files
