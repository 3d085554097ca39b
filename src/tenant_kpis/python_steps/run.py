"""Run every Python step against the warehouse of a dbt target."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tenant_kpis.build_record import new_run_id
from tenant_kpis.engines import warehouse
from tenant_kpis.engines.profile import Target
from tenant_kpis.errors import UserError, one_line
from tenant_kpis.python_steps import RUNS_TABLE, SCHEMA, STEPS, PythonStep


@dataclass(frozen=True)
class StepsResult:
    run_id: str
    rows: dict[str, int]
    seconds: float

    def summary(self) -> str:
        parts = ", ".join(f"{name} {rows:,} rows" for name, rows in self.rows.items())
        return f"Python steps run {self.run_id} in {self.seconds:.1f} s: {parts}"


def _previous_run(
    connection: warehouse.Connection, engine: str, step: PythonStep
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """A step's output and kept table as its last run wrote them, or None."""
    assert step.kept is not None
    tables = (step.output, step.kept)
    if not all(warehouse.table_exists(connection, engine, SCHEMA, t.name) for t in tables):
        return None
    output, kept = (warehouse.read_frame(connection, f"{SCHEMA}.{t.name}") for t in tables)
    return output, kept


def run_python_steps(
    target: Target, manifest_path: Path, run_id: str | None = None, reuse: bool = True
) -> StepsResult:
    """Read each step's inputs, compute, and replace the python_steps tables.

    `reuse`: a step that keeps a table may keep what its last run computed from
    the same inputs (False for a full refresh: everything is recomputed)."""
    started = time.monotonic()
    run_id = run_id or new_run_id()
    relations = warehouse.relations_by_name(manifest_path)
    outputs: list[tuple[warehouse.OutputTable, pd.DataFrame]] = []
    runs = []
    with warehouse.connect(target) as connection:
        for step in STEPS:
            missing = [name for name in step.inputs if name not in relations]
            if missing:
                raise UserError(f"Python step {step.name}: {missing} not in the dbt manifest")
            try:
                frames = [warehouse.read_frame(connection, relations[name]) for name in step.inputs]
            except Exception as error:  # the driver's error names the missing relation
                raise UserError(
                    f"Python step {step.name} cannot read its inputs ({one_line(error)}): "
                    "build them first (tenant-kpis build runs dbt before the steps)"
                ) from error
            try:
                if step.kept is not None:
                    previous = _previous_run(connection, target.type, step) if reuse else None
                    assert step.compute_reusing is not None  # PythonStep sets both
                    result, kept = step.compute_reusing(*frames, previous=previous)
                    outputs.append((step.kept, kept))
                else:
                    result = step.compute(*frames)
            except ValueError as error:  # a seed lacks a row the step needs
                raise UserError(f"Python step {step.name}: {error}") from error
            outputs.append((step.output, result))
            runs.append(
                {
                    "step_name": step.name,
                    "run_id": run_id,
                    "finished_at": warehouse.now_utc(),
                    "output_rows": len(result),
                }
            )
        outputs.append((RUNS_TABLE, pd.DataFrame(runs)))
        counts = warehouse.replace_tables(connection, target.type, SCHEMA, outputs)
    counts.pop(RUNS_TABLE.name, None)
    return StepsResult(run_id=run_id, rows=counts, seconds=time.monotonic() - started)
