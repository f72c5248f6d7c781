# Two commands do all the set-up: `make run` and `make test` (each creates .venv if needed).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCENARIO ?= scenarios/deepseek_cascade.toml
OUT ?= results/deepseek_cascade

.PHONY: run test lint bench figures clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/openness run $(SCENARIO) --out $(OUT) --report

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks experiments docs notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

figures: $(STAMP)
	$(BIN)/python docs/make_figures.py

clean:
	rm -rf $(VENV) results .pytest_cache
