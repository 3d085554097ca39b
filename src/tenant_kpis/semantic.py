"""Run MetricFlow's `mf` against the dbt target of this shell.

`mf` reads `<project root>/target/semantic_manifest.json` whatever
DBT_TARGET_PATH says, so with per-developer or per-test target paths it
would read someone else's (or a stale) manifest. `run_mf` builds a small
shim project root inside the target directory (links to dbt_project.yml,
profiles.yml and the project folders, and `target` -> the target directory)
and runs `mf` there, with the warehouse path made absolute.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tenant_kpis import paths
from tenant_kpis.errors import UserError
from tenant_kpis.publish import target_dir

SHIM_DIR_NAME = "mf_project"
LINKED = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds")


def mf_project_dir(target: Path) -> Path:
    """Create (idempotently) the shim project root for `mf` and return it."""
    if not (target / "semantic_manifest.json").is_file():
        raise UserError(
            f"no semantic_manifest.json in {target}: run `dbt parse` (or `dbt build`) first"
        )
    shim = target / SHIM_DIR_NAME
    shim.mkdir(exist_ok=True)
    for name in LINKED:
        link = shim / name
        if not link.is_symlink():
            link.symlink_to(paths.PROJECT_DIR / name)
    target_link = shim / "target"
    if target_link.is_symlink() and Path(os.readlink(target_link)) != target.resolve():
        target_link.unlink()
    if not target_link.is_symlink():
        target_link.symlink_to(target.resolve())
    return shim


def mf_environment(shim: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["DBT_PROJECT_DIR"] = str(shim)
    env["DBT_PROFILES_DIR"] = str(shim)
    env["TENANT_KPIS_DB"] = str(paths.warehouse_db().resolve())
    env.setdefault("DBT_LOG_PATH", str(shim / "logs"))
    return env


def run_mf(arguments: Sequence[str], target: Path | None = None) -> int:
    """Run `mf <arguments>` on the semantic manifest of `target`; return its exit code."""
    shim = mf_project_dir((target or target_dir()).resolve())
    mf = Path(sys.executable).parent / "mf"
    command = [str(mf) if mf.exists() else "mf", *arguments]
    return subprocess.run(command, cwd=shim, env=mf_environment(shim), check=False).returncode
