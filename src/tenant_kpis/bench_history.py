"""`make bench-history`: does a weekly run cost what the new week costs?

The same tenants (same seed, same `--years` of tenant history) are generated
twice as load-date partitions, with events written for a short and for a
long history (`generate --event-years`): the same weekly volume, a different
amount of history behind it. On each, a full build, then the held-back week
arrives and an incremental build runs, as `make build` runs them
(`tenant-kpis build`, no unit tests). Steps and the peak memory of their
process trees are measured as `make bench` measures them (bench.run_step).

Written to bench/out/history.json:
`{"short": {"events", "full_s", "incremental_s", "peak_mb", ...}, "long": {...},
"ratios": {...}}`. The goals: long incremental / short incremental <= 1.3
(the weekly run does not grow with the history) and long incremental / long
full <= 0.15.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
from dataclasses import dataclass
from pathlib import Path

import psutil

from tenant_kpis.bench import BIN, count_events, run_step, slowest_nodes
from tenant_kpis.paths import PROJECT_DIR

HOLDBACK_DAYS = 7


@dataclass(frozen=True)
class HistoryRun:
    label: str
    event_years: float


def measure_history(run: HistoryRun, args: argparse.Namespace, out: Path) -> dict[str, object]:
    """Generate one history, then time its full build and its +1 week incremental build."""
    from tenant_kpis.generator import append_holdback

    work = out / run.label
    raw_dir, logs = work / "raw", work / "logs"
    logs.mkdir(parents=True)
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "TENANT_KPIS_RAW_DIR": str(raw_dir),
        "TENANT_KPIS_MEMORY_LIMIT": args.memory_limit,
        "TENANT_KPIS_DB": str(work / "tenant_kpis.duckdb"),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(logs),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    run_step(
        f"{run.label}: generate",
        [
            str(BIN / "tenant-kpis"),
            "generate",
            "--out",
            str(raw_dir),
            "--tenants",
            str(args.tenants),
            "--seed",
            str(args.seed),
            "--years",
            str(args.years),
            "--event-years",
            str(run.event_years),
            "--events-layout",
            "partitioned",
            "--holdback-days",
            str(HOLDBACK_DAYS),
            "--quiet",
        ],
        env,
        logs / "generate.log",
    )
    events = count_events(raw_dir)
    # parsed once per code change in production: untimed, as in `make bench`
    run_step(f"{run.label}: dbt parse", [str(BIN / "dbt"), "parse"], env, logs / "parse.log")
    build = [str(BIN / "tenant-kpis"), "build", "--exclude-resource-type", "unit_test"]
    full = run_step(f"{run.label}: full build", build, env, logs / "build_full.log")
    held_back = append_holdback(raw_dir)
    incremental = run_step(
        f"{run.label}: incremental build (+1 week)", build, env, logs / "build_incremental.log"
    )
    run_results = json.loads((work / "target" / "run_results.json").read_text())
    return {
        "event_years": run.event_years,
        "events": events + held_back,
        "events_new_week": held_back,
        "full_s": round(full.seconds, 1),
        "incremental_s": round(incremental.seconds, 1),
        "peak_mb": round(max(full.peak_rss_mb, incremental.peak_rss_mb)),
        "incremental_slowest_nodes": slowest_nodes(run_results, 10),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--years", type=float, default=4.0, help="tenant history (both runs)")
    parser.add_argument("--short-years", type=float, default=1.0, help="events, short history")
    parser.add_argument("--long-years", type=float, default=4.0, help="events, long history")
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "bench" / "out")
    args = parser.parse_args(argv)

    out: Path = args.out.resolve()
    work = out / "history"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    load_start = os.getloadavg()
    results = {
        run.label: measure_history(run, args, work)
        for run in (HistoryRun("short", args.short_years), HistoryRun("long", args.long_years))
    }
    short, long = results["short"], results["long"]
    exact = {
        "long incremental / short incremental": long["incremental_s"] / short["incremental_s"],
        "long incremental / long full": long["incremental_s"] / long["full_s"],
        "short incremental / short full": short["incremental_s"] / short["full_s"],
    }
    # judged unrounded: 0.1525 printed as 0.15 does not meet "<= 0.15"
    ratios = {name: round(value, 3) for name, value in exact.items()}
    goals = {
        "long incremental / short incremental": 1.3,
        "long incremental / long full": 0.15,
    }
    machine = (
        f"{platform.system()} {platform.machine()}, {psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}"
    )
    load_end = os.getloadavg()
    report = {
        **results,
        "ratios": ratios,
        "goals": {name: f"<= {goal}" for name, goal in goals.items()},
        "tenants": args.tenants,
        "seed": args.seed,
        "years": args.years,
        "memory_limit": args.memory_limit,
        "machine": machine,
        "load_average_start": [round(value, 2) for value in load_start],
        "load_average_end": [round(value, 2) for value in load_end],
    }
    (out / "history.json").write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(f"bench-history: {args.tenants} tenants, {machine}")
    print(f"load average {load_start[0]:.1f} at the start, {load_end[0]:.1f} at the end")
    print(f"{'history':<8} {'events':>12} {'full s':>8} {'incr. s':>8} {'peak MB':>8}")
    for label, result in results.items():
        print(
            f"{label:<8} {result['events']:>12,} {result['full_s']:>8.1f} "
            f"{result['incremental_s']:>8.1f} {result['peak_mb']:>8}"
        )
    for name, value in exact.items():
        goal = goals.get(name)
        verdict = "" if goal is None else ("  met" if value <= goal else "  not met")
        print(f"{name:<40} {value:>6.3f}{f'  (goal <= {goal})' if goal else ''}{verdict}")
    print(f"written to {out / 'history.json'}")


if __name__ == "__main__":
    main()
