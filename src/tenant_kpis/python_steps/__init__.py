"""Python steps: the statistics that need scikit-learn or scipy, outside dbt.

dbt runs Python models on DuckDB but not on PostgreSQL (and dbt-spark only on
Databricks), so the two computations that need Python run as a step between
two dbt phases, the same way on every engine (`tenant-kpis build`):

1. dbt builds everything the steps read (phase 1);
2. each step reads its input relations through the warehouse connection,
   computes in pandas, and writes one table in the `python_steps` schema,
   all steps' tables in one transaction, with a run id;
3. dbt builds the rest (phase 2): int_tenant_risk_scored and
   int_pilot_balance_checked read those tables (source `python_steps`) after
   checking the run id, so a stale output is never read silently.

Steps are deterministic (sorted inputs, fixed solver seed) and the risk
step's point-in-time guarantee is unchanged: each scoring date is fitted on
int_risk_training_examples of that date only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from tenant_kpis.engines.warehouse import OutputTable
from tenant_kpis.python_steps.pilot_balance import check_balance
from tenant_kpis.python_steps.risk_scoring import (
    GROUP_COLUMNS,
    PreviousRun,
    score_risk,
    score_risk_reusing,
)

SCHEMA = "python_steps"
RUNS_TABLE = OutputTable(
    name="step_runs",
    columns=(
        ("step_name", "text"),
        ("run_id", "text"),
        ("finished_at", "timestamp"),
        # the rows the run computed (a reusing step keeps the others)
        ("output_rows", "bigint"),
    ),
)


@dataclass(frozen=True)
class PythonStep:
    """One step: the dbt relations it reads (in order), its function and its output.

    A step with `kept` also writes that table for its next run, and its stored
    output is kept by groups of rows (`reuse_key`, some output columns):
    `compute_reusing` takes the inputs and `previous`, the groups the stored
    output holds (the reuse key's distinct values) and the kept table (None
    on a first build or a full refresh), and returns the rows it recomputed,
    the kept table, and the groups whose stored rows stay (None: the output
    is all recomputed). So a weekly run reads and writes what changed only.
    """

    name: str
    inputs: tuple[str, ...]
    compute: Callable[..., pd.DataFrame]
    output: OutputTable
    kept: OutputTable | None = None
    compute_reusing: (
        Callable[..., tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]] | None
    ) = None
    reuse_key: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # one without the others would silently never reuse, or never write its table
        if not (self.kept is None) == (self.compute_reusing is None) == (not self.reuse_key):
            raise ValueError(
                f"Python step {self.name}: set all of kept, compute_reusing and reuse_key"
            )
        declared = {name for name, _ in self.output.columns}
        if not set(self.reuse_key) <= declared:
            raise ValueError(f"Python step {self.name}: reuse_key {self.reuse_key} not in output")


STEPS = (
    PythonStep(
        name="risk_scoring",
        inputs=(
            "int_risk_scoring_population",
            "int_risk_training_examples",
            "int_tenant_onboarding_features",
            "risk_model_settings",
            "risk_model_features",
        ),
        compute=score_risk,
        # per scoring date and outcome, the digest of its inputs: a weekly run
        # re-scores only the dates whose inputs changed (risk_scoring.py)
        kept=OutputTable(
            name="risk_scoring_input_digests",
            columns=(("outcome", "text"), ("scoring_date", "date"), ("input_digest", "text")),
        ),
        compute_reusing=lambda *frames, previous: score_risk_reusing(
            *frames,
            previous=None if previous is None else PreviousRun(*previous),
        ),
        # a scoring date's rows of one outcome are recomputed together;
        # features_pending rows are always recomputed (risk_scoring.py)
        reuse_key=tuple(GROUP_COLUMNS),
        output=OutputTable(
            name="tenant_risk_scored",
            columns=(
                ("scoring_week_start", "date"),
                ("scoring_date", "date"),
                ("tenant_id", "text"),
                ("outcome", "text"),
                ("model_status", "text"),
                ("probability", "double"),
                ("baseline_probability", "double"),
                ("alert_probability", "double"),
                ("baseline_alert_probability", "double"),
                ("training_tenants", "bigint"),
                ("training_outcomes", "bigint"),
                ("driver_1", "text"),
                ("driver_2", "text"),
                ("driver_3", "text"),
            ),
        ),
    ),
    PythonStep(
        name="pilot_balance",
        inputs=("stg_app__experiment_assignments", "int_tenants_lifecycle", "kpi_parameters"),
        compute=check_balance,
        output=OutputTable(
            name="pilot_balance_checked",
            columns=(
                ("experiment_id", "text"),
                ("tenants_treatment", "bigint"),
                ("tenants_control", "bigint"),
                ("sample_ratio_p_value", "double"),
                ("mean_seats_treatment", "double"),
                ("mean_seats_control", "double"),
                ("seats_standardized_difference", "double"),
                ("seats_mann_whitney_p_value", "double"),
                ("plan_tier_chi_square_p_value", "double"),
                ("plan_tier_max_abs_standardized_difference", "double"),
                ("industry_chi_square_p_value", "double"),
                ("industry_max_abs_standardized_difference", "double"),
                ("is_balanced", "boolean"),
                ("balance_issues", "text"),
            ),
        ),
    ),
)
