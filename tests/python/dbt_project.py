"""Helpers for tests that generate data and run dbt in a subprocess.

dbt runs as a subprocess with its own warehouse file, target and log paths,
so tests never share a DuckDB lock with each other or with a developer's build.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from tenant_kpis import paths

PROJECT_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PYTHON_STEPS_SELECTOR = "source:python_steps+"
# Where each test subprocess's wall and CPU seconds go, when set: the suite's
# time is mostly these commands, so cutting CI time starts from this log.
COMMAND_LOG = os.environ.get("TENANT_KPIS_TEST_COMMAND_LOG")


def newest_source_mtime() -> float:
    """Newest modification time of anything that changes what a build produces."""
    return paths.newest_build_source_mtime()


# For tests that read only the warehouse (and compiled SQL): dbt skips its JSON
# artefacts, the manifest it writes twice and the run results, about 1.6 of a
# staging build's 11 CPU seconds. Not for `tenant-kpis build` or publish, which
# read the manifest.
WAREHOUSE_ONLY = {"DBT_WRITE_JSON": "false"}


def dbt_env(raw_dir: Path, database: Path, target_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "TENANT_KPIS_RAW_DIR": str(raw_dir),
        "TENANT_KPIS_DB": str(database),
        "DBT_TARGET_PATH": str(target_dir),
        "DBT_LOG_PATH": str(target_dir / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **extra,
    }


# dbt re-parses the whole project (about 7 s of CPU) whenever the profile's
# connection details differ from the saved partial parse: every test's own
# warehouse path did. Each pytest worker therefore gives dbt one fixed
# warehouse path, a symlink to the test's warehouse directory, and a copy of
# its last partial parse. (The raw directory is read at run time, not parsed.)
STABLE_PATHS_ROOT = PROJECT_DIR / "data" / "test_stable_paths"
STABLE_DATABASE_NAME = "tenant_kpis.duckdb"


def _point(link: Path, target: Path) -> None:
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(target, target_is_directory=True)


def with_stable_paths(env: dict[str, str]) -> dict[str, str]:
    """The env with this worker's fixed warehouse path, linked to the real directory.

    Only a test's own warehouse (outside the project; the shared build keeps
    its paths and its target) named `tenant_kpis.duckdb` is linked: DuckDB
    writes its WAL beside the path it opened, so the link is the warehouse's
    directory. One dbt process per worker at a time, as run_command runs them.
    """
    database = Path(env["TENANT_KPIS_DB"]).resolve()
    if database.name != STABLE_DATABASE_NAME or database.is_relative_to(PROJECT_DIR):
        return env
    worker_dir = worker_directory()
    database.parent.mkdir(parents=True, exist_ok=True)
    _point(worker_dir / "warehouse", database.parent)
    return {
        **env,
        "TENANT_KPIS_DB": str(worker_dir / "warehouse" / STABLE_DATABASE_NAME),
    }


def worker_directory(name: str = "") -> Path:
    """A directory of this pytest worker's that outlives a test: dbt artefacts
    kept there (its partial parse) serve the worker's next test."""
    directory = STABLE_PATHS_ROOT / os.environ.get("PYTEST_XDIST_WORKER", "main") / name
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _saved_parse(env: dict[str, str]) -> Path:
    """Where this worker keeps its last partial parse for these connection settings."""
    settings = "|".join(
        env.get(name, "")
        for name in ("TENANT_KPIS_TARGET", "TENANT_KPIS_MEMORY_LIMIT", "TENANT_KPIS_DUCKDB_THREADS")
    )
    key = hashlib.sha256(settings.encode()).hexdigest()[:12]
    return worker_directory() / f"partial_parse_{key}.msgpack"


def run_command(
    args: list[str], env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess:
    # dbt reads a relative target path against the project directory
    partial_parse = PROJECT_DIR / env.get("DBT_TARGET_PATH", "target") / "partial_parse.msgpack"
    stable_env = with_stable_paths(env) if "TENANT_KPIS_DB" in env else env
    saved = _saved_parse(stable_env) if stable_env is not env else None
    if saved is not None and saved.exists():
        # the worker's last parse is at least as fresh as any in this target
        partial_parse.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(saved, partial_parse)
    started, children_before = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(
        args, env=stable_env, cwd=PROJECT_DIR, capture_output=True, text=True
    )
    if COMMAND_LOG:
        _log_command(args, time.monotonic() - started, children_before)
    if saved is not None and partial_parse.exists():
        shutil.copyfile(partial_parse, saved)
    if check and completed.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} failed ({completed.returncode}):\n"
            f"{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}"
        )
    return completed


