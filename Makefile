# Winnow — two commands: `make run` (set up, open on a demo database) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_DB ?= $(CURDIR)/.demo/winnow-demo.sqlite
DEMO_CONTACTS ?= 2000

.PHONY: run test lint bench screenshots clean pyside-support

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dev,team]"
	$(MAKE) pyside-support
	touch $(STAMP)

## PySide6's signature modules as files with their bytecode (PySide's own SBK_EMBED=0 switch),
## not compiled from the source embedded in libshiboken6 at every start of the window (~10-30 ms)
pyside-support:
	SBK_EMBED=0 $(BIN)/python -c "import PySide6.QtCore"
	$(BIN)/python -c "import compileall, pathlib, shiboken6; \
		compileall.compile_dir(pathlib.Path(shiboken6.__file__).parent / 'files.dir', quiet=1)"

## Set everything up and open Winnow on a demo database.
run: $(STAMP)
	@mkdir -p $(dir $(DEMO_DB))
	@test -f $(DEMO_DB) || $(BIN)/winnow --db $(DEMO_DB) demo --contacts $(DEMO_CONTACTS)
	$(BIN)/winnow --db $(DEMO_DB)

## Set everything up and run the whole test suite headless.
test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check app db ui tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks

screenshots: $(STAMP)
	@mkdir -p $(dir $(DEMO_DB))
	@test -f $(DEMO_DB) || $(BIN)/winnow --db $(DEMO_DB) demo --contacts $(DEMO_CONTACTS)
	$(BIN)/winnow --db $(DEMO_DB) screenshot docs/screenshots

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache
