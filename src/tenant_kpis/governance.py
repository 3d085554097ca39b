"""Run dbt-bouncer, with the project's `dbt-bouncer.yml`, on a dbt target directory.

The rules live in `dbt-bouncer.yml` (and the project's own checks in
`governance/manifest/`), not here. dbt-bouncer reads the artifacts from a
directory fixed in its config file, while this project keeps one target per
developer and per test run (DBT_TARGET_PATH). So this module writes a copy of
the config naming the target to check, with absolute paths, and runs
dbt-bouncer on it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from tenant_kpis import paths
from tenant_kpis.errors import UserError
from tenant_kpis.publish import target_dir

CONFIG_FILE = paths.PROJECT_DIR / "dbt-bouncer.yml"


def project_config(config_file: Path = CONFIG_FILE) -> dict[str, Any]:
    """The project's dbt-bouncer config, its custom checks directory made absolute."""
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    if config.get("custom_checks_dir"):
        checks_dir = (config_file.parent / config["custom_checks_dir"]).resolve()
        config["custom_checks_dir"] = str(checks_dir)
    return config


def _bouncer_executable() -> str:
    beside_python = Path(sys.executable).parent / "dbt-bouncer"
    return str(beside_python) if beside_python.exists() else "dbt-bouncer"


def run_governance(
    artifacts_dir: Path | None = None,
    *,
    config: dict[str, Any] | None = None,
    checks: str | None = None,
    capture: bool = False,
) -> tuple[int, list[dict[str, Any]]]:
    """Run dbt-bouncer on `artifacts_dir` (default: the dbt target directory).

    `config` defaults to the project's; `checks` limits the run to some check
    names (comma-separated), as `dbt-bouncer run --check` does. Returns the
    exit code (0 when every rule holds) and the failures (errors and
    warnings) as dbt-bouncer reports them in JSON.
    """
    artifacts = (artifacts_dir or target_dir()).resolve()
    if not (artifacts / "manifest.json").is_file():
        raise UserError(f"dbt manifest not found: {artifacts / 'manifest.json'} (run `dbt parse`)")
    config = dict(config or project_config())
    config["dbt_artifacts_dir"] = str(artifacts)
    with tempfile.TemporaryDirectory(prefix="dbt-bouncer-") as scratch:
        config_path = Path(scratch) / "dbt-bouncer.yml"
        config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        results = Path(scratch) / "results.json"
        command = [
            _bouncer_executable(),
            "run",
            "--config-file",
            str(config_path),
            "--show-all-failures",
            "--output-file",
            str(results),
            "--output-only-failures",
        ]
        if checks:
            command += ["--check", checks]
        process = subprocess.run(
            command, cwd=paths.PROJECT_DIR, capture_output=capture, text=True, check=False
        )
        failures = json.loads(results.read_text(encoding="utf-8")) if results.is_file() else []
    return process.returncode, failures
