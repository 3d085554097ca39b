# tenant-kpis: the two commands of the README are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

# Demo dataset (make demo) and the small dataset the test suite builds.
DEMO_TENANTS ?= 200
DEMO_SEED ?= 42
TEST_TENANTS ?= 60
TEST_SEED ?= 7
TEST_DIR := data/test
# Benchmark scale: make bench EVENTS=50000000 MEMORY_LIMIT=4GB [EVENTS_LAYOUT=partitioned]
EVENTS ?= 10000000
MEMORY_LIMIT ?= 4GB
EVENTS_LAYOUT ?= file
# more bench options, e.g. BENCH_ARGS="--no-postgres --skip-reference --out bench/out_100m"
BENCH_ARGS ?=
# Alert simulation runs: make alert-sim ALERT_SIM_RUNS=40
ALERT_SIM_RUNS ?= 20
# Pipeline alert simulation: seeds (two generate + build runs each) and feed size (the demo's)
ALERT_SIM_PIPELINE_RUNS ?= 12
ALERT_SIM_PIPELINE_TENANTS ?= 200

.PHONY: help install install-spark demo data build publish brief docs test lint lint-sql lint-python \
        dbt-test-build semantic-check governance kpi-reference pytest test-postgres test-spark \
        test-spark-thrift \
        bench-spark fuzz bench bench-history alert-sim alert-sim-pipeline clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 2; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed  ## create .venv and install the pinned stack

data: install  ## generate the demo raw dataset into data/raw
	$(BIN)/tenant-kpis generate --out data/raw --tenants $(DEMO_TENANTS) --seed $(DEMO_SEED)

# A production build: seeds, models and data tests. Unit tests check SQL logic
# on fixed fixtures, not data, so (as dbt Labs recommends) they run in
# development and CI (`make test`), not in every build.
build: install  ## dbt build, Python steps, dbt build (seeds, models, data tests) on data/raw
	$(BIN)/tenant-kpis build --exclude-resource-type unit_test

publish: install  ## publish the public marts for BI tools and the brief (atomic swap)
	$(BIN)/tenant-kpis publish

brief: install  ## render the weekly PDF brief from the published marts
	$(BIN)/tenant-kpis brief

demo: data build publish brief  ## generate demo data, build, publish, render the brief

docs: install  ## dbt docs generate (target/index.html) and docs/kpi_reference.md
	$(BIN)/dbt docs generate
	$(BIN)/tenant-kpis docs kpi-reference

lint: lint-python lint-sql  ## ruff + sqlfluff

lint-python: install
	$(BIN)/ruff check src tests governance
	$(BIN)/ruff format --check src tests governance

lint-sql: install
	$(BIN)/sqlfluff lint models --processes 2

# The suite's own dataset, warehouse, target and publication (data/test,
# target_test): never touches the demo's. pytest's `shared_build` fixture
# reuses it while no model, macro, seed or generator file changed after the build began.
TEST_ENV := TENANT_KPIS_RAW_DIR=$(TEST_DIR)/raw TENANT_KPIS_DB=$(TEST_DIR)/tenant_kpis.duckdb \
  TENANT_KPIS_PUBLISHED_DB=$(TEST_DIR)/published/marts.duckdb DBT_TARGET_PATH=target_test \
  DBT_LOG_PATH=target_test/logs

dbt-test-build: install  ## dbt build (models, data and unit tests) on a small generated dataset, then publish
	rm -rf $(TEST_DIR) && mkdir -p $(TEST_DIR)
	$(BIN)/python tests/python/dbt_project.py sources-mtime > $(TEST_DIR)/.sources_mtime
	$(BIN)/tenant-kpis generate --out $(TEST_DIR)/raw --tenants $(TEST_TENANTS) --seed $(TEST_SEED) --quiet
	$(TEST_ENV) $(BIN)/tenant-kpis build
	$(TEST_ENV) $(BIN)/tenant-kpis publish
	echo "{\"tenants\": $(TEST_TENANTS), \"seed\": $(TEST_SEED), \"sources_mtime\": $$(cat $(TEST_DIR)/.sources_mtime)}" > $(TEST_DIR)/.build_ok

semantic-check: dbt-test-build  ## MetricFlow validates the semantic layer
	$(TEST_ENV) $(BIN)/tenant-kpis mf validate-configs

governance: dbt-test-build  ## dbt-bouncer enforces the conventions of dbt-bouncer.yml on the manifest
	$(TEST_ENV) $(BIN)/tenant-kpis check-governance

kpi-reference: dbt-test-build  ## docs/kpi_reference.md is current (else: tenant-kpis docs kpi-reference)
	$(TEST_ENV) $(BIN)/tenant-kpis docs kpi-reference --check

pytest: install
	TEST_TENANTS=$(TEST_TENANTS) TEST_SEED=$(TEST_SEED) $(BIN)/pytest -n 2 --dist loadfile --durations=15

# Lint runs in the background through the rest: the test build's dbt is
# single-threaded Python, so sqlfluff fills the second core.
test: install  ## everything CI runs: lint, the test build and its checks, pytest
	@mkdir -p data; \
	$(MAKE) --no-print-directory lint > data/lint.log 2>&1 & lint=$$!; \
	$(MAKE) --no-print-directory dbt-test-build semantic-check governance kpi-reference pytest; \
	tested=$$?; wait $$lint; linted=$$?; \
	echo "make lint (ran beside the tests):"; cat data/lint.log; \
	[ $$tested -eq 0 ] && [ $$linted -eq 0 ]

