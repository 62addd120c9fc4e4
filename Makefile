# The two commands of the quick start: `make site` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: site serve test lint bench schema mutants clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

site: $(STAMP)  ## build site/ from data/ (atomic: a failed build keeps the previous site)
	$(BIN)/funnel build

serve: $(STAMP)  ## preview with live reload on http://127.0.0.1:8000
	$(BIN)/funnel serve

test: $(STAMP)  ## the whole test suite, lint and type check included
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

schema: $(STAMP)  ## rewrite schemas/ from the models
	$(BIN)/funnel schema

bench: $(STAMP)  ## the benchmarks at 1,000 deals (README: 10,000 and 100,000)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-bench.lock
	$(BIN)/python bench/check.py --sizes 1000
	$(BIN)/python bench/history.py --deals 1000 --commits 1000
	$(BIN)/python bench/build.py --sizes 1000
	$(BIN)/python bench/serve.py --sizes 1000

# Mutation testing of the core modules against the fast tests ([tool.mutmut] in
# pyproject.toml); `make mutants MUTANTS='generator.analytics.policy*'` for one module. The results
# stay in mutants/ (`mutmut show NAME` shows a survivor), so a second run is quick.
MUTANTS ?=
JOBS    ?= 2
mutants: $(STAMP)  ## which changes to the core's code no test notices
	@# mutmut copies the package's other files (templates) only once: copy them afresh
	if [ -d mutants/generator ]; then \
	  find mutants/generator -type f ! -name '*.py' ! -name '*.meta' ! -name '*.spans' -delete; fi
	$(BIN)/mutmut run --max-children $(JOBS) $(MUTANTS)
	$(BIN)/python -m tests.mutants

clean:
	rm -rf site .venv .pytest_cache mutants
