"""The generator's partitioned events feed builds on the project's staging.

A separate file from test_incremental so that pytest-xdist (--dist loadfile)
runs it beside that file's slow builds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dbt_project import generate
from test_incremental import (
    COMPARED,
    SELECTION,
    compiled_events_sql,
    dbt,
    raw_events_by_load_date,
    rows,
)

from tenant_kpis.generator import append_holdback


@pytest.mark.slow
def test_generated_partitioned_feed_stages_like_the_single_file(tmp_path: Path) -> None:
    """The generator's load-date partitions, delivered in two steps (the held-back week
    arrives as new partitions), stage to exactly what the same seed's single file stages
    to in one full build: same staged rows, quarantine and per-load-date accounting."""
    options = ("--dirty", "0.03", "--holdback-days", "7")
    split = generate(tmp_path / "split", 6, 23, *options, "--events-layout", "partitioned")
    single = generate(tmp_path / "single", 6, 23, *options)
    assert (split / "events").is_dir() and not (split / "events.parquet").exists()

    incremental = tmp_path / "incremental"
    dbt(split, incremental, "build", *SELECTION)
    assert append_holdback(split) > 0
    dbt(split, incremental, "build", *SELECTION)
    assert "load_window" in compiled_events_sql(incremental)  # the incremental path ran

    append_holdback(single)
    full = tmp_path / "full"
    dbt(single, full, "build", *SELECTION)
    for relation in COMPARED:
        assert rows(incremental, relation) == rows(full, relation), relation
    # per load date, recounted here from the partition files themselves
    events_by_load_date = rows(
        incremental,
        "(select load_date, rows_raw, rows_duplicate from main.dq_row_accounting "
        "where raw_table = 'events')",
    )
    assert events_by_load_date == raw_events_by_load_date(split / "events" / "*" / "*.parquet")
    assert len(events_by_load_date) > 7