# The same raw feed (RAW=DIR, or a generated one) on DuckDB and on a throwaway
# PostgreSQL server, every public mart compared row by row (README "PostgreSQL").
test-postgres: install  ## DuckDB and PostgreSQL build the same feed, marts compared (RAW=DIR)
	$(BIN)/python -m tenant_kpis.engines.postgres_parity $(if $(RAW),--raw $(RAW)) $(PG_ARGS)

# Spark (README "Spark"): pyspark and dbt-spark are an optional extra, installed
# here only (plain `make install` stays lean); Java 17 must be on the PATH.
# The extra's requirements only: reinstalling the project itself would take
# the tenant-kpis command away for a moment (CI installs this beside make test).
$(VENV)/.installed-spark: $(VENV)/.installed
	$(BIN)/python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))\
	  ['project']['optional-dependencies']['spark'], sep='\n')" \
	  | $(BIN)/pip install --quiet -c constraints.txt -r /dev/stdin
	touch $@

install-spark: $(VENV)/.installed-spark  ## install the Spark extra (dbt-spark, pyspark; needs Java 17)

# The same raw feed (RAW=DIR, or a small generated one) on DuckDB and on a
# local Spark session, every public mart compared row by row. Seeds and models
# only; SPARK_ARGS=--data-tests runs the data tests on both engines too, then
# publishes both builds and compares the published files (not in CI: the 431
# data tests cost Spark minutes of fixed per-query overhead, README "Spark").
test-spark: $(VENV)/.installed-spark  ## DuckDB and Spark build the same feed, marts compared (RAW=DIR)
	@command -v java >/dev/null || { echo "error: test-spark needs Java 17 (Debian: apt-get install openjdk-17-jre-headless)"; exit 2; }
	$(BIN)/python -m tenant_kpis.engines.spark_parity $(if $(RAW),--raw $(RAW)) $(SPARK_ARGS)

# The same comparison with Spark behind a local Thrift server, as on a cluster
# (method: thrift, PyHive): dbt, the Python steps, the comparison, publish and
# the brief all reach Spark over Thrift; the data tests run on both engines and
# both published files are compared. The server is always stopped at the end.
test-spark-thrift: $(VENV)/.installed-spark  ## test-spark through a local Spark Thrift server (RAW=DIR)
	@command -v java >/dev/null || { echo "error: test-spark-thrift needs Java 17 (Debian: apt-get install openjdk-17-jre-headless)"; exit 2; }
	$(BIN)/python -m tenant_kpis.engines.spark_parity --thrift $(if $(RAW),--raw $(RAW)) $(SPARK_ARGS)

# Not in CI: Spark and DuckDB build the same generated feed of EVENTS events,
# wall time and peak memory side by side (README "Spark").
bench-spark: $(VENV)/.installed-spark  ## Spark vs DuckDB build time and memory (EVENTS=)
	$(BIN)/python -m tenant_kpis.engines.spark_bench --events $(EVENTS)

# Not in CI: the contract property tests with a random budget 50x CI's (about
# an hour on an idle machine), two lanes on two workers; a failure is shrunk
# to a minimal feed and saved in .hypothesis/contract (DEVELOPERS.md).
fuzz: install  ## contract property tests, long random budget (about an hour; not in CI)
	TENANT_KPIS_CONTRACT_PROFILE=contract-fuzz $(BIN)/pytest -n 2 --dist load \
	  tests/python/test_contract_properties.py --hypothesis-show-statistics

bench: install  ## benchmark generation and builds (EVENTS=, MEMORY_LIMIT=, EVENTS_LAYOUT=)
	$(BIN)/python -m tenant_kpis.bench --events $(EVENTS) --memory-limit $(MEMORY_LIMIT) \
	  --events-layout $(EVENTS_LAYOUT) $(BENCH_ARGS)

# Same tenants, events over HISTORY_SHORT_YEARS and HISTORY_LONG_YEARS, partitioned:
# full and +1 week incremental builds of each (README "Performance").
HISTORY_TENANTS ?= 40
HISTORY_SHORT_YEARS ?= 1
HISTORY_LONG_YEARS ?= 4
bench-history: install  ## weekly run cost vs history length -> bench/out/history.json (HISTORY_TENANTS=)
	$(BIN)/python -m tenant_kpis.bench_history --tenants $(HISTORY_TENANTS) \
	  --short-years $(HISTORY_SHORT_YEARS) --long-years $(HISTORY_LONG_YEARS) \
	  --years $(HISTORY_LONG_YEARS) --memory-limit $(MEMORY_LIMIT)

alert-sim: install  ## false alerts and detection of the alert rule, by simulation on the built warehouse (make demo first)
	$(BIN)/python -m tenant_kpis.alert_simulation --runs $(ALERT_SIM_RUNS)

# Not in CI: generated feeds with planted alert truths through the whole pipeline,
# about 3 minutes per run on the shared machine (README "Uncertainty, status and alerts").
alert-sim-pipeline: install  ## false alerts and detection measured on generated data built end to end (slow)
	$(BIN)/python -m tenant_kpis.alert_simulation_pipeline --runs $(ALERT_SIM_PIPELINE_RUNS) \
	  --tenants $(ALERT_SIM_PIPELINE_TENANTS)

clean:  ## remove generated data, warehouses and dbt artefacts
	rm -rf data target target_* logs logs_* reports/out
