# The two commands of the README: `make demo` and `make test`. Each builds .venv/ first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint docs docs-build bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	$(BIN)/python -m compileall -q tui widgets
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/sisyphus-room --demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy tui widgets
	$(BIN)/lint-imports

# The docs site: built strictly (a broken link, a key or binding without its line fails).
docs-build: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir .site

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

# Bytecode is written even where PYTHONDONTWRITEBYTECODE is set: each worker and each program a
# test starts would otherwise compile (and pytest rewrite) every module again, ~3 s of CPU a worker.
test: lint docs-build
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .site
