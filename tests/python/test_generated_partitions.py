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
    rows,
)
from test_incremental_partitions import raw_rows_by_partition

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
    # the partition-aware incremental path ran
    assert "where load_date in (" in compiled_events_sql(incremental)

    append_holdback(single)
    full = tmp_path / "full"
    dbt(single, full, "build", *SELECTION)
    # A row whose received_at does not parse has the load date of its partition here,
    # none in one file: load_date aside, everything is the same (payloads included).
    for relation in COMPARED:
        if relation.startswith("staging.") and "product__events" in relation:
            relation = f"(select * exclude (load_date) from {relation})"
        elif relation == "main.dq_row_accounting":
            relation = (
                "(select raw_table, sum(rows_raw), sum(rows_staged), sum(rows_quarantined), "
                "sum(rows_duplicate) from main.dq_row_accounting group by 1)"
            )
        assert rows(incremental, relation) == rows(full, relation), relation
    # per load date, recounted here from the partition files themselves
    events_by_load_date = rows(
        incremental,
        "(select load_date, rows_raw from main.dq_row_accounting where raw_table = 'events')",
    )
    assert events_by_load_date == raw_rows_by_partition(split)
    assert len(events_by_load_date) > 7
