"""What `make test-postgres` and `make test-spark` share: the feed, a DuckDB side
and another engine's side built at the same time, and the comparison of every
public mart (parity.py). Each engine's module adds its own side and checks."""

from __future__ import annotations

import argparse
import json
import os
import shlex
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
from tenant_kpis.engines.profile import resolve_target
from tenant_kpis.errors import UserError

BIN = Path(sys.executable).parent
TENANT_KPIS = str(BIN / "tenant-kpis")
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


def reset(work: Path) -> None:
    """An empty work directory (a previous run's files removed)."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)


def common_environment(raw_dir: Path, **extra: str) -> dict[str, str]:
    """The environment both sides share: the project's profile and the raw feed."""
    return {
        **os.environ,
        "DBT_PROFILES_DIR": str(paths.PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "TENANT_KPIS_RAW_DIR": str(raw_dir),
        **extra,
    }


def engine(name: str, target: str, work: Path, environment: dict[str, str]) -> Engine:
    """A side with its own work directory, dbt target path and log path."""
    work.mkdir(parents=True, exist_ok=True)
    return Engine(
        name=name,
        target=target,
        work=work,
        environment={
            **environment,
            "TENANT_KPIS_TARGET": target,
            "DBT_TARGET_PATH": str(work / "target"),
            "DBT_LOG_PATH": str(work / "target" / "logs"),
        },
    )


def duckdb_engine(work: Path, common: dict[str, str]) -> Engine:
    """The reference side: the embedded DuckDB warehouse of `work`."""
    return engine(
        "duckdb",
        "dev",
        work,
        {
            **common,
            "TENANT_KPIS_DB": str(work / "tenant_kpis.duckdb"),
            "TENANT_KPIS_PUBLISHED_DB": str(work / "published" / "marts.duckdb"),
        },
    )


def add_feed_options(parser: argparse.ArgumentParser, work: Path, **defaults: float) -> None:
    """--raw, --work and the generated feed's options (defaults per engine)."""
    parser.add_argument(
        "--raw", type=Path, default=None, help="raw feed directory (default: generate one)"
    )
    parser.add_argument("--work", type=Path, default=work, help="work directory (recreated)")
    parser.add_argument("--tenants", type=int, default=int(defaults["tenants"]))
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--dirty", type=float, default=0.02)
    parser.add_argument(
        "--events-per-user-day", type=float, default=defaults["events_per_user_day"]
    )
    parser.add_argument(
        "--holdback-days",
        type=int,
        default=int(defaults["holdback_days"]),
        help="generated feed: hold back this many days of events, then build incrementally",
    )


@dataclass(frozen=True)
class Feed:
    raw_dir: Path
    holdback_days: int  # 0: no incremental run
    description: str


def prepare_feed(options: argparse.Namespace, work: Path) -> Feed:
    """RAW=DIR as given (no incremental run), or a small generated feed under work."""
    if options.raw is not None:
        raw_dir = options.raw.resolve()
        if not raw_dir.is_dir():
            raise UserError(f"raw directory not found: {raw_dir}")
        return Feed(raw_dir, 0, f"raw feed {raw_dir}")
    raw_dir = work / "raw"
    subprocess.run(
        [
            TENANT_KPIS, "generate", "--out", str(raw_dir),
            "--tenants", str(options.tenants), "--seed", str(options.seed),
            "--dirty", str(options.dirty), "--holdback-days", str(options.holdback_days),
            "--events-per-user-day", str(options.events_per_user_day), "--quiet",
        ],
        check=True,
    )  # fmt: skip
    return Feed(
        raw_dir,
        options.holdback_days,
        f"generated feed ({options.tenants} tenants, seed {options.seed}, "
        f"dirty {options.dirty}, {options.holdback_days} days held back)",
    )


def tail(path: Path) -> str:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(lines[-LOG_TAIL_LINES:])


def _start(side: Engine, step: str, command: list[str]) -> subprocess.Popen:
    handle = side.log(step).open("w")
    return subprocess.Popen(
        command,
        cwd=paths.PROJECT_DIR,
        env=side.environment,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as a whole if interrupted
    )


def run_steps(steps: list[tuple[Engine, str, list[list[str]]]]) -> None:
    """Run each engine's commands in order, the engines side by side; fail on the first error."""
    started = time.monotonic()
    running = []
    for side, step, commands in steps:
        script = " && ".join(
            " ".join(shlex.quote(part) for part in command) for command in commands
        )
        running.append((side, step, _start(side, step, ["bash", "-c", script])))
    failed = []
    try:
        for side, step, process in running:
            if process.wait() != 0:
                failed.append((side, step))
    finally:  # interrupted: stop the builds before a server goes away
        for _, _, process in running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait()
    for side, step in failed:
        print(f"{side.name}: {step} failed; last lines of {side.log(step)}:", flush=True)
        print(tail(side.log(step)), flush=True)
    if failed:
        raise UserError(f"{', '.join(f'{e.name} {s}' for e, s in failed)} failed (logs above)")
    names = ", ".join(f"{side.name} {step}" for side, step, _ in steps)
    print(f"{names}: done in {time.monotonic() - started:.0f} s", flush=True)


REFERENCE_MARKER = "reference.json"


def _reference_key(feed: Feed, duck_options: list[str]) -> dict[str, object]:
    return {"raw_dir": str(feed.raw_dir), "options": sorted(set(duck_options))}


def reusable_reference(
    work: Path, common: dict[str, str], feed: Feed, duck_options: list[str]
) -> tuple[Engine | None, str]:
    """DuckDB's side as another comparison already built it in `work` (e.g. `make
    test-spark`'s, for `make test-postgres` of the same feed in CI), or None and why
    not. Only a finished build of the same feed, the same options and the current
    code is reused. A feed with a held-back week is generated afresh in the work
    directory for each run, so no earlier DuckDB side can be of the same feed."""
    marker = work / REFERENCE_MARKER
    if feed.holdback_days:
        return None, "the feed has a held-back week"
    if not marker.is_file():
        return None, f"no finished DuckDB build in {work}"
    if json.loads(marker.read_text()) != _reference_key(feed, duck_options):
        return None, f"{work} holds a build of another feed or with other options"
    if marker.stat().st_mtime < paths.newest_build_source_mtime():
        return None, f"the project changed after {work} was built"
    return duckdb_engine(work, common), f"DuckDB's side reused from {work}"


def build_both(
    duck: Engine,
    other: Engine,
    feed: Feed,
    build_options: list[str],
    incremental_options: list[str],
    duck_options: list[str] | None = None,
    duck_built: bool = False,
) -> None:
    """`tenant-kpis build` on both sides (the other after `tenant-kpis load`).

    With a held-back week, the other engine loads and builds the feed without
    it, then loads the week and builds again, incrementally; DuckDB's side, the
    reference, builds the whole feed once from scratch. A DuckDB incremental
    run equals its full build (tests/python/test_incremental.py), so comparing
    with the full build checks the other engine's incremental run against the
    definitions' answer, for one DuckDB build instead of two. DuckDB's side
    takes `duck_options` when given, and is not built when `duck_built` (a
    reusable reference). A finished DuckDB build of a feed without a held-back
    week leaves a marker (reusable_reference)."""
    options = duck_options or build_options
    marker = duck.work / REFERENCE_MARKER
    marker.unlink(missing_ok=True)
    duck_commands = [[TENANT_KPIS, "build", *options]]
    if not feed.holdback_days:
        key = shlex.quote(json.dumps(_reference_key(feed, options)))
        duck_commands.append(["bash", "-c", f"printf %s {key} > {shlex.quote(str(marker))}"])
    load = [TENANT_KPIS, "load", str(feed.raw_dir)]
    build = [TENANT_KPIS, "build", *build_options]
    if feed.holdback_days:
        # the other engine copies the feed into its own tables: it is loaded
        # before the week arrives, DuckDB reads the files in place after
        run_steps([(other, "load", [load])])
        subprocess.run([TENANT_KPIS, "append-holdback", str(feed.raw_dir)], check=True)
        other_commands = [build, load, [TENANT_KPIS, "build", *incremental_options]]
    else:
        other_commands = [load, build]
    run_steps(
        [
            *([] if duck_built else [(duck, "build", duck_commands)]),
            (other, "build-and-incremental" if feed.holdback_days else "build", other_commands),
        ]
    )


def compare(duck: Engine, other: Engine) -> parity.ParityReport:
    """Every public mart of the other side's build, row by row against DuckDB's."""
    marts = parity.public_marts(other.target_dir / "manifest.json")
    duck_relations = warehouse.relations_by_name(duck.target_dir / "manifest.json")
    other_relations = warehouse.relations_by_name(other.target_dir / "manifest.json")
    saved = dict(os.environ)
    try:
        # a local Spark session reads its settings from the environment when it opens
        os.environ.update(other.environment)
        other_target = resolve_target(other.target)
        with (
            duckdb.connect(duck.environment["TENANT_KPIS_DB"], read_only=True) as duck_connection,
            warehouse.connect(other_target) as other_connection,
        ):
            return parity.compare_builds(
                marts,
                ("duckdb", duck_connection, duck_relations),
                (other.name, other_connection, other_relations),
            )
    finally:
        os.environ.clear()
        os.environ.update(saved)
