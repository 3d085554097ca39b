"""Warehouse engines other than the DuckDB file (issue 11): fast tests, no server.

- the dbt profile's targets as Python tooling reads them;
- `tenant-kpis load`'s contract checks and its text rendering of raw values;
- the row-by-row comparison `make test-postgres` relies on;
- the two-phase build's argument handling and merged run results;
- names PostgreSQL would truncate or refuse.

`make test-postgres` runs the integration: both engines, one feed, every
public mart compared, the semantic-layer parity and the publication.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from dbt_project import PROJECT_DIR, worker_directory
from fixtures_semantic import parsed_manifest

from tenant_kpis.build import _split_vars, build, merge_compiled_nodes, merge_run_results
from tenant_kpis.engines.parity import compare_rows, values_equal
from tenant_kpis.engines.profile import resolve_target
from tenant_kpis.engines.raw_load import export_raw_files
from tenant_kpis.errors import UserError
from tenant_kpis.python_steps import SCHEMA, STEPS

# the export's dbt run-operation parses the project in a target directory of
# its own: a fresh one per test re-parsed the whole project (about 10 s) each time
RAW_LOAD_ARTEFACTS = worker_directory("raw_load")

POSTGRES_IDENTIFIER_LIMIT = 63

# ---------------------------------------------------------------- profile


def test_postgres_target_reads_its_settings_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("TENANT_KPIS_PG_HOST", "db.example.internal")
    monkeypatch.setenv("TENANT_KPIS_PG_PORT", "6543")
    monkeypatch.setenv("TENANT_KPIS_PG_DATABASE", "analytics")
    monkeypatch.setenv("TENANT_KPIS_PG_USER", "dbt")
    monkeypatch.setenv("TENANT_KPIS_PG_PASSWORD", "s3cret")
    monkeypatch.setenv("TENANT_KPIS_PG_SCHEMA", "kpi_marts")
    target = resolve_target("postgres", PROJECT_DIR)
    assert target.type == "postgres"
    assert target.schema == "kpi_marts"
    arguments = target.postgres_connection_args()
    assert arguments["host"] == "db.example.internal"
    assert arguments["port"] == 6543
    assert arguments["dbname"] == "analytics"
    assert arguments["user"] == "dbt"
    assert arguments["password"] == "s3cret"


def test_default_target_is_duckdb_unless_the_environment_names_another(monkeypatch) -> None:
    monkeypatch.delenv("TENANT_KPIS_TARGET", raising=False)
    assert resolve_target(directory=PROJECT_DIR).type == "duckdb"
    monkeypatch.setenv("TENANT_KPIS_TARGET", "postgres")
    assert resolve_target(directory=PROJECT_DIR).name == "postgres"
    monkeypatch.setenv("TENANT_KPIS_TARGET", "snowflake")
    with pytest.raises(UserError, match="'snowflake' is not an output"):
        resolve_target(directory=PROJECT_DIR)


# ---------------------------------------------------------------- tenant-kpis load


@pytest.fixture(scope="module")
def tiny_feed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete raw feed (the hook checks all nine tables), users as CSV."""
    from dbt_project import generate

    return generate(tmp_path_factory.mktemp("tiny_feed") / "raw", 2, 5, "--format", "csv")


def _feed_copy(feed: Path, destination: Path) -> Path:
    shutil.copytree(feed, destination)
    return destination


def test_a_missing_required_column_is_the_builds_own_one_line_error(
    tiny_feed: Path, tmp_path: Path
) -> None:
    """`load` checks the files with the DuckDB hook itself: the same one line as a
    DuckDB build, naming table, column and file, and no stack trace."""
    raw = _feed_copy(tiny_feed, tmp_path / "raw")
    users = raw / "users.csv"
    with users.open(newline="") as handle:
        rows = list(csv.reader(handle))
    persona = rows[0].index("persona")
    with users.open("w", newline="") as handle:
        csv.writer(handle).writerows([row[:persona] + row[persona + 1 :] for row in rows])
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UserError) as raised:
        export_raw_files(raw, out, artefacts_dir=RAW_LOAD_ARTEFACTS)
    message = str(raised.value)
    assert message.startswith("raw table 'users' is missing required column 'persona'")
    assert str(users) in message and "\n" not in message and "Traceback" not in message


