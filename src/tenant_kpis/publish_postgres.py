"""Publish the public marts of a PostgreSQL build for BI tools.

The same guards as the DuckDB publication (publish.py): a build whose
run_results.json holds an error or a failed test, or whose manifest comes
from a later dbt command, is refused and the previous publication stays.
Then, in ONE transaction:

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

from tenant_kpis.engines.profile import Target
from tenant_kpis.errors import UserError, one_line
from tenant_kpis.publish import (
    BUILD_INFO_TABLE,
    PublicModel,
    PublishRefused,
    _read_json,
    check_run_results,
    check_same_invocation,
    git_commit,
    public_models,
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

    def summary(self) -> str:
        rows = sum(self.tables.values())
        return (
            f"Published {len(self.tables)} public marts ({rows} rows) to schema {self.schema} "
            f"of PostgreSQL target '{self.target}' (dbt invocation {self.invocation_id}); "
            f"read-only role {self.reader_role}"
        )


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


def _write_build_info(cursor: Any, schema: str, row: dict[str, Any]) -> None:
    target = f"{_identifier(schema)}.{BUILD_INFO_TABLE}"
    cursor.execute(
        f"""
        create table {target} (
            published_at timestamp,
            invocation_id text,
            dbt_version text,
            git_commit text,
            dbt_command text,
            models_built integer,
            tests_passed integer,
            tests_failed integer,
            tests_warned integer,
            tests_errored integer,
            raw_dir text
        )
        """
    )
    cursor.execute(
        f"insert into {target} values ({', '.join(['%s'] * len(row))})", list(row.values())
    )
    cursor.execute(
        f"comment on table {target} is "
        "'One row: when these marts were published and from which dbt build.'"
    )


def publish_postgres(target: Target, dbt_target: Path | None = None) -> PostgresPublishResult:
    """Copy the public marts of the last successful build into the published schema."""
    import psycopg2

    dbt_target = dbt_target or target_dir()
    manifest = _read_json(dbt_target / "manifest.json", "dbt manifest")
    run_results_path = dbt_target / "run_results.json"
    run_results = _read_json(run_results_path, "dbt run results")
    check_same_invocation(manifest, run_results, dbt_target)
    counts = check_run_results(run_results, run_results_path)
    models = public_models(manifest)
    if not models:
        raise UserError(f"no model with access: public in {dbt_target / 'manifest.json'}")
    schema, role = published_schema(), reader_role()
    if schema in {model.schema for model in models}:
        raise PublishRefused(
            f"the published schema {schema} is where dbt builds the marts: choose another "
            "TENANT_KPIS_PG_PUBLISHED_SCHEMA"
        )
    building, previous = f"{schema}__next", f"{schema}__previous"
    metadata = run_results.get("metadata", {})
    info = {
        "published_at": datetime.now(UTC).replace(tzinfo=None),
        "invocation_id": str(metadata.get("invocation_id", "unknown")),
        "dbt_version": str(metadata.get("dbt_version", "unknown")),
        "git_commit": git_commit(),
        "dbt_command": str(run_results.get("args", {}).get("which", "unknown")),
        **counts,
        "raw_dir": f"raw schema of PostgreSQL target '{target.name}'",
    }
    try:
        connection = psycopg2.connect(**target.postgres_connection_args())
    except psycopg2.Error as error:
        raise UserError(
            f"cannot connect to PostgreSQL target '{target.name}': {one_line(error)}"
        ) from error
    try:
        with connection, connection.cursor() as cursor:
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
        invocation_id=info["invocation_id"],
    )
