"""Publish the public marts where BI tools can read them safely.

DuckDB allows one writer per file. A dashboard that holds the warehouse open
would block `dbt build`, and a dashboard reading the warehouse during a build
could see half-built tables. So BI tools read a separate file instead:

1. after a build, every model with `access: public` in `manifest.json` is
   copied from the warehouse (attached read-only) into a NEW DuckDB file in
   the destination's directory, together with a one-row `build_info` table;
2. the new file is verified (every table present, row counts equal to the
   warehouse's, `build_info` present), checkpointed and fsynced;
3. it replaces the destination with `os.replace`, an atomic rename: a reader
   that already opened the old file keeps reading the old inode, a new reader
   sees the complete new file, and nobody ever sees a half-written one.

A build whose `run_results.json` holds an error or a failed test is refused
(`PublishRefused`) and the previous publication stays in place.

Optionally the same tables are written as Parquet files in a versioned
directory `<dir>/versions/<stamp>/` and the symlink `<dir>/current` is swapped
atomically to it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from tenant_kpis import paths
from tenant_kpis.errors import UserError

BUILD_INFO_TABLE = "build_info"
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})
KEEP_PARQUET_VERSIONS = 3
_RAW_FILE_IN_VIEW = re.compile(r"read_(?:parquet|csv\w*)\(\s*\[?\s*'([^']+)'", re.IGNORECASE)


class PublishRefused(UserError):
    """The build failed or is incomplete: the previous publication is kept."""


@dataclass(frozen=True)
class PublicModel:
    """A public dbt model and where the warehouse holds it."""

    name: str
    schema: str
    relation: str
    description: str
    column_descriptions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildInfo:
    """One row describing the build a publication comes from."""

    published_at: datetime
    invocation_id: str
    dbt_version: str
    git_commit: str
    dbt_command: str
    models_built: int
    tests_passed: int
    tests_failed: int
    tests_warned: int
    tests_errored: int
    raw_dir: str

    def as_row(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class PublishResult:
    destination: Path
    tables: dict[str, int]
    build_info: BuildInfo
    parquet_dir: Path | None = None

    def summary(self) -> str:
        rows = sum(self.tables.values())
        text = (
            f"Published {len(self.tables)} public marts ({rows} rows) to {self.destination} "
            f"(dbt invocation {self.build_info.invocation_id}, "
            f"{self.build_info.tests_passed} tests passed, "
            f"{self.build_info.tests_warned} warned)"
        )
        if self.parquet_dir is not None:
            text += f"; Parquet in {self.parquet_dir}"
        return text


def target_dir() -> Path:
    """dbt's target directory: $DBT_TARGET_PATH (relative to the project) or target/."""
    value = os.environ.get("DBT_TARGET_PATH")
    if not value:
        return paths.PROJECT_DIR / "target"
    path = Path(value)
    return path if path.is_absolute() else paths.PROJECT_DIR / path


