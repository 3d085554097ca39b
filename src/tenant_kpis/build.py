"""`tenant-kpis build`: dbt, then the Python steps, then dbt again, as one build.

1. `dbt build --exclude source:python_steps+`: everything the steps read
   (and everything else not downstream of them), but the seeds unchanged
   since the last build and the tests reading only them (seed_skip.py);
2. the Python steps (src/tenant_kpis/python_steps) read their inputs from
   the warehouse and write the `python_steps` tables with a new run id;
3. `dbt build --select source:python_steps+` with the steps' run id in the
   environment (TENANT_KPIS_PYTHON_STEPS_RUN): the models (and their tests)
   downstream of the steps. An environment variable, not `--vars`: changed
   vars make dbt re-parse the whole project, about a third of a small build.
   Its raw hook does not register and check the raw files again
   (TENANT_KPIS_RAW_REGISTERED): phase 1 did, for this build. Its process
   starts when phase 1 ends and loads the project while the steps compute
   (dbt_phase.py); it runs once they have written their tables.

A phase that fails stops the build. Both dbt phases record the same build
id (the Python steps' run id) in the build record, so publication judges
them as one build (build_record.py). Afterwards `run_results.json` holds the
results of both dbt phases (the first phase's are also kept in
`run_results_phase_1.json`), so `tenant-kpis publish` judges the whole build, and
`manifest.json` holds the compiled SQL of both phases.
Extra arguments go to both dbt phases (`--target`, `--full-refresh`,
`--exclude-resource-type unit_test`, `--vars`, ...); node selection is the
build's own.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tenant_kpis import dbt_phase, paths, seed_skip
from tenant_kpis.build_record import new_run_id
from tenant_kpis.engines.profile import resolve_target
from tenant_kpis.errors import UserError
from tenant_kpis.publish import target_dir

STEPS_SELECTOR = "source:python_steps+"
SELECTION_FLAGS = ("-s", "--select", "--exclude", "--selector", "-m", "--models", "--resource-type")
PHASE_1_RESULTS = "run_results_phase_1.json"
PHASE_1_MANIFEST = "manifest_phase_1.json"
BUILD_ID_VARIABLE = "TENANT_KPIS_BUILD_ID"
# read by macros/python_steps/python_step_output.sql
STEPS_RUN_VARIABLE = "TENANT_KPIS_PYTHON_STEPS_RUN"
# set for phase 2 only: its raw hook (macros/raw/register_raw_sources.sql)
# trusts the raw views phase 1 registered and checked
RAW_REGISTERED_VARIABLE = "TENANT_KPIS_RAW_REGISTERED"
COMPILED_KEYS = ("compiled", "compiled_code", "compiled_path", "extra_ctes", "extra_ctes_injected")


@dataclass(frozen=True)
class BuildResult:
    exit_code: int
    run_id: str | None


def _split_vars(arguments: Sequence[str]) -> tuple[list[str], dict[str, Any]]:
    """The arguments without --vars, and the variables they passed."""
    rest: list[str] = []
    variables: dict[str, Any] = {}
    items = list(arguments)
    index = 0
    while index < len(items):
        item = items[index]
        if item == "--vars" or item.startswith("--vars="):
            value = item.split("=", 1)[1] if "=" in item else None
            if value is None:
                if index + 1 >= len(items):
                    raise UserError("--vars needs a value, e.g. --vars '{raw_dir: data/raw}'")
                value = items[index + 1]
                index += 1
            parsed = yaml.safe_load(value)
            if not isinstance(parsed, dict):
                raise UserError(f"--vars must be a YAML mapping, not {value!r}")
            variables.update(parsed)
        else:
            rest.append(item)
        index += 1
    return rest, variables


def _target_name(arguments: Sequence[str]) -> str | None:
    for index, item in enumerate(arguments):
        if item in ("--target", "-t") and index + 1 < len(arguments):
            return arguments[index + 1]
        if item.startswith("--target="):
            return item.split("=", 1)[1]
    return None


def _dbt_command(
    arguments: list[str],
    build_id: str,
    steps_run: str | None = None,
    seeds: dict[str, str] | None = None,
    wait: bool = False,
) -> dict[str, Any]:
    """subprocess arguments for one dbt phase, run by dbt_phase.py (`seeds`: the
    seed_skip variables; `wait`: load the project, run on `dbt_phase.GO` on stdin)."""
    # the build record's hooks log both phases under one build id
    environment = {**os.environ, BUILD_ID_VARIABLE: build_id, **(seeds or {})}
    environment.pop(STEPS_RUN_VARIABLE, None)
    environment.pop(RAW_REGISTERED_VARIABLE, None)
    if not seeds:
        environment.pop(seed_skip.SEED_FINGERPRINTS_VARIABLE, None)
        environment.pop(seed_skip.SEEDS_UNCHANGED_VARIABLE, None)
    if steps_run is not None:
        environment[STEPS_RUN_VARIABLE] = steps_run
        environment[RAW_REGISTERED_VARIABLE] = build_id
    command = [sys.executable, "-m", "tenant_kpis.dbt_phase", *([] if wait else [dbt_phase.NOW])]
    return {"args": [*command, *arguments], "cwd": paths.PROJECT_DIR, "env": environment}


def merge_run_results(first: Path, second: Path, steps_seconds: float = 0.0) -> None:
    """Write into `second` the results of both phases, with the second's metadata
    (and the Python steps' time, which `make bench` reports)."""
    earlier = json.loads(first.read_text(encoding="utf-8"))
    later = json.loads(second.read_text(encoding="utf-8"))
    seen = {result["unique_id"] for result in later.get("results", [])}
    kept = [
        result
        for result in earlier.get("results", [])
        if result["unique_id"] not in seen
        and not result["unique_id"].startswith("operation.")  # hooks ran again in phase 2
    ]
    later["results"] = kept + later.get("results", [])
    later["elapsed_time"] = earlier.get("elapsed_time", 0) + later.get("elapsed_time", 0)
    later.setdefault("args", {})["tenant_kpis_build"] = {
        "phase_1_invocation_id": earlier.get("metadata", {}).get("invocation_id"),
        "python_steps_seconds": steps_seconds,
        "phases": [
            "dbt build --exclude " + STEPS_SELECTOR,
            "python steps",
            "dbt build --select " + STEPS_SELECTOR,
        ],
    }
    second.write_text(json.dumps(later), encoding="utf-8")


def merge_compiled_nodes(first: Path, second: Path) -> None:
    """Give the nodes the second phase did not compile their first-phase compilation.

    Each dbt command writes manifest.json with the compiled SQL of the nodes it
    ran only; after the build, the manifest holds both phases' compiled SQL
    (the bench replays it, tests read compiled tests), with the second phase's
    invocation id.
    """
    earlier = json.loads(first.read_text(encoding="utf-8"))
    later = json.loads(second.read_text(encoding="utf-8"))
    for unique_id, node in later.get("nodes", {}).items():
        previous = earlier.get("nodes", {}).get(unique_id)
        if node.get("compiled") or not previous or not previous.get("compiled"):
            continue
        for key in COMPILED_KEYS:
            if key in previous:
                node[key] = previous[key]
    second.write_text(json.dumps(later), encoding="utf-8")


def build(arguments: Sequence[str]) -> BuildResult:
    """Run the three phases; return dbt's exit code (0 when every phase succeeded)."""
    for item in arguments:
        if item in SELECTION_FLAGS or item.split("=", 1)[0] in SELECTION_FLAGS:
            raise UserError(
                f"tenant-kpis build selects nodes itself ({item} is not accepted): use "
                "`dbt build --select ...` for part of the DAG (README 'Python steps')"
            )
    rest, variables = _split_vars(arguments)
    target = resolve_target(_target_name(rest))
    results = target_dir() / "run_results.json"
    phase_1 = [*rest] + (["--vars", json.dumps(variables)] if variables else [])
    run_id = new_run_id()
    full_refresh = bool({"--full-refresh", "-f"} & set(rest)) or os.environ.get(
        "DBT_FULL_REFRESH", ""
    ).lower() in ("1", "true")
    seeds, unchanged = seed_skip.plan(target, full_refresh)
    if unchanged:
        print(f"Seeds unchanged since the last build, not reloaded: {', '.join(unchanged)}")
    # cautious: an unchanged seed takes along only the tests reading seeds
    # alone, not those also reading a model (relationships to a seed)
    skip = [*unchanged, "--indirect-selection", "cautious"] if unchanged else []
    phase_1_command = _dbt_command(
        ["build", *phase_1, "--exclude", STEPS_SELECTOR, *skip], run_id, seeds=seeds
    )
    phase = subprocess.Popen(**phase_1_command)
    try:
        # imported while phase 1 runs: pandas, scipy and scikit-learn take
        # about 1.4 s to import, on the core dbt's single Python thread leaves
        from tenant_kpis.python_steps.run import run_python_steps

        code = phase.wait()
    except BaseException:
        phase.kill()  # as subprocess.run does (Ctrl-C, a failed import)
        phase.wait()
        raise
    if code != 0:
        return BuildResult(exit_code=code, run_id=None)
    if results.is_file():
        os.replace(results, results.with_name(PHASE_1_RESULTS))
    manifest = target_dir() / "manifest.json"
    if manifest.is_file():
        shutil.copyfile(manifest, manifest.with_name(PHASE_1_MANIFEST))
    # started now, it loads the project while the steps compute (dbt_phase.py);
    # the steps write under this build's id, so its run id is known already
    phase_2_command = _dbt_command(
        ["build", *phase_1, "--select", STEPS_SELECTOR], run_id, steps_run=run_id, wait=True
    )
    phase = subprocess.Popen(**phase_2_command, stdin=subprocess.PIPE, text=True)
    try:
        steps = run_python_steps(
            target, target_dir() / "manifest.json", run_id, reuse=not full_refresh
        )
        print(steps.summary(), flush=True)
        assert phase.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # it exited early: its code says why
            phase.stdin.write(dbt_phase.GO + "\n")
            phase.stdin.close()
        code = phase.wait()
    except BaseException:
        phase.kill()
        phase.wait()
        raise
    if results.is_file() and results.with_name(PHASE_1_RESULTS).is_file():
        merge_run_results(results.with_name(PHASE_1_RESULTS), results, steps.seconds)
    if manifest.is_file() and manifest.with_name(PHASE_1_MANIFEST).is_file():
        merge_compiled_nodes(manifest.with_name(PHASE_1_MANIFEST), manifest)
    return BuildResult(exit_code=code, run_id=steps.run_id)
