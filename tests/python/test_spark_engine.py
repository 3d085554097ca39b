"""The Spark target (issue 12): fast tests, no Spark session.

- the `spark` target as Python tooling reads it (a local session in UTC, its
  own warehouse directory and metastore);
- `tenant-kpis load --target spark`: the raw files checked by the DuckDB
  hook and written as text-only Parquet for the raw schema's external
  tables, swapped in only when the whole feed passed.

`make test-spark` runs the integration: both engines, one feed, every
public mart compared row by row.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from dbt_project import PROJECT_DIR

from tenant_kpis.engines.profile import resolve_target
from tenant_kpis.engines.raw_load import load_raw
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
