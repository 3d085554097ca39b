"""`tenant-kpis build`'s phase 2 loads the project first and runs only when told.

`python -m tenant_kpis.dbt_phase` starts while the Python steps compute: it
must not run dbt before `run` arrives on stdin (the steps' tables are not
written yet), must run nothing when the build gives up (a step failed: stdin
closes), and must exit with the dbt CLI's codes so that the build stops on a
failed test as before.
"""

from __future__ import annotations

import gc
import subprocess
import sys
from types import SimpleNamespace

from fixtures_semantic import PROJECT_DIR, new_workspace

from tenant_kpis import dbt_phase


def test_only_the_flags_that_change_the_project_reach_the_load() -> None:
    arguments = [
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--target",
        "ci",
        "--vars",
        "{a: 1}",
        "--full-refresh",
        "--profiles-dir=/p",
        "--select",
        "source:python_steps+",
        "-t",
        "dev",
    ]
    assert dbt_phase.parse_arguments(arguments) == [
        "--target",
        "ci",
        "--vars",
        "{a: 1}",
        "--profiles-dir=/p",
        "-t",
        "dev",
    ]


def test_exit_codes_are_the_dbt_cli_codes() -> None:
    assert dbt_phase.exit_code(SimpleNamespace(success=True, exception=None)) == 0
    assert dbt_phase.exit_code(SimpleNamespace(success=False, exception=None)) == 1
    assert dbt_phase.exit_code(SimpleNamespace(success=False, exception=ValueError())) == 2


def _phase(workspace, signal: str, *first: str) -> subprocess.CompletedProcess:
    env = workspace.env()
    env["DBT_PROFILES_DIR"] = str(PROJECT_DIR)
    return subprocess.run(
        [sys.executable, "-m", "tenant_kpis.dbt_phase", *first, "ls", "--resource-type", "seed"],
        cwd=PROJECT_DIR,
        env=env,
        input=signal,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_nothing_runs_until_told_and_nothing_after_a_closed_stdin() -> None:
    workspace = new_workspace("dbt_phase")
    given_up = _phase(workspace, "")
    assert given_up.returncode == 0, given_up.stdout + given_up.stderr
    assert "seeds.kpi_catalog" not in given_up.stdout
    # the load writes no artefact the Python steps read
    assert not (workspace.target / "manifest.json").exists()

    told = _phase(workspace, dbt_phase.GO + "\n")
    assert told.returncode == 0, told.stdout + told.stderr
    assert "tenant_kpis.kpi_catalog" in told.stdout


def test_phase_1_runs_at_once_without_a_signal() -> None:
    workspace = new_workspace("dbt_phase_now")
    at_once = _phase(workspace, "", dbt_phase.NOW)
    assert at_once.returncode == 0, at_once.stdout + at_once.stderr
    assert "tenant_kpis.kpi_catalog" in at_once.stdout


def test_the_loaded_project_is_frozen_out_of_garbage_collection(monkeypatch) -> None:
    """What the run sees: rarer collections, and the loaded project frozen."""
    seen: dict[str, object] = {}

    class Runner:
        def __init__(self, manifest: object = None) -> None:
            self.manifest = manifest

        def invoke(self, arguments: list[str]) -> SimpleNamespace:
            if arguments[0] == "parse":
                return SimpleNamespace(success=True, exception=None, result="manifest")
            seen["thresholds"] = gc.get_threshold()
            seen["frozen"] = gc.get_freeze_count()
            seen["manifest"] = self.manifest
            return SimpleNamespace(success=True, exception=None)

    monkeypatch.setattr("dbt.cli.main.dbtRunner", Runner)
    thresholds = gc.get_threshold()
    try:
        assert dbt_phase.main([dbt_phase.NOW, "build"]) == 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    assert seen["thresholds"] == dbt_phase.COLLECTION_THRESHOLDS
    assert isinstance(seen["frozen"], int) and seen["frozen"] > 0
    assert seen["manifest"] == "manifest"
