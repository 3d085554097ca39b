"""Run every Python step against the warehouse of a dbt target."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
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
    #: the rows computed by this run, for the outputs that kept stored rows
    computed: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        parts = ", ".join(
            f"{name} {rows:,} rows"
            + (f" ({self.computed[name]:,} computed)" if name in self.computed else "")
            for name, rows in self.rows.items()
        )
        return f"Python steps run {self.run_id} in {self.seconds:.1f} s: {parts}"


def _previous_run(
    connection: warehouse.Connection, engine: str, step: PythonStep
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The groups (reuse key values) a step's stored output holds and its kept
    table, as its last run wrote them; None without them, or when the stored
    output's columns are not the declared ones (its rows cannot be kept)."""
    assert step.kept is not None
    tables = (step.output, step.kept)
    if not all(warehouse.table_exists(connection, engine, SCHEMA, t.name) for t in tables):
        return None
    output = f"{SCHEMA}.{step.output.name}"
    columns, _ = warehouse.read_rows(connection, f"(select * from {output} where 1 = 0) as stored")
    if [name.lower() for name in columns] != [name for name, _ in step.output.columns]:
        return None
    key = ", ".join(step.reuse_key)
    groups = warehouse.read_frame(connection, f"(select distinct {key} from {output}) as stored")
    kept = warehouse.read_frame(connection, f"{SCHEMA}.{step.kept.name}")
    return groups, kept


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
    retained: dict[str, pd.DataFrame] = {}
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
                    result, kept, groups = step.compute_reusing(*frames, previous=previous)
                    outputs.append((step.kept, kept))
                    if groups is not None:
                        retained[step.output.name] = groups
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
        counts = warehouse.replace_tables(connection, target.type, SCHEMA, outputs, retained)
    counts.pop(RUNS_TABLE.name, None)
    computed = {name: len(frame) for table, frame in outputs if (name := table.name) in retained}
    return StepsResult(
        run_id=run_id, rows=counts, seconds=time.monotonic() - started, computed=computed
    )
