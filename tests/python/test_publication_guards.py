"""Anomaly guards: a build that quarantines a feed in bulk is not published.

The fast tests give find_anomalies hand-made row accounting; every expected
figure is computed by hand in the comments. The slow test delivers users
with epoch-integer timestamps (the issue's case): `dbt build` is green, but
the users and, by cascade, their events are all quarantined, and publish
refuses to replace the previous publication unless told to.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

from tenant_kpis.publication_guards import (
    ALL_TABLES,
    QUARANTINE_SHARE_INCREASE_MAX,
    QUARANTINE_SHARE_MAX,
    STAGED_ROWS_DECREASE_MAX,
    STAGED_ROWS_INCREASE_MAX,
    THRESHOLD_NAMES,
    TableVolume,
    Thresholds,
    find_anomalies,
)

if TYPE_CHECKING:
    from dbt_project import BuiltProject

PROJECT = Path(__file__).resolve().parents[2]
DEFAULTS = Thresholds(
    {
        ("quarantine_share_max", ALL_TABLES): 0.5,
        ("quarantine_share_increase_max", ALL_TABLES): 0.1,
        ("staged_rows_decrease_max", ALL_TABLES): 0.1,
        ("staged_rows_increase_max", ALL_TABLES): 1.0,
        ("relative_guards_min_rows", ALL_TABLES): 100,
    }
)


def _volume(table: str, staged: int, quarantined: int, duplicate: int = 0) -> TableVolume:
    return TableVolume(table, staged + quarantined + duplicate, staged, quarantined, duplicate)


def _found(anomalies: list) -> list[tuple[str, str]]:
    return [(anomaly.raw_table, anomaly.guard) for anomaly in anomalies]


def test_first_publication_refuses_a_fully_quarantined_table() -> None:
    current = {"users": _volume("users", 0, 10), "tenants": _volume("tenants", 8, 0)}
    anomalies = find_anomalies(current, None, DEFAULTS)
    assert _found(anomalies) == [("users", QUARANTINE_SHARE_MAX)]
    assert str(anomalies[0]) == ("users: 100.0% of rows quarantined (10 of 10; threshold 50.0%)")


def test_a_share_at_the_threshold_passes_and_one_row_more_does_not() -> None:
    assert find_anomalies({"users": _volume("users", 5, 5)}, None, DEFAULTS) == []
    assert _found(find_anomalies({"users": _volume("users", 4, 6)}, None, DEFAULTS)) == [
        ("users", QUARANTINE_SHARE_MAX)
    ]


def test_the_share_counts_distinct_rows_not_deliveries() -> None:
    # 400 deliveries, 200 of them repeats: 140 of the 200 distinct rows are
    # quarantined, 70% (of all deliveries it would be 35%, under the threshold)
    events = {"events": _volume("events", 60, 140, duplicate=200)}
    anomalies = find_anomalies(events, None, DEFAULTS)
    assert str(anomalies[0]) == "events: 70.0% of rows quarantined (140 of 200; threshold 50.0%)"


def test_a_rise_of_the_share_and_a_fall_of_staged_rows_against_the_previous() -> None:
    previous = {"users": _volume("users", 980, 20)}  # 2.0% quarantined
    current = {"users": _volume("users", 850, 150)}  # 15.0%: +13 points; staged -13.3%
    anomalies = find_anomalies(current, previous, DEFAULTS)
    assert _found(anomalies) == [
        ("users", QUARANTINE_SHARE_INCREASE_MAX),
        ("users", STAGED_ROWS_DECREASE_MAX),
    ]
    assert str(anomalies[0]) == (
        "users: quarantined share rose from 2.0% to 15.0%, +13.0 points (threshold +10.0 points)"
    )
    assert str(anomalies[1]) == "users: staged rows 980 -> 850 (-13.3%; threshold -10.0%)"


def test_staged_rows_more_than_doubling_is_an_anomaly() -> None:
    previous = {"events": _volume("events", 1000, 0)}
    anomalies = find_anomalies({"events": _volume("events", 2500, 0)}, previous, DEFAULTS)
    assert [str(anomaly) for anomaly in anomalies] == [
        "events: staged rows 1,000 -> 2,500 (+150.0%; threshold +100.0%)"
    ]
    assert _found(anomalies) == [("events", STAGED_ROWS_INCREASE_MAX)]
    # exactly twice as many is within the threshold
    assert find_anomalies({"events": _volume("events", 2000, 0)}, previous, DEFAULTS) == []


def test_ordinary_growth_and_noise_pass() -> None:
    previous = {"events": _volume("events", 10_000, 100), "users": _volume("users", 500, 5)}
    current = {"events": _volume("events", 10_700, 150), "users": _volume("users", 520, 9)}
    assert find_anomalies(current, previous, DEFAULTS) == []


def test_small_previous_tables_skip_the_relative_guards() -> None:
    # 99 distinct rows before: under relative_guards_min_rows (100)
    previous = {"experiment_assignments": _volume("experiment_assignments", 99, 0)}
    current = {"experiment_assignments": _volume("experiment_assignments", 10, 0)}
    assert find_anomalies(current, previous, DEFAULTS) == []
    previous = {"experiment_assignments": _volume("experiment_assignments", 100, 0)}
    assert _found(find_anomalies(current, previous, DEFAULTS)) == [
        ("experiment_assignments", STAGED_ROWS_DECREASE_MAX)
    ]


def test_a_table_missing_from_the_build_counts_as_empty() -> None:
    previous = {"content": _volume("content", 400, 0)}
    anomalies = find_anomalies({}, previous, DEFAULTS)
    assert [str(anomaly) for anomaly in anomalies] == [
        "content: staged rows 400 -> 0 (-100.0%; threshold -10.0%)"
    ]


def test_an_empty_previous_table_does_not_block_growth() -> None:
    previous = {"experiment_assignments": _volume("experiment_assignments", 0, 0)}
    current = {"experiment_assignments": _volume("experiment_assignments", 240, 0)}
    assert find_anomalies(current, previous, DEFAULTS) == []


def test_a_table_override_beats_the_default() -> None:
    thresholds = Thresholds({**DEFAULTS.values, ("quarantine_share_max", "events"): 0.8})
    current = {"events": _volume("events", 30, 70), "users": _volume("users", 30, 70)}
    assert _found(find_anomalies(current, None, thresholds)) == [("users", QUARANTINE_SHARE_MAX)]


def test_an_absolute_breach_is_not_repeated_as_a_rise() -> None:
    previous = {"users": _volume("users", 1000, 0)}
    anomalies = find_anomalies({"users": _volume("users", 0, 1000)}, previous, DEFAULTS)
    assert _found(anomalies) == [
        ("users", QUARANTINE_SHARE_MAX),
        ("users", STAGED_ROWS_DECREASE_MAX),
    ]


def test_the_seed_sets_every_threshold_for_every_table() -> None:
    with (PROJECT / "seeds" / "publication_thresholds.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    defaults = {
        row["threshold_name"]: float(row["threshold_value"])
        for row in rows
        if row["raw_table"] == ALL_TABLES
    }
    assert sorted(defaults) == sorted(THRESHOLD_NAMES)
    assert all(row["description"].strip() for row in rows)
    assert all(0 < defaults[name] <= 1 for name in THRESHOLD_NAMES[:4])


# --- slow: a real feed with epoch-integer timestamps --------------------------


def _publish(env: dict[str, str], published: Path, *options: str) -> subprocess.CompletedProcess:
    from dbt_project import BIN

    return subprocess.run(
        [str(BIN / "tenant-kpis"), "publish", "--out", str(published), *options],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _epoch_timestamps(users_csv: Path) -> None:
    """created_at as Unix seconds: an export tool's default, not the contract's ISO-8601."""
    with duckdb.connect() as connection:
        connection.execute(
            f"""
            copy (
                select * replace (
                    cast(epoch(cast(created_at as timestamptz)) as bigint)::varchar as created_at
                )
                from read_csv('{users_csv}', header = true, all_varchar = true)
            ) to '{users_csv}.new' (header, format csv)
            """
        )
    Path(f"{users_csv}.new").replace(users_csv)


@pytest.mark.slow
def test_a_feed_quarantined_in_bulk_is_built_green_but_not_published(
    tmp_path: Path, shared_build: BuiltProject
) -> None:
    from dbt_project import BIN, BuiltProject, generate, run_command

    # the previous, good publication: the suite's shared build's (a copy)
    published = tmp_path / "published" / "marts.duckdb"
    published.parent.mkdir()
    shutil.copyfile(shared_build.published_db, published)
    before = published.read_bytes()

    built = BuiltProject.at(tmp_path / "feed")
    generate(built.raw_dir, 8, 3, "--format", "csv")
    _epoch_timestamps(built.raw_dir / "users.csv")
    rebuilt = run_command(
        [
            str(BIN / "tenant-kpis"),
            "build",
            "--exclude-resource-type",
            "unit_test",
        ],
        built.env,
        check=False,
    )
    errors = [line for line in rebuilt.stdout.splitlines() if "ERROR" in line or "Error" in line]
    assert rebuilt.returncode == 0, "\n".join(errors[:20])  # every dbt test passes
    accounting = dict(
        built.query(
            "select raw_table, sum(rows_staged) from dq_row_accounting group by 1"
        ).itertuples(index=False)
    )
    assert accounting["users"] == 0 and accounting["events"] == 0

    refused = _publish(built.env, published)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    message = refused.stderr.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in refused.stderr
    assert "users: 100.0% of rows quarantined" in message and "threshold 50.0%" in message
    assert "events: 100.0% of rows quarantined" in message
    assert "--accept-anomalies" in message and "previous publication is kept" in message
    assert published.read_bytes() == before

    # a first publication has no previous one to compare with: the absolute threshold holds
    first = _publish(built.env, tmp_path / "first" / "marts.duckdb")
    assert first.returncode == 2 and "users: 100.0% of rows quarantined" in first.stderr
    assert not (tmp_path / "first" / "marts.duckdb").exists()

    accepted = _publish(built.env, published, "--accept-anomalies")
    assert accepted.returncode == 0, accepted.stderr
    assert "anomalies accepted: " in accepted.stdout
    with duckdb.connect(str(published), read_only=True) as connection:
        accept, overridden, compared = connection.execute(
            "select accept_anomalies, overridden_anomalies, compared_with_invocation_id "
            "from build_info"
        ).fetchone()
    assert accept is True
    assert "users: 100.0% of rows quarantined" in overridden
    assert "users: staged rows" in overridden and "(-100.0%; threshold -10.0%)" in overridden
    assert compared  # the good publication it replaced
