"""`tenant-kpis load RAW_DIR`: the nine raw files into a warehouse's `raw` schema.

On DuckDB the build reads the raw files in place (macro
register_raw_sources). A database server cannot see the files, so they are
loaded, as delivered:

- the files are checked and read by that same DuckDB hook, run on an
  in-memory database (`dbt run-operation export_raw_as_text --target
  lint`): the contract (table list, columns, which are required), the checks
  (a missing or duplicated delivery, a 0-byte file, a CSV line that is not
  RFC 4180, a Parquet column of the wrong type, a missing required column,
  a file outside the events partition layout) and their one-line errors are
  the build's own, never a copy;
- every column is text, exactly the text the DuckDB raw views give staging,
  so staging applies the same parsing, UTC conversion and quarantine rules on
  every engine; extra columns are dropped and a missing optional column is
  null;
- DuckDB writes each table as CSV, which PostgreSQL ingests with COPY, never
  row by row;
- all nine tables are replaced in ONE transaction: a build running at the
  same time sees the previous delivery or the new one, never a mix.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tenant_kpis import paths
from tenant_kpis.engines.profile import Target
from tenant_kpis.errors import UserError, one_line

RAW_SCHEMA = "raw"


@dataclass(frozen=True)
class RawColumn:
    name: str
    required: bool


@dataclass(frozen=True)
class RawTable:
    name: str
    columns: tuple[RawColumn, ...]


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


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _dbt_error(output: str) -> str:
    """The one line of a failed dbt run-operation that says what is wrong."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("raw table '") or line.startswith('raw table "'):
            return line
    for index, line in enumerate(lines):
        if line.endswith("Error") and index + 1 < len(lines):
            return lines[index + 1]
    return lines[-1] if lines else "no output"


def export_raw_files(
    raw_dir: Path, work_dir: Path, file_format: str = "csv", artefacts_dir: Path | None = None
) -> list[RawTable]:
    """Check the raw files with the build's own DuckDB hook and write each raw
    table as a text-only CSV (or Parquet) file in work_dir; return the contract."""
    dbt = Path(sys.executable).parent / "dbt"
    artefacts = artefacts_dir or work_dir
    environment = {
        **os.environ,
        "TENANT_KPIS_RAW_DIR": str(raw_dir),
        # the project's own target directory keeps the user's build artefacts
        "DBT_TARGET_PATH": str(artefacts / "dbt_target"),
        "DBT_LOG_PATH": str(artefacts / "dbt_logs"),
    }
    completed = subprocess.run(
        [
            str(dbt) if dbt.exists() else "dbt",
            "--quiet",
            "run-operation",
            "export_raw_as_text",
            "--args",
            json.dumps({"export_dir": str(work_dir), "file_format": file_format}),
            # in-memory DuckDB: touches no warehouse
            "--target",
            "lint",
        ],
        cwd=paths.PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    output = completed.stdout + completed.stderr
    if completed.returncode != 0:
        raise UserError(_dbt_error(output))
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise UserError(f"cannot read the raw contract from dbt: {_dbt_error(output)}")
    contract: dict[str, Any] = json.loads(lines[0])
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


def spark_raw_dir(target: Target) -> Path:
    """Where the spark target's raw tables read their files (dbt var spark_raw_dir)."""
    default = Path(os.environ.get("TENANT_KPIS_SPARK_DIR", "data/spark")) / "raw"
    path = Path(os.environ.get("TENANT_KPIS_SPARK_RAW_DIR", str(default)))
    return path if path.is_absolute() else paths.PROJECT_DIR / path


def load_for_spark(raw_dir: Path, target: Target) -> dict[str, int]:
    """Write the checked raw tables as text-only Parquet files where the spark
    target's raw schema reads them, `<table>/part-0.parquet` (its on-run-start
    hook declares the tables).

    The files are written beside the current ones and swapped in by renaming
    the directory, so a failed check leaves the previous delivery in place.
    """
    import duckdb

    destination = spark_raw_dir(target)
    destination.parent.mkdir(parents=True, exist_ok=True)
    staged = destination.with_name(destination.name + ".loading")
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir()
    try:
        # dbt's artefacts beside the delivery: the next load parses partially
        tables = export_raw_files(
            raw_dir, staged, file_format="parquet", artefacts_dir=destination.parent / "load_dbt"
        )
        with duckdb.connect() as connection:
            rows = {
                table.name: int(
                    connection.execute(
                        "select count(*) from read_parquet(?)",
                        [str(staged / f"{table.name}.parquet")],
                    ).fetchone()[0]
                )
                for table in tables
            }
        # a directory per table: Hive's metastore wants a table's location to be one
        for table in tables:
            (staged / table.name).mkdir()
            (staged / f"{table.name}.parquet").rename(staged / table.name / "part-0.parquet")
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    previous = destination.with_name(destination.name + ".previous")
    shutil.rmtree(previous, ignore_errors=True)
    if destination.exists():
        destination.rename(previous)
    staged.rename(destination)
    shutil.rmtree(previous, ignore_errors=True)
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
    if loader is None and target.type != "spark":
        raise UserError(f"loading raw files into a {target.type} target is not supported")
    if not raw_dir.is_dir():
        raise UserError(f"raw directory not found: {raw_dir}")
    started = time.monotonic()
    if loader is None:  # spark: files its raw schema reads, no database load
        rows = load_for_spark(raw_dir.resolve(), target)
        return LoadResult(target=target.name, rows=rows, seconds=time.monotonic() - started)
    with tempfile.TemporaryDirectory(prefix="tenant_kpis_load_") as work:
        tables = export_raw_files(raw_dir.resolve(), Path(work))
        exported = {table.name: Path(work) / f"{table.name}.csv" for table in tables}
        rows = loader(target, tables, exported)
    return LoadResult(target=target.name, rows=rows, seconds=time.monotonic() - started)
