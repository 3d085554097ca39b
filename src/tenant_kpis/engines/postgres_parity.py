"""`make test-postgres [RAW=DIR]`: the same raw feed on DuckDB and PostgreSQL, same marts.

1. start a throwaway PostgreSQL server on 127.0.0.1 (local_postgres);
2. the feed: RAW=DIR, or a small generated one (dirty rows included, a week
   of events held back);
3. build it on both engines at the same time, each with `tenant-kpis build`
   (seeds, models, Python steps, data tests and unit tests); on PostgreSQL
   after `tenant-kpis load`;
4. a generated feed then receives its held-back week: PostgreSQL reloads its
   raw schema and both engines build again, incrementally (events staging
   merges the new deliveries with delete+insert on PostgreSQL);
5. compare every public mart row by row (parity.py), print one line per mart
   and `N/N public marts identical` last; exit 1 with the first differing
   rows on any difference;
6. stop the server and delete its files, whatever happened.

Run as `python -m tenant_kpis.engines.postgres_parity --help`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tenant_kpis import paths
from tenant_kpis.engines import parity, warehouse
from tenant_kpis.engines.local_postgres import LocalPostgres, local_postgres
from tenant_kpis.engines.profile import resolve_target
from tenant_kpis.errors import UserError

BIN = Path(sys.executable).parent
LOG_TAIL_LINES = 40


@dataclass(frozen=True)
class Engine:
    """One side of the comparison: its dbt target, environment and work directory."""

    name: str
    target: str
    work: Path
    environment: dict[str, str]

    @property
    def target_dir(self) -> Path:
        return self.work / "target"

    def log(self, step: str) -> Path:
        return self.work / f"{step}.log"


def _engines(work: Path, raw_dir: Path, server: LocalPostgres) -> tuple[Engine, Engine]:
    common = {
        **os.environ,
        "DBT_PROFILES_DIR": str(paths.PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "TENANT_KPIS_RAW_DIR": str(raw_dir),
    }
    duck_work, pg_work = work / "duckdb", work / "postgres"
    duck = Engine(
        name="duckdb",
        target="dev",
        work=duck_work,
        environment={
            **common,
            "TENANT_KPIS_TARGET": "dev",
            "TENANT_KPIS_DB": str(duck_work / "tenant_kpis.duckdb"),
            "TENANT_KPIS_PUBLISHED_DB": str(duck_work / "published" / "marts.duckdb"),
            "DBT_TARGET_PATH": str(duck_work / "target"),
            "DBT_LOG_PATH": str(duck_work / "target" / "logs"),
        },
    )
    postgres = Engine(
        name="postgres",
        target="postgres",
        work=pg_work,
        environment={
            **common,
            **server.environment,
            "TENANT_KPIS_TARGET": "postgres",
            "DBT_TARGET_PATH": str(pg_work / "target"),
            "DBT_LOG_PATH": str(pg_work / "target" / "logs"),
        },
    )
    for engine in (duck, postgres):
        engine.work.mkdir(parents=True, exist_ok=True)
    return duck, postgres


def _start(engine: Engine, step: str, command: list[str]) -> subprocess.Popen:
    handle = engine.log(step).open("w")
    return subprocess.Popen(
        command,
        cwd=paths.PROJECT_DIR,
        env=engine.environment,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as a whole if interrupted
    )


def _tail(path: Path) -> str:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(lines[-LOG_TAIL_LINES:])


def _run_steps(steps: list[tuple[Engine, str, list[list[str]]]]) -> None:
    """Run each engine's commands in order, the engines side by side; fail on the first error."""
    started = time.monotonic()
    running = []
    for engine, step, commands in steps:
        script = " && ".join(
            " ".join(_quote_shell(part) for part in command) for command in commands
        )
        running.append((engine, step, _start(engine, step, ["bash", "-c", script])))
    failed = []
    try:
        for engine, step, process in running:
            if process.wait() != 0:
                failed.append((engine, step))
    finally:  # interrupted: stop the builds before the server goes away
        for _, _, process in running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait()
    for engine, step in failed:
        print(f"{engine.name}: {step} failed; last lines of {engine.log(step)}:", flush=True)
        print(_tail(engine.log(step)), flush=True)
    if failed:
        raise UserError(f"{', '.join(f'{e.name} {s}' for e, s in failed)} failed (logs above)")
    names = ", ".join(f"{engine.name} {step}" for engine, step, _ in steps)
    print(f"{names}: done in {time.monotonic() - started:.0f} s", flush=True)


def _quote_shell(part: str) -> str:
    import shlex

    return shlex.quote(part)


def _generate(raw_dir: Path, options: argparse.Namespace) -> None:
    subprocess.run(
        [
            str(BIN / "tenant-kpis"), "generate", "--out", str(raw_dir),
            "--tenants", str(options.tenants), "--seed", str(options.seed),
            "--dirty", str(options.dirty), "--holdback-days", str(options.holdback_days),
            "--events-per-user-day", str(options.events_per_user_day), "--quiet",
        ],
        check=True,
    )  # fmt: skip


