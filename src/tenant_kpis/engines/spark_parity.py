"""`make test-spark [RAW=DIR]`: the same raw feed on DuckDB and Spark, same marts.

1. the feed: RAW=DIR, or a small generated one (dirty rows included; with
   --holdback-days, a week of events held back for an incremental run);
2. build it on both engines side by side with `tenant-kpis build`: on Spark
   (a local session, its own warehouse directory and Derby metastore under
   the work directory) after `tenant-kpis load --target spark`;
3. with a held-back week, Spark builds the feed without it, then loads the
   week and builds again, incrementally (the project's delete+insert,
   spark_incremental.sql), while DuckDB's side builds the whole feed once;
4. compare every public mart row by row (parity.py), print one line per mart
   and `N/N public marts identical` last; exit 1 with the first differing
   rows on any difference.

By default Spark builds seeds and models only, as DuckDB does here: a data
test costs Spark about a second of fixed query overhead, and the 431 data
tests check the same SQL that `make test` tests on DuckDB. With
`--data-tests` both engines run every data test (each a dispatched, portable
query: macros/portable/), so Spark's build record holds a complete, passing
build; then both builds are published with `tenant-kpis publish` (Spark's
read out of the warehouse through a local session, publish_spark.py) and
step 4 compares the two published DuckDB files, column types included.
A contract's column names and types are checked on Spark when each public
mart is created; its not-null constraints are not enforced on Parquet
tables, so the row-by-row comparison with DuckDB (which enforces them)
covers them.

With `--thrift` (`make test-spark-thrift`) Spark's side is a cluster's:
a local Thrift server (spark_thrift.py: the pyspark wheel's, with the
session target's settings, warehouse and metastore under the work
directory) that dbt (target `spark_thrift`, `method: thrift`), the Python
steps, the comparison and `tenant-kpis publish` reach over Thrift
(spark_sql.ThriftSql); no Spark runs in this process or in theirs. Both
engines then run the data tests (a publication needs them), step 4 compares
the warehouses, and both builds are published and the published files
compared as with `--data-tests`; the brief is rendered from Spark's.
The server is stopped at the end, on an error or an interrupt too.

Run as `python -m tenant_kpis.engines.spark_parity --help`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from tenant_kpis import paths
from tenant_kpis.engines import parity, side_by_side, spark_thrift
from tenant_kpis.engines.side_by_side import Engine
from tenant_kpis.errors import UserError

NO_TESTS = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
NO_UNIT_TESTS = ["--exclude-resource-type", "unit_test"]
# the client JIT only, and the single-threaded garbage collector
QUICK_START_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def engines(work: Path, raw_dir: Path, thrift_port: int | None = None) -> tuple[Engine, Engine]:
    """The DuckDB and Spark sides, each with its own warehouse and target directory
    (Spark's reached through a Thrift server on `thrift_port` when given)."""
    common = side_by_side.common_environment(raw_dir, TZ="UTC")
    duck = side_by_side.duckdb_engine(work / "duckdb", common)
    spark_work = work / "spark"
    thrift = (
        {"TENANT_KPIS_SPARK_HOST": spark_thrift.HOST, "TENANT_KPIS_SPARK_PORT": str(thrift_port)}
        if thrift_port is not None
        else {}
    )
    spark = side_by_side.engine(
        "spark",
        "spark" if thrift_port is None else "spark_thrift",
        spark_work,
        {
            **common,
            **thrift,
            "TENANT_KPIS_SPARK_DIR": str(spark_work),
            "TENANT_KPIS_PUBLISHED_DB": str(spark_work / "published" / "marts.duckdb"),
            # a test feed has a few thousand rows: one shuffle partition and
            # no whole-stage code generation (compiling Java per query costs
            # more than it saves); the results do not depend on either
            "TENANT_KPIS_SPARK_SHUFFLE_PARTITIONS": os.environ.get(
                "TENANT_KPIS_SPARK_SHUFFLE_PARTITIONS", "1"
            ),
            "TENANT_KPIS_SPARK_CODEGEN": os.environ.get("TENANT_KPIS_SPARK_CODEGEN", "false"),
            # each JVM here lives a few minutes on small queries: the optimising
            # JIT compiler (C2) and the parallel collector's threads would spend
            # more CPU than they save (measured: a third of the JVMs' CPU time)
            "TENANT_KPIS_SPARK_JAVA_OPTIONS": os.environ.get(
                "TENANT_KPIS_SPARK_JAVA_OPTIONS", QUICK_START_JVM
            ),
        },
    )
    return duck, spark


def run(options: argparse.Namespace) -> int:
    work = options.work.resolve()
    side_by_side.reset(work)
    feed = side_by_side.prepare_feed(options, work)
    lane = "test-spark-thrift" if options.thrift else "test-spark"
    print(f"{lane}: {feed.description}; work directory {work}", flush=True)
    started = time.monotonic()
    port = spark_thrift.free_port() if options.thrift else None
    duck, spark = engines(work, feed.raw_dir, port)
    publishes = options.data_tests or options.thrift  # a publication needs the data tests
    reports: list[tuple[str, parity.ParityReport]] = []
    with _spark_server(spark, port):
        build_options = NO_UNIT_TESTS if publishes else NO_TESTS
        side_by_side.build_both(duck, spark, feed, build_options, build_options)
        if options.thrift or not publishes:
            reports.append(("the warehouses", side_by_side.compare(duck, spark)))
        if publishes:
            reports.append(
                (
                    "the published files",
                    _publish_and_compare(duck, spark, accept_anomalies=options.raw is None),
                )
            )
        if options.thrift:
            _render_brief(spark, lane)
    print(f"{lane} took {time.monotonic() - started:.0f} s", flush=True)
    for title, report in reports:
        if len(reports) > 1:
            print(f"{lane}: {title}:", flush=True)
        for line in report.lines():
            print(line, flush=True)
    return 0 if all(report.identical == len(report.marts) for _, report in reports) else 1


@contextlib.contextmanager
def _spark_server(spark: Engine, port: int | None) -> Iterator[spark_thrift.ThriftServer | None]:
    """The Thrift server of Spark's side (none for a local session)."""
    if port is None:
        yield None
        return
    started = time.monotonic()
    with spark_thrift.thrift_server(
        spark.environment, spark.work / "thrift-server.log", port
    ) as server:
        print(
            f"spark: Thrift server listening on {server.host}:{server.port} after "
            f"{time.monotonic() - started:.0f} s (log {server.log})",
            flush=True,
        )
        yield server
    print(
        f"spark: Thrift server stopped; its peak memory {server.peak_rss_bytes / 2**30:.1f} GiB",
        flush=True,
    )


def _render_brief(spark: Engine, lane: str) -> None:
    """`tenant-kpis brief` from Spark's publication; fails when it writes no PDF."""
    brief = spark.work / "brief.pdf"
    side_by_side.run_steps(
        [(spark, "brief", [[side_by_side.TENANT_KPIS, "brief", "--out", str(brief)]])]
    )
    if not brief.is_file() or brief.stat().st_size == 0:
        raise UserError(f"tenant-kpis brief wrote no PDF at {brief}")
    print(f"{lane}: brief rendered from Spark's publication: {brief}", flush=True)


def _publish_and_compare(
    duck: Engine, spark: Engine, accept_anomalies: bool = False
) -> parity.ParityReport:
    """Publish both builds (Spark's data tests passed, so its build record is a
    complete, passing build) and compare the two published DuckDB files: every
    public mart with the same column types and the same rows. A generated feed
    is published with `--accept-anomalies`: its dirty rows are injected on
    purpose, and on a few tenants they break the row-accounting thresholds
    (measured: 5 of 9 tenant rows quarantined on the default feed), on both
    engines alike."""
    publish = [side_by_side.TENANT_KPIS, "publish"]
    if accept_anomalies:
        publish.append("--accept-anomalies")
    side_by_side.run_steps([(duck, "publish", [publish]), (spark, "publish", [publish])])
    marts = parity.public_marts(spark.target_dir / "manifest.json")
    relations = {mart.name: f'main."{mart.name}"' for mart in marts}
    with (
        duckdb.connect(duck.environment["TENANT_KPIS_PUBLISHED_DB"], read_only=True) as left,
        duckdb.connect(spark.environment["TENANT_KPIS_PUBLISHED_DB"], read_only=True) as right,
    ):
        report = parity.compare_builds(
            marts, ("duckdb", left, relations), ("spark published", right, relations)
        )
        for comparison in report.marts:
            left_types = _column_types(left, comparison.name)
            right_types = _column_types(right, comparison.name)
            if left_types != right_types:
                comparison.problems.insert(0, f"column types differ: {left_types} vs {right_types}")
    return report


def _column_types(connection: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return [
        (str(row[0]), str(row[1]))
        for row in connection.execute(f'describe main."{table}"').fetchall()
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    side_by_side.add_feed_options(
        parser,
        paths.PROJECT_DIR / "data" / "test_spark",
        tenants=4,
        events_per_user_day=1.0,
        holdback_days=0,
    )
    parser.add_argument(
        "--data-tests",
        action="store_true",
        help="Spark runs the data tests too; then both builds are published and the "
        "published files compared",
    )
    parser.add_argument(
        "--thrift",
        action="store_true",
        help="Spark's side through a local Thrift server, as on a cluster (make "
        "test-spark-thrift): data tests, publication and the brief included",
    )
    options = parser.parse_args(argv)
    if options.thrift and options.work == parser.get_default("work"):
        options.work = paths.PROJECT_DIR / "data" / "test_spark_thrift"
    # a SIGTERM (CI's timeout, `kill`) unwinds like Ctrl-C: the server is stopped
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        return run(options)
    except UserError as error:
        print(f"test-spark: {error}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
