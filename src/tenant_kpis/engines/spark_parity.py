"""`make test-spark [RAW=DIR]`: the same raw feed on DuckDB and Spark, same marts.

1. the feed: RAW=DIR, or a small generated one (dirty rows included; with
   --holdback-days, a week of events held back for an incremental run);
2. build it on both engines side by side with `tenant-kpis build`: on Spark
   (a local session, its own warehouse directory and Derby metastore under
   the work directory) after `tenant-kpis load --target spark`;
3. a held-back week, if any, is appended and both engines build again,
   incrementally (Spark: the project's delete+insert, spark_incremental.sql);
4. compare every public mart row by row (parity.py), print one line per mart
   and `N/N public marts identical` last; exit 1 with the first differing
   rows on any difference.

Spark builds seeds and models only: the data tests and unit tests are
engine-independent checks of the same SQL and run on DuckDB in `make test`
(and on the DuckDB side here), and a data test costs Spark a second or more
of fixed query overhead each. A contract's column names and types are
checked on Spark when each public mart is created; its not-null
constraints are not enforced on Parquet tables, so the row-by-row
comparison with DuckDB (which enforces them) covers them.

Run as `python -m tenant_kpis.engines.spark_parity --help`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from tenant_kpis import paths
from tenant_kpis.engines import parity, warehouse
from tenant_kpis.engines.postgres_parity import Engine, _generate, _run_steps
from tenant_kpis.engines.profile import resolve_target
from tenant_kpis.errors import UserError

BIN = Path(sys.executable).parent
NO_TESTS = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]


def engines(work: Path, raw_dir: Path) -> tuple[Engine, Engine]:
    """The DuckDB and Spark sides, each with its own warehouse and target directory."""
    common = {
        **os.environ,
        "DBT_PROFILES_DIR": str(paths.PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "TENANT_KPIS_RAW_DIR": str(raw_dir),
        "TZ": "UTC",
    }
    duck_work, spark_work = work / "duckdb", work / "spark"
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
    spark = Engine(
        name="spark",
        target="spark",
        work=spark_work,
        environment={
            **common,
            "TENANT_KPIS_TARGET": "spark",
            "TENANT_KPIS_SPARK_DIR": str(spark_work),
            # a test feed has a few thousand rows: one shuffle partition and
            # no whole-stage code generation (compiling Java per query costs
            # more than it saves); the results do not depend on either
            "TENANT_KPIS_SPARK_SHUFFLE_PARTITIONS": os.environ.get(
                "TENANT_KPIS_SPARK_SHUFFLE_PARTITIONS", "1"
            ),
            "TENANT_KPIS_SPARK_CODEGEN": os.environ.get("TENANT_KPIS_SPARK_CODEGEN", "false"),
            "DBT_TARGET_PATH": str(spark_work / "target"),
            "DBT_LOG_PATH": str(spark_work / "target" / "logs"),
        },
    )
    for engine in (duck, spark):
        engine.work.mkdir(parents=True, exist_ok=True)
    return duck, spark


def compare(duck: Engine, spark: Engine) -> parity.ParityReport:
    marts = parity.public_marts(spark.target_dir / "manifest.json")
    duck_relations = warehouse.relations_by_name(duck.target_dir / "manifest.json")
    spark_relations = warehouse.relations_by_name(spark.target_dir / "manifest.json")
    saved = dict(os.environ)
    try:
        os.environ.update(spark.environment)
        spark_target = resolve_target("spark")
        with (
            duckdb.connect(duck.environment["TENANT_KPIS_DB"], read_only=True) as duck_connection,
            warehouse.connect(spark_target) as spark_connection,
        ):
            return parity.compare_builds(
                marts,
                ("duckdb", duck_connection, duck_relations),
                ("spark", spark_connection, spark_relations),
            )
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
            f"dirty {options.dirty}, {holdback_days} days held back)"
        )
    else:
        raw_dir = raw.resolve()
        if not raw_dir.is_dir():
            raise UserError(f"raw directory not found: {raw_dir}")
        holdback_days = 0
        feed = f"raw feed {raw_dir}"
    print(f"test-spark: {feed}; work directory {work}", flush=True)
    started = time.monotonic()
    tk = str(BIN / "tenant-kpis")
    duck, spark = engines(work, raw_dir)
    _run_steps(
        [
            (duck, "build", [[tk, "build", *NO_TESTS]]),
            (spark, "build", [[tk, "load", str(raw_dir)], [tk, "build", *NO_TESTS]]),
        ]
    )
    if holdback_days:
        subprocess.run([tk, "append-holdback", str(raw_dir)], check=True)
        _run_steps(
            [
                (duck, "incremental", [[tk, "build", *NO_TESTS]]),
                (spark, "incremental", [[tk, "load", str(raw_dir)], [tk, "build", *NO_TESTS]]),
            ]
        )
    report = compare(duck, spark)
    print(f"test-spark took {time.monotonic() - started:.0f} s", flush=True)
    for line in report.lines():
        print(line, flush=True)
    return 0 if report.identical == len(report.marts) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--raw", type=Path, default=None, help="raw feed directory (default: generate one)"
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=paths.PROJECT_DIR / "data" / "test_spark",
        help="work directory (recreated)",
    )
    parser.add_argument("--tenants", type=int, default=4)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--dirty", type=float, default=0.02)
    parser.add_argument("--events-per-user-day", type=float, default=1.0)
    parser.add_argument(
        "--holdback-days",
        type=int,
        default=0,
        help="generated feed: hold back this many days of events, then build incrementally",
    )
    options = parser.parse_args(argv)
    try:
        return run(options)
    except UserError as error:
        print(f"test-spark: {error}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