def _read_json(path: Path, what: str) -> dict[str, Any]:
    if not path.is_file():
        raise UserError(f"{what} not found: {path} (run `dbt build` first, or set DBT_TARGET_PATH)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise UserError(f"{what} is not readable JSON: {path} ({error})") from error
    if not isinstance(data, dict):
        raise UserError(f"{what} is not a JSON object: {path}")
    return data


def public_models(manifest: dict[str, Any]) -> list[PublicModel]:
    """Every enabled model of the manifest whose access is public, sorted by name."""
    models = []
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model":
            continue
        access = node.get("access") or node.get("config", {}).get("access")
        if access != "public" or not node.get("config", {}).get("enabled", True):
            continue
        name = node.get("alias") or node["name"]
        models.append(
            PublicModel(
                name=name,
                schema=node["schema"],
                relation=f'"{node["schema"]}"."{name}"',
                description=node.get("description") or "",
                column_descriptions={
                    column: spec.get("description") or ""
                    for column, spec in node.get("columns", {}).items()
                },
            )
        )
    names = [model.name for model in models]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise UserError(f"public models share a name, cannot publish flat: {duplicates}")
    return sorted(models, key=lambda model: model.name)


def check_run_results(run_results: dict[str, Any], source: Path) -> dict[str, int]:
    """Count results by kind; refuse when any node errored or any test failed."""
    counts = dict.fromkeys(
        ("models_built", "tests_passed", "tests_failed", "tests_warned", "tests_errored"), 0
    )
    failures = []
    for result in run_results.get("results", []):
        unique_id = result.get("unique_id", "?")
        status = str(result.get("status", "")).lower()
        kind = unique_id.split(".", 1)[0]
        if kind == "test" or kind == "unit_test":
            key = {
                "pass": "tests_passed",
                "fail": "tests_failed",
                "warn": "tests_warned",
                "error": "tests_errored",
            }.get(status)
            if key:
                counts[key] += 1
        elif kind == "model" and status == "success":
            counts["models_built"] += 1
        if status in FAILED_STATUSES:
            failures.append(f"{unique_id} ({status})")
    if failures:
        shown = ", ".join(failures[:10]) + (" ..." if len(failures) > 10 else "")
        raise PublishRefused(
            f"the last dbt run failed ({len(failures)} nodes with errors or failed tests in "
            f"{source}): {shown}. The previous publication is kept."
        )
    return counts


def check_same_invocation(
    manifest: dict[str, Any], run_results: dict[str, Any], dbt_target: Path
) -> None:
    """Refuse when manifest.json comes from a later dbt command than run_results.json.

    dbt writes manifest.json when a command starts and run_results.json when it
    ends. A build that crashed (killed, or the warehouse locked by another
    process) leaves a new manifest beside the previous command's results, and
    possibly a half-rebuilt warehouse: that must not be published.
    """
    manifest_id = manifest.get("metadata", {}).get("invocation_id")
    results_id = run_results.get("metadata", {}).get("invocation_id")
    if manifest_id and results_id and manifest_id != results_id:
        raise PublishRefused(
            f"the last dbt command in {dbt_target} did not record its results "
            f"(manifest.json is from invocation {manifest_id}, run_results.json from "
            f"{results_id}): it failed or was not a build. Run `dbt build` and publish "
            "after it succeeds. The previous publication is kept."
        )


def git_commit(directory: Path = paths.PROJECT_DIR) -> str:
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = completed.stdout.strip()
    return commit if completed.returncode == 0 and commit else "unknown"


def _raw_dir_used(warehouse: duckdb.DuckDBPyConnection, run_results: dict[str, Any]) -> str:
    """The raw directory of the build: read from the `raw` views the build registered."""
    with contextlib.suppress(duckdb.Error):
        rows = warehouse.execute(
            "select sql from duckdb_views() where schema_name = 'raw' and database_name = 'wh'"
        ).fetchall()
        for (sql,) in rows:
            match = _RAW_FILE_IN_VIEW.search(sql or "")
            if match:
                return str(Path(match.group(1)).parent)
    build_vars = run_results.get("args", {}).get("vars") or {}
    if isinstance(build_vars, dict) and "raw_dir" in build_vars:
        return str(build_vars["raw_dir"])
    return os.environ.get("TENANT_KPIS_RAW_DIR", "data/raw")


@contextlib.contextmanager
def _publish_lock(destination: Path) -> Iterator[None]:
    """One publisher at a time per destination (readers are never blocked)."""
    lock_path = destination.parent / f".{destination.name}.lock"
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _copy_marts(connection: duckdb.DuckDBPyConnection, models: list[PublicModel]) -> dict[str, int]:
    tables: dict[str, int] = {}
    for model in models:
        exists = connection.execute(
            "select count(*) from duckdb_tables() where database_name = 'wh' "
            "and schema_name = ? and table_name = ?",
            [model.schema, model.name],
        ).fetchone()
        exists_view = connection.execute(
            "select count(*) from duckdb_views() where database_name = 'wh' "
            "and schema_name = ? and view_name = ?",
            [model.schema, model.name],
        ).fetchone()
        if not (exists and exists[0]) and not (exists_view and exists_view[0]):
            raise PublishRefused(
                f"public model {model.name} is not in the warehouse ({model.schema}.{model.name}); "
                "run `dbt build` before publishing. The previous publication is kept."
            )
        connection.execute(f'create table main."{model.name}" as select * from wh.{model.relation}')
        if model.description:
            connection.execute(
                f'comment on table main."{model.name}" is {_sql_string(model.description)}'
            )
        published_columns = {
            row[0]
            for row in connection.execute(
                "select column_name from duckdb_columns() where database_name = current_database()"
                " and schema_name = 'main' and table_name = ?",
                [model.name],
            ).fetchall()
        }
        for column, description in model.column_descriptions.items():
            if description and column in published_columns:
                connection.execute(
                    f'comment on column main."{model.name}"."{column}" is '
                    f"{_sql_string(description)}"
                )
        count = connection.execute(f'select count(*) from main."{model.name}"').fetchone()
        tables[model.name] = int(count[0]) if count else 0
    return tables


def _write_build_info(connection: duckdb.DuckDBPyConnection, info: BuildInfo) -> None:
    connection.execute(
        f"""
        create table main.{BUILD_INFO_TABLE} (
            published_at timestamp,
            invocation_id varchar,
            dbt_version varchar,
            git_commit varchar,
            dbt_command varchar,
            models_built integer,
            tests_passed integer,
            tests_failed integer,
            tests_warned integer,
            tests_errored integer,
            raw_dir varchar
        )
        """
    )
    row = info.as_row()
    connection.execute(
        f"insert into main.{BUILD_INFO_TABLE} values ({', '.join('?' for _ in row)})",
        list(row.values()),
    )
    connection.execute(
        f"comment on table main.{BUILD_INFO_TABLE} is "
        "'One row: when these marts were published and from which dbt build.'"
    )


def verify_publication(path: Path, expected: dict[str, int]) -> None:
    """Open a published file read-only and check every table and its row count."""
    with duckdb.connect(str(path), read_only=True) as connection:
        for table, rows in expected.items():
            found = connection.execute(f'select count(*) from main."{table}"').fetchone()
            if not found or found[0] != rows:
                raise UserError(
                    f"verification of {path} failed: {table} has {found} rows, expected {rows}"
                )
        info = connection.execute(f"select count(*) from main.{BUILD_INFO_TABLE}").fetchone()
        if not info or info[0] != 1:
            raise UserError(f"verification of {path} failed: {BUILD_INFO_TABLE} is not one row")


def _fsync(path: Path) -> None:
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    descriptor = os.open(path, flags)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_parquet(source: Path, parquet_root: Path, tables: list[str], stamp: str) -> Path:
    """Write every table as Parquet into versions/<stamp>/ and swap `current` to it."""
    versions = parquet_root / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    building = versions / f".{stamp}.building"
    final = versions / stamp
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir()
    with duckdb.connect(str(source), read_only=True) as connection:
        for table in tables:
            target = building / f"{table}.parquet"
            connection.execute(
                f'copy main."{table}" to {_sql_string(str(target))} (format parquet)'
            )
    building.rename(final)
    link = parquet_root / "current"
    temporary_link = parquet_root / f".current.{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        temporary_link.unlink()
    temporary_link.symlink_to(Path("versions") / stamp)
    os.replace(temporary_link, link)
    kept = sorted(
        (
            entry
            for entry in versions.iterdir()
            if entry.is_dir() and not entry.name.startswith(".")
        ),
        key=lambda entry: entry.name,
    )
    for old in kept[:-KEEP_PARQUET_VERSIONS]:
        shutil.rmtree(old, ignore_errors=True)
    return link


def publish(
    warehouse: Path | None = None,
    destination: Path | None = None,
    dbt_target: Path | None = None,
    parquet_dir: Path | None = None,
) -> PublishResult:
    """Copy the public marts of the last successful build into the published file."""
    warehouse = (warehouse or paths.warehouse_db()).resolve()
    destination = (destination or paths.published_db()).resolve()
    dbt_target = dbt_target or target_dir()

    manifest = _read_json(dbt_target / "manifest.json", "dbt manifest")
    run_results_path = dbt_target / "run_results.json"
    run_results = _read_json(run_results_path, "dbt run results")
    check_same_invocation(manifest, run_results, dbt_target)
    counts = check_run_results(run_results, run_results_path)
    models = public_models(manifest)
    if not models:
        raise UserError(f"no model with access: public in {dbt_target / 'manifest.json'}")
    if not warehouse.is_file():
        raise UserError(
            f"warehouse database not found: {warehouse} (set --warehouse or TENANT_KPIS_DB)"
        )
    if warehouse == destination:
        raise UserError("the published database must not be the warehouse itself")

    destination.parent.mkdir(parents=True, exist_ok=True)
    metadata = run_results.get("metadata", {})
    now = datetime.now(UTC).replace(tzinfo=None)
    stamp = now.strftime("%Y%m%dT%H%M%S%f")
    temporary = destination.parent / f".{destination.name}.{os.getpid()}.{stamp}.tmp"

    with _publish_lock(destination):
        try:
            with duckdb.connect(str(temporary)) as connection:
                try:
                    connection.execute(f"attach {_sql_string(str(warehouse))} as wh (read_only)")
                except duckdb.IOException as error:
                    raise UserError(
                        f"cannot open the warehouse {warehouse} read-only: {error}. "
                        "Is a dbt build still writing it? Publish after the build finishes."
                    ) from error
                info = BuildInfo(
                    published_at=now,
                    invocation_id=str(metadata.get("invocation_id", "unknown")),
                    dbt_version=str(metadata.get("dbt_version", "unknown")),
                    git_commit=git_commit(),
                    dbt_command=str(run_results.get("args", {}).get("which", "unknown")),
                    raw_dir=_raw_dir_used(connection, run_results),
                    **counts,
                )
                tables = _copy_marts(connection, models)
                connection.execute("detach wh")
                _write_build_info(connection, info)
                connection.execute("checkpoint")
            verify_publication(temporary, tables)
            _fsync(temporary)
            os.replace(temporary, destination)
            _fsync(destination.parent)
        finally:
            for leftover in (temporary, Path(f"{temporary}.wal")):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
        written_parquet = None
        if parquet_dir is not None:
            written_parquet = _write_parquet(
                destination, parquet_dir.resolve(), [*tables, BUILD_INFO_TABLE], stamp
            )
    return PublishResult(
        destination=destination, tables=tables, build_info=info, parquet_dir=written_parquet
    )
