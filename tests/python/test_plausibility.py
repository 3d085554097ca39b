"""Plausibility bounds: implausible values are quarantined, never a crash, never a moved calendar.

Two hand-made feeds, each the holdout feed plus rows that carry one
implausible value each, built next to the plain holdout feed:

- every timestamp column of every raw table gets a row with a sentinel or a
  far-future value (1900-01-01, the epoch, 2030, 9999-12-31): each is
  quarantined as timestamp_out_of_range, the staged tables equal the
  reference's, and neither the as-of date, the date spine nor the sources'
  freshness moves;
- every bounded number gets a value no column can hold (3,000,000,000 in a
  Parquet INT64 seat count and ticket tier, 1e30 rows in event properties,
  1e300 USD, NaN): each is quarantined as invalid_value and the build passes.

Expected counts are worked out by hand from the rows below.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from test_staging import (
    HOLDOUT_FEED,
    STAGED_MODELS,
    dbt,
    quarantine_counts,
    query,
    row_accounting,
)

SELECTION = [
    "--select",
    "+int_dates_spined",
    "+dq_row_accounting",
    "+dq_quarantine_summary",
    "+dq_source_freshness",
    "--indirect-selection",
    "cautious",
    # unit tests check the SQL on fixtures, not this feed: `make dbt-test-build` runs them once
    "--exclude-resource-type",
    "unit_test",
]

#: The holdout feed's own quarantine (see tests/fixtures/holdout_feed/README.md).
HOLDOUT_QUARANTINE = {
    "tenants": {"invalid_value": 1},
    "users": {"unknown_tenant": 1},
    "events": {"user_tenant_mismatch": 1, "invalid_value": 1, "invalid_json": 1},
    "certifications": {"user_tenant_mismatch": 1},
}


def build(raw: Path, work: Path) -> Path:
    dbt(raw, work, "build", *SELECTION)
    return work


def append_lines(path: Path, *lines: str) -> None:
    text = path.read_text()
    path.write_text(text + "".join(line + "\n" for line in lines))


def import_event(event_id: str, properties: str) -> str:
    """A data_import_completed line of events.csv with the given (CSV-quoted) properties."""
    return (
        f"2025-03-06T09:30:00Z,data_import_completed,{event_id},2025-03-06T09:29:00Z,"
        f'0002,00123,"{properties}",1.2'
    )


def staged_rows(work: Path) -> dict[str, list[tuple]]:
    return {
        model: query(work, f"select * from staging.{model} order by all") for model in STAGED_MODELS
    }


def calendar(work: Path) -> tuple:
    [as_of] = query(work, "select * from intermediate.int_as_of_date")
    [spine] = query(
        work, "select min(date_day), max(date_day), count(*) from intermediate.int_dates_spined"
    )
    return as_of, spine


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(HOLDOUT_FEED, tmp_path_factory.mktemp("reference"))


# --------------------------------------------------------------------------- timestamps


@pytest.fixture(scope="module")
def implausible_timestamps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("implausible_timestamps")
    raw = work / "raw"
    shutil.copytree(HOLDOUT_FEED, raw)
    # column order of each file: see its header in tests/fixtures/holdout_feed
    append_lines(
        raw / "tenants.csv",
        "1900-01-01,T-OLD,erin,healthcare,growth,5,2025-01-01,Sentinel Onboarding,na",
        "2025-03-10,T-SIGNED,erin,healthcare,growth,5,2099-01-01,Signed In The Future,na",
    )
    append_lines(
        raw / "users.csv",
        "old@example.org,admin,1970-01-01T00:00:00Z,U-OLD,00123,old",
        "never@example.org,admin,2025-03-04,U-NEVER,00123,never",
        "orphan@example.org,admin,2025-03-04,U-ORPHAN,T-OLD,orphan",
    )
    # users.csv has no deactivated_at column: add it, empty except for U-NEVER
    lines = (raw / "users.csv").read_text().splitlines()
    lines[0] += ",deactivated_at"
    lines[1:] = [line + (",9999-12-31" if ",U-NEVER," in line else ",") for line in lines[1:]]
    (raw / "users.csv").write_text("\n".join(lines) + "\n")
    append_lines(
        raw / "events.csv",
        "2030-01-01T10:01:00Z,session_started,E-2030,2030-01-01T10:00:00Z,0001,00123,,1.3",
        "2030-01-01T00:00:00Z,session_started,E-RECEIVED,2025-03-05T10:00:00Z,0001,00123,,1.3",
        "2025-03-05T10:00:00Z,session_started,E-ORPHAN,2025-03-05T10:00:00Z,U-ORPHAN,T-OLD,,1.3",
    )
    append_lines(
        raw / "certifications.csv",
        "2099-01-01,C-2099,0001,00123,foundation,Platform Fundamentals",
    )
    append_lines(
        raw / "content.csv",
        "Ancient,C-OLD,1999-12-31,2025-01-01,,CO-1,video",
        "Updated later,C-UPD,2025-01-01,2031-01-01,,CO-1,video",
        "Retires later,C-RET,2025-01-01,2025-01-01,2050-01-01,CO-1,video",
    )
    append_lines(raw / "learning_costs.csv", "10,licenses,1999-01-01,00123,L-OLD")
    append_lines(
        raw / "support_tickets.csv",
        "1,K-OLD,00123,0002,1900-01-01,,how_to",
        "1,K-RES,00123,0002,2025-03-07,2099-01-01,how_to",
    )
    append_lines(raw / "subscription_events.csv", "2099-01-01,S-FUT,00123,renewal,,")
    append_lines(raw / "experiment_assignments.csv", "1970-01-01,treatment,456,0043")
    return build(raw, work)


def test_implausible_timestamps_are_quarantined_in_every_column(implausible_timestamps):
    out_of_range = {"timestamp_out_of_range": 1}
    assert quarantine_counts(implausible_timestamps) == {
        "tenants": {"invalid_value": 1, "timestamp_out_of_range": 2},
        "users": {"unknown_tenant": 2, "timestamp_out_of_range": 2},
        "events": {
            **HOLDOUT_QUARANTINE["events"],
            "timestamp_out_of_range": 2,
            "unknown_tenant": 1,
        },
        "certifications": {"user_tenant_mismatch": 1, **out_of_range},
        "content": {"timestamp_out_of_range": 3},
        "learning_costs": out_of_range,
        "support_tickets": {"timestamp_out_of_range": 2},
        "subscription_events": out_of_range,
        "experiment_assignments": out_of_range,
    }


def test_implausible_timestamps_leave_the_staged_rows_alone(implausible_timestamps, reference):
    assert staged_rows(implausible_timestamps) == staged_rows(reference)
    for table, (rows_raw, staged, quarantined, duplicate) in row_accounting(
        implausible_timestamps
    ).items():
        assert rows_raw == staged + quarantined + duplicate, table


def test_sentinel_and_future_dates_move_neither_the_spine_nor_the_as_of_date(
    implausible_timestamps, reference
):
    # A tenant onboarded 1900-01-01 started the spine in 1900; one event in
    # 2030 moved the as-of date to 2030.
    assert calendar(implausible_timestamps) == calendar(reference)


def test_implausible_timestamps_do_not_make_a_feed_look_fresh(implausible_timestamps, reference):
    # An event received in 2030 made the events feed "fresh" for years.
    sql = (
        "select raw_table, max_loaded_at, lag_days, freshness_status"
        " from main.dq_source_freshness order by raw_table"
    )
    assert query(implausible_timestamps, sql) == query(reference, sql)


# --------------------------------------------------------------------------- numbers


@pytest.fixture(scope="module")
def oversized_numbers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("oversized_numbers")
    raw = work / "raw"
    shutil.copytree(HOLDOUT_FEED, raw)
    append_lines(
        raw / "tenants.csv",
        "2025-03-10,T-HUGE,erin,healthcare,growth,3000000000,2025-03-01,Huge Seats,na",
    )
    append_lines(raw / "support_tickets.csv", "3000000000,K-HUGE,00123,0002,2025-03-07,,how_to")
    # As the issue reported: Parquet INT64 columns for seats and tier.
    with duckdb.connect() as connection:
        for table, column in (("tenants", "seats_purchased"), ("support_tickets", "tier")):
            source = raw / f"{table}.csv"
            connection.execute(
                f"copy (select * replace (try_cast({column} as bigint) as {column})"
                f" from read_csv('{source}', header = true, all_varchar = true))"
                f" to '{raw / f'{table}.parquet'}' (format parquet)"
            )
            source.unlink()
        [(seats_type,)] = connection.execute(
            f"select typeof(seats_purchased) from '{raw / 'tenants.parquet'}' limit 1"
        ).fetchall()
    assert seats_type == "BIGINT"
    append_lines(
        raw / "events.csv",
        import_event("E-ROWS", '{""rows"": 1e30, ""errors"": 0}'),
        import_event("E-ERRORS", '{""rows"": 5, ""errors"": 3000000000}'),
        "2025-03-12T23:59:00Z,nps_submitted,E-NPS,2025-03-12T23:58:00Z,0003,456,"
        '"{""score"": 1e10}",1.3',
    )
    append_lines(
        raw / "subscription_events.csv",
        "2025-03-01,S-HUGE,456,seat_upgrade,3000000000,60",
        "2025-03-01,S-MRR,456,seat_upgrade,3,1e300",
    )
    append_lines(
        raw / "learning_costs.csv",
        "1e300,licenses,2025-03-01,,L-HUGE",
        "NaN,licenses,2025-03-01,,L-NAN",
    )
    return build(raw, work)


def test_oversized_numbers_are_quarantined_not_a_crash(oversized_numbers):
    expected = {table: dict(reasons) for table, reasons in HOLDOUT_QUARANTINE.items()}
    expected["tenants"]["invalid_value"] += 1
    expected["events"]["invalid_value"] += 3
    expected["support_tickets"] = {"invalid_value": 1}
    expected["subscription_events"] = {"invalid_value": 2}
    expected["learning_costs"] = {"invalid_value": 2}
    assert quarantine_counts(oversized_numbers) == expected


def test_oversized_numbers_leave_the_staged_rows_alone(oversized_numbers, reference):
    assert staged_rows(oversized_numbers) == staged_rows(reference)
