"""Read-only access to the published marts, with one place that maps column names.

Pages ask for *logical* fields (``band_low``); ``FIELDS`` lists the column
names each field may have in the mart, so a renamed column is fixed here and
nowhere else. A missing optional field reads as null; a missing required one
raises ``MartUnavailable``, which the page turns into a visible message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import pandas as pd

from tenant_kpis.errors import UserError

Candidates = tuple[str, ...]

FIELDS: dict[str, dict[str, Candidates]] = {
    "fct_kpi_weekly": {
        "week_start": ("week_start",),
        "kpi_name": ("kpi_name",),
        "segment_type": ("segment_type",),
        "segment_value": ("segment_value",),
        "value": ("value",),
        "numerator": ("numerator",),
        "denominator": ("denominator",),
        "unit_count": ("unit_count",),
        "interval_lower": ("interval_lower",),
        "interval_upper": ("interval_upper",),
    },
    "fct_kpi_scorecard": {
        "week_start": ("week_start",),
        "kpi_name": ("kpi_name",),
        "segment_type": ("segment_type",),
        "segment_value": ("segment_value",),
        "value": ("value",),
        "numerator": ("numerator",),
        "denominator": ("denominator",),
        "band_low": ("benchmark_low", "band_low", "target_low", "benchmark_band_low"),
        "band_high": ("benchmark_high", "band_high", "target_high", "benchmark_band_high"),
        "band_label": (
            "benchmark_label",
            "band_label",
            "benchmark_industry_label",
            "industry_label",
            "benchmark_segment_label",
        ),
        "threshold": ("threshold", "threshold_value", "status_threshold"),
        "status": ("status",),
        "status_reason": ("status_reason",),
        "unit_count": ("unit_count",),
        "interval_lower": ("interval_lower",),
        "interval_upper": ("interval_upper",),
        "evidence": ("evidence_past_threshold",),
        "change_1w_direction": ("change_vs_prior_week_direction",),
        "change_4w_direction": ("change_vs_4_weeks_direction",),
        "change_1w": (
            "change_vs_prior_week",
            "change_1w",
            "value_change_1w",
            "delta_1w",
            "change_prior_week",
            "change_vs_1w",
        ),
        "change_4w": (
            "change_vs_4_weeks",
            "change_vs_4w",
            "change_4w",
            "value_change_4w",
            "delta_4w",
            "change_4_weeks",
        ),
        "label": ("kpi_label", "label"),
        "unit": ("unit", "kpi_unit"),
        "direction": ("direction", "kpi_direction"),
        "owner": ("owner", "kpi_owner"),
        "business_outcome": ("business_outcome",),
        "decision_point": ("decision_point",),
        "playbook_actions": (
            "playbook_actions",
            "playbook",
            "recommended_actions",
            "playbook_action",
        ),
        "weeks_off_track": (
            "consecutive_off_track_weeks",
            "weeks_off_track",
            "off_track_streak_weeks",
            "off_track_weeks",
        ),
    },
    "fct_kpi_alerts": {
        "alert_id": ("alert_id",),
        "kpi_name": ("kpi_name",),
        "segment_type": ("segment_type",),
        "segment_value": ("segment_value",),
        "opened_week": ("opened_week_start", "opened_week", "opened_at_week", "opened_at"),
        "closed_week": ("closed_week_start", "closed_week", "closed_at_week", "closed_at"),
        "weeks_open": ("weeks_open", "open_weeks", "duration_weeks"),
        "is_open": ("is_open",),
        "owner": ("owner",),
        "playbook_actions": ("playbook_actions", "playbook", "recommended_actions"),
        "last_value": ("last_value", "value_at_close", "latest_value", "value"),
    },
    "dim_kpi_rule_parameters": {
        "parameter_name": ("parameter_name",),
        "parameter_value": ("parameter_value",),
    },
    "kpi_catalog": {
        "kpi_name": ("kpi_name",),
        "label": ("label", "kpi_label"),
        "unit": ("unit",),
        "direction": ("direction",),
        "definition": ("definition",),
        "owner": ("owner",),
        "business_outcome": ("business_outcome",),
        "decision_point": ("decision_point",),
    },
    "dim_tenants": {
        "tenant_id": ("tenant_id",),
        "tenant_name": ("tenant_name",),
        "industry": ("industry",),
        "plan_tier": ("plan_tier",),
    },
    "fct_user_onboarding": {
        "user_id": ("user_id",),
        "tenant_id": ("tenant_id",),
        "persona": ("persona",),
        "created_at": ("created_at",),
        "time_to_activate_days": ("time_to_activate_days",),
        "time_to_first_value_days": ("time_to_first_value_days",),
    },
    "fct_retention_cohorts": {
        "cohort_week": ("cohort_week_start", "cohort_week", "signup_week_start", "signup_week"),
        "weeks_since_signup": ("weeks_since_signup", "week_offset", "weeks_since_cohort"),
        "segment_type": ("segment_type",),
        "segment_value": ("segment_value",),
        "cohort_size": ("cohort_size", "cohort_users"),
        "retained_users": ("retained_users", "active_users"),
        "retention_rate": ("retention_rate",),
    },
    "fct_tenant_health_weekly": {
        "tenant_id": ("tenant_id",),
        "week_start": ("week_start",),
        "health_score": ("health_score",),
        "health_band": ("health_band", "band"),
    },
    "fct_tenant_health_changes": {
        "tenant_id": ("tenant_id",),
        "week_start": ("week_start",),
        "previous_band": (
            "previous_health_band",
            "prior_health_band",
            "previous_band",
            "prior_band",
            "health_band_prior",
            "from_band",
        ),
        "current_band": ("health_band", "current_health_band", "current_band", "to_band"),
        "previous_score": (
            "previous_health_score",
            "prior_health_score",
            "previous_score",
            "prior_score",
        ),
        "current_score": ("health_score", "current_health_score", "current_score"),
        "score_change": ("health_score_change", "score_change"),
        "main_driver": (
            "component_moved_most_label",
            "component_moved_most",
            "main_driver",
            "top_driver",
        ),
        "driver_change": ("component_points_change",),
    },
    "fct_tenant_risk_scores": {
        "tenant_id": ("tenant_id",),
        "scored_week": ("week_start", "scoring_week", "scored_week"),
        "renewal_probability": ("renewal_probability", "p_renewal"),
        "expansion_probability": ("expansion_probability", "p_expansion"),
        "risk_band": ("risk_band", "renewal_risk_band"),
        "alert_threshold": ("renewal_alert_threshold", "alert_threshold"),
        "model_status": ("renewal_model_status", "model_status"),
        "driver_1": ("renewal_driver_1", "top_drivers", "drivers"),
        "driver_2": ("renewal_driver_2",),
        "driver_3": ("renewal_driver_3",),
    },
    "fct_risk_backtest": {
        "outcome": ("outcome",),
        "model": ("model_name", "model"),
        "status": ("status",),
        "roc_auc": ("roc_auc", "auc"),
        "brier": ("brier_score", "brier"),
        "precision": ("precision_at_threshold", "precision"),
        "recall": ("recall_at_threshold", "recall"),
        "threshold": ("alert_threshold", "threshold"),
        "fpr": ("false_positive_rate_at_threshold", "false_positive_rate", "fpr"),
        "n": ("backtest_tenants", "n_tenants", "n"),
    },
    "fct_pilot_results": {
        "experiment_id": ("experiment_id",),
        "checkpoint_day": ("checkpoint_days", "checkpoint_day"),
        "checkpoint_date": ("checkpoint_date",),
        "is_observed": ("is_observed",),
        "outcome": ("outcome_name", "outcome"),
        "treatment_rate": ("outcome_rate_treatment", "treatment_rate"),
        "control_rate": ("outcome_rate_control", "control_rate"),
        "treatment_n": ("tenants_treatment", "treatment_tenants", "treatment_n"),
        "control_n": ("tenants_control", "control_tenants", "control_n"),
        "lift": ("lift",),
        "ci_low": ("lift_ci_lower", "lift_ci_low", "ci_low"),
        "ci_high": ("lift_ci_upper", "lift_ci_high", "ci_high"),
        "p_value": ("p_value",),
        "decision": ("verdict", "decision"),
        "min_effect": ("min_effect",),
        "meaning": ("what_it_means", "decision_reason", "interpretation"),
        "balance_issues": ("balance_issues",),
    },
    "fct_investment_priority": {
        "week_start": ("week_start",),
        "segment_type": ("segment_type",),
        "segment_value": ("segment_value",),
        "adoption_velocity": ("adoption_velocity",),
        "impact_per_tenant": ("impact_per_tenant",),
        "cost_to_serve": ("cost_to_serve", "cost_to_serve_usd"),
        "adoption_velocity_z": (
            "adoption_velocity_z",
            "adoption_velocity_zscore",
            "adoption_velocity_std",
        ),
        "impact_per_tenant_z": (
            "impact_per_tenant_z",
            "impact_per_tenant_zscore",
            "impact_per_tenant_std",
        ),
        "cost_to_serve_z": ("cost_to_serve_z", "cost_to_serve_zscore", "cost_to_serve_std"),
        "score": ("priority_score", "score"),
        "rank": ("priority_rank", "rank"),
    },
    "dq_row_accounting": {
        "raw_table": ("raw_table",),
        "load_date": ("load_date",),
        "rows_raw": ("rows_raw",),
        "rows_staged": ("rows_staged",),
        "rows_quarantined": ("rows_quarantined",),
        "rows_duplicate": ("rows_duplicate",),
    },
    "dq_quarantine_summary": {
        "raw_table": ("raw_table",),
        "reason": ("quarantine_reason", "reason"),
        "rows": ("rows_quarantined", "quarantined_rows", "row_count", "rows", "n_rows"),
    },
    "dq_source_freshness": {
        "source": ("raw_table", "source_table", "source_name", "table_name", "source"),
        "latest_at": (
            "max_loaded_at",
            "latest_received_at",
            "max_received_at",
            "latest_at",
            "max_timestamp",
            "freshest_at",
            "latest_record_at",
        ),
        "lag_days": ("lag_days", "age_days"),
        "rows_loaded": ("rows_loaded",),
        "status": ("freshness_status", "status"),
    },
    "build_info": {
        "published_at": ("published_at",),
        "invocation_id": ("invocation_id",),
        "dbt_version": ("dbt_version",),
        "git_commit": ("git_commit",),
        "models_built": ("models_built",),
        "tests_passed": ("tests_passed",),
        "tests_failed": ("tests_failed",),
        "tests_warned": ("tests_warned",),
        "tests_errored": ("tests_errored",),
        "overridden_anomalies": ("overridden_anomalies",),
    },
}


# A table the brief reads under one name but a publication may hold under another.
ALIASES: dict[str, tuple[str, ...]] = {
    "kpi_catalog": ("dim_kpis", "dim_kpi_catalog", "dim_kpi"),
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
        for alias, names in ALIASES.items():
            found = next((n for n in names if n in self._relations), None)
            if alias not in self._relations and found is not None:
                self._relations[alias] = self._relations[found]
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
        present = {c.lower(): c for c in self.columns(table)}
        for candidate in FIELDS.get(table, {}).get(field, (field,)):
            if candidate.lower() in present:
                return present[candidate.lower()]
        return None

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
