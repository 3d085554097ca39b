"""Publish the public marts where BI tools can read them safely.

DuckDB allows one writer per file. A dashboard that holds the warehouse open
would block `dbt build`, and a dashboard reading the warehouse during a build
could see half-built tables. So BI tools read a separate file instead:

1. the warehouse must hold a finished, fully tested build: its build record
   (`audit.dbt_invocation_log`, written by the project's dbt hooks) is
   checked by `build_record.check_build_record`, so a build killed mid-way is
   refused even after a later successful `dbt seed`;
2. the build's row accounting must stay within the seeded anomaly thresholds,
   absolutely and against the previous publication
   (`publication_guards.find_anomalies`); `accept_anomalies` overrides this
   guard, and `build_info` records that it did and what it overrode;
3. every model with `access: public` in `manifest.json` is copied from the
   warehouse (attached read-only) into a NEW DuckDB file in the
   destination's directory, together with a one-row `build_info` table;
4. the new file is verified (every table present, row counts equal to the
   warehouse's, `build_info` present), checkpointed and fsynced;
5. it replaces the destination with `os.replace`, an atomic rename: a reader
   that already opened the old file keeps reading the old inode, a new reader
   sees the complete new file, and nobody ever sees a half-written one.

A refusal raises `PublishRefused`; a failure to write (a full disk, any
OSError) raises `PublishFailed`. In both cases the previous publication stays
in place and no temporary file is left behind.

The guards and the file are the same for every warehouse a `MartSource`
reads: the DuckDB warehouse (`WarehouseSource`) or a Spark build through a
local session (publish_spark.py). PostgreSQL publishes into a schema on the
server instead (publish_postgres.py).

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import duckdb

from tenant_kpis import build_record, paths, publication_guards
from tenant_kpis.errors import PublishRefused, UserError

__all__ = ["BUILD_INFO_TABLE", "PublishFailed", "PublishRefused", "publish"]

BUILD_INFO_TABLE = "build_info"
ROW_ACCOUNTING_MODEL = "dq_row_accounting"
THRESHOLDS_SEED = publication_guards.THRESHOLDS_SEED
KEEP_PARQUET_VERSIONS = 3
KEPT = "The previous publication is kept."
_RAW_FILE_IN_VIEW = re.compile(r"read_(?:parquet|csv\w*)\(\s*\[?\s*'([^']+)'", re.IGNORECASE)


class PublishFailed(UserError):
    """Writing the publication failed (full disk, permissions): nothing was replaced."""


@dataclass(frozen=True)
class PublicModel:
    """A public dbt model and where the warehouse holds it."""

    name: str
    schema: str
    relation: str
    description: str
    column_descriptions: dict[str, str] = field(default_factory=dict)
    # the enforced contract's data_type per column (DuckDB's spelling)
    column_types: dict[str, str] = field(default_factory=dict)


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
    build_started_at: datetime
    build_finished_at: datetime | None
    nodes_selected: int
    nodes_in_project: int
    complete_build_invocation_id: str
    compared_with_invocation_id: str | None
    accept_anomalies: bool
    overridden_anomalies: str | None

    def as_row(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


BUILD_INFO_COLUMNS = {
    "published_at": ("timestamp", "When these marts were published (UTC)."),
    "invocation_id": ("varchar", "dbt invocation of the latest build the marts come from."),
    "dbt_version": ("varchar", "dbt version of that build."),
    "git_commit": ("varchar", "Git commit of the project at publication."),
    "dbt_command": ("varchar", "dbt command of that build (always build)."),
    "models_built": ("integer", "Models that build built."),
    "tests_passed": ("integer", "Data and unit tests that passed in that build."),
    "tests_failed": ("integer", "Tests that failed in that build (always 0)."),
    "tests_warned": ("integer", "Tests that warned in that build."),
    "tests_errored": ("integer", "Tests that errored in that build (always 0)."),
    "raw_dir": ("varchar", "Raw directory the build read."),
    "build_started_at": ("timestamp", "When that build started (UTC)."),
    "build_finished_at": ("timestamp", "When that build finished (UTC)."),
    "nodes_selected": ("integer", "Models, seeds, snapshots and data tests it selected."),
    "nodes_in_project": ("integer", "Models, seeds, snapshots and data tests of the project."),
    "complete_build_invocation_id": (
        "varchar",
        "The last complete build (every node selected); equal to invocation_id unless "
        "partial builds followed it.",
    ),
    "compared_with_invocation_id": (
        "varchar",
        "invocation_id of the previous publication the anomaly guards compared with; "
        "null for a first publication.",
    ),
    "accept_anomalies": ("boolean", "True when published with --accept-anomalies."),
    "overridden_anomalies": (
        "varchar",
        "The anomaly guards --accept-anomalies overrode, with their figures; null when none.",
    ),
}


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
        if self.build_info.overridden_anomalies:
            text += f"; anomalies accepted: {self.build_info.overridden_anomalies}"
        return text


def target_dir() -> Path:
    """dbt's target directory: $DBT_TARGET_PATH (relative to the project) or target/."""
    value = os.environ.get("DBT_TARGET_PATH")
    if not value:
        return paths.PROJECT_DIR / "target"
    path = Path(value)
    return path if path.is_absolute() else paths.PROJECT_DIR / path


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def _read_json(path: Path, what: str) -> dict[str, Any]:
    if not path.is_file():
        raise UserError(
            f"{what} not found: {path} (run `tenant-kpis build` first, or set DBT_TARGET_PATH)"
        )
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
                column_types={
                    column: str(spec["data_type"]).lower()
                    for column, spec in node.get("columns", {}).items()
                    if spec.get("data_type")
                },
            )
        )
    names = [model.name for model in models]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise UserError(f"public models share a name, cannot publish flat: {duplicates}")
    return sorted(models, key=lambda model: model.name)


