"""Publish the public marts of a PostgreSQL build for BI tools.

The same guards as the DuckDB publication (publish.py), reading the same
rows from the server: the build record (`audit.dbt_invocation_log`, written
by the project's dbt hooks on every engine; build_record.py) must hold a
finished, fully tested build, and the row accounting must stay within the
anomaly thresholds (publication_guards.py), absolutely and against the
publication being replaced, unless `accept_anomalies`. A refusal keeps the
previous publication. Then, in ONE transaction:

1. a fresh schema `<published>__next` receives a copy of every public mart
   (with its descriptions as comments) and a one-row `build_info` table;
   row counts are checked against the build;
2. the read-only role gets USAGE on that schema and SELECT on its tables;
3. the current `<published>` schema is renamed `<published>__previous`
   (the one before it is dropped) and `<published>__next` becomes
   `<published>`.

PostgreSQL's DDL is transactional, so a dashboard sees the previous
publication or the new one, never a half build: a query that started
before the swap finishes on the previous tables (they still exist, renamed),
a query after it reads the new ones. The reader role's grants cover the
published schema only: no staging, intermediate, raw or build schema.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tenant_kpis import build_record, publication_guards
from tenant_kpis.engines.profile import Target
from tenant_kpis.errors import PublishRefused, UserError, one_line
from tenant_kpis.publish import (
    BUILD_INFO_COLUMNS,
    BUILD_INFO_TABLE,
    KEPT,
    ROW_ACCOUNTING_MODEL,
    BuildInfo,
    PublicModel,
    _build_info,
    publication_inputs,
    target_dir,
)

DEFAULT_SCHEMA = "published"
DEFAULT_READER_ROLE = "tenant_kpis_reader"


@dataclass(frozen=True)
class PostgresPublishResult:
    target: str
    schema: str
    reader_role: str
    tables: dict[str, int]
    invocation_id: str
    overridden_anomalies: str | None = None

    def summary(self) -> str:
        rows = sum(self.tables.values())
        text = (
            f"Published {len(self.tables)} public marts ({rows} rows) to schema {self.schema} "
            f"of PostgreSQL target '{self.target}' (dbt invocation {self.invocation_id}); "
            f"read-only role {self.reader_role}"
        )
        if self.overridden_anomalies:
            text += f"; anomalies accepted: {self.overridden_anomalies}"
        return text


def published_schema() -> str:
    return os.environ.get("TENANT_KPIS_PG_PUBLISHED_SCHEMA") or DEFAULT_SCHEMA


def reader_role() -> str:
    return os.environ.get("TENANT_KPIS_PG_READER_ROLE") or DEFAULT_READER_ROLE


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _relation(model: PublicModel, manifest: dict[str, Any]) -> str:
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") == "model" and node.get("name") == model.name:
            return str(node["relation_name"])
    raise UserError(f"public model {model.name} has no relation in the manifest")


def _ensure_reader_role(cursor: Any, role: str) -> None:
    cursor.execute("select 1 from pg_roles where rolname = %s", [role])
    if cursor.fetchone():
        return
    try:
        cursor.execute("savepoint create_role")
        cursor.execute(f"create role {_identifier(role)} nologin")
        cursor.execute("release savepoint create_role")
    except Exception as error:
        cursor.execute("rollback to savepoint create_role")
        raise UserError(
            f"the read-only role {role} does not exist and this user cannot create it "
            f"({one_line(error)}): ask an administrator to run "
            f"`create role {role} nologin;` once (README 'BI tools on PostgreSQL')"
        ) from error


def _copy_marts(
    cursor: Any, models: list[PublicModel], manifest: dict[str, Any], schema: str
) -> dict[str, int]:
    tables: dict[str, int] = {}
    for model in models:
        relation = _relation(model, manifest)
        target = f"{_identifier(schema)}.{_identifier(model.name)}"
        cursor.execute(f"select count(*) from {relation}")
        expected = int(cursor.fetchone()[0])
        cursor.execute(f"create table {target} as select * from {relation}")
        cursor.execute(f"select count(*) from {target}")
        copied = int(cursor.fetchone()[0])
        if copied != expected:
            raise UserError(f"copying {model.name}: {copied} rows, the build has {expected}")
        if model.description:
            cursor.execute(f"comment on table {target} is {_literal(model.description)}")
        cursor.execute(
            "select column_name from information_schema.columns "
            "where table_schema = %s and table_name = %s",
            [schema, model.name],
        )
        columns = {row[0] for row in cursor.fetchall()}
        for column, description in model.column_descriptions.items():
            if description and column in columns:
                cursor.execute(
                    f"comment on column {target}.{_identifier(column)} is {_literal(description)}"
                )
        tables[model.name] = copied
    return tables


def _records(cursor: Any, sql: str) -> list[dict[str, Any]]:
    cursor.execute(sql)
    names = [column[0] for column in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _table_exists(cursor: Any, schema: str, table: str) -> bool:
    cursor.execute(
        "select 1 from information_schema.tables where table_schema = %s and table_name = %s",
        [schema, table],
    )
    return cursor.fetchone() is not None


def _check_build_record(cursor: Any, target: Target) -> build_record.BuildRecord:
    schema, table = build_record.INVOCATION_LOG_SCHEMA, build_record.INVOCATION_LOG_TABLE
    source = f"PostgreSQL target '{target.name}' ({schema}.{table})"
    if not _table_exists(cursor, schema, table):
        return build_record.check_build_record([], source)
    cursor.execute(
        "select column_name from information_schema.columns "
        "where table_schema = %s and table_name = %s",
        [schema, table],
    )
    columns = [row[0] for row in cursor.fetchall()]
    rows = _records(
        cursor,
        build_record.invocation_log_query(f"{_identifier(schema)}.{_identifier(table)}", columns),
    )
    return build_record.check_build_record(build_record.invocations_from_rows(rows), source)


def _previous_publication(
    cursor: Any, schema: str
) -> tuple[dict[str, publication_guards.TableVolume] | None, str | None]:
    """The row accounting and invocation of the publication about to be replaced."""
    volumes = None
    if _table_exists(cursor, schema, ROW_ACCOUNTING_MODEL):
        volumes = publication_guards.volumes_from_rows(
            _records(
                cursor,
                publication_guards.row_accounting_query(
                    f"{_identifier(schema)}.{_identifier(ROW_ACCOUNTING_MODEL)}"
                ),
            )
        )
    invocation = None
    if _table_exists(cursor, schema, BUILD_INFO_TABLE):
        cursor.execute(f"select invocation_id from {_identifier(schema)}.{BUILD_INFO_TABLE}")
        found = cursor.fetchone()
        invocation = str(found[0]) if found else None
    return volumes, invocation


def _check_anomalies(
    cursor: Any,
    accounting: PublicModel,
    thresholds_relation: str,
    schema: str,
    accept_anomalies: bool,
) -> tuple[list[publication_guards.Anomaly], str | None]:
    """The anomalies found (refused unless accepted) and the publication compared with."""
    current = publication_guards.volumes_from_rows(
        _records(cursor, publication_guards.row_accounting_query(accounting.relation))
    )
    thresholds = publication_guards.thresholds_from_rows(
        _records(cursor, publication_guards.thresholds_query(thresholds_relation))
    )
    previous, previous_invocation = _previous_publication(cursor, schema)
    anomalies = publication_guards.check_anomalies(
        current,
        previous,
        thresholds,
        previous_invocation=previous_invocation,
        accept_anomalies=accept_anomalies,
    )
    return anomalies, previous_invocation if previous is not None else None


def _write_build_info(cursor: Any, schema: str, info: BuildInfo) -> None:
    target = f"{_identifier(schema)}.{BUILD_INFO_TABLE}"
    columns = ", ".join(f"{name} {kind}" for name, (kind, _) in BUILD_INFO_COLUMNS.items())
    cursor.execute(f"create table {target} ({columns})")
    row = info.as_row()
    cursor.execute(
        f"insert into {target} ({', '.join(row)}) values ({', '.join(['%s'] * len(row))})",
        list(row.values()),
    )
    cursor.execute(
        f"comment on table {target} is "
        "'One row: when these marts were published and from which dbt build.'"
    )
    for name, (_, description) in BUILD_INFO_COLUMNS.items():
        cursor.execute(f"comment on column {target}.{name} is {_literal(description)}")


def publish_postgres(
    target: Target, dbt_target: Path | None = None, accept_anomalies: bool = False
) -> PostgresPublishResult:
    """Copy the public marts of the last finished, tested build into the published schema."""
    import psycopg2

    dbt_target = dbt_target or target_dir()
    inputs = publication_inputs(dbt_target)
    models, manifest = inputs.models, inputs.manifest
    schema, role = published_schema(), reader_role()
    if schema in {model.schema for model in models}:
        raise PublishRefused(
            f"the published schema {schema} is where dbt builds the marts: choose another "
            f"TENANT_KPIS_PG_PUBLISHED_SCHEMA. {KEPT}"
        )
    building, previous = f"{schema}__next", f"{schema}__previous"
    try:
        connection = psycopg2.connect(**target.postgres_connection_args())
    except psycopg2.Error as error:
        raise UserError(
            f"cannot connect to PostgreSQL target '{target.name}': {one_line(error)}"
        ) from error
    try:
        with connection, connection.cursor() as cursor:
            record = _check_build_record(cursor, target)
            anomalies, compared_with = _check_anomalies(
                cursor, inputs.accounting, inputs.thresholds_relation, schema, accept_anomalies
            )
            info = _build_info(
                record,
                now=datetime.now(UTC).replace(tzinfo=None),
                raw_dir=f"raw schema of PostgreSQL target '{target.name}'",
                compared_with=compared_with,
                accept_anomalies=accept_anomalies,
                anomalies=anomalies,
            )
            _ensure_reader_role(cursor, role)
            cursor.execute(f"drop schema if exists {_identifier(building)} cascade")
            cursor.execute(f"create schema {_identifier(building)}")
            tables = _copy_marts(cursor, models, manifest, building)
            _write_build_info(cursor, building, info)
            cursor.execute(f"grant usage on schema {_identifier(building)} to {_identifier(role)}")
            cursor.execute(
                f"grant select on all tables in schema {_identifier(building)} "
                f"to {_identifier(role)}"
            )
            cursor.execute(f"drop schema if exists {_identifier(previous)} cascade")
            cursor.execute(
                "select 1 from information_schema.schemata where schema_name = %s", [schema]
            )
            if cursor.fetchone():
                cursor.execute(
                    f"alter schema {_identifier(schema)} rename to {_identifier(previous)}"
                )
                # the previous publication stays readable for queries already running,
                # not for new sessions of the reader role
                cursor.execute(
                    f"revoke usage on schema {_identifier(previous)} from {_identifier(role)}"
                )
            cursor.execute(f"alter schema {_identifier(building)} rename to {_identifier(schema)}")
    except psycopg2.Error as error:
        raise UserError(
            f"publishing to PostgreSQL target '{target.name}' failed, the previous publication "
            f"is kept: {one_line(error)}"
        ) from error
    finally:
        connection.close()
    return PostgresPublishResult(
        target=target.name,
        schema=schema,
        reader_role=role,
        tables=tables,
        invocation_id=info.invocation_id,
        overridden_anomalies=info.overridden_anomalies,
    )
