"""Run `dbt build` (and `tenant-kpis publish`) on a feed in a workspace of its own.

A workspace keeps fixed paths (raw directory, warehouse, target) across the
examples a worker runs, so dbt re-parses the project only once and then uses
partial parsing; each example deletes the warehouse and rewrites the raw
files. Unit tests are excluded: their inputs are fixed, a feed does not
change them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pandas as pd
from dbt_project import BIN, dbt_env, run_command

from contract.feed import Feed
from contract.writer import write_feed

FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})
ANOMALY_OVERRIDE = "--accept-anomalies"


@dataclass(frozen=True)
class BuildResult:
    """What one `dbt build` left behind."""

    returncode: int
    output: str
    failed_nodes: tuple[str, ...]
    skipped_nodes: tuple[str, ...]
    database: Path
    published_db: Path
    selection: tuple[str, ...] = ()
    publish_returncode: int | None = None
    publish_output: str = ""

    @property
    def passed(self) -> bool:
        return self.returncode == 0 and not self.failed_nodes

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.database), read_only=True) as connection:
            return connection.execute(sql).df()

    def has_relation(self, schema: str, name: str) -> bool:
        if not self.database.exists():
            return False
        found = self.query(
            "select count(*) as n from information_schema.tables "
            f"where table_schema = '{schema}' and table_name = '{name}'"
        )
        return bool(found["n"].iloc[0])


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def raw_dir(self) -> Path:
        return self.root / "raw"

    @property
    def database(self) -> Path:
        return self.root / "tenant_kpis.duckdb"

    @property
    def target_dir(self) -> Path:
        return self.root / "target"

    @property
    def published_db(self) -> Path:
        return self.root / "published" / "marts.duckdb"

    def env(self) -> dict[str, str]:
        return dbt_env(
            self.raw_dir,
            self.database,
            self.target_dir,
            TENANT_KPIS_PUBLISHED_DB=str(self.published_db),
            TENANT_KPIS_MEMORY_LIMIT="1GB",
            TENANT_KPIS_DUCKDB_THREADS="1",
        )

    def build(self, feed: Feed, select: tuple[str, ...] = (), publish: bool = False) -> BuildResult:
        """Write the feed, build it (`tenant-kpis build`, or `dbt build` of a selection)
        from scratch, optionally publish."""
        self.root.mkdir(parents=True, exist_ok=True)
        for path in (self.database, self.database.with_suffix(".duckdb.wal")):
            path.unlink(missing_ok=True)
        shutil.rmtree(self.published_db.parent, ignore_errors=True)
        (self.target_dir / "run_results.json").unlink(missing_ok=True)
        write_feed(feed, self.raw_dir)
        # the whole DAG: dbt, the Python steps, dbt (tenant-kpis build); a
        # selection upstream of the Python steps: dbt alone
        command = (
            [str(BIN / "dbt"), "build", "--select", *select, "--indirect-selection", "cautious"]
            if select
            else [str(BIN / "tenant-kpis"), "build"]
        )
        completed = run_command(
            [*command, "--exclude-resource-type", "unit_test"], self.env(), check=False
        )
        failed, skipped = self._node_statuses()
        result = BuildResult(
            returncode=completed.returncode,
            output=(completed.stdout + completed.stderr)[-6000:],
            failed_nodes=failed,
            skipped_nodes=skipped,
            database=self.database,
            published_db=self.published_db,
            selection=select,
        )
        if publish and result.passed:
            published = self._publish()
            return replace(
                result,
                publish_returncode=published.returncode,
                publish_output=(published.stdout + published.stderr)[-3000:],
            )
        return result

    def _publish(self) -> subprocess.CompletedProcess:
        """`tenant-kpis publish`; when refused on the seeded anomaly thresholds, override.

        A tiny feed with a few bad rows can quarantine more than the seeded
        share of a table: refusing it is the guard doing its job, not a
        contract violation, so the override (which the guard names) must
        then publish.
        """
        command = [str(BIN / "tenant-kpis"), "publish"]
        published = run_command(command, self.env(), check=False)
        refusal = published.stdout + published.stderr
        if published.returncode == 2 and ANOMALY_OVERRIDE in refusal:
            published = run_command([*command, ANOMALY_OVERRIDE], self.env(), check=False)
        return published

    def _node_statuses(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        results_path = self.target_dir / "run_results.json"
        if not results_path.exists():
            return ("<no run_results.json: the run stopped before any node>",), ()
        results = json.loads(results_path.read_text()).get("results", [])
        failed = tuple(
            sorted(r["unique_id"] for r in results if r.get("status") in FAILED_STATUSES)
        )
        skipped = tuple(sorted(r["unique_id"] for r in results if r.get("status") == "skipped"))
        return failed, skipped
