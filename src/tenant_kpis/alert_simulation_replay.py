"""Replay other alert rules on the warehouses `make alert-sim-pipeline --keep DIR` kept.

The pipeline simulation costs two builds per seed; the rule's parameters change only
the early-warning series and the alerts. This replays a grid of rule parameters
(early_warning_interval_confidence with its normal quantile early_warning_interval_z,
early_warning_cohort_weeks, early_warning_minimum_units,
early_warning_consecutive_weeks) on the kept builds: for each, it sets the parameters
in the copy's `seeds.kpi_parameters` and re-runs the compiled SQL of the five models
they reach (`int_weeks_spined`, `int_weeks_completed`, `int_kpi_early_warning_computed`,
`fct_kpi_early_warning_weekly`, `fct_kpi_alerts`, compiled by `dbt compile --full-refresh`
against a warehouse file named `warehouse.duckdb`: the early-warning model is incremental,
and without it its compiled SQL recomputes only the weeks new data reach), then counts
false alerts and detections with the pipeline's own counting (alert_simulation_counts).
The seeded rule replayed gives the pipeline's figures exactly, which checks the replay.

Not in CI: a measurement tool, like the pipeline itself.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path
from statistics import NormalDist
from typing import Any

import duckdb

from tenant_kpis.alert_simulation_counts import (
    Rule,
    RunCounts,
    Series,
    count_drop,
    count_stationary,
    summarise,
)
from tenant_kpis.paths import PROJECT_DIR

WINDOW_WEEKS = 13
#: Compiled models, in build order, and the tables they replace.
MODELS = (
    ("intermediate/calendar/int_weeks_spined.sql", "intermediate.int_weeks_spined"),
    ("intermediate/calendar/int_weeks_completed.sql", "intermediate.int_weeks_completed"),
    (
        "intermediate/kpis/int_kpi_early_warning_computed.sql",
        "intermediate.int_kpi_early_warning_computed",
    ),
    ("marts/kpis/fct_kpi_early_warning_weekly.sql", "main.fct_kpi_early_warning_weekly"),
)
ALERTS_MODEL = "marts/kpis/fct_kpi_alerts.sql"
#: A replayed rule: (interval confidence, cohort weeks, minimum units, consecutive weeks).
RuleKey = tuple[float, int, int, int]


def _rows(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = connection.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _set(connection: duckdb.DuckDBPyConnection, name: str, value: float) -> None:
    """Set one parameter of the copy's seed; add it when the kept build predates it."""
    connection.execute(
        "delete from warehouse.seeds.kpi_parameters where parameter_name = ?", [name]
    )
    connection.execute(
        "insert into warehouse.seeds.kpi_parameters (parameter_name, parameter_value) "
        "values (?, ?)",
        [name, value],
    )


def normal_quantile(confidence: float) -> float:
    """The (1 + confidence) / 2 standard normal quantile, the z that goes with it."""
    return NormalDist().inv_cdf((1 + confidence) / 2)


