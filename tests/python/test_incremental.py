"""The incremental events model gives the same result as a full refresh.

The generator holds back the events received in the last 7 days; the first
build loads the rest, the held-back week is appended (late data, including
re-sent copies of events already loaded), an incremental build picks it up,
and a full refresh of the same files into another warehouse must match it
row for row.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from dbt_project import BIN, WAREHOUSE_ONLY, dbt_env, generate, run_command
from test_staging import row_accounting

from tenant_kpis.generator import append_holdback

SELECTION = [
    "--select",
    "+dq_row_accounting",
    "+dq_quarantine_summary",
    "+int_tenant_health_inputs_aggregated",
    "+int_kpi_engagement_computed",
    "+int_kpi_onboarding_computed",
    "+int_kpi_early_warning_computed",
    "--indirect-selection",
    "cautious",
    # unit tests check the SQL on fixtures, not this feed: `make dbt-test-build` runs them once
    "--exclude-resource-type",
    "unit_test",
]
COMPARED = (
    "staging.base_product__events",
    "staging.stg_product__events",
    "staging.stg_app__tenants",
    "staging.stg_app__users",
    "staging.stg_app__experiment_assignments",
    "staging.stg_learning__certifications",
    "staging.stg_learning__content",
    "staging.stg_finance__learning_costs",
    "staging.stg_support__tickets",
    "staging.stg_billing__subscription_events",
    "intermediate.int_user_weeks_aggregated",
    "intermediate.int_user_event_details_aggregated",
    "intermediate.int_user_milestones_reached",
    "intermediate.int_users_lifecycle",
    "intermediate.int_user_kpi_windows_unioned",
    "intermediate.int_tenant_weeks_aggregated",
    "intermediate.int_tenant_health_inputs_aggregated",
    "intermediate.int_kpi_engagement_computed",
    "intermediate.int_kpi_onboarding_computed",
    "intermediate.int_kpi_early_warning_computed",
    "main.dq_row_accounting",
    "main.dq_quarantined_rows",
)


def dirty_truth(raw: Path) -> dict:
    """The generator's record of injected defects (quarantine, duplicates, unknown names)."""
    truth = json.loads((raw / "_truth.json").read_text())
    return truth.get("dirty", truth)  # older generator versions nested it under "dirty"


def add_redeliveries(raw: Path, cutoff: str) -> int:
    """Add re-sent copies of already delivered events to the held-back file.

    Three cases the incremental run must merge with stored rows exactly as a
    full refresh would: a later copy of a recent event (inside the lookback
    window: the stored row stays), a later copy of an old event (outside the
    window: the stored row stays), and a copy with an EARLIER received_at than
    the stored delivery (it replaces the stored row).
    """
    main = raw / "events.parquet"
    received = "make_timestamp(epoch_us(try_cast(received_at as timestamptz)))"
    iso = "%Y-%m-%dT%H:%M:%SZ"
    with duckdb.connect() as connection:
        connection.execute("set TimeZone = 'UTC'")
        columns = [
            row[0] for row in connection.execute(f"describe select * from '{main}'").fetchall()
        ]
        column_list = ", ".join(columns)
        delivered = f"select *, {received} as delivered_at from '{main}' where event_id is not null"
        copies = f"""
            with delivered as ({delivered}),
            recent as (
                select * from delivered
                where delivered_at >= timestamp '{cutoff[:10]}' - interval 2 day
                order by event_id limit 20
            ),
            old as (
                select * from delivered
                where delivered_at < timestamp '{cutoff[:10]}' - interval 30 day
                order by event_id limit 10
            ),
            copies as (
                select * replace (
                    strftime(timestamp '{cutoff[:10]}' + interval 5 hour, '{iso}') as received_at
                ) from recent
                union all
                select * replace (
                    strftime(timestamp '{cutoff[:10]}' + interval 6 hour, '{iso}') as received_at
                ) from old
                union all
                select * replace (
                    strftime(delivered_at - interval 1 hour, '{iso}') as received_at
                ) from (select * from recent order by event_id desc limit 5)
            )
            select {column_list} from copies
        """
        [(added,)] = connection.execute(f"select count(*) from ({copies})").fetchall()
        append_to_held_back_events(connection, raw, f"select * from ({copies})")
    return added


def append_to_held_back_events(
    connection: duckdb.DuckDBPyConnection, raw: Path, rows_sql: str
) -> None:
    """Rewrite the held-back events file with the rows of `rows_sql` added (same columns)."""
    held = raw / "_holdback" / "events.parquet"
    connection.execute(
        f"copy (select * from '{held}' union all {rows_sql}) to '{held}.new' (format parquet)"
    )
    (held.parent / "events.parquet.new").replace(held)


def raw_events_by_load_date(events: Path) -> list[tuple]:
    """(load date, raw rows, duplicate deliveries) of a raw events file.

    A delivery is a duplicate unless it is the first of its event_id: on each
    date, the rows with an event_id minus the event_ids first received that
    day. Dates are the UTC dates of received_at (null when it does not parse).
    """
    with duckdb.connect() as connection:
        connection.execute("set TimeZone = 'UTC'")
        return connection.execute(f"""
            with deliveries as (
                select
                    nullif(trim(cast(event_id as varchar)), '') as event_id,
                    cast(make_timestamp(epoch_us(try_cast(received_at as timestamptz))) as date)
                        as load_date
                from '{events}'
            ),
            per_date as (
                select load_date, count(*) as rows_raw, count(event_id) as rows_with_id
                from deliveries group by 1
            ),
            first_dates as (
                select first_date, count(*) as event_ids
                from (
                    select event_id, min(load_date) as first_date
                    from deliveries where event_id is not null group by 1
                )
                group by 1
            )
            select
                per_date.load_date,
                per_date.rows_raw,
                per_date.rows_with_id - coalesce(first_dates.event_ids, 0) as rows_duplicate
            from per_date
            left join first_dates on per_date.load_date is not distinct from first_dates.first_date
            order by all
        """).fetchall()


