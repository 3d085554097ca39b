"""`make alert-sim-pipeline`: the alert rule's false alerts and detection, measured on
generated data run through the whole pipeline.

For each of --runs seeds (or the --seeds listed) it generates two small feeds with
the generator's alert scenarios (generator/alert_scenario.py; --scenarios for one of
them): `stationary` (every planted KPI on its threshold or just on its good side,
unchanged) and `drop` (the same seed, with the users created from a drop date on
drawing truths `alert_simulation_drop_share` x |threshold| past the threshold, the
median's users as `alert_simulation_median_drop_share` names, or
--median-drop-share for a sweep). Each feed is built with `tenant-kpis build` (data
tests, no unit tests) on its own DuckDB file, target and publication paths in a
scratch directory that is removed afterwards; `fct_kpi_scorecard`,
`fct_kpi_early_warning_weekly` and `fct_kpi_alerts` (both kinds: kpi alerts and early
warnings) of the planted KPIs are counted by alert_simulation_counts.py.
Figures: stdout and ``bench/out/alert_simulation_pipeline.json``.

The parametric `make alert-sim` stays the cheap rule sweep (all KPIs, every rule
candidate, in minutes); this one is slow (two builds per run) and covers only the
KPIs the generator can plant, but it runs the real generator, staging, windows,
cohorts, intervals, status and alert models end to end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
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
from tenant_kpis.generator import GeneratorConfig, generate_dataset
from tenant_kpis.generator.config import DEFAULT_END_DATE
from tenant_kpis.paths import PROJECT_DIR

BIN = Path(sys.executable).parent
WINDOW_WEEKS = 13
#: The drop reaches the 60-day KPIs' cohorts this many weeks before the last complete
#: week, so each covered KPI has its entry week and 12 more inside the history.
LAST_ENTRY_WEEKS_BEFORE_END = 12
LONGEST_WINDOW_DAYS = 60
RULE_PARAMETERS = (
    "alert_minimum_units",
    "alert_consecutive_weeks",
    "early_warning_cohort_weeks",
    "early_warning_minimum_units",
    "early_warning_consecutive_weeks",
)
SCENARIOS = ("stationary", "drop")
#: 200 tenants: the demo's size, at which the targets are judged (README, Alerts).
DEFAULTS = {"runs": 12, "tenants": 200, "years": 1.0, "events_per_user_day": 2.0, "seed": 1000}


def drop_date_for(end_date: date) -> date:
    """Users created from this day on draw the dropped truths: the 60-day KPIs' cohorts
    take them from the Monday LAST_ENTRY_WEEKS_BEFORE_END weeks before the last complete
    week (the first of the 13 weeks), the 30- and 14-day KPIs' cohorts 30 and 46 days
    earlier."""
    last_week = end_date - timedelta(days=7)
    entry_week = last_week - timedelta(weeks=LAST_ENTRY_WEEKS_BEFORE_END)
    return entry_week - timedelta(days=LONGEST_WINDOW_DAYS)


def _build_env(scratch: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TENANT_KPIS_RAW_DIR": str(scratch / "raw"),
        "TENANT_KPIS_DB": str(scratch / "warehouse.duckdb"),
        "TENANT_KPIS_PUBLISHED_DB": str(scratch / "published" / "marts.duckdb"),
        "DBT_TARGET_PATH": str(scratch / "target"),
        "DBT_LOG_PATH": str(scratch / "target" / "logs"),
        "DBT_PROFILES_DIR": os.environ.get("DBT_PROFILES_DIR", str(PROJECT_DIR)),
        "TENANT_KPIS_MEMORY_LIMIT": os.environ.get("TENANT_KPIS_MEMORY_LIMIT", "2GB"),
    }


def _rows(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = connection.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def build_and_read(config: GeneratorConfig, scratch: Path) -> dict[str, Any]:
    """Generate, build, and read back the truth, the rule, the scorecard and the alerts."""
    if scratch.exists():
        shutil.rmtree(scratch)
    generate_dataset(config, scratch / "raw", progress=False)
    truth = json.loads((scratch / "raw" / "_truth.json").read_text())["alert_scenario"]
    log = scratch / "build.log"
    with log.open("w") as handle:
        completed = subprocess.run(
            [str(BIN / "tenant-kpis"), "build", "--exclude-resource-type", "unit_test"],
            cwd=PROJECT_DIR,
            env=_build_env(scratch),
            stdout=handle,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if completed.returncode != 0:
        kept = Path(tempfile.gettempdir()) / f"alert_sim_failed_{config.alert_scenario}.log"
        shutil.copy(log, kept)
        raise SystemExit(
            f"error: the build of seed {config.seed} ({config.alert_scenario}) failed "
            f"(exit {completed.returncode}); its log: {kept}"
        )
    kpis = ", ".join(f"'{k}'" for k in truth["kpis"])
    with duckdb.connect(str(scratch / "warehouse.duckdb"), read_only=True) as connection:
        names = ", ".join(f"'{name}'" for name in RULE_PARAMETERS)
        parameters = {
            name: int(float(value))
            for name, value in connection.execute(
                "select parameter_name, parameter_value from seeds.kpi_parameters "
                f"where parameter_name in ({names})"
            ).fetchall()
        }
        scorecard = _rows(
            connection,
            "select kpi_name, segment_type, segment_value, week_start, value, unit_count, "
            f"status from main.fct_kpi_scorecard where kpi_name in ({kpis})",
        )
        early_warning = _rows(
            connection,
            "select kpi_name, segment_type, segment_value, week_start, value, unit_count, "
            f"status from main.fct_kpi_early_warning_weekly where kpi_name in ({kpis})",
        )
        alerts = _rows(
            connection,
            "select alert_kind, kpi_name, segment_type, segment_value, opened_week, "
            f"closed_week from main.fct_kpi_alerts where kpi_name in ({kpis})",
        )
    return {
        "truth": truth,
        "parameters": parameters,
        "rule": Rule(
            minimum_units=parameters["alert_minimum_units"],
            consecutive_weeks=parameters["alert_consecutive_weeks"],
        ),
        "early_warning": Series(
            rows=early_warning,
            rule=Rule(
                minimum_units=parameters["early_warning_minimum_units"],
                consecutive_weeks=parameters["early_warning_consecutive_weeks"],
            ),
        ),
        "scorecard": scorecard,
        "alerts": alerts,
        "last_week": max(row["week_start"] for row in scorecard),
    }


def simulate(
    seeds: list[int],
    tenants: int,
    years: float,
    events_per_user_day: float,
    keep: Path | None = None,
    scenarios: tuple[str, ...] = SCENARIOS,
    median_drop_share: float | None = None,
) -> tuple[list[RunCounts], dict[str, Any]]:
    """The scenarios for each seed; returns the counts and what the runs had in common.
    With `keep`, each build's warehouse and truth are kept there as
    `<seed>_<scenario>.duckdb` and `<seed>_<scenario>_truth.json` (for replaying other
    rules on the same runs). `median_drop_share` overrides the seed's for the drop
    scenario (a sweep of drop sizes; the stationary feeds do not depend on it)."""
    counts: list[RunCounts] = []
    drop_date = drop_date_for(DEFAULT_END_DATE)
    common: dict[str, Any] = {}
    scratch_root = Path(tempfile.mkdtemp(prefix="alert_sim_pipeline_"))
    try:
        for seed in seeds:
            for scenario in scenarios:
                started = time.perf_counter()
                config = GeneratorConfig(
                    tenants=tenants,
                    seed=seed,
                    years=years,
                    events_per_user_day=events_per_user_day,
                    alert_scenario=scenario,
                    alert_drop_date=drop_date if scenario == "drop" else None,
                    alert_median_drop_share=median_drop_share if scenario == "drop" else None,
                )
                result = build_and_read(config, scratch_root / "run")
                if keep is not None:
                    keep.mkdir(parents=True, exist_ok=True)
                    shutil.copy(
                        scratch_root / "run" / "warehouse.duckdb",
                        keep / f"{seed}_{scenario}.duckdb",
                    )
                    shutil.copy(
                        scratch_root / "run" / "raw" / "_truth.json",
                        keep / f"{seed}_{scenario}_truth.json",
                    )
                truth, rule = result["truth"], result["rule"]
                if scenario == "stationary":
                    run = count_stationary(
                        result["scorecard"],
                        result["alerts"],
                        truth["kpis"],
                        result["last_week"],
                        WINDOW_WEEKS,
                        rule,
                        result["early_warning"],
                    )
                else:
                    entry_weeks = {
                        kpi: date.fromisoformat(entry["drop_enters_cohort_week"])
                        for kpi, entry in truth["kpis"].items()
                    }
                    run = count_drop(
                        result["scorecard"],
                        result["alerts"],
                        entry_weeks,
                        rule,
                        result["early_warning"],
                    )
                    common["drop_entry_weeks"] = {k: str(v) for k, v in entry_weeks.items()}
                    common["median_drop_share"] = truth["median_drop_share"]
                    common["dropped_past_threshold_share"] = {
                        k: e["dropped_past_threshold_share"] for k, e in truth["kpis"].items()
                    }
                run.seed = seed
                counts.append(run)
                common.update(
                    rule=result["parameters"],
                    last_week=str(result["last_week"]),
                    truth_kpis={
                        k: {f: v for f, v in e.items() if not f.startswith("drop_")}
                        for k, e in truth["kpis"].items()
                    },
                    kpi_coverage=truth["kpi_coverage"],
                    drop_date=str(drop_date),
                )
                print(
                    f"seed {seed} {scenario:<10} {time.perf_counter() - started:6.0f}s  "
                    f"pairs {run.pairs:>4}  can alert {run.pairs_that_can_alert:>4}  "
                    + (
                        f"alerting {run.pairs_alerting} "
                        f"({run.pairs_early_warning_alerting} with an early warning)"
                        if scenario == "stationary"
                        else f"detected {run.detections}/{run.detection_trials} in 3 weeks "
                        f"({run.detections_by_early_warning} by an early warning), "
                        f"{run.detections_long}/{run.detection_trials_long} in 13"
                    ),
                    flush=True,
                )
    finally:
        shutil.rmtree(scratch_root, ignore_errors=True)
    return counts, common


def _pct(share: dict[str, Any]) -> str:
    if share["rate"] is None:
        return "n/a"
    low, high = share["wilson_95"]
    text = f"{share['rate']:.1%} {share['successes']}/{share['trials']} W {low:.1%}-{high:.1%}"
    if share["between_runs_95"] is not None:
        low, high = share["between_runs_95"]
        text += f" R {low:.1%}-{high:.1%}"
    return text


def report(figures: dict[str, Any]) -> str:
    lines = [
        f"{figures['runs'].get('stationary', 0)} stationary + "
        f"{figures['runs'].get('drop', 0)} drop runs, "
        f"{figures['settings']['tenants']} tenants, {figures['settings']['years']} years; "
        f"rule: {figures['rule']}",
        f"{'KPI':<34} {'false alerts, all pairs':<36} {'among pairs that can alert':<36} "
        f"{'detected within 3 weeks':<36} {'within 13 weeks':<36}",
    ]
    rows = [("all planted KPIs", figures["all_planted_kpis"]), *figures["per_kpi"].items()]
    for name, row in rows:
        lines.append(
            f"{name:<34} {_pct(row['false_alerts_among_all_pairs']):<36} "
            f"{_pct(row['false_alerts_among_pairs_that_can_alert']):<36} "
            f"{_pct(row['detected_within_3_weeks']):<36} "
            f"{_pct(row['detected_within_13_weeks']):<36}"
        )
    overall = figures["all_planted_kpis"]
    lines += [
        "false alerts that are early warnings, all pairs: "
        + _pct(overall["false_early_warnings_among_all_pairs"]),
        "detected within 3 weeks by an early warning: "
        + _pct(overall["detected_within_3_weeks_by_an_early_warning"]),
        "detected within 3 weeks where the early-warning rule can alert: "
        + _pct(overall["detected_within_3_weeks_where_early_warnings_can_alert"]),
        "segment all (one trial per KPI and simulation): false alerts "
        + _pct(overall["all_tenants_false_alerts"])
        + "; detected within 3 weeks "
        + _pct(overall["all_tenants_detected_within_3_weeks"])
        + "; within 13 weeks "
        + _pct(overall["all_tenants_detected_within_13_weeks"]),
    ]
    lines.append("W: Wilson 95% (pairs independent); R: 95% between runs (runs as clusters)")
    lines.append(f"wall time {figures['wall_seconds']:.0f} s")
    return "\n".join(lines)


def _seed_list(text: str) -> list[int]:
    """`1004,1005,1006-1011` -> [1004, 1005, 1006, ..., 1011]."""
    seeds: list[int] = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise argparse.ArgumentTypeError(f"not a seed or a range of seeds: {part!r}")
        low, high = int(first), int(last or first)
        if high < low:
            raise argparse.ArgumentTypeError(f"empty range of seeds: {part!r}")
        seeds.extend(range(low, high + 1))
    return seeds


def _scenario_list(text: str) -> tuple[str, ...]:
    scenarios = tuple(part.strip() for part in text.split(","))
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown or not scenarios:
        raise argparse.ArgumentTypeError(f"scenarios are stationary and drop, got {text!r}")
    return scenarios


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=DEFAULTS["runs"], help="seeds (2 builds each)")
    parser.add_argument("--tenants", type=int, default=DEFAULTS["tenants"])
    parser.add_argument("--years", type=float, default=DEFAULTS["years"])
    parser.add_argument(
        "--events-per-user-day", type=float, default=DEFAULTS["events_per_user_day"]
    )
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"], help="first seed")
    parser.add_argument(
        "--seeds",
        type=_seed_list,
        default=None,
        help="these seeds instead of --seed and --runs (e.g. 1004,1005,1006-1011)",
    )
    parser.add_argument(
        "--scenarios",
        type=_scenario_list,
        default=SCENARIOS,
        help="stationary,drop (default) or one of them",
    )
    parser.add_argument(
        "--median-drop-share",
        type=float,
        default=None,
        help="the drop scenario's median drop (default: the seed's "
        "alert_simulation_median_drop_share)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=PROJECT_DIR / "bench" / "out" / "alert_simulation_pipeline.json",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="keep each build's warehouse and truth in this directory",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        raise SystemExit("error: --runs must be at least 1")
    seeds = args.seeds or list(range(args.seed, args.seed + args.runs))
    started = time.perf_counter()
    counts, common = simulate(
        seeds,
        args.tenants,
        args.years,
        args.events_per_user_day,
        args.keep,
        args.scenarios,
        args.median_drop_share,
    )
    figures = {
        "what": (
            "Generated feeds run through tenant-kpis build. Stationary: every planted KPI "
            "on its threshold or just on its good side, unchanged; a false alert is an "
            "alert of either kind (kpi or early_warning) opened in the last "
            f"{WINDOW_WEEKS} complete weeks. Drop: the planted "
            "truths of users created from drop_date on are drop_share x |threshold| past "
            "the threshold; a detection is an alert opened in the week the drop enters the "
            "KPI's rolling cohort or the two after, among the pairs that can alert then "
            "and have no alert open the week before. Pairs can alert when they have "
            "alert_minimum_units units in alert_consecutive_weeks consecutive weeks of the "
            "window on the scorecard, or early_warning_minimum_units in "
            "early_warning_consecutive_weeks on the early-warning series. all_tenants_*: "
            "segment all alone, one trial per planted KPI and simulation (no alert open "
            "the week before), whether or not a rule can alert on its units. Wilson 95% "
            "intervals treat pairs as independent."
        ),
        "settings": {
            "tenants": args.tenants,
            "years": args.years,
            "events_per_user_day": args.events_per_user_day,
            "seeds": seeds,
            "scenarios": list(args.scenarios),
            "window_weeks": WINDOW_WEEKS,
        },
        **common,
        **summarise(counts),
        "wall_seconds": time.perf_counter() - started,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2, default=str) + "\n")
    print(report(figures))
    print(f"figures written to {args.out}")


if __name__ == "__main__":
    main()
