"""`make alert-sim`: measure the alert rule's false alerts and detection by simulation.

Runs the dbt models of ``models/alert_simulation`` (enabled only here, with
``--vars '{alert_simulation: true}'``) on the warehouse of a finished build,
normally the demo's. They replay every KPI-segment pair of the scorecard with
its real unit count through the same interval, status and alert macros as the
marts, once with every true KPI on its threshold and unchanged and once with a
planted drop, and compare candidate alert rules with the configured one and the
rule before intervals. The figures go to stdout and to
``bench/out/alert_simulation.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb

from tenant_kpis.paths import PROJECT_DIR, warehouse_db

BIN = Path(sys.executable).parent
SCHEMA = "alert_simulation"


def run_simulation(runs: int) -> None:
    """Build the simulation models (and their tests) with dbt."""
    command = [
        str(BIN / "dbt"),
        "build",
        "--select",
        "models/alert_simulation",
        "--vars",
        json.dumps({"alert_simulation": True, "alert_simulation_runs": runs}),
    ]
    env = {**os.environ, "DBT_PROFILES_DIR": os.environ.get("DBT_PROFILES_DIR", str(PROJECT_DIR))}
    completed = subprocess.run(command, cwd=PROJECT_DIR, env=env, check=False)
    if completed.returncode != 0:
        raise SystemExit(
            f"error: the alert simulation's dbt build failed (exit {completed.returncode}); "
            "it needs a finished build in the warehouse (run `make demo` first)"
        )


def _records(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    frame = connection.execute(sql).df()
    return [
        {key: (None if value != value else value) for key, value in row.items()}  # NaN -> None
        for row in frame.to_dict("records")
    ]


def read_figures(database: Path) -> dict[str, Any]:
    """The simulation's tables as one JSON-ready document."""
    with duckdb.connect(str(database), read_only=True) as connection:
        summary = _records(
            connection,
            f"select * from {SCHEMA}.sim_alert_summary order by candidate_rule, kpi_name",
        )
        pairs = connection.execute(
            f"select count(*), sum(units) from {SCHEMA}.sim_alert_pairs"
        ).fetchone()
        parameters = dict(
            connection.execute(
                "select parameter_name, parameter_value from seeds.kpi_parameters "
                "where parameter_name in ('alert_simulation_drop_share', "
                "'alert_consecutive_weeks', 'alert_minimum_units', 'min_sample_size', "
                "'at_risk_margin', 'small_sample_band_width_ratio', 'interval_confidence')"
            ).fetchall()
        )
        coverage = _records(
            connection, f"select * from {SCHEMA}.sim_interval_coverage order by kpi_name"
        )
        demo = _records(
            connection, f"select * from {SCHEMA}.sim_demo_alert_counts order by alert_rule"
        )
        last_week = connection.execute(
            "select max(week_start) from main.fct_kpi_scorecard"
        ).fetchone()
    overall = [row for row in summary if row["kpi_name"] == "all KPIs"]
    return {
        "what": (
            "Alert rules replayed on every KPI-segment pair of the build's scorecard with its "
            "real unit count: false_alert_rate = share of pairs x runs alerting within the "
            "simulated weeks while every true KPI sits on its threshold, unchanged; "
            "detection_rate = share of pairs that can alert (and have no alert open before "
            "the drop) alerting within 3 weeks of a drop of alert_simulation_drop_share x "
            "|threshold| past the threshold."
        ),
        "scorecard_last_week": str(last_week[0]) if last_week else None,
        "pairs": int(pairs[0]) if pairs else 0,
        "units_in_a_simulated_week": int(pairs[1] or 0) if pairs else 0,
        "parameters": parameters,
        "rules": {row["candidate_rule"]: row for row in overall},
        "per_kpi": [row for row in summary if row["kpi_name"] != "all KPIs"],
        "interval_coverage": coverage,
        "demo_alerts": demo,
    }


def report(figures: dict[str, Any]) -> str:
    rules = figures["rules"]
    lines = [
        f"{figures['pairs']} KPI-segment pairs, scorecard of {figures['scorecard_last_week']}",
        f"{'rule':<18} {'k':>2} {'min':>4} {'can alert':>9} {'false alerts':>12} "
        f"{'among alertable':>15} {'detected':>9}",
    ]
    for name, row in sorted(rules.items()):
        lines.append(
            f"{name:<18} {row['alert_consecutive_weeks']:>2} {row['alert_minimum_units']:>4} "
            f"{row['pair_share_that_can_alert']:>9.1%} {row['false_alert_rate']:>12.2%} "
            f"{row['false_alert_rate_among_alertable']:>15.2%} {row['detection_rate']:>9.1%}"
        )
    for row in figures["demo_alerts"]:
        lines.append(
            f"demo data, {row['alert_rule']}: {row['open_alerts']} open "
            f"({row['open_alerts_on_all']} on all tenants), "
            f"{row['alerts_opened']} opened in history"
        )
    overall = next(r for r in figures["interval_coverage"] if r["kpi_name"] == "all KPIs")
    lines.append(f"95% interval coverage of the truth in simulation: {overall['coverage']:.1%}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="simulation runs (default 20)")
    parser.add_argument(
        "--out",
        type=Path,
        default=PROJECT_DIR / "bench" / "out" / "alert_simulation.json",
        help="where to write the figures",
    )
    parser.add_argument(
        "--skip-build", action="store_true", help="only read the figures of the last run"
    )
    args = parser.parse_args(argv)
    database = warehouse_db()
    if not database.is_file():
        raise SystemExit(f"error: no warehouse at {database}: run `make demo` first")
    if not args.skip_build:
        run_simulation(args.runs)
    figures = read_figures(database)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2, default=str) + "\n")
    print(report(figures))
    print(f"figures written to {args.out}")


if __name__ == "__main__":
    main()