def dbt(raw_dir: Path, work: Path, *args: str) -> None:
    env = dbt_env(raw_dir, work / "tenant_kpis.duckdb", work / "target", **WAREHOUSE_ONLY)
    run_command([str(BIN / "dbt"), *args], env)


def rows(work: Path, relation: str) -> list[tuple]:
    with duckdb.connect(str(work / "tenant_kpis.duckdb"), read_only=True) as connection:
        return connection.execute(f"select * from {relation} order by all").fetchall()


def compiled_events_sql(work: Path) -> str:
    path = work / "target" / "compiled" / "tenant_kpis" / "models" / "staging" / "product"
    return (path / "base_product__events.sql").read_text()


@pytest.mark.slow
def test_incremental_build_equals_full_refresh(tmp_path: Path) -> None:
    raw = generate(tmp_path / "raw", 10, 21, "--dirty", "0.03", "--holdback-days", "7")
    truth = json.loads((raw / "_truth.json").read_text())
    held_back = truth["holdback"]["events_held_back"]
    assert held_back > 0
    added = add_redeliveries(raw, truth["holdback"]["cutoff"])
    held_back += added

    incremental = tmp_path / "incremental"
    dbt(raw, incremental, "build", *SELECTION)
    [(loaded_first,)] = rows(incremental, "(select count(*) from staging.base_product__events)")
    assert "load_window" not in compiled_events_sql(incremental)

    assert append_holdback(raw) == held_back
    dbt(raw, incremental, "build", *SELECTION)
    assert "load_window" in compiled_events_sql(incremental)  # the incremental path ran
    users = incremental / "target" / "compiled" / "tenant_kpis" / "models" / "intermediate"
    # the users' milestones recomputed only the users the new data can change
    assert "recomputed_users" in (users / "users" / "int_user_milestones_reached.sql").read_text()
    # the KPI windows, computed whole, wrote only their changed rows (changed_rows strategy)
    written = incremental / "target" / "run" / "tenant_kpis" / "models" / "intermediate"
    assert "__changed" in (written / "users" / "int_user_kpi_windows_unioned.sql").read_text()
    [(loaded_after,)] = rows(incremental, "(select count(*) from staging.base_product__events)")
    assert loaded_after > loaded_first

    full = tmp_path / "full"
    dbt(raw, full, "build", "--full-refresh", *SELECTION)
    for relation in COMPARED:
        assert rows(incremental, relation) == rows(full, relation), relation

    accounting = row_accounting(incremental)
    # every added re-delivery is one more raw row and one more duplicate
    assert accounting["events"][0] == truth["row_counts"]["events"] + added
    assert accounting["events"][3] == dirty_truth(raw)["duplicates"]["events"] + added
    # per load date, recounted here from the raw file
    events_by_load_date = rows(
        incremental,
        "(select load_date, rows_raw, rows_duplicate from main.dq_row_accounting "
        "where raw_table = 'events')",
    )
    assert events_by_load_date == raw_events_by_load_date(raw / "events.parquet")
    assert len(events_by_load_date) > 7

    # A rerun without new data changes nothing.
    dbt(raw, incremental, "run", "--select", "base_product__events")
    assert rows(incremental, "staging.base_product__events") == rows(
        full, "staging.base_product__events"
    )


def add_late_row(raw: Path, received_at: str) -> None:
    """Append to the held-back file a new event received long before the load window.

    received_at is a UTC timestamp literal; the generated file stores a Parquet timestamp.
    """
    main = raw / "events.parquet"
    late = (
        f"select * replace ('LATE-1' as event_id, timestamp '{received_at}' as received_at) "
        f"from (select * from '{main}' where event_id is not null order by event_id limit 1)"
    )
    with duckdb.connect() as connection:
        append_to_held_back_events(connection, raw, late)


@pytest.mark.slow
def test_a_row_the_incremental_load_misses_fails_the_row_accounting(tmp_path: Path) -> None:
    """The delivery recount is independent of the load window, so nothing is lost silently.

    A late file can hold an event received before the incremental window
    (received_at - lookback); the incremental load never reads it. The raw
    recount still counts it on its load date, so the accounting identity
    test fails, and a full refresh (the README's remedy) loads it.
    """
    raw = generate(tmp_path / "raw", 4, 5, "--holdback-days", "7")
    cutoff = json.loads((raw / "_truth.json").read_text())["holdback"]["cutoff"]
    work = tmp_path / "work"
    dbt(raw, work, "build", *SELECTION)

    # 20 days before the cutoff: far outside the 3-day lookback
    late = datetime.fromisoformat(cutoff.replace("Z", "+00:00")) - timedelta(days=20)
    add_late_row(raw, late.strftime("%Y-%m-%d %H:%M:%S"))
    append_holdback(raw)
    env = dbt_env(raw, work / "tenant_kpis.duckdb", work / "target", **WAREHOUSE_ONLY)
    completed = run_command([str(BIN / "dbt"), "build", *SELECTION], env, check=False)
    assert completed.returncode != 0
    assert "Failure in test expression_is_true_dq_row_accounting_rows_raw" in completed.stdout
    late_rows = "(select count(*) from staging.base_product__events where event_id = 'LATE-1')"
    assert rows(work, late_rows) == [(0,)]

    dbt(raw, work, "build", "--full-refresh", *SELECTION)
    assert rows(work, late_rows) == [(1,)]
