"""`tenant-kpis load RAW_DIR`: the nine raw files into a warehouse's `raw` schema.

On DuckDB the build reads the raw files in place (macro
register_raw_sources). A database server cannot see the files, so they are
loaded, as delivered:

- the table list, the columns and which are required come from the raw
  contract the build itself applies (macro `raw_contract`, printed by
  `dbt run-operation print_raw_contract`), never from a copy;
- every column is text, exactly as DuckDB renders the file's value as
  text (the same rendering the DuckDB raw views use), so staging applies
  the same parsing, UTC conversion and quarantine rules on every engine;
  extra columns are dropped and a missing optional column is null;
- a missing file, two files for one table or a missing required column is
  one line naming the table, the column and the file, and nothing is loaded;
- DuckDB reads each file (Parquet, CSV as text with a header, or the
  partitioned `events/load_date=YYYY-MM-DD/*.parquet` directory) and writes
  CSV, which PostgreSQL ingests with COPY, never row by row;
- all nine tables are replaced in ONE transaction: a build running at the
  same time sees the previous delivery or the new one, never a mix.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from tenant_kpis import paths
from tenant_kpis.engines.profile import Target
from tenant_kpis.errors import UserError, one_line

RAW_SCHEMA = "raw"
PARTITIONED_TABLES = ("events",)


@dataclass(frozen=True)
class RawColumn:
    name: str
    required: bool


@dataclass(frozen=True)
class RawTable:
    name: str
    columns: tuple[RawColumn, ...]


@dataclass(frozen=True)
class RawFile:
    """Where one raw table is delivered: a file, or a partitioned directory."""

    table: str
    path: Path
    reader: str  # a DuckDB table expression reading it

    def describe(self) -> str:
        return str(self.path)


@dataclass(frozen=True)
class LoadResult:
    target: str
    rows: dict[str, int]
    seconds: float

    def summary(self) -> str:
        total = sum(self.rows.values())
        parts = ", ".join(f"{table} {rows:,}" for table, rows in self.rows.items())
        return (
            f"Loaded {len(self.rows)} raw tables ({total:,} rows) into schema {RAW_SCHEMA} of "
            f"dbt target '{self.target}' in {self.seconds:.1f} s: {parts}"
        )


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def read_raw_contract() -> list[RawTable]:
    """The raw contract of macros/raw/raw_contract.sql, as dbt renders it."""
    dbt = Path(sys.executable).parent / "dbt"
    completed = subprocess.run(
        [
            str(dbt) if dbt.exists() else "dbt",
            "--quiet",
            "run-operation",
            "print_raw_contract",
            # in-memory DuckDB: reading the contract touches no warehouse
            "--target",
            "lint",
        ],
        cwd=paths.PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        detail = (completed.stdout + completed.stderr).strip().splitlines()
        raise UserError(
            "cannot read the raw contract (dbt run-operation print_raw_contract): "
            + (detail[-1] if detail else f"exit code {completed.returncode}")
        )
    contract: dict[str, Any] = json.loads(lines[-1])
    return [
        RawTable(
            name=name,
            columns=tuple(
                RawColumn(name=column["name"], required=bool(column["required"]))
                for column in spec["columns"]
            ),
        )
        for name, spec in contract.items()
    ]


def find_raw_file(raw_dir: Path, table: str) -> RawFile:
    """`<table>.parquet`, `<table>.csv` or (events) a partitioned directory; exactly one."""
    candidates = [raw_dir / f"{table}.parquet", raw_dir / f"{table}.csv"]
    found = [path for path in candidates if path.is_file()]
    partition_dir = raw_dir / table
    partitions: list[Path] = []
    if table in PARTITIONED_TABLES and partition_dir.is_dir():
        partitions = sorted(partition_dir.glob("load_date=*/*.parquet"))
        if not partitions:
            raise UserError(
                f"raw table '{table}': directory {partition_dir} holds no "
                "load_date=YYYY-MM-DD/*.parquet partition"
            )
        found.append(partition_dir)
    if len(found) > 1:
        raise UserError(
            f"raw table '{table}' is delivered twice: {' and '.join(str(p) for p in found)} "
            "(keep exactly one)"
        )
    if not found:
        raise UserError(
            f"raw table '{table}' not found: expected {table}.parquet or {table}.csv in "
            f"directory {raw_dir}"
        )
    path = found[0]
    if path.is_dir():
        pattern = str(path / "load_date=*" / "*.parquet")
        reader = f"read_parquet({_sql_string(pattern)}, union_by_name = true)"
    elif path.suffix == ".parquet":
        reader = f"read_parquet({_sql_string(str(path))})"
    else:
        reader = f"read_csv({_sql_string(str(path))}, header = true, all_varchar = true)"
    return RawFile(table=table, path=path, reader=reader)


def _columns_by_file(connection: duckdb.DuckDBPyConnection, raw: RawFile) -> dict[str, set[str]]:
    """Lower-cased column names of each file (every partition is checked on its own)."""
    if raw.path.is_dir():
        pattern = _sql_string(str(raw.path / "load_date=*" / "*.parquet"))
        rows = connection.execute(
            f"select file_name, name from parquet_schema({pattern}) where name != 'schema'"
        ).fetchall()
        columns: dict[str, set[str]] = {}
        for file_name, name in rows:
            columns.setdefault(str(file_name), set()).add(str(name).strip().lower())
        return columns
    described = connection.execute(f"describe select * from {raw.reader}").fetchall()
    return {str(raw.path): {str(row[0]).strip().lower() for row in described}}


def _select_list(connection: duckdb.DuckDBPyConnection, raw: RawFile, table: RawTable) -> list[str]:
    """The contract's columns as text, in contract order; an error for a missing required one."""
    for file_name, present in _columns_by_file(connection, raw).items():
        for column in table.columns:
            if column.required and column.name not in present:
                raise UserError(
                    f"raw table '{table.name}' is missing required column '{column.name}' "
                    f"(file {file_name})"
                )
    actual = {
        str(row[0]).strip().lower(): str(row[0])
        for row in connection.execute(f"describe select * from {raw.reader}").fetchall()
    }
    select = []
    for column in table.columns:
        if column.name in actual:
            select.append(f"cast({_quote(actual[column.name])} as varchar) as {column.name}")
        else:
            select.append(f"cast(null as varchar) as {column.name}")
    return select