def _log_command(args: list[str], seconds: float, children_before) -> None:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (children.ru_utime - children_before.ru_utime) + (
        children.ru_stime - children_before.ru_stime
    )
    entry = {
        "test": os.environ.get("PYTEST_CURRENT_TEST", ""),
        "command": " ".join(Path(args[0]).name if i == 0 else a for i, a in enumerate(args)),
        "wall_s": round(seconds, 2),
        "cpu_s": round(cpu, 2),
    }
    with open(COMMAND_LOG, "a") as log:
        log.write(json.dumps(entry) + "\n")


def generate(out_dir: Path, tenants: int, seed: int, *options: str) -> Path:
    run_command(
        [
            str(BIN / "tenant-kpis"),
            "generate",
            "--out",
            str(out_dir),
            "--tenants",
            str(tenants),
            "--seed",
            str(seed),
            "--quiet",
            *options,
        ],
        dict(os.environ),
    )
    return out_dir


@dataclass
class BuiltProject:
    """A generated raw dataset, the warehouse dbt built from it, and its publication."""

    root: Path
    raw_dir: Path
    database: Path
    target_dir: Path
    published_db: Path

    @classmethod
    def at(cls, root: Path, target_dir: Path | None = None) -> BuiltProject:
        return cls(
            root=root,
            raw_dir=root / "raw",
            database=root / "tenant_kpis.duckdb",
            target_dir=target_dir or root / "target",
            published_db=root / "published" / "marts.duckdb",
        )

    @property
    def env(self) -> dict[str, str]:
        return dbt_env(
            self.raw_dir,
            self.database,
            self.target_dir,
            TENANT_KPIS_PUBLISHED_DB=str(self.published_db),
        )

    @property
    def truth(self) -> dict:
        return json.loads((self.raw_dir / "_truth.json").read_text())

    def dbt(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return run_command([str(BIN / "dbt"), *args], self.env, check=check)

    def run_with_python_steps(self, *selectors: str) -> None:
        """`dbt run` of the selected models, with the Python steps between the models
        they read and the models reading them (as `tenant-kpis build` does)."""
        self.dbt("run", "--select", *selectors, "--exclude", PYTHON_STEPS_SELECTOR)
        completed = run_command([str(BIN / "tenant-kpis"), "python-steps"], self.env)
        run_id = completed.stdout.split("Python steps run ", 1)[1].split()[0]
        run_command(
            [
                str(BIN / "dbt"),
                "run",
                "--select",
                *(f"{PYTHON_STEPS_SELECTOR},{selector}" for selector in selectors),
            ],
            {**self.env, "TENANT_KPIS_PYTHON_STEPS_RUN": run_id},
        )

    def build(self, *args: str) -> None:
        """The whole build: dbt, the Python steps, dbt (tenant-kpis build)."""
        run_command([str(BIN / "tenant-kpis"), "build", *args], self.env)

    def publish(self) -> None:
        run_command([str(BIN / "tenant-kpis"), "publish"], self.env)

    def query(self, sql: str, published: bool = False) -> pd.DataFrame:
        database = self.published_db if published else self.database
        with duckdb.connect(str(database), read_only=True) as connection:
            return connection.execute(sql).df()


def build_project(
    root: Path,
    tenants: int,
    seed: int,
    *generate_options: str,
    target_dir: Path | None = None,
    publish: bool = True,
) -> BuiltProject:
    """Generate a dataset, build it (`tenant-kpis build`: dbt, Python steps, dbt) and
    publish the marts.

    Without the unit tests: they check the SQL on fixed fixtures, not this
    dataset, and `make dbt-test-build` runs them once."""
    built = BuiltProject.at(root, target_dir=target_dir)
    if built.database.exists():
        built.database.unlink()
    generate(built.raw_dir, tenants, seed, *generate_options)
    built.build("--exclude-resource-type", "unit_test")
    if publish:
        built.publish()
    return built


if __name__ == "__main__":
    # `make dbt-test-build` records the source state its build starts from.
    if sys.argv[1:] == ["sources-mtime"]:
        print(newest_source_mtime())
    else:
        raise SystemExit("usage: python tests/python/dbt_project.py sources-mtime")
