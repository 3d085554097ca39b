"""Replay a full build's compiled SQL through one DuckDB connection (bench reference).

Usage: python -m tenant_kpis.bench_reference TARGET_DIR DATABASE MEMORY_LIMIT FULL_BUILD_DB

Reads TARGET_DIR/manifest.json and run_results.json, then creates every SQL
model (tables and incremental models as tables, views as views) in DAG order,
then runs every data test's compiled query (timed apart: `tests_seconds`).
The Python steps are not replayed: their tables (schema python_steps) are
copied from the full build's warehouse (untimed), the steps' measured time
(recorded by `tenant-kpis build` in run_results.json) is added to the total,
and the last line says how much that was.
"""

from __future__ import annotations

import json
import sys
import time
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb


def replay_tests(
    connection: duckdb.DuckDBPyConnection, manifest: dict, timing: dict[str, float]
) -> tuple[float, int, int]:
    """Run each data test's compiled query of the build, as dbt wraps it (a count
    of failing rows): the testing cost without dbt, reported beside the
    reference. A test whose query reads what only the build wrote (an audit
    side table) is not replayed and is counted apart."""
    seconds, replayed, failed = 0.0, 0, 0
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] != "test" or unique_id not in timing:
            continue
        sql = node.get("compiled_code")
        if not sql:
            failed += 1
            continue
        started = time.perf_counter()
        try:
            connection.execute(f"select count(*) from ({sql}) as dbt_internal_test").fetchall()
        except duckdb.Error:
            failed += 1
            continue
        seconds += time.perf_counter() - started
        replayed += 1
    return seconds, replayed, failed


def main() -> None:
    target_dir, database, memory_limit = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    full_build_db = sys.argv[4]
    manifest = json.loads((target_dir / "manifest.json").read_text())
    run_results = json.loads((target_dir / "run_results.json").read_text())
    timing = {r["unique_id"]: r["execution_time"] for r in run_results["results"]}

    models = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and uid in timing
    }
    graph = {
        uid: [d for d in node["depends_on"]["nodes"] if d in models] for uid, node in models.items()
    }
    order = list(TopologicalSorter(graph).static_order())

    build = run_results.get("args", {}).get("tenant_kpis_build", {})
    python_seconds = float(build.get("python_steps_seconds", 0.0))
    copy_seconds = 0.0
    started = time.perf_counter()
    with duckdb.connect(database) as connection:
        connection.execute(f"attach '{full_build_db}' as full_build (read_only)")
        connection.execute(f"set memory_limit = '{memory_limit}'")
        connection.execute("set threads = 2")
        connection.execute("set TimeZone = 'UTC'")
        connection.execute("set preserve_insertion_order = false")
        copy_started = time.perf_counter()
        connection.execute("create schema if not exists python_steps")
        for (table,) in connection.execute(
            "select table_name from duckdb_tables() "
            "where database_name = 'full_build' and schema_name = 'python_steps'"
        ).fetchall():
            connection.execute(
                f'create or replace table python_steps."{table}" as '
                f'select * from full_build.python_steps."{table}"'
            )
        copy_seconds += time.perf_counter() - copy_started
        for uid in order:
            node = models[uid]
            materialized = node["config"]["materialized"]
            if materialized == "ephemeral":
                continue
            relation = node["relation_name"]
            connection.execute(f'create schema if not exists "{node["schema"]}"')
            kind = "view" if materialized == "view" else "table"
            connection.execute(f"create or replace {kind} {relation} as {node['compiled_code']}")
        replay_started = time.perf_counter()
        tests_seconds, tests_replayed, tests_failed = replay_tests(connection, manifest, timing)
        replay_seconds = time.perf_counter() - replay_started
    # the models' time includes closing the warehouse (its checkpoint), as before
    # the tests were replayed, and excludes the replay
    sql_seconds = time.perf_counter() - started - copy_seconds - replay_seconds
    # Last line is machine-readable: the bench adds the two parts explicitly.
    print(
        json.dumps(
            {
                "models": len(order),
                "sql_seconds": sql_seconds,
                "python_seconds": python_seconds,
                "tests": tests_replayed,
                "tests_not_replayed": tests_failed,
                "tests_seconds": tests_seconds,
            }
        )
    )


if __name__ == "__main__":
    main()
