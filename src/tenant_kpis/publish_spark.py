"""Publish the public marts of a Spark build into the published DuckDB file.

BI tools and the brief read the same file as after a DuckDB build
(publish.py), with the same guards, run by the same code on rows read out
of Spark: the build record (`audit.dbt_invocation_log`, written by the
project's dbt hooks on every engine) must hold a finished, fully tested
build, and the row accounting must stay within the anomaly thresholds,
absolutely and against the publication being replaced. A refusal keeps the
previous publication.

The marts are read by SQL through spark_sql.SparkSql, the target's own way
in: a local session (`method: session`, through the metastore, which it
holds, so no dbt command on the same Spark directory can change the
warehouse meanwhile) or a Thrift server (`method: thrift`, as on a cluster:
no local Spark, no file of the warehouse read directly). Each public mart's
rows are typed by its enforced contract (the manifest's `data_type`s, which
Spark checked when it created the mart), loaded into the new DuckDB file,
and the count checked against Spark's count of the mart. The file is then
verified, fsynced and swapped in atomically. Timestamps arrive as the naive
UTC wall-clock values DuckDB's build holds (the session time zone is UTC).
The marts are aggregates (the largest, fct_kpi_weekly, grows with weeks and
segments, not events), so their rows pass through this process.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from tenant_kpis import build_record, paths, publication_guards
from tenant_kpis.engines import spark_sql
from tenant_kpis.engines.profile import Target
from tenant_kpis.engines.raw_load import spark_raw_dir
from tenant_kpis.errors import PublishRefused, UserError, one_line
from tenant_kpis.publish import (
    KEPT,
    THRESHOLDS_SEED,
    PublicationInputs,
    PublicModel,
    PublishFailed,
    PublishResult,
    create_published_table,
    missing_model,
    publication_inputs,
    publish_from,
    target_dir,
)

__all__ = ["publish_spark"]


def spark_relation(quoted: str) -> str:
    """A relation quoted for DuckDB and PostgreSQL ("schema"."name") quoted for Spark."""
    parts = [part.strip().strip('"') for part in quoted.split('"."')]
    return ".".join(f"`{part}`" for part in parts)


#: A contract's data_type (DuckDB's spelling) as the Arrow type DuckDB loads it as.
ARROW_TYPES = {
    "varchar": pa.string(),
    "double": pa.float64(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
}
LOADED_VIEW = "spark_mart_rows"


def mart_table(model: PublicModel, columns: list[str], rows: list[tuple[Any, ...]]) -> pa.Table:
    """A mart's rows read from Spark, typed by its contract."""
    missing = [column for column in columns if model.column_types.get(column) not in ARROW_TYPES]
    if missing:
        raise PublishFailed(
            f"public model {model.name}: no contract type the publication knows for "
            f"{missing} ({[model.column_types.get(column) for column in missing]}). {KEPT}"
        )
    values = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    return pa.Table.from_arrays(
        [
            pa.array(list(column_values), type=ARROW_TYPES[model.column_types[column]])
            for column, column_values in zip(columns, values, strict=True)
        ],
        names=columns,
    )


class SparkSource:
    """The Spark warehouse, read through the target's SQL connection (publish.MartSource)."""

    def __init__(
        self, sql: spark_sql.SparkSql, target: Target, connection: duckdb.DuckDBPyConnection
    ) -> None:
        self.sql = sql
        self.target = target
        self.connection = connection

    def relation(self, model: PublicModel) -> str:
        return spark_relation(model.relation)

    def rows(self, sql: str) -> list[dict[str, Any]]:
        columns, rows = self.sql.query(sql)
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def check_build_record(self) -> build_record.BuildRecord:
        schema, table = build_record.INVOCATION_LOG_SCHEMA, build_record.INVOCATION_LOG_TABLE
        source = f"Spark target '{self.target.name}' ({schema}.{table})"
        if not self.sql.table_exists(schema, table):
            return build_record.check_build_record([], source)
        relation = f"`{schema}`.`{table}`"
        columns, _ = self.sql.query(f"select * from {relation} limit 0")
        rows = self.rows(build_record.invocation_log_query(relation, columns))
        return build_record.check_build_record(build_record.invocations_from_rows(rows), source)

    def threshold_rows(self, inputs: PublicationInputs) -> list[dict[str, Any]]:
        relation = spark_relation(inputs.thresholds_relation)
        schema, table = (part.strip("`") for part in relation.split("."))
        if not self.sql.table_exists(schema, table):
            raise PublishRefused(
                f"the seed {THRESHOLDS_SEED} is not in the warehouse ({relation}): "
                f"run `tenant-kpis build`. {KEPT}"
            )
        return self.rows(publication_guards.thresholds_query(relation))

    def raw_dir(self) -> str:
        return f"{spark_raw_dir(self.target)} (raw tables of Spark target '{self.target.name}')"

    def copy_marts(self, models: list[PublicModel]) -> dict[str, int]:
        for model in models:  # refused before any mart is read
            if not self.sql.table_exists(model.schema, model.name):
                raise missing_model(model)
        tables: dict[str, int] = {}
        for model in models:
            relation = self.relation(model)
            columns, rows = self.sql.query(f"select * from {relation}")
            self.connection.register(LOADED_VIEW, mart_table(model, columns, rows))
            try:
                published = create_published_table(
                    self.connection, model, f"select * from {LOADED_VIEW}"
                )
            finally:
                self.connection.unregister(LOADED_VIEW)
            counted = int(self.sql.query(f"select count(*) from {relation}")[1][0][0])
            if published != counted:
                raise PublishFailed(
                    f"publishing {model.name} from Spark read {published} rows, the warehouse "
                    f"holds {counted}. {KEPT}"
                )
            tables[model.name] = counted
        return tables


def _spark_errors() -> tuple[type[Exception], ...]:
    """The errors a Spark query raises: Spark's analysis errors and the JVM's
    through Py4J (a session), the server's through PyHive (Thrift)."""
    errors: list[type[Exception]] = []
    with contextlib.suppress(ImportError):  # no pyspark, so no session query ran
        from py4j.protocol import Py4JError
        from pyspark.errors import PySparkException

        errors += [PySparkException, Py4JError]
    with contextlib.suppress(ImportError):  # no PyHive, so no Thrift query ran
        from pyhive.exc import Error as HiveError

        errors.append(HiveError)
    return tuple(errors)


def publish_spark(
    target: Target,
    destination: Path | None = None,
    dbt_target: Path | None = None,
    parquet_dir: Path | None = None,
    accept_anomalies: bool = False,
) -> PublishResult:
    """Copy the public marts of the last finished, tested Spark build into the published file."""
    destination = (destination or paths.published_db()).resolve()
    inputs = publication_inputs(dbt_target or target_dir())

    @contextlib.contextmanager
    def open_source(connection: duckdb.DuckDBPyConnection) -> Iterator[SparkSource]:
        try:
            sql = spark_sql.connect(target)
        except UserError:
            raise
        except Exception as error:  # the JVM's own errors (Py4J, Java exceptions)
            raise UserError(
                f"cannot open a Spark session for target '{target.name}': {one_line(error)}"
            ) from error
        try:
            yield SparkSource(sql, target, connection)
        except _spark_errors() as error:
            raise PublishFailed(
                f"reading the marts of Spark target '{target.name}' failed: "
                f"{one_line(error)}. {KEPT}"
            ) from error
        finally:
            sql.close()

    return publish_from(
        open_source,
        inputs,
        destination,
        parquet_dir=parquet_dir,
        accept_anomalies=accept_anomalies,
    )