def test_a_line_that_is_not_rfc_4180_stops_the_load(tiny_feed: Path, tmp_path: Path) -> None:
    raw = _feed_copy(tiny_feed, tmp_path / "raw")
    with (raw / "users.csv").open("a") as handle:
        handle.write('u-bad,"t-1,admin,2025-01-01\n')
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UserError, match=r"^raw table 'users' .*line"):
        export_raw_files(raw, out, artefacts_dir=RAW_LOAD_ARTEFACTS)
    assert not (out / "users.csv").exists()


def test_values_are_loaded_as_the_text_duckdb_renders(tiny_feed: Path, tmp_path: Path) -> None:
    """Typed Parquet values become the text the DuckDB raw views show; an empty string
    stays an empty string and a null stays null; extra columns are dropped; a missing
    optional column is null."""
    raw = _feed_copy(tiny_feed, tmp_path / "raw")
    (raw / "users.csv").unlink()
    with duckdb.connect() as connection:
        connection.execute(
            f"""
            copy (
                select * from (values
                    ('0001', 'T-1', 'admin', timestamp '2025-03-03 09:00:00.5', '', 'x'),
                    ('0002', 'T-1', 'operator', timestamp '2025-03-04 10:00:00', null, 'y')
                ) as t(user_id, tenant_id, persona, created_at, deactivated_at, extra_column)
            ) to '{raw / "users.parquet"}'
            """
        )
    out = tmp_path / "out"
    out.mkdir()
    tables = export_raw_files(raw, out, artefacts_dir=RAW_LOAD_ARTEFACTS)
    assert [column.name for column in next(t for t in tables if t.name == "users").columns] == [
        "user_id",
        "tenant_id",
        "persona",
        "created_at",
        "deactivated_at",
        "email",
    ]
    assert (out / "users.csv").read_text().splitlines() == [
        '"0001","T-1","admin","2025-03-03 09:00:00.5","",',
        '"0002","T-1","operator","2025-03-04 10:00:00",,',
    ]


# ---------------------------------------------------------------- parity comparison


def test_values_equal_is_exact_except_for_floats() -> None:
    assert values_equal(0.1 + 0.2, 0.3)  # 5.6e-17 apart
    assert values_equal(1e12, 1e12 * (1 + 5e-10))
    assert not values_equal(1.0, 1.0 + 2e-9)
    assert values_equal(math.nan, math.nan)
    assert not values_equal(math.nan, 0.0)
    assert values_equal(None, None)
    assert not values_equal(None, 0)
    assert not values_equal(1, 1.0)  # an integer column must not become a float column
    assert not values_equal(True, 1)
    assert not values_equal(date(2026, 1, 5), datetime(2026, 1, 5))
    assert not values_equal("a", "a ")


def test_compare_rows_matches_on_the_key_and_reports_the_first_differences() -> None:
    columns = ["week_start", "kpi_name", "value"]
    left = (columns, [(date(2026, 1, 5), "nps", 10.0), (date(2026, 1, 5), "adoption", 0.5)])
    same = (columns, list(reversed(left[1])))
    assert compare_rows("fct", ["week_start", "kpi_name"], left, same).identical
    changed = (columns, [(date(2026, 1, 5), "nps", 10.1), (date(2026, 1, 12), "adoption", 0.5)])
    comparison = compare_rows("fct", ["week_start", "kpi_name"], left, changed)
    assert not comparison.identical
    report = "\n".join(comparison.problems)
    assert "1 keys only left, 1 only right, 1 rows with different values" in report
    assert "value: 10.0 vs 10.1" in report
    renamed = (["week_start", "kpi", "value"], left[1])
    assert "columns differ" in compare_rows("fct", ["week_start"], left, renamed).problems[0]


# ---------------------------------------------------------------- tenant-kpis build


def test_build_refuses_node_selection_and_passes_vars_on() -> None:
    with pytest.raises(UserError, match="selects nodes itself"):
        build(["--select", "dim_tenants"])
    rest, variables = _split_vars(["--full-refresh", "--vars", "{raw_dir: x, a: 1}", "--vars=b: 2"])
    assert rest == ["--full-refresh"]
    assert variables == {"raw_dir": "x", "a": 1, "b": 2}


