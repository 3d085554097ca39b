"""`make bench`: generation, full build, reference run and incremental run, side by side.

Parsing and the unit tests are timed as steps of their own and kept out of
the headline build ratio (the ratio with the parse is printed too).

Each step runs as a subprocess (or, for the reference, one DuckDB connection in
a subprocess) while a sampler records the peak resident memory of the whole
process tree. Figures go to stdout and to bench/out/results.json.

Builds are `tenant-kpis build` (dbt, the Python steps, dbt), as `make build`
runs them. The reference is what the transformation costs without dbt: the
compiled SQL of every SQL model, from the manifest of the full build, executed
in DAG order through one DuckDB connection. The Python steps have no SQL to
replay, so their measured time is added to the reference and the report says
so.

PostgreSQL: the same feed is loaded (`tenant-kpis load`) into a throwaway local
server and built there (`tenant-kpis build --target postgres`), beside the
DuckDB build (`--no-postgres` skips it; README "PostgreSQL"). Its peak memory
is the client side only (dbt and the steps): the server is not a child process.

The floor is dbt's fixed cost: the same build, and the models alone, on a
dataset of a few tenants. No run of the whole DAG, incremental or not, can
cost less, so it bounds the incremental ratio from below.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from tenant_kpis.build import STEPS_RUN_VARIABLE
from tenant_kpis.paths import PROJECT_DIR

BIN = Path(sys.executable).parent


@dataclass
class StepResult:
    name: str
    seconds: float
    peak_rss_mb: float
    note: str = ""
    # CPU time (user + system) of the step's process tree and the 1-minute load
    # average before and after it: on a shared machine, wall time under load is
    # not comparable with an idle run; CPU time and peak memory are.
    cpu_seconds: float = 0.0
    load_average_start: float = 0.0
    load_average_end: float = 0.0


class PeakMemorySampler:
    """Samples the resident memory of a process and its children."""

    def __init__(self, pid: int, interval_s: float = 0.1) -> None:
        self._pid = pid
        self._interval_s = interval_s
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                root = psutil.Process(self._pid)
                processes = [root, *root.children(recursive=True)]
                total = 0
                for process in processes:
                    try:
                        total += process.memory_info().rss
                    except psutil.Error:
                        continue
                self.peak_bytes = max(self.peak_bytes, total)
            except psutil.Error:
                pass
            self._stop.wait(self._interval_s)

    def __enter__(self) -> PeakMemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_step(name: str, command: list[str], env: dict[str, str], log: Path) -> StepResult:
    print(f"[bench] {name}: {' '.join(command)}", flush=True)
    load_start = os.getloadavg()[0]
    # every descendant is waited for by its parent, so its CPU time reaches ours
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with log.open("w") as log_file:
        process = subprocess.Popen(
            command, env=env, cwd=PROJECT_DIR, stdout=log_file, stderr=subprocess.STDOUT
        )
        with PeakMemorySampler(process.pid) as sampler:
            code = process.wait()
    seconds = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_seconds = (cpu_after.ru_utime - cpu_before.ru_utime) + (
        cpu_after.ru_stime - cpu_before.ru_stime
    )
    if code != 0:
        tail = log.read_text().splitlines()[-30:]
        raise SystemExit(
            f"[bench] step '{name}' failed (exit {code}); log {log}:\n" + "\n".join(tail)
        )
    result = StepResult(
        name,
        seconds,
        sampler.peak_bytes / 2**20,
        cpu_seconds=cpu_seconds,
        load_average_start=load_start,
        load_average_end=os.getloadavg()[0],
    )
    print(
        f"[bench] {name}: {seconds:.1f} s, CPU {cpu_seconds:.1f} s, peak "
        f"{result.peak_rss_mb:.0f} MB, load average {load_start:.1f} -> "
        f"{result.load_average_end:.1f}",
        flush=True,
    )
    return result


def count_rows(path: Path) -> int:
    import duckdb

    reader = "read_parquet" if path.suffix == ".parquet" else "read_csv_auto"
    with duckdb.connect() as connection:
        return int(connection.execute(f"select count(*) from {reader}('{path}')").fetchone()[0])


def count_events(directory: Path) -> int:
    """Events in `directory`: `events.<format>` or the `events/` load-date partitions
    (their Parquet metadata). 0 when there are none."""
    import pyarrow.parquet as pq

    partitions = directory / "events"
    if partitions.is_dir():
        return sum(
            pq.ParquetFile(path).metadata.num_rows for path in partitions.glob("*/*.parquet")
        )
    events_file = next(directory.glob("events.*"), None)
    return count_rows(events_file) if events_file else 0


def slowest_nodes(run_results: dict, count: int = 15) -> list[dict[str, object]]:
    """The dbt nodes with the longest execution time (the hot spots of a build)."""
    timed = sorted(run_results["results"], key=lambda r: r["execution_time"], reverse=True)
    return [
        {"node": r["unique_id"], "seconds": round(r["execution_time"], 2)} for r in timed[:count]
    ]


FLOOR_TENANTS = 5


def measure_floor(
    out: Path, base_env: dict[str, str], unit_tests: list[str], seed: int, layout: str
) -> list[StepResult]:
    """dbt's fixed cost: the same commands on a dataset of a few tenants.

    Any run of the whole DAG, incremental or not, costs at least this: start-up
    plus the per-node work of every model and test, with next to no data. It
    is the floor under the incremental ratio.
    """
    floor_dir = out / "floor"
    floor_env = {
        **base_env,
        "TENANT_KPIS_RAW_DIR": str(floor_dir / "raw"),
        "TENANT_KPIS_DB": str(floor_dir / "tenant_kpis.duckdb"),
        "DBT_TARGET_PATH": str(out / "target_floor"),
        "DBT_LOG_PATH": str(out / "logs" / "floor"),
    }
    subprocess.run(
        [
            str(BIN / "tenant-kpis"),
            "generate",
            "--out",
            str(floor_dir / "raw"),
            "--tenants",
            str(FLOOR_TENANTS),
            "--seed",
            str(seed),
            "--events-layout",
            layout,
            "--quiet",
        ],
        env=floor_env,
        cwd=PROJECT_DIR,
        check=True,
    )
    events = count_events(floor_dir / "raw")
    # parsed untimed, as for the full build
    subprocess.run(
        [str(BIN / "dbt"), "parse", "--quiet"], env=floor_env, cwd=PROJECT_DIR, check=True
    )
    logs = out / "logs"
    build = run_step(
        f"floor: tenant-kpis build, {FLOOR_TENANTS} tenants",
        [str(BIN / "tenant-kpis"), "build", *unit_tests],
        floor_env,
        logs / "floor_build.log",
    )
    weekly = run_step(
        f"floor, weekly: same build again, {FLOOR_TENANTS} tenants",
        [str(BIN / "tenant-kpis"), "build", *unit_tests],
        floor_env,
        logs / "floor_weekly.log",
    )
    run = run_step(
        f"floor, models only: dbt run, {FLOOR_TENANTS} tenants",
        [str(BIN / "dbt"), "run"],
        # the models downstream of the Python steps read what the floor build's
        # steps just wrote: a bare `dbt run` is otherwise refused by the
        # stale-run guard (macros/python_steps/python_step_output.sql). An
        # environment variable, not --vars, which would re-parse the project.
        {**floor_env, STEPS_RUN_VARIABLE: "any"},
        logs / "floor_run.log",
    )
    build.note = f"{events:,} events: the floor of any run of the whole DAG"
    weekly.note = "nothing new: the floor of a weekly run (unchanged seeds skipped)"
    run.note = f"{events:,} events: the floor even with no data test"
    return [build, weekly, run]


def measure_postgres(
    out: Path,
    base_env: dict[str, str],
    raw_dir: Path,
    unit_tests: list[str],
    duckdb_build: StepResult,
) -> list[StepResult]:
    """The same feed on a throwaway PostgreSQL server: load, then the full build."""
    from tenant_kpis.engines.local_postgres import local_postgres

    logs = out / "logs"
    with local_postgres() as server:
        env = {
            **base_env,
            **server.environment,
            "TENANT_KPIS_TARGET": "postgres",
            "DBT_TARGET_PATH": str(out / "target_postgres"),
            "DBT_LOG_PATH": str(logs / "postgres"),
        }
        load = run_step(
            "postgres: tenant-kpis load",
            [str(BIN / "tenant-kpis"), "load", str(raw_dir)],
            env,
            logs / "postgres_load.log",
        )
        subprocess.run([str(BIN / "dbt"), "parse", "--quiet"], env=env, cwd=PROJECT_DIR, check=True)
        build = run_step(
            "postgres: tenant-kpis build (full)",
            [str(BIN / "tenant-kpis"), "build", *unit_tests],
            env,
            logs / "postgres_build.log",
        )
    load.note = (logs / "postgres_load.log").read_text().strip().splitlines()[-1][:90]
    run_results = json.loads((out / "target_postgres" / "run_results.json").read_text())
    statuses = [r["status"] for r in run_results["results"]]
    steps_seconds = run_results["args"]["tenant_kpis_build"]["python_steps_seconds"]
    build.note = (
        f"{len(statuses)} nodes, {statuses.count('pass')} tests passed; Python steps "
        f"{steps_seconds:.1f} s; {build.seconds / duckdb_build.seconds:.2f} x DuckDB's; "
        "peak MB: client only"
    )
    return [load, build]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--events-layout",
        choices=["file", "partitioned"],
        default="file",
        help="events as one file or as load-date partitions (generate --events-layout)",
    )
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "bench" / "out")
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--skip-incremental", action="store_true")
    parser.add_argument(
        "--raw-from",
        type=Path,
        help="copy this already generated raw directory instead of generating (no generate step)",
    )
    parser.add_argument(
        "--skip-floor",
        action="store_true",
        help=f"skip the fixed-cost runs of the same project on {FLOOR_TENANTS} tenants",
    )
    parser.add_argument(
        "--postgres",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also load and build the same feed on a throwaway PostgreSQL server",
    )
    parser.add_argument(
        "--with-unit-tests",
        action="store_true",
        help="run dbt unit tests inside both builds (default: their own step, not in the ratios)",
    )
    args = parser.parse_args(argv)

    from tenant_kpis.generator import tenants_for_events

    out: Path = args.out.resolve()
    if out.exists():
        shutil.rmtree(out)
    raw_dir, logs = out / "raw", out / "logs"
    full_dir, ref_dir = out / "full", out / "reference"
    for directory in (logs, full_dir, ref_dir):
        directory.mkdir(parents=True)

    tenants = tenants_for_events(args.events)
    base_env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "TENANT_KPIS_RAW_DIR": str(raw_dir),
        "TENANT_KPIS_MEMORY_LIMIT": args.memory_limit,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    full_env = {
        **base_env,
        "TENANT_KPIS_DB": str(full_dir / "tenant_kpis.duckdb"),
        "DBT_TARGET_PATH": str(out / "target_full"),
        "DBT_LOG_PATH": str(logs),
    }
    ref_env = {
        **base_env,
        "TENANT_KPIS_DB": str(ref_dir / "tenant_kpis.duckdb"),
        "DBT_TARGET_PATH": str(out / "target_ref"),
        "DBT_LOG_PATH": str(logs),
    }

    results: list[StepResult] = []
    holdback = [] if args.skip_incremental else ["--holdback-days", "7"]
    if args.raw_from:
        shutil.copytree(args.raw_from, raw_dir)
    else:
        generation = run_step(
            "generate",
            [
                str(BIN / "tenant-kpis"),
                "generate",
                "--out",
                str(raw_dir),
                "--tenants",
                str(tenants),
                "--seed",
                str(args.seed),
                "--events-layout",
                args.events_layout,
                *holdback,
            ],
            base_env,
            logs / "generate.log",
        )
    events = count_events(raw_dir) + count_events(raw_dir / "_holdback")
    if args.raw_from:
        print(f"[bench] raw data copied from {args.raw_from}: {events:,} events", flush=True)
    else:
        generation.note = (
            f"{events:,} events, {tenants} tenants, {events / generation.seconds:,.0f} events/s"
        )
        results.append(generation)

    # Parsing happens once per code change (a deploy, or the first command
    # after an edit); later commands reuse target/partial_parse.msgpack. It
    # is timed as its own step so the build compares with the reference on
    # transformation and testing alone, and reported beside the ratio.
    parse = run_step("dbt parse", [str(BIN / "dbt"), "parse"], full_env, logs / "parse.log")
    parse.note = "once per code change; not in the ratios"
    results.append(parse)

    # A production build, as `make build` runs it: seeds, models and data
    # tests. Unit tests check SQL logic on fixed fixtures, not data; dbt Labs
    # recommends running them in development and CI only, so they are timed
    # as a step of their own below.
    unit_tests = [] if args.with_unit_tests else ["--exclude-resource-type", "unit_test"]
    full = run_step(
        "tenant-kpis build (full)",
        [str(BIN / "tenant-kpis"), "build", *unit_tests],
        full_env,
        logs / "build_full.log",
    )
    run_results = json.loads((out / "target_full" / "run_results.json").read_text())
    statuses = [r["status"] for r in run_results["results"]]
    full.note = f"{len(statuses)} nodes, {statuses.count('pass')} tests passed" + (
        "" if args.with_unit_tests else " (unit tests: own step)"
    )
    results.append(full)
    steps_seconds = run_results["args"]["tenant_kpis_build"]["python_steps_seconds"]
    full.note += f"; Python steps {steps_seconds:.1f} s"
    hot_spots = {"tenant-kpis build (full)": slowest_nodes(run_results)}

    if not args.with_unit_tests:
        # its own target path: the reference replays the full build's manifest
        unit_env = {**full_env, "DBT_TARGET_PATH": str(out / "target_unit")}
        unit_step = run_step(
            "dbt unit tests (CI; not in the ratios)",
            [str(BIN / "dbt"), "test", "--select", "resource_type:unit_test"],
            unit_env,
            logs / "unit_tests.log",
        )
        run_results = json.loads((out / "target_unit" / "run_results.json").read_text())
        unit_ids = [r["unique_id"] for r in run_results["results"]]
        unit_step.note = f"{sum(i.startswith('unit_test.') for i in unit_ids)} unit tests"
        results.append(unit_step)

    tests_seconds = 0.0
    if not args.skip_reference:
        # Seeds and raw views are set up untimed: the reference times models only.
        subprocess.run(
            [str(BIN / "dbt"), "seed", "--quiet"], env=ref_env, cwd=PROJECT_DIR, check=True
        )
        subprocess.run(
            [str(BIN / "dbt"), "run-operation", "register_raw_sources", "--quiet"],
            env=ref_env,
            cwd=PROJECT_DIR,
            check=True,
        )
        reference = run_step(
            "reference (compiled SQL, one connection)",
            [
                sys.executable,
                "-m",
                "tenant_kpis.bench_reference",
                str(out / "target_full"),
                ref_env["TENANT_KPIS_DB"],
                args.memory_limit,
                full_env["TENANT_KPIS_DB"],
            ],
            ref_env,
            logs / "reference.log",
        )
        replay = json.loads((logs / "reference.log").read_text().strip().splitlines()[-1])
        reference.seconds = replay["sql_seconds"] + replay["python_seconds"]
        reference.note = (
            f"{replay['models']} models: SQL {replay['sql_seconds']:.1f} s + "
            f"Python steps {replay['python_seconds']:.1f} s (as measured in the build); "
            f"not in it: the data tests' queries, {replay['tests_seconds']:.1f} s "
            f"({replay['tests']} tests, {replay['tests_not_replayed']} not replayable)"
        )
        tests_seconds = replay["tests_seconds"]
        results.append(reference)

    if args.postgres:
        results.extend(measure_postgres(out, base_env, raw_dir, unit_tests, full))

    if not args.skip_incremental:
        from tenant_kpis.generator import append_holdback

        append_holdback(raw_dir)
        incremental = run_step(
            "tenant-kpis build (incremental, +1 week)",
            [str(BIN / "tenant-kpis"), "build", *unit_tests],
            full_env,
            logs / "build_incremental.log",
        )
        run_results = json.loads((out / "target_full" / "run_results.json").read_text())
        statuses = [r["status"] for r in run_results["results"]]
        incremental.note = f"{len(statuses)} nodes, {statuses.count('pass')} tests passed"
        hot_spots["tenant-kpis build (incremental)"] = slowest_nodes(run_results)
        results.append(incremental)

    if not args.skip_floor:
        results.extend(measure_floor(out, base_env, unit_tests, args.seed, args.events_layout))

    ratios: dict[str, float] = {}
    full_build = full
    reference_step = next((r for r in results if r.name.startswith("reference")), None)
    if reference_step:
        ratios["full build / reference"] = full_build.seconds / reference_step.seconds
        ratios["(parse + full build) / reference"] = (
            parse.seconds + full_build.seconds
        ) / reference_step.seconds
        # what dbt adds besides running the tests' queries (not a goal: the
        # reference of issue 14 is the models' SQL and the steps)
        ratios["full build / (reference + data tests' SQL)"] = full_build.seconds / (
            reference_step.seconds + tests_seconds
        )
    incremental_step = next((r for r in results if "(incremental" in r.name), None)
    if incremental_step:
        ratios["incremental / full build"] = incremental_step.seconds / full_build.seconds
    postgres_build = next(
        (r for r in results if r.name.startswith("postgres: tenant-kpis build")), None
    )
    if postgres_build:
        ratios["postgres build / duckdb build"] = postgres_build.seconds / full_build.seconds
    for step in results:
        if step.name.startswith("floor"):
            ratios[f"{step.name.split(':')[0]} / full build"] = step.seconds / full_build.seconds

    memory_gib = psutil.virtual_memory().total / 2**30
    load_1, load_5, load_15 = os.getloadavg()
    machine = (
        f"{platform.system()} {platform.machine()}, {psutil.cpu_count()} cores, "
        f"{memory_gib:.0f} GiB, Python {platform.python_version()}"
    )
    print()
    print(
        f"tenant-kpis benchmark: target {args.events:,} events, DuckDB memory_limit "
        f"{args.memory_limit}; {machine}; load average at the end {load_1:.1f} {load_5:.1f} "
        f"{load_15:.1f}"
    )
    print(f"{'step':<44} {'wall s':>8} {'CPU s':>8} {'peak MB':>9} {'load':>11}  note")
    for r in results:
        load = f"{r.load_average_start:.1f}-{r.load_average_end:.1f}"
        print(
            f"{r.name:<44} {r.seconds:>8.1f} {r.cpu_seconds:>8.1f} {r.peak_rss_mb:>9.0f} "
            f"{load:>11}  {r.note}"
        )
    for name, value in ratios.items():
        print(f"{name:<44} {value:>8.2f}")
    (out / "results.json").write_text(
        json.dumps(
            {
                "machine": machine,
                "events_target": args.events,
                "memory_limit": args.memory_limit,
                "steps": [asdict(r) for r in results],
                "ratios": ratios,
                "load_average_at_end": [load_1, load_5, load_15],
                "slowest_nodes": hot_spots,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
