"""Seeds a weekly `tenant-kpis build` need not reload, and the proof kept in the warehouse.

A seed is left out of the first dbt phase (with the data tests reading that
seed alone) when all of these hold; otherwise it is loaded and tested as
before:
- the build is not a `--full-refresh`, and the target is DuckDB or
  PostgreSQL (Spark loads every seed: opening a session here would cost
  more than the seeds);
- `audit.seeds_loaded` (macros/build_record/seeds_loaded.sql) holds the
  seed, recorded by the last build that changed the warehouse (any later
  dbt command other than a test or one that changes nothing, e.g. a `dbt
  seed` by hand, makes every seed load again), with the fingerprint this
  build computes: the seed file's bytes, the seeds' YAML (types, tests) and
  dbt_project.yml.

The phase's on-run-end hook then checks the warehouse itself (the relation
exists, the recorded dbt file checksum is this run's) before the build
record counts the seed and its tests as carried over; a seed that fails the
check leaves the build incomplete, and publication refuses it. A changed
seed is loaded, and changes `seeds_fingerprint` (macros/users/seeds_read.sql)
as before, so the incremental models downstream recompute every week.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from tenant_kpis import build_record, paths
from tenant_kpis.engines.profile import Target

SEED_FINGERPRINTS_VARIABLE = "TENANT_KPIS_SEED_FINGERPRINTS"
SEEDS_UNCHANGED_VARIABLE = "TENANT_KPIS_SEEDS_UNCHANGED"
SEEDS_LOADED_QUERY = "select seed_name, fingerprint, build_id from {schema}.seeds_loaded"
SKIPPING_ENGINES = ("duckdb", "postgres")


def seed_fingerprints(project_dir: Path = paths.PROJECT_DIR) -> dict[str, str]:
    """{seed name: sha256 of the file and of everything configuring seeds}."""
    seeds = project_dir / "seeds"
    shared = hashlib.sha256()
    for path in sorted([*seeds.glob("*.yml"), project_dir / "dbt_project.yml"]):
        shared.update(path.name.encode() + b"\0" + path.read_bytes())
    return {
        path.stem: hashlib.sha256(shared.digest() + path.read_bytes()).hexdigest()
        for path in sorted(seeds.glob("*.csv"))
    }


def unchanged_seeds(
    seeds_rows: list[dict[str, Any]],
    log_rows: list[dict[str, Any]],
    fingerprints: dict[str, str],
) -> list[str]:
    """The seeds whose last record, written by the last build that changed the
    warehouse, holds their current fingerprint."""
    changes = [
        invocation
        for invocation in build_record.invocations_from_rows(log_rows)
        if invocation.dbt_command not in build_record.IGNORED_COMMANDS
        and invocation.dbt_command != build_record.TEST_COMMAND
    ]
    if not changes or changes[-1].build_id is None:
        return []
    latest: dict[str, dict[str, Any]] = {}
    for row in seeds_rows:  # in the order they were recorded
        latest[str(row["seed_name"])] = row
    return sorted(
        name
        for name, row in latest.items()
        if row["build_id"] == changes[-1].build_id and fingerprints.get(name) == row["fingerprint"]
    )


def plan(target: Target, full_refresh: bool) -> tuple[dict[str, str], list[str]]:
    """The first dbt phase's environment (the fingerprints to record) and the
    seeds it leaves out; nothing for an engine that loads every seed."""
    if target.type not in SKIPPING_ENGINES:
        return {}, []
    fingerprints = seed_fingerprints()
    unchanged = [] if full_refresh else read_unchanged_seeds(target, fingerprints)
    environment = {
        SEED_FINGERPRINTS_VARIABLE: json.dumps(fingerprints),
        SEEDS_UNCHANGED_VARIABLE: json.dumps(unchanged),
    }
    return environment, unchanged


def read_unchanged_seeds(target: Target, fingerprints: dict[str, str]) -> list[str]:
    """unchanged_seeds from the target's warehouse; none when it holds no record."""
    from tenant_kpis.engines import warehouse

    schema = build_record.INVOCATION_LOG_SCHEMA
    log = f"{schema}.{build_record.INVOCATION_LOG_TABLE}"
    try:
        with warehouse.connect(target) as connection:
            seeds_rows = _records(
                connection, SEEDS_LOADED_QUERY.format(schema=schema) + " order by recorded_at"
            )
            log_rows = _records(connection, build_record.invocation_log_query(log))
    except Exception:  # no record yet (a new warehouse), a lock: load every seed
        return []
    return unchanged_seeds(seeds_rows, log_rows, fingerprints)


def _records(connection: Any, sql: str) -> list[dict[str, Any]]:
    cursor = connection.cursor()
    cursor.execute(sql)
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
