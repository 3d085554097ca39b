"""The project's own generic tests and contract constraints fail on bad rows.

Each check takes the SQL dbt compiled for a real test of the shared build,
points it at a copy of the tested relation with hand-made defects, and
expects exactly the defective rows back. A generic test that cannot fail
would pass here on the clean copy too, so both directions are asserted.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from dbt_project import BuiltProject


def _compiled_test_sql(shared_build: BuiltProject, test_name: str, model: str) -> str:
    """The SQL dbt compiled for the `test_name` generic test attached to `model`."""
    manifest = json.loads((shared_build.target_dir / "manifest.json").read_text())
    paths = [
        node["compiled_path"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and (node.get("test_metadata") or {}).get("name") == test_name
        and node.get("attached_node") == f"model.tenant_kpis.{model}"
    ]
    assert len(paths) == 1, f"expected one {test_name} test on {model}, found {paths}"
    return (shared_build.target_dir.parent / paths[0]).read_text()


def _relation_of(sql: str) -> str:
    match = re.search(r'from ("[^"]+"\."[^"]+"\."[^"]+")', sql)
    assert match, sql
    return match.group(1)


@pytest.fixture()
def warehouse_copy(shared_build: BuiltProject, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    # same file name: DuckDB views embed the catalog name, which is the file stem
    copy = tmp_path / shared_build.database.name
    shutil.copy(shared_build.database, copy)
    with duckdb.connect(str(copy)) as connection:
        yield connection


def test_not_null_columns_returns_each_row_with_a_null_and_names_the_columns(
    shared_build: BuiltProject, warehouse_copy: duckdb.DuckDBPyConnection
) -> None:
    sql = _compiled_test_sql(shared_build, "not_null_columns", "int_user_days_aggregated")
    relation = _relation_of(sql)
    warehouse_copy.execute(
        f"create temp table probe as "
        f"select * from {relation} order by user_id, activity_date limit 4"
    )
    clean = warehouse_copy.execute(sql.replace(relation, "probe")).fetchall()
    assert clean == []

    warehouse_copy.execute(
        "update probe set tenant_id = null "
        "where (user_id, activity_date) = (select (user_id, activity_date) from probe "
        "order by user_id, activity_date limit 1)"
    )
    warehouse_copy.execute(
        "update probe set activity_date = null, last_received_at = null "
        "where (user_id, activity_date) = (select (user_id, activity_date) from probe "
        "order by user_id desc, activity_date desc limit 1)"
    )
    failing = warehouse_copy.execute(
        f"select null_columns from ({sql.replace(relation, 'probe')}) order by 1"
    ).fetchall()
    assert failing == [("activity_date, last_received_at",), ("tenant_id",)]


def test_contract_not_null_constraint_rejects_a_null_key(
    warehouse_copy: duckdb.DuckDBPyConnection,
) -> None:
    # public marts declare not_null in their enforced contract instead of a test
    with pytest.raises(duckdb.ConstraintException, match="kpi_name"):
        warehouse_copy.execute(
            "insert into main.fct_kpi_weekly (week_start, kpi_name, segment_type, segment_value) "
            "values (date '2024-01-01', null, 'all', 'all')"
        )