def replay(
    kept: Path,
    compiled: Path,
    cohort_weeks: list[int],
    minimum_units: list[int],
    consecutive_weeks: list[int],
    confidences: list[float] | None = None,
) -> dict[RuleKey, list[RunCounts]]:
    sql = {path: (compiled / path).read_text() for path, _ in MODELS}
    alerts_sql = (compiled / ALERTS_MODEL).read_text()
    results: dict[RuleKey, list[RunCounts]] = {}
    scratch = Path(tempfile.mkdtemp(prefix="alert_sim_replay_"))
    try:
        for warehouse in sorted(kept.glob("*_*.duckdb")):
            seed_text, scenario = warehouse.stem.split("_", 1)
            truth = json.loads((kept / f"{warehouse.stem}_truth.json").read_text())
            truth = truth["alert_scenario"]
            kpis = ", ".join(f"'{k}'" for k in truth["kpis"])
            copy = scratch / "warehouse.duckdb"
            shutil.copy(warehouse, copy)
            with duckdb.connect(str(copy)) as connection:
                parameters = dict(
                    connection.execute(
                        "select parameter_name, parameter_value from seeds.kpi_parameters"
                    ).fetchall()
                )
                kpi_rule = Rule(
                    int(float(parameters["alert_minimum_units"])),
                    int(float(parameters["alert_consecutive_weeks"])),
                )
                scorecard = _rows(
                    connection,
                    "select kpi_name, segment_type, segment_value, week_start, value, "
                    f"unit_count, status from main.fct_kpi_scorecard where kpi_name in ({kpis})",
                )
                last_week = max(row["week_start"] for row in scorecard)
                levels = confidences or [
                    float(parameters.get("early_warning_interval_confidence", 0.95))
                ]
                for confidence, weeks in itertools.product(levels, cohort_weeks):
                    _set(connection, "early_warning_interval_confidence", confidence)
                    _set(connection, "early_warning_interval_z", normal_quantile(confidence))
                    _set(connection, "early_warning_cohort_weeks", weeks)
                    for path, table in MODELS:
                        connection.execute(f"create or replace table {table} as ({sql[path]})")
                    early_rows = _rows(
                        connection,
                        "select kpi_name, segment_type, segment_value, week_start, value, "
                        "unit_count, status from main.fct_kpi_early_warning_weekly "
                        f"where kpi_name in ({kpis})",
                    )
                    for units, consecutive in itertools.product(minimum_units, consecutive_weeks):
                        _set(connection, "early_warning_minimum_units", units)
                        _set(connection, "early_warning_consecutive_weeks", consecutive)
                        alerts = _rows(
                            connection,
                            "select alert_kind, kpi_name, segment_type, segment_value, "
                            f"opened_week, closed_week from ({alerts_sql}) as alerts "
                            f"where kpi_name in ({kpis})",
                        )
                        series = Series(rows=early_rows, rule=Rule(units, consecutive))
                        if scenario == "stationary":
                            run = count_stationary(
                                scorecard,
                                alerts,
                                truth["kpis"],
                                last_week,
                                WINDOW_WEEKS,
                                kpi_rule,
                                series,
                            )
                        else:
                            entry_weeks = {
                                kpi: date.fromisoformat(entry["drop_enters_cohort_week"])
                                for kpi, entry in truth["kpis"].items()
                            }
                            run = count_drop(scorecard, alerts, entry_weeks, kpi_rule, series)
                        run.seed = int(seed_text)
                        key = (confidence, weeks, units, consecutive)
                        results.setdefault(key, []).append(run)
            print(f"{warehouse.name} replayed", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return results


def _rate(share: dict[str, Any]) -> str:
    if share["rate"] is None:
        return "n/a"
    return f"{share['rate']:.3f} ({share['successes']}/{share['trials']})"


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",")]


def _floats(text: str) -> list[float]:
    return [float(part) for part in text.split(",")]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kept", type=Path, help="directory of make alert-sim-pipeline --keep")
    parser.add_argument(
        "--compiled",
        type=Path,
        default=PROJECT_DIR / "target" / "compiled" / "tenant_kpis" / "models",
        help=(
            "dbt's compiled models (dbt compile --full-refresh against a file named "
            "warehouse.duckdb)"
        ),
    )
    parser.add_argument(
        "--confidence",
        type=_floats,
        default=None,
        help="early_warning_interval_confidence values (default: the kept build's)",
    )
    parser.add_argument("--cohort-weeks", type=_ints, default=[3])
    parser.add_argument("--minimum-units", type=_ints, default=[200])
    parser.add_argument("--consecutive-weeks", type=_ints, default=[1])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results = replay(
        args.kept,
        args.compiled,
        args.cohort_weeks,
        args.minimum_units,
        args.consecutive_weeks,
        args.confidence,
    )
    figures = {
        f"{confidence:.0%} interval, {weeks} cohort weeks, {units} units, "
        f"{consecutive} weeks": summarise(runs)
        for (confidence, weeks, units, consecutive), runs in sorted(results.items())
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2, default=str) + "\n")
    for name, summary in figures.items():
        overall = summary["all_planted_kpis"]
        print(
            f"{name:<52} false {_rate(overall['false_alerts_among_all_pairs'])} "
            f"(can alert {_rate(overall['false_alerts_among_pairs_that_can_alert'])}) "
            f"detected 3w {_rate(overall['detected_within_3_weeks'])} "
            f"13w {_rate(overall['detected_within_13_weeks'])} | all tenants: "
            f"false {_rate(overall['all_tenants_false_alerts'])} "
            f"detected 3w {_rate(overall['all_tenants_detected_within_3_weeks'])} "
            f"13w {_rate(overall['all_tenants_detected_within_13_weeks'])}"
        )
    print(f"wall time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
