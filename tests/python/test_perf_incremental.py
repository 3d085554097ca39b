"""The incremental user-day and user-week aggregates equal a full refresh (perf).

int_user_days_aggregated is incremental: an appended week recomputes only the
activity days touched by events received in the load window;
int_user_weeks_aggregated recomputes the weeks from the first one those days
touch, its streaks continuing from the stored week before. After the
held-back week (plus re-sent copies of already loaded events, some with an
earlier received_at that replaces the stored delivery) is appended, the
incremental build must match a full refresh of the same files row for row,
for the user-day table and for its weekly roll-up, and the user-day table
must match an independent aggregation of the staged events.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from dbt_project import BIN, WAREHOUSE_ONLY, dbt_env, generate, run_command
from test_incremental import add_redeliveries

from tenant_kpis.generator import append_holdback

SELECTION = [
    "--select",
    "+int_user_weeks_aggregated",
    "--indirect-selection",
    "cautious",
    # unit tests check the SQL on fixtures, not this feed: `make dbt-test-build` runs them once
    "--exclude-resource-type",
    "unit_test",
]
COUNT_DAYS = "select count(*) from intermediate.int_user_days_aggregated"
COMPARED = (
    "intermediate.int_user_days_aggregated",
    "intermediate.int_user_weeks_aggregated",
)


def dbt(raw_dir: Path, work: Path, *args: str) -> None:
    env = dbt_env(raw_dir, work / "tenant_kpis.duckdb", work / "target", **WAREHOUSE_ONLY)
    run_command([str(BIN / "dbt"), *args], env)


def rows(work: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(work / "tenant_kpis.duckdb"), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def compiled_user_days_sql(work: Path, model: str = "int_user_days_aggregated") -> str:
    path = work / "target" / "compiled" / "tenant_kpis" / "models" / "intermediate" / "users"
    return (path / f"{model}.sql").read_text()


@pytest.mark.slow
def test_incremental_user_days_equal_full_refresh(tmp_path: Path) -> None:
    raw = generate(tmp_path / "raw", 10, 23, "--dirty", "0.03", "--holdback-days", "7")
    truth = json.loads((raw / "_truth.json").read_text())
    assert truth["holdback"]["events_held_back"] > 0
    add_redeliveries(raw, truth["holdback"]["cutoff"])

    incremental = tmp_path / "incremental"
    dbt(raw, incremental, "build", *SELECTION)
    [(days_first,)] = rows(incremental, COUNT_DAYS)
    assert "affected_days" not in compiled_user_days_sql(incremental)

    append_holdback(raw)
    dbt(raw, incremental, "build", *SELECTION)
    assert "affected_days" in compiled_user_days_sql(incremental)  # the incremental path ran
    user_weeks_sql = compiled_user_days_sql(incremental, "int_user_weeks_aggregated")
    assert "first_recomputed_week" in user_weeks_sql
    [(days_after,)] = rows(incremental, COUNT_DAYS)
    assert days_after > days_first

    full = tmp_path / "full"
    dbt(raw, full, "build", "--full-refresh", *SELECTION)
    for relation in COMPARED:
        query = f"select * from {relation} order by all"
        assert rows(incremental, query) == rows(full, query), relation

    # Independent check: one row per user and day with staged events, with the
    # event count and the latest received_at of that day.
    mismatches = rows(
        incremental,
        """
        with expected as (
            select user_id, occurred_date as activity_date, count(*) as events,
                max(received_at) as last_received_at
            from staging.stg_product__events
            group by all
        ),
        actual as (
            select user_id, activity_date, events, last_received_at
            from intermediate.int_user_days_aggregated
        )
        select count(*) from (
            (select * from expected except all select * from actual)
            union all
            (select * from actual except all select * from expected)
        )
        """,
    )
    assert mismatches == [(0,)]
