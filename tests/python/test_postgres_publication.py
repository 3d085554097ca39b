"""BI serving on PostgreSQL: the published schema, its swap and the read-only role.

Runs against a PostgreSQL build only: `make test-postgres` runs this module
with TENANT_KPIS_TARGET=postgres, the server's TENANT_KPIS_PG_* variables
and DBT_TARGET_PATH of its PostgreSQL build. Elsewhere it is skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from dbt_project import BIN, PROJECT_DIR

from tenant_kpis.engines.profile import resolve_target

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("TENANT_KPIS_TARGET") != "postgres",
        reason="needs a PostgreSQL build (make test-postgres)",
    ),
]

READER_LOGIN = "tenant_kpis_dashboard_check"
READER_PASSWORD = "dashboard-check"


def _connect(**overrides: Any):
    import psycopg2

    arguments = resolve_target().postgres_connection_args()
    arguments.update(overrides)
    connection = psycopg2.connect(**arguments)
    connection.autocommit = True
    return connection


def _rows(sql: str, **overrides: Any) -> list[tuple[Any, ...]]:
    connection = _connect(**overrides)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
    finally:
        connection.close()


def _publish(target_dir: Path | None = None) -> subprocess.CompletedProcess:
    command = [str(BIN / "tenant-kpis"), "publish"]
    if target_dir is not None:
        command += ["--target", str(target_dir)]
    return subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, check=False)


def _public_marts() -> dict[str, str]:
    manifest = json.loads(
        (Path(os.environ["DBT_TARGET_PATH"]) / "manifest.json").read_text(encoding="utf-8")
    )
    return {
        node["name"]: node["relation_name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node.get("access") == "public"
    }


@pytest.fixture(scope="module")
def published() -> dict[str, str]:
    completed = _publish()
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return _public_marts()


@pytest.fixture(scope="module")
def reader_login(published: dict[str, str]) -> dict[str, str]:
    """A login in the read-only role, as a BI tool would use."""
    connection = _connect()
    with connection.cursor() as cursor:
        cursor.execute(f"drop role if exists {READER_LOGIN}")
        cursor.execute(
            f"create role {READER_LOGIN} login password '{READER_PASSWORD}' "
            "in role tenant_kpis_reader"
        )
    connection.close()
    return {"user": READER_LOGIN, "password": READER_PASSWORD}


def test_every_public_mart_is_published_with_its_rows(published: dict[str, str]) -> None:
    assert len(published) >= 20
    for name, relation in published.items():
        built = _rows(f"select count(*) from {relation}")[0][0]
        copied = _rows(f'select count(*) from published."{name}"')[0][0]
        assert copied == built, name
    assert _rows("select count(*) from published.build_info")[0][0] == 1


def test_reader_role_reads_the_published_schema_only(
    published: dict[str, str], reader_login: dict[str, str]
) -> None:
    import psycopg2

    assert _rows("select count(*) from published.fct_kpi_weekly", **reader_login)[0][0] > 0
    for forbidden in (
        published["fct_kpi_weekly"],
        "raw.events",
        "staging.stg_product__events",
        "intermediate.int_tenants_lifecycle",
        "python_steps.tenant_risk_scored",
    ):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            _rows(f"select count(*) from {forbidden}", **reader_login)
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        _rows("create table published.scratch (x integer)", **reader_login)
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        _rows("delete from published.dim_kpis", **reader_login)


def test_republishing_swaps_while_dashboards_read(
    published: dict[str, str], reader_login: dict[str, str]
) -> None:
    """A reader querying throughout a second publication sees complete marts each time."""
    expected = _rows("select count(*) from published.fct_kpi_scorecard")[0][0]
    first_invocation = _rows("select published_at from published.build_info")[0][0]
    seen: list[int] = []
    errors: list[str] = []
    done = threading.Event()

    def read() -> None:
        connection = _connect(**reader_login)
        try:
            with connection.cursor() as cursor:
                while not done.is_set() or not seen:
                    try:
                        cursor.execute(
                            "select (select count(*) from published.fct_kpi_scorecard), "
                            "(select count(*) from published.build_info)"
                        )
                        rows, info = cursor.fetchone()
                        seen.append(rows)
                        if info != 1:
                            errors.append(f"build_info has {info} rows")
                    except Exception as error:
                        errors.append(str(error))
        finally:
            connection.close()

    reader = threading.Thread(target=read)
    reader.start()
    try:
        completed = _publish()
    finally:
        done.set()
        reader.join(timeout=60)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert errors == []
    assert seen and set(seen) == {expected}
    assert _rows("select published_at from published.build_info")[0][0] > first_invocation
    previous = _rows("select published_at from published__previous.build_info")[0][0]
    assert previous == first_invocation


def test_a_killed_build_is_not_published(published: dict[str, str]) -> None:
    """The build record lives in the server: a build killed after the last good
    one (its `started` row and no `finished` row, as the hooks leave it) is
    refused, and the previous publication stays."""
    before = _rows("select published_at from published.build_info")[0][0]
    killed = "killed-by-test-postgres-publication"
    _rows(
        "insert into audit.dbt_invocation_log (invocation_id, dbt_command, log_event, "
        "started_at, recorded_at, dbt_version) "
        f"select '{killed}', 'build', 'started', max(recorded_at) + interval '1 minute', "
        "max(recorded_at) + interval '1 minute', '1.11' from audit.dbt_invocation_log "
        "returning invocation_id"
    )
    try:
        completed = _publish()
    finally:
        _rows(
            f"delete from audit.dbt_invocation_log where invocation_id = '{killed}' "
            "returning invocation_id"
        )
    assert completed.returncode == 2, completed.stdout + completed.stderr
    message = completed.stderr.strip()
    assert f"invocation {killed}" in message and "did not finish" in message
    assert "previous publication is kept" in message and len(message.splitlines()) == 1
    assert _rows("select published_at from published.build_info")[0][0] == before


def test_build_info_records_the_two_phase_build(published: dict[str, str]) -> None:
    """Both dbt phases of `tenant-kpis build` together are the complete build."""
    selected, in_project, command = _rows(
        "select nodes_selected, nodes_in_project, dbt_command from published.build_info"
    )[0]
    assert selected == in_project > 0 and command == "build"
