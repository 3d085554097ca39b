"""A rolling-cohort KPI family finds a changed unit in an old week.

int_kpi_onboarding_computed and int_kpi_early_warning_computed recompute,
in an incremental run, the weeks from the first window_closed_date whose
units differ from what their last run read of them: per day, the number of
units and the bit_xor of their row fingerprints (kpi_family_units_read).
Here one unit of 2024, long before any week a new event reaches, changes
its value and nothing else (the day's unit count stays the same): the
incremental run must give what a full refresh of the same input gives, and
that must differ from before, or the test proves nothing. A comparison of
the counts alone misses it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from fixtures_semantic import copy_of_shared_build, run_dbt

FAMILIES = ("int_kpi_onboarding_computed", "int_kpi_early_warning_computed")
# the earliest unit of a rate KPI whose user did not activate within 30 days
CHANGED_UNIT = """
    select user_id, kpi_name
    from intermediate.int_user_kpi_windows_unioned
    where kpi_name = 'activation_rate_30d' and unit_numerator = 0 and unit_denominator = 1
    order by window_closed_date, user_id
    limit 1
"""


def _family_rows(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return {
            family: connection.execute(
                f"select * from intermediate.{family} order by all"
            ).fetchall()
            for family in FAMILIES
        }


def _change_one_old_unit(warehouse: Path) -> str:
    """Activate one user of 2024 within 30 days; returns the unit's window_closed_date."""
    with duckdb.connect(str(warehouse)) as connection:
        [(user_id, kpi_name)] = connection.execute(CHANGED_UNIT).fetchall()
        [(closed,)] = connection.execute(
            "update intermediate.int_user_kpi_windows_unioned "
            "set unit_numerator = 1, unit_value = 1 "
            "where user_id = ? and kpi_name = ? returning window_closed_date",
            [user_id, kpi_name],
        ).fetchall()
    return str(closed)


@pytest.mark.slow
def test_a_changed_old_unit_is_recomputed_as_a_full_refresh_would(
    shared_build, tmp_path: Path
) -> None:
    for name in ("incremental", "full"):
        (tmp_path / name).mkdir()
    incremental = copy_of_shared_build(shared_build, tmp_path / "incremental")
    before = _family_rows(incremental.warehouse)
    closed = _change_one_old_unit(incremental.warehouse)
    assert closed < "2025-01-01", closed  # older than any week the last events reach
    full = copy_of_shared_build(shared_build, tmp_path / "full")
    shutil.copyfile(incremental.warehouse, full.warehouse)

    run_dbt(incremental, "run", "--select", *FAMILIES)
    run_dbt(full, "run", "--full-refresh", "--select", *FAMILIES)

    expected = _family_rows(full.warehouse)
    for family in FAMILIES:
        assert expected[family] != before[family], f"{family}: the change reaches no week"
        assert _family_rows(incremental.warehouse)[family] == expected[family], family
