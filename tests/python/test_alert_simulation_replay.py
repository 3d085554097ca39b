"""`python -m tenant_kpis.alert_simulation_replay`: on a tiny hand-made kept directory.

Two hand-made warehouses (one seed, both scenarios) and hand-written "compiled" SQL
standing in for the four models the replay re-runs: the early-warning series is off
track when its upper bound (value + early_warning_interval_z x standard error) lies
below the threshold 0.40, and an early-warning alert opens in its first off-track week
with at least early_warning_minimum_units units. The answers below are worked out by
hand from those numbers (z = 1.960 at 95%, 1.645 at 90%); no dbt build.

The kept warehouses also hold stale alerts (an early warning on segment `all` in the
stationary feed): a replay that read them instead of recomputing would count a false
alert there.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from tenant_kpis import alert_simulation_replay
from tenant_kpis.alert_simulation_replay import normal_quantile, replay

KPI = "first_value_rate_30d"
FIRST_WEEK = date(2026, 6, 1)
WEEKS = [FIRST_WEEK + timedelta(weeks=i) for i in range(16)]
ENTRY_WEEK = WEEKS[10]
PARAMETERS = {
    "alert_minimum_units": 50,
    "alert_consecutive_weeks": 2,
    "early_warning_cohort_weeks": 3,
    "early_warning_minimum_units": 200,
    "early_warning_consecutive_weeks": 1,
    "early_warning_interval_confidence": 0.95,
    "early_warning_interval_z": 1.959963984540054,
}
PARAMETER = (
    "(select parameter_value from warehouse.seeds.kpi_parameters where parameter_name = '{}')"
)
COMPILED = {
    "intermediate/calendar/int_weeks_spined.sql": (
        "select distinct week_start from warehouse.main.early_warning_input"
    ),
    "intermediate/calendar/int_weeks_completed.sql": (
        "select * from warehouse.intermediate.int_weeks_spined"
    ),
    "intermediate/kpis/int_kpi_early_warning_computed.sql": (
        "select *, value + {z} * standard_error as interval_upper "
        "from warehouse.main.early_warning_input"
    ).format(z=PARAMETER.format("early_warning_interval_z")),
    "marts/kpis/fct_kpi_early_warning_weekly.sql": (
        "select week_start, kpi_name, segment_type, segment_value, value, unit_count, "
        "case when interval_upper < 0.40 then 'off_track' else 'on_track' end as status "
        "from warehouse.intermediate.int_kpi_early_warning_computed"
    ),
    "marts/kpis/fct_kpi_alerts.sql": (
        "select 'early_warning' as alert_kind, kpi_name, segment_type, segment_value, "
        "min(week_start) as opened_week, cast(null as date) as closed_week "
        "from warehouse.main.fct_kpi_early_warning_weekly "
        "where status = 'off_track' and unit_count >= {units} "
        "group by kpi_name, segment_type, segment_value"
    ).format(units=PARAMETER.format("early_warning_minimum_units")),
}
# value 0.365, standard error 0.02: upper bound 0.4042 at 95% (on track), 0.3829 at 90%
# (off track); value 0.33: 0.3692 and 0.3629, off track at both
SPECIAL_WEEKS = {
    "stationary": {("industry", "retail", WEEKS[12]): (0.365, 250)},
    "drop": {
        ("all", "all", ENTRY_WEEK + timedelta(weeks=1)): (0.365, 300),
        ("industry", "retail", ENTRY_WEEK): (0.33, 150),
    },
}
SEGMENTS = {("all", "all"): (400, 300), ("industry", "retail"): (100, 250)}


def _warehouse(path: Path, scenario: str) -> None:
    with duckdb.connect(str(path)) as connection:
        for schema in ("seeds", "intermediate"):
            connection.execute(f"create schema {schema}")
        connection.execute(
            "create table seeds.kpi_parameters (parameter_name varchar, parameter_value double, "
            "unit varchar, used_by varchar, description varchar)"
        )
        connection.executemany(
            "insert into seeds.kpi_parameters (parameter_name, parameter_value) values (?, ?)",
            list(PARAMETERS.items()),
        )
        connection.execute(
            "create table main.fct_kpi_scorecard (kpi_name varchar, segment_type varchar, "
            "segment_value varchar, week_start date, value double, unit_count integer, "
            "status varchar)"
        )
        connection.execute(
            "create table main.early_warning_input (week_start date, kpi_name varchar, "
            "segment_type varchar, segment_value varchar, value double, "
            "standard_error double, unit_count integer)"
        )
        for (segment_type, segment_value), (units, early_units) in SEGMENTS.items():
            for week in WEEKS:
                connection.execute(
                    "insert into main.fct_kpi_scorecard values (?, ?, ?, ?, 0.40, ?, 'on_track')",
                    [KPI, segment_type, segment_value, week, units],
                )
                value, unit_count = SPECIAL_WEEKS[scenario].get(
                    (segment_type, segment_value, week), (0.40, early_units)
                )
                connection.execute(
                    "insert into main.early_warning_input values (?, ?, ?, ?, ?, 0.02, ?)",
                    [week, KPI, segment_type, segment_value, value, unit_count],
                )
        # stale results of the kept build: the replay must recompute, not read them
        connection.execute(
            "create table main.fct_kpi_early_warning_weekly as select 1 as stale from range(1)"
        )
        connection.execute(
            "create table main.fct_kpi_alerts as select 'early_warning' as alert_kind, "
            f"'{KPI}' as kpi_name, 'all' as segment_type, 'all' as segment_value, "
            f"date '{WEEKS[14]}' as opened_week, cast(null as date) as closed_week"
        )


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("replay")
    kept_dir, compiled = root / "kept", root / "compiled"
    kept_dir.mkdir()
    for scenario in ("stationary", "drop"):
        _warehouse(kept_dir / f"1_{scenario}.duckdb", scenario)
        truth = {"kpis": {KPI: {"drop_enters_cohort_week": ENTRY_WEEK.isoformat()}}}
        (kept_dir / f"1_{scenario}_truth.json").write_text(json.dumps({"alert_scenario": truth}))
    for relative, sql in COMPILED.items():
        (compiled / relative).parent.mkdir(parents=True, exist_ok=True)
        (compiled / relative).write_text(sql)
    return kept_dir, compiled


def _figures(kept: tuple[Path, Path]) -> dict[tuple[float, int], tuple[int, ...]]:
    """(confidence, minimum units) -> (false alerts, pairs, all-tenant detections, trials,
    pair detections, pair trials), replayed."""
    results = replay(kept[0], kept[1], [3], [100, 200], [1], [0.95, 0.90])
    figures = {}
    for (confidence, _, units, _), runs in results.items():
        stationary = next(r for r in runs if r.scenario == "stationary")
        drop = next(r for r in runs if r.scenario == "drop")
        figures[(confidence, units)] = (
            stationary.pairs_alerting,
            stationary.pairs,
            drop.all_tenants_detections,
            drop.all_tenants_trials,
            drop.detections,
            drop.detection_trials,
        )
    return figures


# Worked out by hand. Stationary: retail's one week at 0.365 (250 units) is off track at
# 90% only. Drop: segment all at 0.365 (300 units) in the week after entry is off track
# at 90% only; retail at 0.33 in the entry week is off track at both, but with 150 units
# alerts only under the 100-unit rule. Both pairs can alert by the kpi rule (scorecard
# units 400 and 100 >= 50 in 2 weeks): 2 pair trials, 1 all-tenant trial.
KNOWN = {
    (0.95, 200): (0, 2, 0, 1, 0, 2),
    (0.95, 100): (0, 2, 0, 1, 1, 2),
    (0.90, 200): (1, 2, 1, 1, 1, 2),
    (0.90, 100): (1, 2, 1, 1, 2, 2),
}


def test_replay_recomputes_the_hand_worked_answer(kept: tuple[Path, Path]) -> None:
    assert _figures(kept) == KNOWN


def test_replay_leaves_the_kept_warehouses_untouched(kept: tuple[Path, Path]) -> None:
    replay(kept[0], kept[1], [3], [100], [1], [0.90])
    with duckdb.connect(str(kept[0] / "1_stationary.duckdb"), read_only=True) as connection:
        confidence = connection.execute(
            "select parameter_value from seeds.kpi_parameters "
            "where parameter_name = 'early_warning_interval_confidence'"
        ).fetchone()
    assert confidence == (0.95,)


def test_a_replay_that_does_not_set_the_parameters_misses_the_answer(
    kept: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The defect the known answer guards against: parameters not written to the copy
    (every rule would replay the kept build's own rule)."""
    monkeypatch.setattr(alert_simulation_replay, "_set", lambda *args: None)
    figures = _figures(kept)
    assert figures != KNOWN
    assert figures[(0.90, 200)] == KNOWN[(0.95, 200)]


def test_normal_quantile_is_the_seeds_z() -> None:
    assert normal_quantile(0.95) == pytest.approx(PARAMETERS["early_warning_interval_z"], abs=1e-9)
    assert normal_quantile(0.90) == pytest.approx(1.6448536269514722, abs=1e-9)
