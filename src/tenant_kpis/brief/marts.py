"""Read-only access to the published marts, with one place that maps column names.

Pages ask for *logical* fields (``band_low``); ``FIELDS`` maps each to the
one column of the mart's enforced contract that holds it (this repo owns the
contracts, so there is nothing to guess; tests/python/test_brief_fields.py
checks every name against the models' YAML). A renamed column is fixed here
and nowhere else. A field missing from an older publication reads as null; a
missing required one raises ``MartUnavailable``, which the page turns into a
visible message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import pandas as pd

from tenant_kpis.errors import UserError

FIELDS: dict[str, dict[str, str]] = {
    "fct_kpi_weekly": {
        "week_start": "week_start",
        "kpi_name": "kpi_name",
        "segment_type": "segment_type",
        "segment_value": "segment_value",
        "value": "value",
        "numerator": "numerator",
        "denominator": "denominator",
        "unit_count": "unit_count",
        "interval_lower": "interval_lower",
        "interval_upper": "interval_upper",
    },
    "fct_kpi_scorecard": {
        "week_start": "week_start",
        "kpi_name": "kpi_name",
        "segment_type": "segment_type",
        "segment_value": "segment_value",
        "value": "value",
        "numerator": "numerator",
        "denominator": "denominator",
        "band_low": "benchmark_low",
        "band_high": "benchmark_high",
        "band_label": "benchmark_label",
        "threshold": "threshold",
        "status": "status",
        "status_reason": "status_reason",
        "unit_count": "unit_count",
        "interval_lower": "interval_lower",
        "interval_upper": "interval_upper",
        "evidence": "evidence_past_threshold",
        "change_1w_direction": "change_vs_prior_week_direction",
        "change_4w_direction": "change_vs_4_weeks_direction",
        "change_1w": "change_vs_prior_week",
        "change_4w": "change_vs_4_weeks",
        "label": "kpi_label",
        "unit": "unit",
        "direction": "direction",
        "owner": "owner",
        "business_outcome": "business_outcome",
        "decision_point": "decision_point",
        "playbook_actions": "playbook_actions",
        "weeks_off_track": "consecutive_off_track_weeks",
    },
    "fct_kpi_alerts": {
        "alert_id": "alert_id",
        "alert_kind": "alert_kind",
        "kpi_name": "kpi_name",
        "segment_type": "segment_type",
        "segment_value": "segment_value",
        "opened_week": "opened_week",
        "closed_week": "closed_week",
        "weeks_open": "weeks_open",
        "is_open": "is_open",
        "owner": "owner",
        "playbook_actions": "playbook_actions",
        "last_value": "last_value",
    },
    "dim_kpi_rule_parameters": {
        "parameter_name": "parameter_name",
        "parameter_value": "parameter_value",
    },
    "dim_kpis": {
        "kpi_name": "kpi_name",
        "label": "kpi_label",
        "unit": "unit",
        "direction": "direction",
        "definition": "definition",
        "owner": "owner",
        "business_outcome": "business_outcome",
        "decision_point": "decision_point",
    },
    "dim_tenants": {
        "tenant_id": "tenant_id",
        "tenant_name": "tenant_name",
        "industry": "industry",
        "plan_tier": "plan_tier",
    },
    "fct_user_onboarding": {
        "user_id": "user_id",
        "tenant_id": "tenant_id",
        "persona": "persona",
        "created_at": "created_at",
        "time_to_activate_days": "time_to_activate_days",
        "time_to_first_value_days": "time_to_first_value_days",
    },
    "fct_retention_cohorts": {
        "cohort_week": "cohort_week_start",
        "weeks_since_signup": "weeks_since_signup",
        "segment_type": "segment_type",
        "segment_value": "segment_value",
        "cohort_size": "cohort_users",
        "retained_users": "retained_users",
        "retention_rate": "retention_rate",
    },
    "fct_tenant_health_weekly": {
        "tenant_id": "tenant_id",
        "week_start": "week_start",
        "health_score": "health_score",
        "health_band": "health_band",
    },
    "fct_tenant_health_changes": {
        "tenant_id": "tenant_id",
        "week_start": "week_start",
        "previous_band": "previous_health_band",
        "current_band": "health_band",
        "previous_score": "previous_health_score",
        "current_score": "health_score",
        "score_change": "health_score_change",
        "main_driver": "component_moved_most_label",
        "driver_change": "component_points_change",
    },
    "fct_tenant_risk_scores": {
        "tenant_id": "tenant_id",
        "scored_week": "week_start",
        "renewal_probability": "renewal_probability",
        "expansion_probability": "expansion_probability",
        "risk_band": "risk_band",
        "alert_threshold": "renewal_alert_threshold",
        "model_status": "renewal_model_status",
        "driver_1": "renewal_driver_1",
        "driver_2": "renewal_driver_2",
        "driver_3": "renewal_driver_3",
    },
    "fct_risk_backtest": {
        "outcome": "outcome",
        "model": "model_name",
        "status": "status",
        "roc_auc": "roc_auc",
        "brier": "brier_score",
        "precision": "precision_at_threshold",
        "recall": "recall_at_threshold",
        "threshold": "alert_threshold",
        "fpr": "false_positive_rate_at_threshold",
        "n": "backtest_tenants",
    },
    "fct_pilot_results": {
        "experiment_id": "experiment_id",
        "checkpoint_day": "checkpoint_days",
        "checkpoint_date": "checkpoint_date",
        "is_observed": "is_observed",
        "outcome": "outcome_name",
        "treatment_rate": "outcome_rate_treatment",
        "control_rate": "outcome_rate_control",
        "treatment_n": "tenants_treatment",
        "control_n": "tenants_control",
        "lift": "lift",
        "ci_low": "lift_ci_lower",
        "ci_high": "lift_ci_upper",
        "p_value": "p_value",
        "decision": "verdict",
        "meaning": "what_it_means",
        "balance_issues": "balance_issues",
    },
    "fct_kpi_early_warning_weekly": {
        "week_start": "week_start",
        "kpi_name": "kpi_name",
        "segment_type": "segment_type",
        "segment_value": "segment_value",
        "value": "value",
        "unit_count": "unit_count",
        "interval_lower": "interval_lower",
        "interval_upper": "interval_upper",
        "evidence": "evidence_past_threshold",
        "status": "status",
    },
    "fct_investment_priority": {
        "week_start": "week_start",
        "segment_type": "segment_type",
        "segment_value": "segment_value",
        "adoption_velocity": "adoption_velocity",
        "impact_per_tenant": "impact_per_tenant",
        "cost_to_serve": "cost_to_serve",
        "adoption_velocity_z": "adoption_velocity_z",
        "impact_per_tenant_z": "impact_per_tenant_z",
        "cost_to_serve_z": "cost_to_serve_z",
        "score": "priority_score",
        "rank": "priority_rank",
    },
    "dq_row_accounting": {
        "raw_table": "raw_table",
        "load_date": "load_date",
        "rows_raw": "rows_raw",
        "rows_staged": "rows_staged",
        "rows_quarantined": "rows_quarantined",
        "rows_duplicate": "rows_duplicate",
    },
    "dq_quarantine_summary": {
        "raw_table": "raw_table",
        "reason": "quarantine_reason",
        "rows": "rows",
    },
    "dq_source_freshness": {
        "source": "raw_table",
        "latest_at": "max_loaded_at",
        "lag_days": "lag_days",
        "rows_loaded": "rows_loaded",
        "status": "freshness_status",
    },
    "build_info": {
        "published_at": "published_at",
        "invocation_id": "invocation_id",
        "dbt_version": "dbt_version",
        "git_commit": "git_commit",
        "models_built": "models_built",
        "tests_passed": "tests_passed",
        "tests_failed": "tests_failed",
        "tests_warned": "tests_warned",
        "tests_errored": "tests_errored",
        "overridden_anomalies": "overridden_anomalies",
    },
}


class MartUnavailable(Exception):
    """A mart (or a column the section needs) is not in the published file."""


class Marts:
    """The published marts file, opened read-only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.is_file():
            raise UserError(
                f"published marts not found: {path} (run `tenant-kpis publish` after "
                "`dbt build`, or pass --marts / set TENANT_KPIS_PUBLISHED_DB)"
            )
        try:
            self.connection = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as error:
            raise UserError(f"cannot open the published marts {path}: {error}") from error
        rows = self.connection.execute(
            "select table_schema, table_name from information_schema.tables "
            "order by case when table_schema = 'main' then 0 else 1 end, table_schema"
        ).fetchall()
        self._relations: dict[str, str] = {}
        for schema, name in rows:
            self._relations.setdefault(name, f'"{schema}"."{name}"')
        self._columns: dict[str, list[str]] = {}

    def __enter__(self) -> Marts:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.connection.close()

    def has(self, table: str) -> bool:
        return table in self._relations

    def columns(self, table: str) -> list[str]:
        if table not in self._columns:
            if not self.has(table):
                raise MartUnavailable(f"{table} is not in the published marts")
            schema, name = (part.strip('"') for part in self._relations[table].split(".", 1))
            self._columns[table] = [
                row[0]
                for row in self.connection.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, name],
                ).fetchall()
            ]
        return self._columns[table]

    def resolve(self, table: str, field: str) -> str | None:
        """The mart column holding a logical field, or None."""
        column = FIELDS.get(table, {}).get(field, field)
        return column if column in self.columns(table) else None

    def has_fields(self, table: str, fields: Iterable[str]) -> bool:
        return self.has(table) and all(self.resolve(table, f) is not None for f in fields)

    def select(
        self,
        table: str,
        fields: Sequence[str],
        required: Sequence[str] = (),
        where: str = "",
        params: Sequence[Any] = (),
        order_by: str = "",
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Rows of a mart with columns renamed to logical fields.

        ``where`` and ``order_by`` use the logical names; filtering happens in
        DuckDB so only the rows the page shows are read.
        """
        if not self.has(table):
            raise MartUnavailable(f"{table} is not in the published marts")
        missing = [f for f in required if self.resolve(table, f) is None]
        if missing:
            raise MartUnavailable(
                f"{table} has no column for {', '.join(missing)} "
                f"(columns: {', '.join(self.columns(table))})"
            )
        projections = []
        for field in fields:
            column = self.resolve(table, field)
            projections.append(f'"{column}" as "{field}"' if column else f'null as "{field}"')
        sql = f"select * from (select {', '.join(projections)} from {self._relations[table]})"
        if where:
            sql += f" where {where}"
        if order_by:
            sql += f" order by {order_by}"
        if limit is not None:
            sql += f" limit {int(limit)}"
        return self.connection.execute(sql, list(params)).df()

    def query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """A free query; table names in {braces} are replaced by their relation."""
        return self.connection.execute(sql.format(**self._relations), list(params)).df()

    def relation(self, table: str) -> str:
        if not self.has(table):
            raise MartUnavailable(f"{table} is not in the published marts")
        return self._relations[table]
