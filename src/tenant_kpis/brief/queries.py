"""Queries several pages share: scorecard history and the tenant filter of a scope."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from tenant_kpis.brief.context import Brief, Scope
from tenant_kpis.brief.marts import MartUnavailable

# a published parameter, or the caller's default when it is not published
Default = TypeVar("Default", float, None)

SCORECARD_FIELDS = (
    "week_start",
    "kpi_name",
    "segment_type",
    "segment_value",
    "value",
    "numerator",
    "denominator",
    "band_low",
    "band_high",
    "band_label",
    "threshold",
    "status",
    "status_reason",
    "unit_count",
    "interval_lower",
    "interval_upper",
    "evidence",
    "change_1w",
    "change_4w",
    "change_1w_direction",
    "change_4w_direction",
    "label",
    "unit",
    "direction",
    "owner",
    "business_outcome",
    "decision_point",
    "playbook_actions",
    "weeks_off_track",
)


def scorecard(
    brief: Brief, kpis: Sequence[str] | None = None, weeks: int = 13, scope: Scope | None = None
) -> pd.DataFrame:
    """Scorecard rows of the scope for the `weeks` weeks ending with the brief's week."""
    scope = scope or brief.scope
    first = scope.week if weeks <= 1 else scope.first_week
    where = "segment_type = ? and segment_value = ? and week_start between ? and ?"
    params: list[Any] = [scope.segment_type, scope.segment_value, first, scope.week]
    if kpis is not None:
        where += f" and kpi_name in ({', '.join('?' for _ in kpis)})"
        params.extend(kpis)
    frame = brief.marts.select(
        "fct_kpi_scorecard",
        SCORECARD_FIELDS,
        required=("week_start", "kpi_name", "segment_type", "segment_value", "value", "status"),
        where=where,
        params=params,
        order_by="kpi_name, week_start",
    )
    frame["week_start"] = pd.to_datetime(frame["week_start"]).dt.date
    return frame


def kpi_values(
    brief: Brief,
    kpis: Sequence[str],
    segment_type: str,
    segment_values: Sequence[str] | None = None,
    weeks: int = 1,
) -> pd.DataFrame:
    """fct_kpi_weekly rows for KPIs x segments over the last `weeks` weeks."""
    scope = brief.scope
    first = scope.week if weeks <= 1 else scope.first_week
    where = (
        f"kpi_name in ({', '.join('?' for _ in kpis)}) and segment_type = ? "
        "and week_start between ? and ?"
    )
    params: list[Any] = [*kpis, segment_type, first, scope.week]
    if segment_values is not None:
        where += f" and segment_value in ({', '.join('?' for _ in segment_values)})"
        params.extend(segment_values)
    frame = brief.marts.select(
        "fct_kpi_weekly",
        [
            "week_start",
            "kpi_name",
            "segment_type",
            "segment_value",
            "value",
            "numerator",
            "denominator",
            "unit_count",
            "interval_lower",
            "interval_upper",
        ],
        required=["week_start", "kpi_name", "segment_type", "segment_value", "value"],
        where=where,
        params=params,
        order_by="kpi_name, segment_value, week_start",
    )
    frame["week_start"] = pd.to_datetime(frame["week_start"]).dt.date
    return frame


def tenant_filter(brief: Brief, column: str = "tenant_id") -> tuple[str, list[Any]]:
    """SQL condition (on logical column names) keeping the scope's tenants.

    Industry and plan tier filter through dim_tenants. A persona is not a set
    of tenants, so tenant-level sections are not shown in a persona brief.
    """
    scope = brief.scope
    if scope.is_platform:
        return "", []
    if scope.segment_type not in ("industry", "plan_tier"):
        raise MartUnavailable(
            f"tenant-level figures are not split by {scope.segment_type}; see the platform brief"
        )
    attribute = brief.marts.resolve("dim_tenants", scope.segment_type)
    key = brief.marts.resolve("dim_tenants", "tenant_id")
    if attribute is None or key is None:
        raise MartUnavailable(f"dim_tenants has no {scope.segment_type} column to filter by")
    relation = brief.marts.relation("dim_tenants")
    return (
        f'"{column}" in (select "{key}" from {relation} where "{attribute}" = ?)',
        [scope.segment_value],
    )


def first_action(actions: Any) -> str:
    """The first playbook action of a mart cell (text with separators or a list)."""
    items = action_list(actions)
    return items[0] if items else ""


def action_list(actions: Any) -> list[str]:
    if actions is None:
        return []
    if isinstance(actions, (list, tuple, np.ndarray)):
        return [str(a).strip() for a in actions if a is not None and str(a).strip()]
    if isinstance(actions, float) and np.isnan(actions):
        return []
    text = str(actions)
    for separator in (" | ", "|", ";", "\n"):
        if separator in text:
            return [part.strip() for part in text.split(separator) if part.strip()]
    return [text.strip()] if text.strip() else []


def rule_parameter(brief: Brief, name: str, default: Default) -> float | Default:
    """A parameter of the rules the marts apply, as published (dim_kpi_rule_parameters)."""
    if not brief.marts.has_fields("dim_kpi_rule_parameters", ("parameter_name", "parameter_value")):
        return default
    frame = brief.marts.select(
        "dim_kpi_rule_parameters",
        ["parameter_name", "parameter_value"],
        where="parameter_name = ?",
        params=[name],
    )
    if frame.empty or frame.iloc[0]["parameter_value"] is None:
        return default
    return float(frame.iloc[0]["parameter_value"])
