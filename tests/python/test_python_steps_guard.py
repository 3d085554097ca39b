"""The models reading a Python step's table refuse a table this build did not write.

`tenant-kpis build` passes the steps' run id to its second dbt phase in the
environment (TENANT_KPIS_PYTHON_STEPS_RUN, so that dbt reuses its partial
parse); a plain `dbt run` without it, or with another run's id, must stop with
a message saying what to run instead of reading stale probabilities.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
from fixtures_semantic import DBT, PROJECT_DIR, DbtWorkspace, copy_of_shared_build

MODEL = "int_pilot_balance_checked"
VARIABLE = "TENANT_KPIS_PYTHON_STEPS_RUN"


def _run_model(workspace: DbtWorkspace, steps_run: str | None) -> subprocess.CompletedProcess:
    env = workspace.env()
    env.pop(VARIABLE, None)
    if steps_run is not None:
        env[VARIABLE] = steps_run
    return subprocess.run(
        [DBT, "run", "--select", MODEL, "--profiles-dir", str(PROJECT_DIR)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_model_reading_a_step_checks_the_run_id_from_the_environment(
    tmp_path: Path, shared_build
) -> None:
    workspace = copy_of_shared_build(shared_build, tmp_path)
    with duckdb.connect(str(workspace.warehouse), read_only=True) as connection:
        (written,) = connection.execute(
            "select run_id from python_steps.step_runs where step_name = 'pilot_balance'"
        ).fetchone()

    missing = _run_model(workspace, None)
    assert missing.returncode != 0
    assert "written by the Python step 'pilot_balance' outside dbt" in missing.stdout
    assert "tenant-kpis build" in missing.stdout

    stale = _run_model(workspace, "another-run")
    assert stale.returncode != 0
    assert f"holds Python step run {written}, not another-run" in stale.stdout

    passed = _run_model(workspace, written)
    assert passed.returncode == 0, passed.stdout[-3000:]
