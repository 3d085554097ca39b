"""`make test-postgres [RAW=DIR]`: the same raw feed on DuckDB and PostgreSQL, same marts.

1. start a throwaway PostgreSQL server on 127.0.0.1 (local_postgres);
2. the feed: RAW=DIR, or a small generated one (dirty rows included, a week
   of events held back);
3. build it on both engines at the same time, each with `tenant-kpis build`
   (seeds, models, Python steps; the data and unit tests on PostgreSQL only:
   DuckDB's side is the reference, and `make test` runs its tests); on
   PostgreSQL after `tenant-kpis load`;
4. a generated feed: PostgreSQL loads and builds it without its held-back
   week, then loads the week and builds again, incrementally (events staging
   merges the new deliveries with delete+insert); DuckDB's side builds the
   whole feed once (side_by_side.build_both says why that is enough);
5. compare every public mart row by row (parity.py), print one line per mart
   and `N/N public marts identical` last; exit 1 with the first differing
   rows on any difference;
6. stop the server and delete its files, whatever happened.

Run as `python -m tenant_kpis.engines.postgres_parity --help`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from tenant_kpis import paths
from tenant_kpis.engines import side_by_side
from tenant_kpis.engines.local_postgres import LocalPostgres, local_postgres
from tenant_kpis.engines.side_by_side import BIN, Engine, tail
from tenant_kpis.errors import UserError


def _engines(work: Path, raw_dir: Path, server: LocalPostgres) -> tuple[Engine, Engine]:
    common = side_by_side.common_environment(raw_dir)
    duck = side_by_side.duckdb_engine(work / "duckdb", common)
    postgres = side_by_side.engine(
        "postgres", "postgres", work / "postgres", {**common, **server.environment}
    )
    return duck, postgres


def run(options: argparse.Namespace) -> int:
    work = options.work.resolve()
    side_by_side.reset(work)
    feed = side_by_side.prepare_feed(options, work)
    print(f"test-postgres: {feed.description}; work directory {work}", flush=True)
    started = time.monotonic()
    build_options = ["--exclude-resource-type", "unit_test"] if options.no_unit_tests else []
    # DuckDB's side is the reference the marts are compared with: its data and
    # unit tests run in make test
    duck_options = ["--exclude-resource-type", "test", "unit_test"]
    with local_postgres() as server:
        duck, postgres = _engines(work, feed.raw_dir, server)
        reference = None
        if options.duckdb_reference is not None:
            reference, reason = side_by_side.reusable_reference(
                options.duckdb_reference.resolve(),
                side_by_side.common_environment(feed.raw_dir),
                feed,
                duck_options,
            )
            print(f"test-postgres: {reason}", flush=True)
        side_by_side.build_both(
            reference or duck,
            postgres,
            feed,
            build_options,
            ["--exclude-resource-type", "unit_test"],
            duck_options=duck_options,
            duck_built=reference is not None,
        )
        duck = reference or duck
        report = side_by_side.compare(duck, postgres)
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
            print(tail(log), flush=True)
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
    side_by_side.add_feed_options(
        parser,
        paths.PROJECT_DIR / "data" / "test_postgres",
        tenants=10,
        events_per_user_day=2.0,
        holdback_days=7,
    )
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
    parser.add_argument(
        "--duckdb-reference",
        type=Path,
        default=None,
        metavar="DIR",
        help="reuse DuckDB's side finished in DIR (e.g. data/test_spark/duckdb) if it was "
        "built from the same feed with the same options by the current code; else build it",
    )
    options = parser.parse_args(argv)
    try:
        return run(options)
    except UserError as error:
        print(f"test-postgres: {error}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
