# The two commands of the README: `make run` and `make test` (each sets itself up).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
AS_OF ?= 2024-04

.PHONY: setup run run-reform test lint dev sample benchmark docs clean

setup: $(VENV)/.installed dbt_project/target/manifest.json

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $@

dbt_project/target/manifest.json: $(VENV)/.installed $(shell find dbt_project/models dbt_project/seeds dbt_project/macros dbt_project/tests -type f) dbt_project/dbt_project.yml
	$(BIN)/python -m orchestration.dbt_manifest

# Git does not keep file times; the sample's receipt times live in sample/inbox_mtimes.csv.
run: setup
	$(BIN)/python sample/generate_sample.py --restore-mtimes
	$(BIN)/dean5299 run --as-of $(AS_OF)

# The reform sample (docs/sample.md): its own warehouse, raw store and output folder.
REFORM_ENV := DEAN5299_INBOX=sample/reform/inbox DEAN5299_REFERENCE=sample/reform/reference \
	DEAN5299_WAREHOUSE=warehouse/reform/dean5299.duckdb DEAN5299_OUTPUT=output/reform
run-reform: setup
	$(BIN)/python sample/reform/generate_reform.py --restore-mtimes
	$(REFORM_ENV) $(BIN)/dean5299 run --as-of 2025-09
	$(REFORM_ENV) $(BIN)/dean5299 run --as-of 2025-06
	$(REFORM_ENV) $(BIN)/dean5299 run --as-of 2025-06 --unit TDBL
	$(REFORM_ENV) $(BIN)/dean5299 run --as-of 2025-06 --unit TDNL

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=25

lint: setup
	$(BIN)/ruff check .

# The Dagster UI on http://127.0.0.1:3000 (assets, checks, schedule, sensor).
dev: setup
	mkdir -p .dagster_home && cp -n orchestration/dagster.yaml .dagster_home/dagster.yaml
	DAGSTER_HOME=$(CURDIR)/.dagster_home $(BIN)/dg dev -w workspace.yaml -h 127.0.0.1 -p 3000

sample: setup
	$(BIN)/python sample/generate_sample.py

benchmark: setup
	$(BIN)/python benchmarks/ingestion_benchmark.py

# Issue #19: the pipeline at national scale (docs/benchmarks.md); smaller for a quick try:
# make benchmark-national UNITS=500 MONTHS=24
UNITS ?= 10000
MONTHS ?= 72
LEVELS ?= 3
benchmark-national: setup
	$(BIN)/python benchmarks/national_scale.py --units $(UNITS) --months $(MONTHS) --levels $(LEVELS)

# docs/bi_schema.md from the dbt yml descriptions and the sample's published marts.
docs: run
	$(BIN)/python -m orchestration.schema_doc

clean:
	rm -rf warehouse output dbt_project/target .dagster_home
