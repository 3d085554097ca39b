"""Publishing a Spark build into the published DuckDB file (publish_spark.py).

Fast tests, no JVM: the target's SQL connection (spark_sql.SparkSql, a
local session or a Thrift server) is replaced by a stand-in that runs
Spark's SQL on a hand-made DuckDB warehouse (test_publish's, with its build
record, row accounting and thresholds), so the guards of a Spark
publication are checked on rows whose outcome is written by hand, and a
publication that passes them is typed by the marts' contracts. A real Spark
build is published and its published file compared with DuckDB's (column
types and rows) by `make test-spark SPARK_ARGS=--data-tests` (a local
session) and `make test-spark-thrift` (a Thrift server).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from test_publish import (
    HOLLOW_ACCOUNTING,
    _record,
    _write_accounting,
    _write_manifest,
    _write_warehouse,
)

import tenant_kpis.publish_spark as publish_spark_module
from tenant_kpis.cli import main as cli
from tenant_kpis.engines.spark_sql import SparkSql
from tenant_kpis.publish_spark import spark_relation


class StandInSql(SparkSql):
    """The target's Spark SQL connection, on a DuckDB file."""

    def __init__(self, warehouse: Path) -> None:
        self.connection = duckdb.connect(str(warehouse), read_only=True)
        self.stopped = False

    def query(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        cursor = self.connection.execute(sql.replace("`", '"'))
        return [column[0] for column in cursor.description], cursor.fetchall()

    def table_exists(self, schema: str, table: str) -> bool:
        found = self.connection.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchone()
        return bool(found and found[0])

    def close(self) -> None:
        self.connection.close()
        self.stopped = True


@pytest.fixture()
def spark_project(tmp_path: Path, monkeypatch) -> dict[str, Any]:
    """test_publish's hand-made warehouse, read as the `spark` target's."""
    layout: dict[str, Any] = {
        "warehouse": tmp_path / "warehouse.duckdb",
        "target": tmp_path / "target",
        "published": tmp_path / "published" / "marts.duckdb",
        "sessions": [],
    }
    _write_warehouse(layout["warehouse"], tmp_path / "raw", widgets=3)
    _write_manifest(layout["target"])
    _record(layout["warehouse"], "inv-good")

    def connect(target: Any) -> StandInSql:
        assert target.type == "spark"
        sql = StandInSql(layout["warehouse"])
        layout["sessions"].append(sql)
        return sql

    monkeypatch.setattr(publish_spark_module.spark_sql, "connect", connect)
    monkeypatch.setenv("TENANT_KPIS_TARGET", "spark")
    monkeypatch.setenv("TENANT_KPIS_SPARK_DIR", str(tmp_path / "spark"))
    return layout


def _cli_publish(project: dict[str, Any], *options: str) -> Any:
    return CliRunner().invoke(
        cli,
        [
            "publish",
            "--out",
            str(project["published"]),
            "--target",
            str(project["target"]),
            *options,
        ],
    )


def _previous_publication(path: Path) -> bytes:
    """A publication in place before the Spark build (its invocation inv-before)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as connection:
        connection.execute("create table build_info as select 'inv-before' as invocation_id")
        connection.execute(
            "create table dq_row_accounting as select * from (values "
            "('widgets', 1000, 990, 10, 0), ('gadgets', 500, 500, 0, 0)) "
            "as t(raw_table, rows_raw, rows_staged, rows_quarantined, rows_duplicate)"
        )
    return path.read_bytes()


def test_spark_relations_are_quoted_with_backticks() -> None:
    assert spark_relation('"marts"."fct_kpi_weekly"') == "`marts`.`fct_kpi_weekly`"


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"finished": False}, r"inv-bad.*did not finish"),
        ({"failed": 1}, r"inv-bad.*failed: 7 of 8 .* 1 failed tests"),
    ],
)
def test_a_spark_build_that_failed_or_died_is_not_published(
    spark_project: dict[str, Any], record: dict, reason: str
) -> None:
    before = _previous_publication(spark_project["published"])
    _record(spark_project["warehouse"], "inv-bad", **record)
    result = _cli_publish(spark_project)
    assert result.exit_code == 2, result.output
    message = result.output.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message
    assert re.search(reason, message), message
    assert spark_project["published"].read_bytes() == before
    assert sorted(os.listdir(spark_project["published"].parent)) == [
        ".marts.duckdb.lock",
        "marts.duckdb",
    ]
    assert all(session.stopped for session in spark_project["sessions"])


def test_a_spark_warehouse_without_a_build_record_is_refused(
    spark_project: dict[str, Any],
) -> None:
    with duckdb.connect(str(spark_project["warehouse"])) as connection:
        connection.execute("drop table audit.dbt_invocation_log")
    result = _cli_publish(spark_project)
    assert result.exit_code == 2
    assert "no build is recorded in Spark target 'spark'" in result.output
    assert not spark_project["published"].exists()


def test_a_hollow_spark_build_is_refused_against_the_previous_publication(
    spark_project: dict[str, Any],
) -> None:
    before = _previous_publication(spark_project["published"])
    _write_accounting(spark_project["warehouse"], HOLLOW_ACCOUNTING)
    result = _cli_publish(spark_project)
    assert result.exit_code == 2, result.output
    assert "widgets: 100.0% of rows quarantined (1,000 of 1,000; threshold 50.0%)" in result.output
    assert "widgets: staged rows 990 -> 0 (-100.0%; threshold -10.0%)" in result.output
    assert "compared with the previous publication (invocation inv-before)" in result.output
    assert spark_project["published"].read_bytes() == before


def test_a_missing_spark_mart_is_refused_before_any_mart_is_exported(
    spark_project: dict[str, Any],
) -> None:
    with duckdb.connect(str(spark_project["warehouse"])) as connection:
        connection.execute("drop table main.fct_widget_weekly")
    result = _cli_publish(spark_project)
    assert result.exit_code == 2, result.output
    assert "public model fct_widget_weekly is not in the warehouse" in result.output
    assert not spark_project["published"].exists()


def test_warehouse_option_is_refused_for_a_spark_target(spark_project: dict[str, Any]) -> None:
    result = _cli_publish(spark_project, "--warehouse", str(spark_project["warehouse"]))
    assert result.exit_code == 2
    assert "--warehouse is a DuckDB file" in result.output


def _declare_contracts(project: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """The manifest's public marts with their columns' contract types (the
    warehouse's own), as dbt writes them for an enforced contract."""
    manifest_path = project["target"] / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    types: dict[str, list[tuple[str, str]]] = {}
    with duckdb.connect(str(project["warehouse"]), read_only=True) as connection:
        for node in manifest["nodes"].values():
            if node.get("access") != "public":
                continue
            described = connection.execute(f'describe main."{node["name"]}"').fetchall()
            types[node["name"]] = [(str(row[0]), str(row[1])) for row in described]
            node["columns"] = {
                name: {**node["columns"].get(name, {}), "data_type": kind.lower()}
                for name, kind in types[node["name"]]
            }
    manifest_path.write_text(json.dumps(manifest))
    return types


def test_a_spark_build_is_published_with_its_contract_types_and_rows(
    spark_project: dict[str, Any],
) -> None:
    expected = _declare_contracts(spark_project)
    result = _cli_publish(spark_project)
    assert result.exit_code == 0, result.output
    with (
        duckdb.connect(str(spark_project["published"]), read_only=True) as published,
        duckdb.connect(str(spark_project["warehouse"]), read_only=True) as warehouse,
    ):
        for name, columns in expected.items():
            described = published.execute(f'describe main."{name}"').fetchall()
            assert [(str(row[0]), str(row[1])) for row in described] == columns
            query = f'select * from main."{name}" order by all'
            assert published.execute(query).fetchall() == warehouse.execute(query).fetchall()
    assert all(session.stopped for session in spark_project["sessions"])


def test_a_spark_mart_column_without_a_contract_type_is_not_published(
    spark_project: dict[str, Any],
) -> None:
    result = _cli_publish(spark_project)
    assert result.exit_code == 2, result.output
    assert "no contract type the publication knows" in result.output
    assert not spark_project["published"].exists()
