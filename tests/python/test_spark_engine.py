"""The Spark target (issue 12): fast tests, no Spark session.

- the `spark` target as Python tooling reads it (a local session in UTC, its
  own warehouse directory and metastore);
- `tenant-kpis load --target spark`: the raw files checked by the DuckDB
  hook and written as text-only Parquet for the raw schema's external
  tables, swapped in only when the whole feed passed;
- the `spark_thrift` target and its server (a cluster's way in: PyHive to a
  Thrift server started with the session target's settings), and what
  Python writes and reads through SQL (spark_sql.py, the steps' literals).

`make test-spark` and `make test-spark-thrift` run the integration: both
engines, one feed, every public mart compared row by row.
"""

from __future__ import annotations

import math
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_project import PROJECT_DIR

from tenant_kpis.engines.profile import resolve_target
from tenant_kpis.engines.raw_load import load_raw
from tenant_kpis.engines.spark_sql import ThriftSql
from tenant_kpis.engines.spark_thrift import HOST, server_command
from tenant_kpis.engines.warehouse import _spark_literal
from tenant_kpis.errors import UserError

HOLDOUT_FEED = PROJECT_DIR / "tests" / "fixtures" / "holdout_feed"


def test_spark_target_is_a_local_session_in_utc_in_its_own_directory(monkeypatch) -> None:
    monkeypatch.setenv("TENANT_KPIS_SPARK_DIR", "/tmp/elsewhere")
    target = resolve_target("spark", PROJECT_DIR)
    settings = target.settings
    assert (target.type, settings["method"]) == ("spark", "session")
    parameters = settings["server_side_parameters"]
    assert parameters["spark.sql.session.timeZone"] == "UTC"
    assert parameters["spark.sql.warehouse.dir"] == "/tmp/elsewhere/warehouse"
    assert (
        "databaseName=/tmp/elsewhere/metastore_db"
        in (parameters["spark.hadoop.javax.jdo.option.ConnectionURL"])
    )


def _spark_target(monkeypatch, spark_dir: Path):
    monkeypatch.setenv("TENANT_KPIS_SPARK_DIR", str(spark_dir))
    monkeypatch.delenv("TENANT_KPIS_SPARK_RAW_DIR", raising=False)
    return resolve_target("spark", PROJECT_DIR)


def test_spark_load_writes_the_text_duckdb_renders_and_keeps_it_on_a_refused_feed(
    monkeypatch, tmp_path: Path
) -> None:
    """Every column is text, as the DuckDB raw views render it: offsets and
    number-like keys untouched, extra columns dropped; row counts are the
    holdout feed's (its README). A feed the checks refuse is one line and
    leaves the previous delivery in place."""
    spark_dir = tmp_path / "spark"
    target = _spark_target(monkeypatch, spark_dir)
    result = load_raw(HOLDOUT_FEED, target)
    assert result.rows["tenants"] == 4 and result.rows["users"] == 5
    assert result.rows["events"] == 12
    raw = spark_dir / "raw"
    assert sorted(path.relative_to(raw).as_posix() for path in raw.glob("*/*")) == sorted(
        f"{table}/part-0.parquet" for table in result.rows
    )
    with duckdb.connect() as connection:
        types = {
            row[0]: row[1]
            for row in connection.execute(
                f"describe select * from read_parquet('{raw / 'tenants' / 'part-0.parquet'}')"
            ).fetchall()
        }
        onboarded = connection.execute(
            f"select onboarded_at from read_parquet('{raw / 'tenants' / 'part-0.parquet'}') "
            "where tenant_id = '00123'"
        ).fetchone()
    assert set(types.values()) == {"VARCHAR"}
    assert "crm_owner" not in types  # an extra column of the holdout feed
    assert onboarded == ("2025-03-03T09:00:00+02:00",)

    before = (raw / "users" / "part-0.parquet").read_bytes()
    bad = tmp_path / "bad_feed"
    shutil.copytree(HOLDOUT_FEED, bad)
    (bad / "users.csv").unlink()
    with pytest.raises(UserError) as raised:
        load_raw(bad, target)
    message = str(raised.value)
    assert message.startswith("raw table 'users' not found") and "\n" not in message
    assert (raw / "users" / "part-0.parquet").read_bytes() == before
    assert not (spark_dir / "raw.loading").exists()


def test_spark_thrift_target_reaches_the_server_of_its_variables(monkeypatch) -> None:
    monkeypatch.setenv("TENANT_KPIS_SPARK_HOST", "spark.example")
    monkeypatch.setenv("TENANT_KPIS_SPARK_PORT", "10001")
    target = resolve_target("spark_thrift", PROJECT_DIR)
    settings = target.settings
    assert (target.type, settings["method"]) == ("spark", "thrift")
    assert (settings["host"], int(settings["port"])) == ("spark.example", 10001)


def test_thrift_server_runs_with_the_session_targets_settings_on_loopback(monkeypatch) -> None:
    monkeypatch.setenv("TENANT_KPIS_SPARK_DIR", "/tmp/elsewhere")
    parameters = resolve_target("spark", PROJECT_DIR).settings["server_side_parameters"]
    command = server_command(parameters, 12345)
    assert command[command.index("--master") + 1] == parameters["spark.master"]
    assert "spark.sql.session.timeZone=UTC" in command
    assert "spark.sql.warehouse.dir=/tmp/elsewhere/warehouse" in command
    assert f"hive.server2.thrift.bind.host={HOST}" in command and HOST == "127.0.0.1"
    assert "hive.server2.thrift.port=12345" in command


class _HiveCursor:
    def __init__(self) -> None:
        self.description = [("d", "DATE_TYPE"), ("t", "TIMESTAMP_TYPE"), ("n", "BIGINT_TYPE")]

    def execute(self, sql: str) -> None:
        self.sql = sql

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [("2026-12-07", datetime(2026, 12, 7, 1, 2, 3), 4), (None, None, None)]

    def close(self) -> None:
        pass


class _HiveConnection:
    def cursor(self) -> _HiveCursor:
        return _HiveCursor()


def test_thrift_rows_are_the_python_values_a_session_returns() -> None:
    columns, rows = ThriftSql(_HiveConnection()).query("select d, t, n from x")
    assert columns == ["d", "t", "n"]
    assert rows == [(date(2026, 12, 7), datetime(2026, 12, 7, 1, 2, 3), 4), (None, None, None)]


@pytest.mark.parametrize(
    ("value", "kind", "literal"),
    [
        (None, "double", "cast(null as double)"),
        (0.1, "double", "cast('0.1' as double)"),
        (1e-300, "double", "cast('1e-300' as double)"),
        (math.nan, "double", "cast('NaN' as double)"),
        (-math.inf, "double", "cast('-Infinity' as double)"),
        (7, "bigint", "cast(7 as bigint)"),
        (False, "boolean", "false"),
        (date(2026, 12, 7), "date", "date '2026-12-07'"),
        (datetime(2026, 12, 7, 1, 2, 3), "timestamp", "timestamp '2026-12-07 01:02:03.000000'"),
        ("it's a \\ path", "text", "'it\\'s a \\\\ path'"),
    ],
)
def test_python_step_values_are_exact_spark_literals(value: Any, kind: str, literal: str) -> None:
    assert _spark_literal(value, kind) == literal