def _compare(duck: Engine, postgres: Engine) -> parity.ParityReport:
    marts = parity.public_marts(postgres.target_dir / "manifest.json")
    duck_relations = warehouse.relations_by_name(duck.target_dir / "manifest.json")
    pg_relations = warehouse.relations_by_name(postgres.target_dir / "manifest.json")
    pg_target = _target_with(postgres)
    with (
        duckdb.connect(duck.environment["TENANT_KPIS_DB"], read_only=True) as duck_connection,
        warehouse.connect(pg_target) as pg_connection,
    ):
        return parity.compare_builds(
            marts,
            ("duckdb", duck_connection, duck_relations),
            ("postgres", pg_connection, pg_relations),
        )


def _target_with(engine: Engine):
    saved = dict(os.environ)
    try:
        os.environ.update(engine.environment)
        return resolve_target(engine.target)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run(options: argparse.Namespace) -> int:
    raw, work = options.raw, options.work.resolve()
    holdback_days = options.holdback_days
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if raw is None:
        raw_dir = work / "raw"
        _generate(raw_dir, options)
        feed = (
            f"generated feed ({options.tenants} tenants, seed {options.seed}, "
            f"dirty {options.dirty}, {options.holdback_days} days held back)"
        )
    else:
        raw_dir = raw.resolve()
        if not raw_dir.is_dir():
            raise UserError(f"raw directory not found: {raw_dir}")
        holdback_days = 0
        feed = f"raw feed {raw_dir}"
    print(f"test-postgres: {feed}; work directory {work}", flush=True)
    started = time.monotonic()
    tk = str(BIN / "tenant-kpis")
    build_options = ["--exclude-resource-type", "unit_test"] if options.no_unit_tests else []
    with local_postgres() as server:
        duck, postgres = _engines(work, raw_dir, server)
        _run_steps(
            [
                (duck, "build", [[tk, "build", *build_options]]),
                (postgres, "build", [[tk, "load", str(raw_dir)], [tk, "build", *build_options]]),
            ]
        )
        if holdback_days:
            subprocess.run([tk, "append-holdback", str(raw_dir)], check=True)
            incremental = ["--exclude-resource-type", "unit_test"]
            _run_steps(
                [
                    (duck, "incremental", [[tk, "build", *incremental]]),
                    (
                        postgres,
                        "incremental",
                        [[tk, "load", str(raw_dir)], [tk, "build", *incremental]],
                    ),
                ]
            )
        report = _compare(duck, postgres)
        checks_passed = _postgres_checks(postgres, with_semantic=options.semantic)
    print(f"test-postgres took {time.monotonic() - started:.0f} s", flush=True)
    for line in report.lines():
        print(line, flush=True)
    return 0 if report.identical == len(report.marts) and checks_passed else 1


def _postgres_checks(postgres: Engine, with_semantic: bool) -> bool:
    """On the PostgreSQL build: MetricFlow's validation against the warehouse, the
    semantic-layer parity tests, and the publication for BI tools (pytest)."""
    started = time.monotonic()
    environment = {
        **postgres.environment,
        # test_semantic_parity reads an existing build through these two variables
        "TENANT_KPIS_TEST_WAREHOUSE": "postgres",
        "TENANT_KPIS_TEST_TARGET": str(postgres.target_dir),
    }
    modules = ["tests/python/test_postgres_publication.py"]
    commands = []
    if with_semantic:
        commands.append([str(BIN / "tenant-kpis"), "mf", "validate-configs"])
        modules.insert(0, "tests/python/test_semantic_parity.py")
    commands.append([str(BIN / "pytest"), *modules, "-m", "slow", "-q", "-p", "no:cacheprovider"])
    log = postgres.log("checks")
    passed = True
    for command in commands:
        with log.open("a") as handle:
            completed = subprocess.run(
                command,
                cwd=paths.PROJECT_DIR,
                env=environment,
                stdout=handle,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if completed.returncode != 0:
            passed = False
            print(f"postgres: {' '.join(command[1:3])} failed; last lines of {log}:", flush=True)
            print(_tail(log), flush=True)
    summary = [line for line in log.read_text().splitlines() if " passed" in line]
    checked = "MetricFlow validation, semantic parity, " if with_semantic else ""
    print(
        f"postgres checks ({checked}publication): {'passed' if passed else 'FAILED'} "
        f"in {time.monotonic() - started:.0f} s"
        + (f" ({summary[-1].strip('= ')})" if summary else ""),
        flush=True,
    )
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--raw", type=Path, default=None, help="raw feed directory (default: generate one)"
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=paths.PROJECT_DIR / "data" / "test_postgres",
        help="work directory (recreated)",
    )
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--dirty", type=float, default=0.02)
    parser.add_argument("--events-per-user-day", type=float, default=2.0)
    parser.add_argument("--holdback-days", type=int, default=7)
    parser.add_argument(
        "--no-unit-tests",
        action="store_true",
        help="skip dbt unit tests (they do not depend on data)",
    )
    parser.add_argument(
        "--no-semantic",
        dest="semantic",
        action="store_false",
        help="skip the MetricFlow checks (for a feed shorter than 12 complete weeks)",
    )
    options = parser.parse_args(argv)
    try:
        return run(options)
    except UserError as error:
        print(f"test-postgres: {error}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