def export_csv(raw_dir: Path, tables: list[RawTable], work_dir: Path) -> dict[str, Path]:
    """Check every raw file against the contract, then write each as a text-only CSV."""
    with duckdb.connect() as connection:
        connection.execute("set TimeZone = 'UTC'")
        files = {table.name: find_raw_file(raw_dir, table.name) for table in tables}
        selects = {
            table.name: _select_list(connection, files[table.name], table) for table in tables
        }
        exported = {}
        for table in tables:
            target = work_dir / f"{table.name}.csv"
            # force_quote: a quoted "" is an empty string, an unquoted empty field is null
            connection.execute(
                f"copy (select {', '.join(selects[table.name])} from {files[table.name].reader}) "
                f"to {_sql_string(str(target))} (format csv, header false, force_quote *)"
            )
            exported[table.name] = target
    return exported


def load_into_postgres(
    target: Target, tables: list[RawTable], exported: dict[str, Path]
) -> dict[str, int]:
    """Replace the raw tables in one transaction with COPY; return rows per table."""
    import psycopg2

    try:
        connection = psycopg2.connect(**target.postgres_connection_args())
    except psycopg2.Error as error:
        raise UserError(
            f"cannot connect to PostgreSQL target '{target.name}': {one_line(error)}"
        ) from error
    rows: dict[str, int] = {}
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(f"create schema if not exists {RAW_SCHEMA}")
            for table in tables:
                relation = f"{RAW_SCHEMA}.{_quote(table.name)}"
                columns = ", ".join(f"{_quote(column.name)} text" for column in table.columns)
                cursor.execute(f"drop table if exists {relation} cascade")
                cursor.execute(f"create table {relation} ({columns})")
                with exported[table.name].open("r", encoding="utf-8") as handle:
                    cursor.copy_expert(
                        f"copy {relation} from stdin with (format csv, header false)", handle
                    )
                cursor.execute(f"analyze {relation}")
                cursor.execute(f"select count(*) from {relation}")
                rows[table.name] = int(cursor.fetchone()[0])
    except psycopg2.Error as error:
        raise UserError(
            f"loading the raw tables into '{target.name}' failed, nothing was changed: "
            f"{one_line(error)}"
        ) from error
    finally:
        connection.close()
    return rows


LOADERS: dict[str, Callable[[Target, list[RawTable], dict[str, Path]], dict[str, int]]] = {
    "postgres": load_into_postgres,
}


def load_raw(raw_dir: Path, target: Target) -> LoadResult:
    """Check and load the nine raw files of raw_dir into the target's raw schema."""
    if target.type == "duckdb":
        raise UserError(
            f"dbt target '{target.name}' is DuckDB, which reads the raw files in place: "
            "set TENANT_KPIS_RAW_DIR instead of loading"
        )
    loader = LOADERS.get(target.type)
    if loader is None:
        raise UserError(f"loading raw files into a {target.type} target is not supported")
    if not raw_dir.is_dir():
        raise UserError(f"raw directory not found: {raw_dir}")
    started = time.monotonic()
    tables = read_raw_contract()
    with tempfile.TemporaryDirectory(prefix="tenant_kpis_load_") as work:
        exported = export_csv(raw_dir.resolve(), tables, Path(work))
        rows = loader(target, tables, exported)
    return LoadResult(target=target.name, rows=rows, seconds=time.monotonic() - started)
