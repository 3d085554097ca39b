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
import sys
import time
from pathlib import Path

from tenant_kpis import paths
from tenant_kpis.engines import side_by_side
from tenant_kpis.engines.side_by_side import Engine
from tenant_kpis.errors import UserError

NO_TESTS = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]


def engines(work: Path, raw_dir: Path) -> tuple[Engine, Engine]:
    """The DuckDB and Spark sides, each with its own warehouse and target directory."""
    common = side_by_side.common_environment(raw_dir, TZ="UTC")
    duck = side_by_side.duckdb_engine(work / "duckdb", common)
    spark_work = work / "spark"
    spark = side_by_side.engine(
        "spark",
        "spark",
        spark_work,
        {
            **common,
            "TENANT_KPIS_SPARK_DIR": str(spark_work),
            # a test feed has a few thousand rows: one shuffle partition and
            # no whole-stage code generation (compiling Java per query costs
            # more than it saves); the results do not depend on either
            "TENANT_KPIS_SPARK_SHUFFLE_PARTITIONS": os.environ.get(
                "TENANT_KPIS_SPARK_SHUFFLE_PARTITIONS", "1"
            ),
            "TENANT_KPIS_SPARK_CODEGEN": os.environ.get("TENANT_KPIS_SPARK_CODEGEN", "false"),
        },
    )
    return duck, spark


def run(options: argparse.Namespace) -> int:
    work = options.work.resolve()
    side_by_side.reset(work)
    feed = side_by_side.prepare_feed(options, work)
    print(f"test-spark: {feed.description}; work directory {work}", flush=True)
    started = time.monotonic()
    duck, spark = engines(work, feed.raw_dir)
    side_by_side.build_both(duck, spark, feed, NO_TESTS, NO_TESTS)
    report = side_by_side.compare(duck, spark)
    print(f"test-spark took {time.monotonic() - started:.0f} s", flush=True)
    for line in report.lines():
        print(line, flush=True)
    return 0 if report.identical == len(report.marts) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    side_by_side.add_feed_options(
        parser,
        paths.PROJECT_DIR / "data" / "test_spark",
        tenants=4,
        events_per_user_day=1.0,
        holdback_days=0,
    )
    options = parser.parse_args(argv)
    try:
        return run(options)
    except UserError as error:
        print(f"test-spark: {error}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
