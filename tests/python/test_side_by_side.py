"""DuckDB's side of an engine comparison is reused only when it is the same build.

CI compares the holdout feed on Spark and on PostgreSQL; the PostgreSQL run
reuses the DuckDB side the Spark run finished (`--duckdb-reference`). A wrong
reuse would compare PostgreSQL with the marts of another feed, other options
or older code, so each of those must fall back to a build of its own.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tenant_kpis.engines import side_by_side
from tenant_kpis.engines.side_by_side import Feed

OPTIONS = ["--exclude-resource-type", "test", "unit_test"]


def finished_reference(work: Path, raw_dir: Path, options: list[str]) -> None:
    """What build_both leaves once DuckDB's build finished: the marker, written last."""
    work.mkdir(parents=True)
    key = {"raw_dir": str(raw_dir), "options": sorted(set(options))}
    (work / side_by_side.REFERENCE_MARKER).write_text(json.dumps(key))


@pytest.fixture
def feed(tmp_path: Path) -> Feed:
    raw_dir = tmp_path / "raw"
    raw_dir.mkdir()
    return Feed(raw_dir, 0, "a test feed")


def test_a_finished_build_of_the_same_feed_is_reused(tmp_path: Path, feed: Feed) -> None:
    work = tmp_path / "reference"
    finished_reference(work, feed.raw_dir, ["--exclude-resource-type", "unit_test", "test"])
    engine, reason = side_by_side.reusable_reference(work, {}, feed, OPTIONS)
    assert engine is not None and engine.work == work, reason
    assert engine.environment["TENANT_KPIS_DB"] == str(work / "tenant_kpis.duckdb")


def test_a_build_that_did_not_finish_is_not_reused(tmp_path: Path, feed: Feed) -> None:
    work = tmp_path / "reference"
    work.mkdir()  # a build under way or failed: no marker
    engine, reason = side_by_side.reusable_reference(work, {}, feed, OPTIONS)
    assert engine is None and "no finished" in reason


@pytest.mark.parametrize(
    ("raw_dir_name", "options", "why"),
    [
        ("other_raw", OPTIONS, "another feed"),
        ("raw", ["--exclude-resource-type", "unit_test"], "other options"),
    ],
)
def test_another_feed_or_other_options_are_not_reused(
    tmp_path: Path, feed: Feed, raw_dir_name: str, options: list[str], why: str
) -> None:
    work = tmp_path / "reference"
    finished_reference(work, tmp_path / raw_dir_name, options)
    engine, reason = side_by_side.reusable_reference(work, {}, feed, OPTIONS)
    assert engine is None and "another feed or with other options" in reason, why


def test_a_build_older_than_the_code_is_not_reused(tmp_path: Path, feed: Feed) -> None:
    work = tmp_path / "reference"
    finished_reference(work, feed.raw_dir, OPTIONS)
    os.utime(work / side_by_side.REFERENCE_MARKER, (0, 0))  # built before any model
    engine, reason = side_by_side.reusable_reference(work, {}, feed, OPTIONS)
    assert engine is None and "changed after" in reason


def test_a_feed_with_a_held_back_week_builds_its_own_side(tmp_path: Path, feed: Feed) -> None:
    work = tmp_path / "reference"
    finished_reference(work, feed.raw_dir, OPTIONS)
    held_back = Feed(feed.raw_dir, 7, "a feed with a held-back week")
    engine, reason = side_by_side.reusable_reference(work, {}, held_back, OPTIONS)
    assert engine is None and "held-back" in reason
