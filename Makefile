# Entry point. `make reports` and `make test` each create .venv and install the project first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= reports
# reports rendered in parallel; empty: the cores available to the process (compare render's default)
JOBS ?=
# test processes (pytest-xdist): auto = one per core; 0 runs the tests in this process
TEST_JOBS ?= auto

.DEFAULT_GOAL := help

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dask]'
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name python3 > /dev/null
	@touch $(STAMP)

## Render every params/*.yaml into $(OUT)/ (cached; FORCE=1 re-renders all)
# make itself exits 2 whenever a recipe fails, so the renderer's own code (docs/scheduling.md: 1 a report
# or the data failed, 130 interrupted) is printed here; schedulers call `python -m compare render` directly.
reports: $(STAMP)
	@$(BIN)/python -m compare render params/*.yaml --out $(OUT) $(if $(JOBS),--jobs $(JOBS),) $(if $(FORCE),--force,); \
	rc=$$?; if [ $$rc -ne 0 ]; then echo "make reports: the renderer exited $$rc (docs/scheduling.md); make exits 2" >&2; fi; exit $$rc

## Run the test suite (all of it; `make quicktest` for the quick set)
test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_JOBS)

## Run the quick tests only (no production renders, no browser)
quicktest: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_JOBS) -m "not slow and not browser"

## Validate data/ and exit non-zero on any problem
validate: $(STAMP)
	$(BIN)/python -m compare validate

## Open JupyterLab at the repository root (notebooks/ saved and committed without outputs; see docs/lab.md)
lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,lab]'
	$(BIN)/python -m compare.lab git-filter
	$(BIN)/python -m jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root,) \
		--config=src/compare/jupyter/jupyter_server_config.py --ServerApp.root_dir=$(CURDIR) $(LAB_ARGS)

## Working copy under work/ to run and save freely: NAME=profile-wuxi (a params file) or NAME=explore
notebook: $(STAMP)
	@test -n "$(NAME)" || { echo "usage: make notebook NAME=<params file stem or notebook stem>, e.g. NAME=profile-wuxi" >&2; exit 2; }
	$(BIN)/python -m compare.lab copy $(NAME) $(if $(FORCE),--force,)

## Print benchmark figures and write them to $(OUT)/bench.json
bench: $(STAMP)
	$(BIN)/python -m tools.bench --out $(OUT)/bench.json

## Time make test and make quicktest in a fresh clone, set-up included (figures for docs/performance.md)
testtime:
	$(PYTHON) -m tools.testtime --out $(OUT)/testtime.json

## Remove rendered reports and caches (keeps .venv)
clean:
	rm -rf $(OUT) .pytest_cache

## Remove .venv as well
distclean: clean
	rm -rf $(VENV)

## Show this help
help:
	@awk '/^## /{d=substr($$0,4); next} /^[a-z][a-z_-]*:/{ if (d) { split($$0,a,":"); printf "  make %-10s %s\n", a[1], d; d="" } }' $(MAKEFILE_LIST)

.PHONY: reports test quicktest validate lab notebook bench testtime clean distclean help
