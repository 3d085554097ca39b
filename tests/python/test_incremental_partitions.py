"""A partitioned events delivery: the incremental load reads only new partitions.

On a tiny generated feed (4 tenants, 3% dirty rows, a week held back as
load_date partitions) the first build loads the history; the held-back
partitions arrive with two more (a partition of re-sent copies of events
already loaded, and a partition with an old load date that was never
delivered before); the incremental load must read only the partitions it
does not hold (its duplicate ledger also the lookback days), match a full
refresh row for row (the events, the user days, and the user and
tenant-feature weeks, incremental by week), and account for every raw row
per load date from the Parquet footers, with no recount. A partition the
load skipped must fail the accounting test.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from dbt_project import BIN, WAREHOUSE_ONLY, dbt_env, generate, run_command

from tenant_kpis.generator import append_holdback

SELECTION = [
    "--select",
    "+dq_row_accounting",
    "+int_user_weeks_aggregated",
    "+int_tenant_feature_weeks_aggregated",
    "+int_tenant_health_inputs_aggregated",
    "+int_kpi_engagement_computed",
    "+int_kpi_onboarding_computed",
    "+int_kpi_early_warning_computed",
    "+dq_quarantined_rows",
    "--indirect-selection",
    "cautious",
    "--exclude-resource-type",
    "unit_test",
]
COMPARED = (
    "staging.base_product__events",
    "staging.stg_product__events",
    "staging.base_product__event_partition_duplicates",
    "staging.base_product__event_deliveries",
    "intermediate.int_user_days_aggregated",
    "intermediate.int_user_weeks_aggregated",
    "intermediate.int_user_event_details_aggregated",
    "intermediate.int_user_milestones_reached",
    "intermediate.int_users_lifecycle",
    "intermediate.int_tenant_feature_weeks_aggregated",
    "intermediate.int_tenant_health_inputs_aggregated",
    "intermediate.int_kpi_engagement_computed",
    "intermediate.int_kpi_onboarding_computed",
    "intermediate.int_kpi_early_warning_computed",
    "main.dq_row_accounting",
    "main.dq_quarantined_rows",
)
#: never delivered before, older than anything loaded: an out-of-order partition
OLD_PARTITION = "2020-01-06"


def dbt(raw_dir: Path, work: Path, *args: str, check: bool = True):
    env = dbt_env(raw_dir, work / "tenant_kpis.duckdb", work / "target", **WAREHOUSE_ONLY)
    return run_command([str(BIN / "dbt"), *args], env, check=check)


def rows(work: Path, relation: str) -> list[tuple]:
    with duckdb.connect(str(work / "tenant_kpis.duckdb"), read_only=True) as connection:
        return connection.execute(f"select * from {relation} order by all").fetchall()


def write_partition(raw: Path, load_date: str, rows_sql: str) -> int:
    """A new held-back partition `load_date=<load_date>/part-0.parquet` holding `rows_sql`."""
    directory = raw / "_holdback" / "events" / f"load_date={load_date}"
    directory.mkdir(parents=True)
    with duckdb.connect() as connection:
        connection.execute(
            f"copy ({rows_sql}) to '{directory / 'part-0.parquet'}' (format parquet)"
        )
        [(written,)] = connection.execute(
            f"select count(*) from '{directory / 'part-0.parquet'}'"
        ).fetchall()
    return written


def add_late_partitions(raw: Path, end_date: str) -> None:
    """Two partitions the incremental run must load exactly as a full refresh would.

    On end_date (after every held-back day): later copies of 5 events already
    loaded (duplicates of stored rows) and one copy sent twice in the partition.
    On OLD_PARTITION: 3 new events (copies of imports under new ids) with their
    original (old) received_at, in a partition dated before anything loaded.
    """
    loaded = f"'{raw}/events/*/*.parquet'"
    stored = f"select * from read_parquet({loaded}) where event_id is not null order by event_id"
    write_partition(
        raw,
        end_date,
        f"select * from ({stored} limit 5) union all select * from ({stored} limit 1)",
    )
    # imports: a copy changes the user's import sums, where a copy of another
    # event leaves every first, last and count of its user's milestones as they were
    imports = (
        f"select * from read_parquet({loaded}) "
        "where event_name = 'data_import_completed' order by event_id limit 3"
    )
    write_partition(
        raw,
        OLD_PARTITION,
        f"select * replace ('LATE-' || event_id as event_id) from ({imports})",
    )


def raw_rows_by_partition(raw: Path) -> list[tuple]:
    """(load date, rows) of every delivered partition, counted here by reading the files."""
    with duckdb.connect() as connection:
        return connection.execute(f"""
            select cast(load_date as date), count(*)
            from read_parquet('{raw}/events/*/*.parquet', hive_partitioning = true)
            group by 1 order by 1
        """).fetchall()


@pytest.mark.slow
def test_partitioned_incremental_build_equals_full_refresh_and_skips_nothing(
    tmp_path: Path,
) -> None:
    raw = generate(
        tmp_path / "raw",
        4,
        11,
        "--dirty",
        "0.03",
        "--holdback-days",
        "7",
        "--events-layout",
        "partitioned",
    )
    end_date = json.loads((raw / "_truth.json").read_text())["end_exclusive"][:10]
    incremental = tmp_path / "incremental"
    dbt(raw, incremental, "build", *SELECTION)
    loaded_dates = [
        str(day)
        for (day,) in rows(
            incremental, "(select distinct load_date from staging.base_product__events)"
        )
    ]
    # partitions holding only re-sent copies keep no row (the ledger has them)
    without_kept_rows = {str(day) for day, _ in raw_rows_by_partition(raw)} - set(loaded_dates)
    assert without_kept_rows

    add_late_partitions(raw, end_date)
    held_back_dir = raw / "_holdback" / "events"
    held_back = sorted(path.name[len("load_date=") :] for path in held_back_dir.iterdir())
    append_holdback(raw)
    dbt(raw, incremental, "build", *SELECTION)
    compiled = (
        incremental / "target" / "compiled" / "tenant_kpis" / "models" / "staging" / "product"
    )

    def read_dates(model: str) -> set[str]:
        [read] = re.findall(r"where load_date in \(([^)]*)\)", (compiled / model).read_text())
        return {value.strip(" '") for value in read.split(",")}

    assert len(held_back) == 9  # 7 days held back + the 2 late partitions
    # the events load read only the partitions it did not hold (new, out-of-order,
    # re-sent): a held partition is never rewritten, so re-reading it is wasted
    assert read_dates("base_product__events.sql") == set(held_back)
    # the ledger re-counts the duplicates of the lookback days too (the last
    # loaded day and the 3 days before it): a later partition can take over an
    # event's kept delivery from one of them
    last_loaded = date.fromisoformat(loaded_dates[-1])
    lookback = {
        day for day in loaded_dates if date.fromisoformat(day) >= last_loaded - timedelta(3)
    }
    ledger_dates = read_dates("base_product__event_partition_duplicates.sql")
    assert ledger_dates == set(held_back) | lookback
    assert len(ledger_dates) < len(loaded_dates) / 10

    full = tmp_path / "full"
    dbt(raw, full, "build", "--full-refresh", *SELECTION)
    for relation in COMPARED:
        assert rows(incremental, relation) == rows(full, relation), relation

    accounting = (
        "(select load_date, rows_raw, rows_staged + rows_quarantined + rows_duplicate "
        "from main.dq_row_accounting where raw_table = 'events')"
    )
    by_partition = raw_rows_by_partition(raw)
    assert [(day, raw_rows) for day, raw_rows, _ in rows(incremental, accounting)] == by_partition
    late = rows(
        incremental,
        "(select load_date, rows_raw, rows_staged, rows_duplicate from main.dq_row_accounting "
        f"where load_date in ('{OLD_PARTITION}', '{end_date}'))",
    )
    # the old partition's 3 new events staged; the re-sent partition's 6 rows all duplicates
    assert [row[:2] for row in late] == [
        (by_partition[0][0], 3),
        (by_partition[-1][0], 6),
    ]
    assert late[0][2] == 3 and late[1][3] == 6

    # Weekly runs test the new load window only (the where config of the event
    # tables' data tests): a duplicated event_id in an old partition is outside
    # it, the same defect in the newest partition fails the test.
    def plant_duplicate_and_test(load_date: str):
        with duckdb.connect(str(incremental / "tenant_kpis.duckdb")) as connection:
            connection.execute(
                "insert into staging.base_product__events select * replace "
                "('planted:' || event_key as event_key) from staging.base_product__events "
                f"where load_date = '{load_date}' and event_id is not null "
                "order by event_key limit 1"
            )
        return dbt(
            raw,
            incremental,
            "test",
            "--select",
            "base_product__events",
            "--indirect-selection",
            "cautious",
            "--exclude-resource-type",
            "unit_test",
            check=False,
        )

    # a run without new data: its window is the lookback days (the last one
    # started in 2020, at the out-of-order partition)
    dbt(raw, incremental, "run", "--select", "base_product__events")
    assert plant_duplicate_and_test(loaded_dates[0]).returncode == 0
    [(newest,)] = rows(
        incremental,
        "(select max(load_date) from staging.base_product__events where event_id is not null)",
    )
    caught = plant_duplicate_and_test(str(newest))
    assert caught.returncode != 0
    assert "Failure in test unique_base_product__events_event_id" in caught.stdout
    with duckdb.connect(str(incremental / "tenant_kpis.duckdb")) as connection:
        connection.execute(
            "delete from staging.base_product__events where event_key like 'planted:%'"
        )

    # A load that skipped a partition: its rows_raw (from the footers) stays, nothing
    # accounts for it, and the accounting test fails without any recount of the raw files.
    with duckdb.connect(str(incremental / "tenant_kpis.duckdb")) as connection:
        for relation in ("base_product__events", "base_product__event_partition_duplicates"):
            connection.execute(
                f"delete from staging.{relation} where load_date = '{OLD_PARTITION}'"
            )
    completed = dbt(
        raw,
        incremental,
        "build",
        "--select",
        "stg_product__events",
        "base_product__event_deliveries",
        "dq_row_accounting",
        "--exclude-resource-type",
        "unit_test",
        check=False,
    )
    assert completed.returncode != 0
    assert "Failure in test expression_is_true_dq_row_accounting_rows_raw" in completed.stdout
    assert rows(
        incremental,
        "(select rows_raw, rows_staged, rows_quarantined, rows_duplicate "
        f"from main.dq_row_accounting where load_date = '{OLD_PARTITION}')",
    ) == [(3, 0, 0, 0)]
