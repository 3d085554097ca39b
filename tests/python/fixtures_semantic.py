"""Helpers for the semantic-layer, publishing and governance tests (owner: sem).

Each helper builds into its own temporary directory (DuckDB file, dbt target
and log paths), so the tests never touch a developer's warehouse or target/
and can run while other builds run in the same checkout. Results are cached
per process so that several test modules share one parse and one build.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbt_project import run_command

PROJECT_DIR = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
DBT = str(VENV_BIN / "dbt")
MF = str(VENV_BIN / "mf")
TENANT_KPIS = str(VENV_BIN / "tenant-kpis")


@dataclass(frozen=True)
class DbtWorkspace:
    """Where one test build keeps its files."""

    root: Path
    raw_dir: Path
    warehouse: Path
    target: Path
    logs: Path

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            TENANT_KPIS_DB=str(self.warehouse),
            TENANT_KPIS_RAW_DIR=str(self.raw_dir),
            DBT_TARGET_PATH=str(self.target),
            DBT_LOG_PATH=str(self.logs),
            DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        )
        env.pop("DBT_PROFILES_DIR", None)
        return env


def new_workspace(prefix: str) -> DbtWorkspace:
    root = Path(tempfile.mkdtemp(prefix=f"tenant_kpis_{prefix}_"))
    return DbtWorkspace(
        root=root,
        raw_dir=root / "raw",
        warehouse=root / "tenant_kpis.duckdb",
        target=root / "target",
        logs=root / "logs",
    )


def run_dbt(workspace: DbtWorkspace, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    completed = run_command(
        [DBT, *args, "--profiles-dir", str(PROJECT_DIR), "--project-dir", str(PROJECT_DIR)],
        workspace.env(),
        check=False,
    )
    if check and completed.returncode != 0:
        raise AssertionError(
            f"dbt {' '.join(args)} failed ({completed.returncode}):\n{completed.stdout[-6000:]}"
        )
    return completed


def copy_of_shared_build(shared_build, root: Path) -> DbtWorkspace:
    """A private workspace under root holding a copy of the shared warehouse (same
    raw feed): a test may rebuild parts of it without touching the shared build."""
    import shutil

    workspace = DbtWorkspace(
        root=root,
        raw_dir=Path(shared_build.raw_dir),
        warehouse=root / "tenant_kpis.duckdb",
        target=root / "target",
        logs=root / "logs",
    )
    shutil.copyfile(shared_build.database, workspace.warehouse)
    return workspace


@functools.cache
def parsed_workspace() -> DbtWorkspace:
    """dbt parse of the current project into a private target directory."""
    workspace = new_workspace("parse")
    run_dbt(workspace, "parse")
    return workspace


def parsed_manifest() -> Path:
    """manifest.json of `parsed_workspace()`."""
    return parsed_workspace().target / "manifest.json"


def generate_raw(workspace: DbtWorkspace, tenants: int, seed: int) -> None:
    subprocess.run(
        [
            TENANT_KPIS,
            "generate",
            "--out",
            str(workspace.raw_dir),
            "--tenants",
            str(tenants),
            "--seed",
            str(seed),
            "--quiet",
        ],
        check=True,
        capture_output=True,
        text=True,
        env=workspace.env(),
    )


def reused_workspace() -> DbtWorkspace | None:
    """An existing build named by TENANT_KPIS_TEST_WAREHOUSE and TENANT_KPIS_TEST_TARGET.

    For iterating quickly on the semantic YAML: point these at a warehouse
    and a dbt target directory parsed after the last change.
    """
    warehouse = os.environ.get("TENANT_KPIS_TEST_WAREHOUSE")
    target = os.environ.get("TENANT_KPIS_TEST_TARGET")
    if not (warehouse and target):
        return None
    root = Path(tempfile.mkdtemp(prefix="tenant_kpis_reuse_"))
    return DbtWorkspace(
        root=root,
        raw_dir=root / "raw",
        warehouse=Path(warehouse).resolve(),
        target=Path(target).resolve(),
        logs=root / "logs",
    )


def workspace_of(built: Any) -> DbtWorkspace:
    """A DbtWorkspace view of conftest's `shared_build` (read-only use; the mf shim
    goes to a temporary directory, never into the shared build's)."""
    root = Path(tempfile.mkdtemp(prefix="tenant_kpis_shared_"))
    return DbtWorkspace(
        root=root,
        raw_dir=Path(built.raw_dir),
        warehouse=Path(built.database),
        target=Path(built.target_dir),
        logs=root / "logs",
    )


