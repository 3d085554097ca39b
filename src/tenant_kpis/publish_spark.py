"""Publish the public marts of a Spark build into the published DuckDB file.

BI tools and the brief read the same file as after a DuckDB build
(publish.py), with the same guards, run by the same code on rows read out
of Spark: the build record (`audit.dbt_invocation_log`, written by the
project's dbt hooks on every engine) must hold a finished, fully tested
build, and the row accounting must stay within the anomaly thresholds,
absolutely and against the publication being replaced. A refusal keeps the
previous publication.

The marts are read through a local session with the target's settings
(spark_session.py), so through the metastore, never by guessing file paths:
each public mart is written by Spark as Parquet into a temporary directory
beside the destination (timestamps as `timestamp_ntz`: the session time zone
is UTC, so the naive values are the UTC wall-clock times DuckDB's build
holds), loaded into the new DuckDB file, and its row count checked against
Spark's count of the mart. The file is then verified, fsynced and swapped
in atomically, and the Parquet directory removed. The session holds the
Derby metastore, so no dbt command on the same Spark directory can change
the warehouse while it is read.

On a cluster (Thrift server) BI tools read schema `marts` through the
cluster's SQL endpoint instead (README "Spark").
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from tenant_kpis import build_record, paths, publication_guards
from tenant_kpis.engines.profile import Target
from tenant_kpis.engines.raw_load import spark_raw_dir
from tenant_kpis.engines.spark_session import open_session, stop_session
from tenant_kpis.errors import PublishRefused, UserError, one_line
from tenant_kpis.publish import (
    KEPT,
    THRESHOLDS_SEED,
    PublicationInputs,
    PublicModel,
    PublishFailed,
    PublishResult,
    _sql_string,
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


class SparkSource:
    """The Spark warehouse, read through a local session (publish.MartSource)."""

    def __init__(
        self, session: Any, target: Target, connection: duckdb.DuckDBPyConnection, export: Path
    ) -> None:
        self.session = session
        self.target = target
        self.connection = connection
        self.export = export

    def relation(self, model: PublicModel) -> str:
        return spark_relation(model.relation)

    def rows(self, sql: str) -> list[dict[str, Any]]:
        return [row.asDict() for row in self.session.sql(sql).collect()]

    def _exists(self, schema: str, table: str) -> bool:
        return bool(self.session.catalog.tableExists(f"{schema}.{table}"))

    def check_build_record(self) -> build_record.BuildRecord:
        schema, table = build_record.INVOCATION_LOG_SCHEMA, build_record.INVOCATION_LOG_TABLE
        source = f"Spark target '{self.target.name}' ({schema}.{table})"
        if not self._exists(schema, table):
            return build_record.check_build_record([], source)
        columns = self.session.table(f"`{schema}`.`{table}`").columns
        rows = self.rows(build_record.invocation_log_query(f"`{schema}`.`{table}`", columns))
        return build_record.check_build_record(build_record.invocations_from_rows(rows), source)

    def threshold_rows(self, inputs: PublicationInputs) -> list[dict[str, Any]]:
        relation = spark_relation(inputs.thresholds_relation)
        schema, table = (part.strip("`") for part in relation.split("."))
        if not self._exists(schema, table):
            raise PublishRefused(
                f"the seed {THRESHOLDS_SEED} is not in the warehouse ({relation}): "
                f"run `tenant-kpis build`. {KEPT}"
            )
        return self.rows(publication_guards.thresholds_query(relation))

    def raw_dir(self) -> str:
        return f"{spark_raw_dir(self.target)} (raw tables of Spark target '{self.target.name}')"

    def copy_marts(self, models: list[PublicModel]) -> dict[str, int]:
        for model in models:  # refused before any mart is exported
            if not self._exists(model.schema, model.name):
                raise missing_model(model)
        from pyspark.sql import functions
        from pyspark.sql.types import TimestampType

        tables: dict[str, int] = {}
        for model in models:
            frame = self.session.table(self.relation(model))
            naive = frame.select(
                *[
                    functions.col(f"`{field.name}`").cast("timestamp_ntz").alias(field.name)
                    if isinstance(field.dataType, TimestampType)
                    else functions.col(f"`{field.name}`")
                    for field in frame.schema.fields
                ]
            )
            directory = self.export / model.name
            naive.coalesce(1).write.mode("overwrite").parquet(str(directory))
            published = create_published_table(
                self.connection,
                model,
                f"select * from read_parquet({_sql_string(f'{directory}/*.parquet')})",
            )
            counted = frame.count()
            if published != counted:
                raise PublishFailed(
                    f"publishing {model.name} from Spark read {published} rows, the warehouse "
                    f"holds {counted}. {KEPT}"
                )
            tables[model.name] = counted
        return tables


def _spark_errors() -> tuple[type[Exception], ...]:
    """The errors a Spark query raises (Spark's analysis errors, the JVM's through Py4J)."""
    try:
        from py4j.protocol import Py4JError
        from pyspark.errors import PySparkException
    except ImportError:  # no pyspark, so no Spark query ran
        return ()
    return (PySparkException, Py4JError)


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
        export = destination.parent / f".{destination.name}.{os.getpid()}.spark"
        shutil.rmtree(export, ignore_errors=True)
        try:
            session = open_session(target)
        except Exception as error:  # the JVM's own errors (Py4J, Java exceptions)
            raise UserError(
                f"cannot open a Spark session for target '{target.name}': {one_line(error)}"
            ) from error
        try:
            yield SparkSource(session, target, connection, export)
        except _spark_errors() as error:
            raise PublishFailed(
                f"reading the marts of Spark target '{target.name}' failed: "
                f"{one_line(error)}. {KEPT}"
            ) from error
        finally:
            stop_session(session)
            shutil.rmtree(export, ignore_errors=True)

    return publish_from(
        open_source,
        inputs,
        destination,
        parquet_dir=parquet_dir,
        accept_anomalies=accept_anomalies,
    )
