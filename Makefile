# Two commands do all the set-up: `make run` and `make test` (each creates .venv if needed).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCENARIO ?= scenarios/deepseek_cascade.toml
OUT ?= results/deepseek_cascade

.PHONY: run test lint bench bench-peers figures cascade clean browser explore

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask,explore]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/openness run $(SCENARIO) --out $(OUT) --report

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

# The explorer's browser test needs a Chromium: Debian's, installed here when this is a
# Debian machine and we are root (as CI is); elsewhere the test says why it is skipped.
browser:
	@command -v chromium >/dev/null 2>&1 || \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "make test: no chromium here; the browser test will be skipped (apt-get install chromium)"; \
	  fi

explore: $(STAMP)
	$(BIN)/openness explore $(SCENARIO)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks experiments docs notebooks
	$(BIN)/ruff format --check src tests benchmarks experiments docs notebooks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# mesa-frames 0.1.0a0 needs numpy 1.26: the peer benchmark has its own environment, never
# the project's (benchmarks/peers.py: classic Mesa, mesa-frames and numba side by side)
PEERS := benchmarks/.peers
$(PEERS)/.installed: pyproject.toml
	$(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/python -m pip install --quiet --upgrade pip
	$(PEERS)/bin/python -m pip install --quiet 'mesa-frames==0.1.0a0' 'numpy~=1.26' -e .
	touch $(PEERS)/.installed

bench-peers: $(PEERS)/.installed
	NUMBA_CACHE_DIR=$(PEERS)/numba-cache $(PEERS)/bin/python benchmarks/peers.py

figures: $(STAMP)
	$(BIN)/python docs/make_figures.py

# docs/cascade.md's figures and numbers (4-8 minutes). A failing target (exit 4, after every
# run is written) does not stop the note; failed runs or bad input do.
cascade: $(STAMP)
	$(BIN)/openness validate --all --seeds 30 --out results/validation || [ $$? -eq 4 ]
	$(BIN)/python docs/make_cascade.py --validation results/validation

clean:
	rm -rf $(VENV) results .pytest_cache