def mf_project_dir(workspace: DbtWorkspace) -> Path:
    """A shim dbt project root for `mf`.

    MetricFlow's CLI reads `<project root>/target/semantic_manifest.json`
    whatever DBT_TARGET_PATH says, so the shim holds links to the project's
    dbt_project.yml and profiles.yml and a `target` link to the workspace's
    target directory. Run `mf` with cwd (or DBT_PROJECT_DIR) = the shim.
    """
    shim = workspace.root / "mf_project"
    if not shim.exists():
        shim.mkdir()
        for name in ("dbt_project.yml", "profiles.yml"):
            (shim / name).symlink_to(PROJECT_DIR / name)
        for name in ("macros", "models", "seeds"):
            (shim / name).symlink_to(PROJECT_DIR / name)
        (shim / "target").symlink_to(workspace.target)
    return shim


def run_mf(workspace: DbtWorkspace, *args: str) -> subprocess.CompletedProcess:
    shim = mf_project_dir(workspace)
    env = workspace.env()
    env["DBT_PROJECT_DIR"] = str(shim)
    env["DBT_PROFILES_DIR"] = str(shim)
    return subprocess.run(
        [MF, *args], cwd=shim, env=env, capture_output=True, text=True, check=False
    )


def warehouse_rows(workspace: DbtWorkspace, sql: str) -> list[tuple[Any, ...]]:
    """Rows of `sql` on the workspace's warehouse. `{name}` in the SQL is the relation
    of model `name` in the workspace's manifest. DuckDB file by default; another
    engine when TENANT_KPIS_TARGET names a non-DuckDB dbt target (make test-postgres
    runs the slow tests against its PostgreSQL build that way)."""
    import json

    from tenant_kpis.engines import warehouse
    from tenant_kpis.engines.profile import resolve_target

    manifest = json.loads((workspace.target / "manifest.json").read_text())
    relations = {
        node["name"]: node["relation_name"]
        for node in manifest["nodes"].values()
        if node.get("resource_type") == "model" and node.get("relation_name")
    }
    statement = sql.format(**relations)
    target = resolve_target()
    if target.type == "duckdb":
        import duckdb

        with duckdb.connect(str(workspace.warehouse), read_only=True) as connection:
            return connection.execute(statement).fetchall()
    with warehouse.connect(target) as connection:
        cursor = connection.cursor()
        cursor.execute(statement)
        return cursor.fetchall()


def remove_workspace(workspace: DbtWorkspace) -> None:
    shutil.rmtree(workspace.root, ignore_errors=True)


MF_BATCH_RUNNER = r"""
import datetime, json, logging, sys
from dbt_metricflow.cli.cli_configuration import CLIConfiguration
from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

logging.disable(logging.CRITICAL)
queries = json.load(sys.stdin)
config = CLIConfiguration()
config.setup(configure_file_logging=False)
answers = []
for query in queries:
    request = MetricFlowQueryRequest.create(
        metric_names=query["metrics"],
        group_by_names=query["group_by"],
        where_constraints=query.get("where") or None,
    )
    try:
        table = config.mf.query(mf_request=request).result_df
    except Exception as error:  # reported to the test, which fails with it
        answers.append({"error": f"{type(error).__name__}: {error}"})
        continue
    rows = [
        [value.isoformat() if isinstance(value, (datetime.date, datetime.datetime)) else value
         for value in row]
        for row in table.rows
    ]
    answers.append({"columns": list(table.column_names), "rows": rows})
json.dump(answers, sys.stdout, default=str)
"""


def mf_query_batch(workspace: DbtWorkspace, queries: list[dict]) -> list[dict]:
    """Run MetricFlow queries in one subprocess (one project load) and return their rows.

    Each query is {"metrics": [...], "group_by": [...], "where": [...]}; each
    answer is {"columns": [...], "rows": [[...], ...]} or {"error": "..."}.
    """
    import json

    shim = mf_project_dir(workspace)
    env = workspace.env()
    env["DBT_PROJECT_DIR"] = str(shim)
    env["DBT_PROFILES_DIR"] = str(shim)
    completed = subprocess.run(
        [sys.executable, "-c", MF_BATCH_RUNNER],
        input=json.dumps(queries),
        cwd=shim,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise AssertionError(f"MetricFlow runner failed:\n{completed.stderr[-6000:]}")
    lines = completed.stdout.strip().splitlines()
    return json.loads(lines[-1])
