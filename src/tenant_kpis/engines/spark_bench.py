"""`make bench-spark EVENTS=N`: the same generated feed built on DuckDB and on Spark.

Both builds do the same work: `tenant-kpis build` without data or unit tests
(seeds, models, the Python steps); Spark first runs `tenant-kpis load
--target spark` (the DuckDB check of the raw files, written as text
Parquet). Each step's wall time and the peak resident memory of its whole
process tree (dbt, and on Spark the JVM) are measured; per-layer figures
(seeds, staging, intermediate, marts: the sum of dbt's node times) and the
slowest models come from each build's run_results.json. With --floor the
same is done on the hand-written holdout feed (a few dozen rows): the fixed
cost of a build, whatever the data. Not in CI (minutes to hours).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
from collections import defaultdict
from pathlib import Path

import psutil

from tenant_kpis.bench import StepResult, count_events, run_step
from tenant_kpis.paths import PROJECT_DIR

BIN = Path(sys.executable).parent
NO_TESTS = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
HOLDOUT_FEED = PROJECT_DIR / "tests" / "fixtures" / "holdout_feed"


def layer_seconds(run_results_path: Path) -> dict[str, float]:
    """Seconds of dbt node time per layer (seeds, staging, intermediate, marts, hooks)."""
    results = json.loads(run_results_path.read_text(encoding="utf-8"))["results"]
    totals: dict[str, float] = defaultdict(float)
    for result in results:
        unique_id: str = result["unique_id"]
        kind = unique_id.split(".", 1)[0]
        if kind == "model":
            totals[_model_layer(unique_id)] += result["execution_time"]
        else:
            totals[kind] += result["execution_time"]
    return dict(totals)


def _model_layer(unique_id: str) -> str:
    name = unique_id.rsplit(".", 1)[-1]
    for prefix, layer in (
        ("base_", "staging"),
        ("stg_", "staging"),
        ("int_", "intermediate"),
        ("fct_", "marts"),
        ("dim_", "marts"),
        ("dq_", "marts"),
    ):
        if name.startswith(prefix):
            return layer
    return "other models"


def slowest(run_results_path: Path, count: int = 8) -> list[tuple[str, float]]:
    results = json.loads(run_results_path.read_text(encoding="utf-8"))["results"]
    ordered = sorted(results, key=lambda result: result["execution_time"], reverse=True)
    return [
        (result["unique_id"].rsplit(".", 1)[-1], round(result["execution_time"], 1))
        for result in ordered[:count]
    ]


def build_both(label: str, raw_dir: Path, out: Path, spark_memory: str) -> dict[str, object]:
    """DuckDB build, then Spark load and build, of raw_dir; figures of each step."""
    tk = str(BIN / "tenant-kpis")
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    base = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "TENANT_KPIS_RAW_DIR": str(raw_dir),
        "TZ": "UTC",
    }
    duck_env = {
        **base,
        "TENANT_KPIS_TARGET": "dev",
        "TENANT_KPIS_DB": str(out / "duckdb" / "tenant_kpis.duckdb"),
        "DBT_TARGET_PATH": str(out / "duckdb" / "target"),
        "DBT_LOG_PATH": str(logs),
    }
    spark_env = {
        **base,
        "TENANT_KPIS_TARGET": "spark",
        "TENANT_KPIS_SPARK_DIR": str(out / "spark"),
        "TENANT_KPIS_SPARK_MEMORY": spark_memory,
        "DBT_TARGET_PATH": str(out / "spark" / "target"),
        "DBT_LOG_PATH": str(logs),
    }
    (out / "duckdb").mkdir(parents=True, exist_ok=True)
    (out / "spark").mkdir(parents=True, exist_ok=True)
    steps: list[StepResult] = [
        run_step(f"{label}: duckdb build", [tk, "build", *NO_TESTS], duck_env, logs / "duck.log"),
        run_step(f"{label}: spark load", [tk, "load", str(raw_dir)], spark_env, logs / "load.log"),
        run_step(f"{label}: spark build", [tk, "build", *NO_TESTS], spark_env, logs / "spark.log"),
    ]
    return {
        "steps": [step.__dict__ for step in steps],
        "layers": {
            "duckdb": layer_seconds(out / "duckdb" / "target" / "run_results.json"),
            "spark": layer_seconds(out / "spark" / "target" / "run_results.json"),
        },
        "python_steps_seconds": {
            engine: json.loads((out / engine / "target" / "run_results.json").read_text())["args"]
            .get("tenant_kpis_build", {})
            .get("python_steps_seconds")
            for engine in ("duckdb", "spark")
        },
        "slowest": {
            "duckdb": slowest(out / "duckdb" / "target" / "run_results.json"),
            "spark": slowest(out / "spark" / "target" / "run_results.json"),
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--spark-memory", default="4g", help="Spark driver memory (local mode)")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "data" / "bench_spark")
    parser.add_argument("--raw-from", type=Path, help="an already generated raw directory")
    parser.add_argument(
        "--floor", action="store_true", help="also build the holdout feed: the fixed cost"
    )
    args = parser.parse_args(argv)

    from tenant_kpis.generator import tenants_for_events

    out: Path = args.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    report: dict[str, object] = {
        "machine": (
            f"{platform.system()} {platform.machine()}, {psutil.cpu_count()} cores, "
            f"{psutil.virtual_memory().total / 2**30:.0f} GiB; load average at start "
            f"{os.getloadavg()[0]:.1f}"
        )
    }
    if args.floor:
        report["floor"] = build_both("holdout feed", HOLDOUT_FEED, out / "floor", args.spark_memory)
    raw_dir = args.raw_from.resolve() if args.raw_from else out / "raw"
    if not args.raw_from:
        tenants = tenants_for_events(args.events)
        run_step(
            "generate",
            [
                str(BIN / "tenant-kpis"), "generate", "--out", str(raw_dir),
                "--tenants", str(tenants), "--seed", str(args.seed), "--quiet",
            ],
            dict(os.environ),
            out / "generate.log",
        )  # fmt: skip
    report["events"] = count_events(raw_dir)
    report["feed"] = build_both(
        f"{report['events']:,} events", raw_dir, out / "feed", args.spark_memory
    )
    report["load_average_at_end"] = round(os.getloadavg()[0], 1)
    (out / "bench_spark.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