def seed_relation(manifest: dict[str, Any], name: str, manifest_path: Path) -> str:
    """Where the warehouse holds a seed of the project (schema-qualified, quoted)."""
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") == "seed" and node.get("name") == name:
            identifier = node.get("alias") or name
            return f'"{node["schema"]}"."{identifier}"'
    raise UserError(f"seed {name} is not in {manifest_path}: the project is older than this CLI")


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


def _raw_dir_used(warehouse: duckdb.DuckDBPyConnection) -> str:
    """The raw directory of the build: read from the `raw` views the build registered."""
    with contextlib.suppress(duckdb.Error):
        rows = warehouse.execute(
            "select sql from duckdb_views() where schema_name = 'raw' and database_name = 'wh'"
        ).fetchall()
        for (sql,) in rows:
            match = _RAW_FILE_IN_VIEW.search(sql or "")
            if match:
                return str(Path(match.group(1)).parent)
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


def _records(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = connection.execute(sql)
    names = [column[0] for column in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _table_exists(
    connection: duckdb.DuckDBPyConnection, database: str, schema: str, table: str
) -> bool:
    found = connection.execute(
        "select count(*) from duckdb_tables() where database_name = ? "
        "and schema_name = ? and table_name = ?",
        [database, schema, table],
    ).fetchone()
    return bool(found and found[0])


def _attach_warehouse(connection: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    try:
        connection.execute(f"attach {_sql_string(str(warehouse))} as wh (read_only)")
    except duckdb.Error as error:
        raise UserError(
            f"cannot open the warehouse {warehouse} read-only: {_one_line(error)}. "
            "Is a dbt build still writing it? Publish after the build finishes."
        ) from error


def _check_build_record(
    connection: duckdb.DuckDBPyConnection, warehouse: Path
) -> build_record.BuildRecord:
    schema, table = build_record.INVOCATION_LOG_SCHEMA, build_record.INVOCATION_LOG_TABLE
    source = f"{warehouse} ({schema}.{table})"
    if not _table_exists(connection, "wh", schema, table):
        return build_record.check_build_record([], source)
    columns = [
        row[0]
        for row in connection.execute(
            "select column_name from duckdb_columns() where database_name = 'wh' "
            "and schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    ]
    rows = _records(
        connection, build_record.invocation_log_query(f'wh."{schema}"."{table}"', columns)
    )
    return build_record.check_build_record(build_record.invocations_from_rows(rows), source)


def _previous_publication(
    connection: duckdb.DuckDBPyConnection, destination: Path
) -> tuple[dict[str, publication_guards.TableVolume] | None, str | None]:
    """The row accounting and invocation of the publication about to be replaced."""
    if not destination.is_file():
        return None, None
    try:
        connection.execute(f"attach {_sql_string(str(destination))} as previous (read_only)")
    except duckdb.Error as error:
        raise UserError(
            f"cannot read the previous publication {destination} to compare with: "
            f"{_one_line(error)}. Move it away to publish as a first publication."
        ) from error
    try:
        volumes = None
        if _table_exists(connection, "previous", "main", ROW_ACCOUNTING_MODEL):
            volumes = publication_guards.volumes_from_rows(
                _records(
                    connection,
                    publication_guards.row_accounting_query(
                        f'previous.main."{ROW_ACCOUNTING_MODEL}"'
                    ),
                )
            )
        invocation = None
        if _table_exists(connection, "previous", "main", BUILD_INFO_TABLE):
            found = connection.execute(
                f"select invocation_id from previous.main.{BUILD_INFO_TABLE}"
            ).fetchone()
            invocation = str(found[0]) if found else None
        return volumes, invocation
    finally:
        connection.execute("detach previous")


def _check_anomalies(
    connection: duckdb.DuckDBPyConnection,
    source: MartSource,
    inputs: PublicationInputs,
    destination: Path,
    accept_anomalies: bool,
) -> tuple[list[publication_guards.Anomaly], str | None]:
    """The anomalies found (refused unless accepted) and the publication compared with."""
    current = publication_guards.volumes_from_rows(
        source.rows(publication_guards.row_accounting_query(source.relation(inputs.accounting)))
    )
    thresholds = publication_guards.thresholds_from_rows(source.threshold_rows(inputs))
    previous, previous_invocation = _previous_publication(connection, destination)
    anomalies = publication_guards.check_anomalies(
        current,
        previous,
        thresholds,
        previous_invocation=previous_invocation,
        accept_anomalies=accept_anomalies,
    )
    return anomalies, previous_invocation if previous is not None else None


def create_published_table(
    connection: duckdb.DuckDBPyConnection, model: PublicModel, select_sql: str
) -> int:
    """`main.<model>` of the publication from `select_sql`, with the manifest's
    descriptions as comments; its row count."""
    connection.execute(f'create table main."{model.name}" as {select_sql}')
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
                f'comment on column main."{model.name}"."{column}" is {_sql_string(description)}'
            )
    count = connection.execute(f'select count(*) from main."{model.name}"').fetchone()
    return int(count[0]) if count else 0


def missing_model(model: PublicModel) -> PublishRefused:
    return PublishRefused(
        f"public model {model.name} is not in the warehouse ({model.schema}.{model.name}); "
        f"run `tenant-kpis build` before publishing. {KEPT}"
    )


class MartSource(Protocol):
    """The warehouse a publication reads: the build record, the row accounting,
    the thresholds and the public marts. DuckDB's is attached to the
    publication file (WarehouseSource); Spark's is a local session
    (publish_spark.py). Every guard runs on the rows a source returns."""

    def relation(self, model: PublicModel) -> str: ...

    def rows(self, sql: str) -> list[dict[str, Any]]: ...

    def check_build_record(self) -> build_record.BuildRecord: ...

    def threshold_rows(self, inputs: PublicationInputs) -> list[dict[str, Any]]: ...

    def raw_dir(self) -> str: ...

    def copy_marts(self, models: list[PublicModel]) -> dict[str, int]:
        """Every public mart into `main` of the publication; the warehouse's row counts."""
        ...


class WarehouseSource:
    """The DuckDB warehouse, attached read-only to the publication as `wh`."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
        self.connection = connection
        self.warehouse = warehouse

    def relation(self, model: PublicModel) -> str:
        return f"wh.{model.relation}"

    def rows(self, sql: str) -> list[dict[str, Any]]:
        return _records(self.connection, sql)

    def check_build_record(self) -> build_record.BuildRecord:
        return _check_build_record(self.connection, self.warehouse)

    def threshold_rows(self, inputs: PublicationInputs) -> list[dict[str, Any]]:
        try:
            return self.rows(
                publication_guards.thresholds_query(f"wh.{inputs.thresholds_relation}")
            )
        except duckdb.CatalogException as error:
            raise PublishRefused(
                f"the seed {THRESHOLDS_SEED} is not in the warehouse ({_one_line(error)}): "
                f"run `tenant-kpis build`. {KEPT}"
            ) from error

    def raw_dir(self) -> str:
        return _raw_dir_used(self.connection)

    def copy_marts(self, models: list[PublicModel]) -> dict[str, int]:
        tables: dict[str, int] = {}
        for model in models:
            exists = self.connection.execute(
                "select count(*) from duckdb_tables() where database_name = 'wh' "
                "and schema_name = ? and table_name = ?",
                [model.schema, model.name],
            ).fetchone()
            exists_view = self.connection.execute(
                "select count(*) from duckdb_views() where database_name = 'wh' "
                "and schema_name = ? and view_name = ?",
                [model.schema, model.name],
            ).fetchone()
            if not (exists and exists[0]) and not (exists_view and exists_view[0]):
                raise missing_model(model)
            tables[model.name] = create_published_table(
                self.connection, model, f"select * from wh.{model.relation}"
            )
        return tables

    def close(self) -> None:
        self.connection.execute("detach wh")


@contextlib.contextmanager
def open_warehouse_source(
    warehouse: Path, connection: duckdb.DuckDBPyConnection
) -> Iterator[MartSource]:
    """The DuckDB warehouse attached read-only to the publication's connection."""
    _attach_warehouse(connection, warehouse)
    source = WarehouseSource(connection, warehouse)
    try:
        yield source
    finally:
        source.close()


SourceOpener = Callable[[duckdb.DuckDBPyConnection], contextlib.AbstractContextManager[MartSource]]


def _write_build_info(connection: duckdb.DuckDBPyConnection, info: BuildInfo) -> None:
    columns = ", ".join(f"{name} {kind}" for name, (kind, _) in BUILD_INFO_COLUMNS.items())
    connection.execute(f"create table main.{BUILD_INFO_TABLE} ({columns})")
    row = info.as_row()
    connection.execute(
        f"insert into main.{BUILD_INFO_TABLE} ({', '.join(row)}) "
        f"values ({', '.join('?' for _ in row)})",
        list(row.values()),
    )
    connection.execute(
        f"comment on table main.{BUILD_INFO_TABLE} is "
        "'One row: when these marts were published and from which dbt build.'"
    )
    for name, (_, description) in BUILD_INFO_COLUMNS.items():
        connection.execute(
            f"comment on column main.{BUILD_INFO_TABLE}.{name} is {_sql_string(description)}"
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


def _remove_temporary(temporary: Path) -> None:
    """The temporary file, its WAL and DuckDB's spill directory, whatever exists."""
    for leftover in (temporary, Path(f"{temporary}.wal")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    shutil.rmtree(f"{temporary}.tmp", ignore_errors=True)


def _write_parquet(source: Path, parquet_root: Path, tables: list[str], stamp: str) -> Path:
    """Write every table as Parquet into versions/<stamp>/ and swap `current` to it."""
    versions = parquet_root / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    building = versions / f".{stamp}.building"
    final = versions / stamp
    link = parquet_root / "current"
    temporary_link = parquet_root / f".current.{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    try:
        building.mkdir()
        with duckdb.connect(str(source), read_only=True) as connection:
            for table in tables:
                target = building / f"{table}.parquet"
                connection.execute(
                    f'copy main."{table}" to {_sql_string(str(target))} (format parquet)'
                )
        building.rename(final)
        with contextlib.suppress(FileNotFoundError):
            temporary_link.unlink()
        temporary_link.symlink_to(Path("versions") / stamp)
        os.replace(temporary_link, link)
    finally:
        shutil.rmtree(building, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            temporary_link.unlink()
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


@dataclass(frozen=True)
class PublicationInputs:
    """What the manifest of the last build says a publication copies and checks."""

    manifest: dict[str, Any]
    models: list[PublicModel]
    accounting: PublicModel
    thresholds_relation: str


def publication_inputs(dbt_target: Path) -> PublicationInputs:
    """The public models, the row accounting the anomaly guards compare and the
    relation of the thresholds seed, from `dbt_target`/manifest.json (every engine)."""
    manifest_path = dbt_target / "manifest.json"
    manifest = _read_json(manifest_path, "dbt manifest")
    models = public_models(manifest)
    if not models:
        raise UserError(f"no model with access: public in {manifest_path}")
    accounting = next((model for model in models if model.name == ROW_ACCOUNTING_MODEL), None)
    if accounting is None:
        raise UserError(
            f"public model {ROW_ACCOUNTING_MODEL} is not in {manifest_path}: the anomaly "
            "guards need it"
        )
    return PublicationInputs(
        manifest=manifest,
        models=models,
        accounting=accounting,
        thresholds_relation=seed_relation(manifest, THRESHOLDS_SEED, manifest_path),
    )


def publish(
    warehouse: Path | None = None,
    destination: Path | None = None,
    dbt_target: Path | None = None,
    parquet_dir: Path | None = None,
    accept_anomalies: bool = False,
) -> PublishResult:
    """Copy the public marts of the last successful build into the published file."""
    warehouse = (warehouse or paths.warehouse_db()).resolve()
    destination = (destination or paths.published_db()).resolve()
    inputs = publication_inputs(dbt_target or target_dir())
    if not warehouse.is_file():
        raise UserError(
            f"warehouse database not found: {warehouse} (set --warehouse or TENANT_KPIS_DB)"
        )
    if warehouse == destination:
        raise UserError("the published database must not be the warehouse itself")
    return publish_from(
        lambda connection: open_warehouse_source(warehouse, connection),
        inputs,
        destination,
        parquet_dir=parquet_dir,
        accept_anomalies=accept_anomalies,
    )


def publish_from(
    open_source: SourceOpener,
    inputs: PublicationInputs,
    destination: Path,
    parquet_dir: Path | None = None,
    accept_anomalies: bool = False,
) -> PublishResult:
    """The publication of any warehouse `open_source` reads: the guards, a new
    file beside `destination`, its verification and the atomic swap."""
    with contextlib.ExitStack() as stack:
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            stack.enter_context(_publish_lock(destination))
        except OSError as error:
            raise PublishFailed(
                f"could not publish to {destination}: {_one_line(error)}. {KEPT}"
            ) from error
        result = _publish_locked(open_source, inputs, destination, accept_anomalies)
        if parquet_dir is not None:
            result = _publish_parquet(result, parquet_dir)
    return result


def _publish_parquet(result: PublishResult, parquet_dir: Path) -> PublishResult:
    stamp = result.build_info.published_at.strftime("%Y%m%dT%H%M%S%f")
    tables = [*result.tables, BUILD_INFO_TABLE]
    try:
        written = _write_parquet(result.destination, parquet_dir.resolve(), tables, stamp)
    except (OSError, duckdb.Error) as error:
        raise PublishFailed(
            f"published to {result.destination}, but the Parquet copy in {parquet_dir} failed: "
            f"{_one_line(error)}. Its `current` link still points to the previous version."
        ) from error
    return PublishResult(
        destination=result.destination,
        tables=result.tables,
        build_info=result.build_info,
        parquet_dir=written,
    )


def _publish_locked(
    open_source: SourceOpener,
    inputs: PublicationInputs,
    destination: Path,
    accept_anomalies: bool,
) -> PublishResult:
    now = datetime.now(UTC).replace(tzinfo=None)
    stamp = now.strftime("%Y%m%dT%H%M%S%f")
    temporary = destination.parent / f".{destination.name}.{os.getpid()}.{stamp}.tmp"
    try:
        tables, info = _write_publication(
            temporary, destination, open_source, inputs, accept_anomalies, now
        )
    except (OSError, duckdb.Error) as error:
        raise PublishFailed(
            f"could not publish to {destination}: {_one_line(error)}. {KEPT}"
        ) from error
    finally:
        _remove_temporary(temporary)
    return PublishResult(destination=destination, tables=tables, build_info=info)


def _build_info(
    record: build_record.BuildRecord,
    *,
    now: datetime,
    raw_dir: str,
    compared_with: str | None,
    accept_anomalies: bool,
    anomalies: list[publication_guards.Anomaly],
) -> BuildInfo:
    build = record.latest_build
    return BuildInfo(
        published_at=now,
        invocation_id=build.invocation_id,
        dbt_version=build.dbt_version,
        git_commit=git_commit(),
        dbt_command=build.dbt_command,
        models_built=build.models_built or 0,
        tests_passed=build.tests_passed or 0,
        tests_failed=build.tests_failed or 0,
        tests_warned=build.tests_warned or 0,
        tests_errored=build.tests_errored or 0,
        raw_dir=raw_dir,
        build_started_at=build.started_at,
        build_finished_at=build.finished_at,
        nodes_selected=build.nodes_selected or 0,
        nodes_in_project=build.nodes_in_project or 0,
        complete_build_invocation_id=record.complete_build.invocation_id,
        compared_with_invocation_id=compared_with,
        accept_anomalies=accept_anomalies,
        overridden_anomalies="; ".join(str(item) for item in anomalies) or None,
    )


def _write_publication(
    temporary: Path,
    destination: Path,
    open_source: SourceOpener,
    inputs: PublicationInputs,
    accept_anomalies: bool,
    now: datetime,
) -> tuple[dict[str, int], BuildInfo]:
    """Check the build, write the new file beside the destination, swap it in."""
    with duckdb.connect(str(temporary)) as connection:
        with open_source(connection) as source:
            record = source.check_build_record()
            anomalies, compared_with = _check_anomalies(
                connection, source, inputs, destination, accept_anomalies
            )
            info = _build_info(
                record,
                now=now,
                raw_dir=source.raw_dir(),
                compared_with=compared_with,
                accept_anomalies=accept_anomalies,
                anomalies=anomalies,
            )
            tables = source.copy_marts(inputs.models)
        _write_build_info(connection, info)
        connection.execute("checkpoint")
    verify_publication(temporary, tables)
    _fsync(temporary)
    os.replace(temporary, destination)
    # the swap is done: a failed directory fsync must not report it as not done
    with contextlib.suppress(OSError):
        _fsync(destination.parent)
    return tables, info
