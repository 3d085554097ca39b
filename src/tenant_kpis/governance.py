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
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tenant_kpis import paths
from tenant_kpis.errors import UserError
from tenant_kpis.publish import target_dir

CONFIG_FILE = paths.PROJECT_DIR / "dbt-bouncer.yml"
#: A failure message is cut to this many characters in the summary: the
#: project-wide column-description warning alone is thousands of characters.
MESSAGE_CHARACTERS = 300


@dataclass(frozen=True)
class GovernanceRun:
    code: int  # dbt-bouncer's exit code: 0 when every rule holds
    failures: list[dict[str, Any]]  # errors and warnings, as in dbt-bouncer's JSON output
    output: str  # what dbt-bouncer printed (captured runs only)

    def summary(self) -> str:
        """One line per failure, and dbt-bouncer's own output when it failed without any."""
        # "Done. SUCCESS=..." after failures, "All checks passed! SUCCESS=..." without
        done = re.findall(r"SUCCESS=\d+ WARN=\d+ ERROR=\d+", self.output)
        result = f"Done. {done[-1]}" if done else "no result"
        lines = [f"governance (dbt-bouncer, dbt-bouncer.yml): {result}"]
        for failure in self.failures:
            message = " ".join(str(failure.get("failure_message", "")).split())
            if len(message) > MESSAGE_CHARACTERS:
                message = message[:MESSAGE_CHARACTERS] + "..."
            where = f" {failure['file_path']}" if failure.get("file_path") else ""
            lines.append(
                f"  {failure.get('severity', '').upper()} {failure.get('check_run_id')}{where}: "
                f"{message}"
            )
        if self.code and not self.failures:
            lines.append(self.output)
        return "\n".join(lines)


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
) -> GovernanceRun:
    """Run dbt-bouncer on `artifacts_dir` (default: the dbt target directory).

    `config` defaults to the project's; `checks` limits the run to some check
    names (comma-separated), as `dbt-bouncer run --check` does. With
    `capture`, dbt-bouncer's output is kept in the result instead of printed.
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
    output = (process.stdout or "") + (process.stderr or "")
    return GovernanceRun(process.returncode, failures, output)