def test_merged_run_results_hold_both_phases(tmp_path: Path) -> None:
    first, second = tmp_path / "first.json", tmp_path / "run_results.json"
    first.write_text(
        json.dumps(
            {
                "metadata": {"invocation_id": "phase-1"},
                "elapsed_time": 10.0,
                "results": [
                    {"unique_id": "operation.tenant_kpis.hook", "status": "success"},
                    {"unique_id": "model.tenant_kpis.a", "status": "success"},
                    {"unique_id": "test.tenant_kpis.t", "status": "fail"},
                ],
            }
        )
    )
    second.write_text(
        json.dumps(
            {
                "metadata": {"invocation_id": "phase-2"},
                "elapsed_time": 5.0,
                "results": [
                    {"unique_id": "operation.tenant_kpis.hook", "status": "success"},
                    {"unique_id": "model.tenant_kpis.b", "status": "success"},
                ],
            }
        )
    )
    merge_run_results(first, second)
    merged = json.loads(second.read_text())
    assert merged["metadata"]["invocation_id"] == "phase-2"
    assert merged["elapsed_time"] == 15.0
    assert [result["unique_id"] for result in merged["results"]] == [
        "model.tenant_kpis.a",
        "test.tenant_kpis.t",  # a failure of phase 1 still refuses the publication
        "operation.tenant_kpis.hook",
        "model.tenant_kpis.b",
    ]


# ---------------------------------------------------------------- names


def test_unit_test_names_fit_postgresql_identifiers() -> None:
    """A dbt unit test builds a relation named after the test; PostgreSQL refuses a
    name longer than 63 bytes, so the build would fail there and only there."""
    manifest = json.loads(parsed_manifest().read_text())
    too_long = sorted(
        test["name"]
        for test in manifest.get("unit_tests", {}).values()
        if len(test["name"].encode()) > POSTGRES_IDENTIFIER_LIMIT
    )
    assert too_long == []


def test_merged_manifest_keeps_the_first_phase_compilation(tmp_path: Path) -> None:
    first, second = tmp_path / "manifest_phase_1.json", tmp_path / "manifest.json"
    compiled = {"compiled": True, "compiled_code": "select 1", "compiled_path": "target/x.sql"}
    first.write_text(
        json.dumps(
            {
                "nodes": {
                    "model.tenant_kpis.a": {"name": "a", **compiled},
                    "model.tenant_kpis.b": {"name": "b", **compiled, "compiled_code": "old"},
                }
            }
        )
    )
    second.write_text(
        json.dumps(
            {
                "metadata": {"invocation_id": "phase-2"},
                "nodes": {
                    "model.tenant_kpis.a": {"name": "a", "compiled": False},
                    "model.tenant_kpis.b": {"name": "b", "compiled": True, "compiled_code": "new"},
                },
            }
        )
    )
    merge_compiled_nodes(first, second)
    merged = json.loads(second.read_text())
    assert merged["metadata"]["invocation_id"] == "phase-2"
    assert merged["nodes"]["model.tenant_kpis.a"]["compiled_code"] == "select 1"
    assert merged["nodes"]["model.tenant_kpis.b"]["compiled_code"] == "new"


def test_models_reading_a_python_step_declare_exactly_its_inputs() -> None:
    """The dbt model reading a step's table depends (`-- depends_on:`) on the very
    relations the step reads, so dbt builds them first and shows the lineage."""
    manifest = json.loads(parsed_manifest().read_text())
    names = {
        unique_id: node["name"]
        for unique_id, node in {**manifest["nodes"], **manifest["sources"]}.items()
    }
    for step in STEPS:
        source = f"source.tenant_kpis.{SCHEMA}.{step.output.name}"
        readers = [
            node
            for node in manifest["nodes"].values()
            if source in node.get("depends_on", {}).get("nodes", [])
        ]
        assert len(readers) == 1, (step.name, [node["name"] for node in readers])
        declared = {
            names[parent] for parent in readers[0]["depends_on"]["nodes"] if parent != source
        }
        assert declared == set(step.inputs), step.name
