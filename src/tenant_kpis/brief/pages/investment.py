"""Page 7: segments ranked by investment priority with the three rubric parts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tenant_kpis.brief import fmt, style
from tenant_kpis.brief.context import Brief
from tenant_kpis.brief.layout import CONTENT_WIDTH, MARGIN_X, Column, Page

TITLE = "Investment priority"
NOT_YET = "Investment priority is not available yet"
FIELDS = (
    "week_start",
    "segment_type",
    "segment_value",
    "adoption_velocity",
    "impact_per_tenant",
    "cost_to_serve",
    "adoption_velocity_z",
    "impact_per_tenant_z",
    "cost_to_serve_z",
    "score",
    "rank",
)
COMPONENTS = (
    ("adoption_velocity_z", "adoption velocity"),
    ("impact_per_tenant_z", "impact per tenant"),
    ("cost_to_serve_z", "cost to serve"),
)


def load(brief: Brief) -> pd.DataFrame:
    marts = brief.marts
    scope = brief.scope
    where, params = "", []
    if marts.resolve("fct_investment_priority", "week_start") is not None:
        where, params = "week_start = ?", [scope.week]
    if not scope.is_platform:
        where += (" and " if where else "") + "segment_type = ? and segment_value = ?"
        params += [scope.segment_type, scope.segment_value]
    return marts.select(
        "fct_investment_priority",
        FIELDS,
        required=("segment_type", "segment_value", "score", "rank"),
        where=where,
        params=params,
        order_by="segment_type, rank, segment_value",
    )


def render(page: Page, brief: Brief) -> None:
    scope = brief.scope
    if not brief.marts.has("fct_investment_priority"):
        page.empty_state(f"{NOT_YET}: fct_investment_priority is not in this publication.")
        return
    frame = load(brief)
    page.paragraph(
        "Score = weighted sum of three standardised components (weights in the seed "
        "investment_priority_weights): adoption velocity (4-week change of weekly adoption), "
        "impact per tenant (4-week change of the mean health score) and cost to serve (cost "
        "per learner, which lowers the score). Rank 1 = invest first."
        + ("" if scope.is_platform else " A segment brief shows the segment's own row only."),
        size=style.SMALL,
        color=style.MUTED,
    )
    page.gap(0.1)
    if frame.empty:
        page.empty_state(
            f"No investment priority for {scope.label.lower()} in the week of {scope.week}."
        )
        return
    for segment_type, group in frame.groupby("segment_type", sort=True):
        if page.room < 1.2:
            page.paragraph(
                f"+ {segment_type} ranking not shown (no room).",
                size=style.SMALL,
                color=style.MUTED,
            )
            continue
        page.heading(f"By {fmt.humanise(segment_type)} ({len(group)} ranked)")
        _chart(page, group)
        _table(page, group)
        page.gap(0.15)


def _chart(page: Page, group: pd.DataFrame) -> None:
    n = len(group)
    height = min(2.6, 0.5 + 0.3 * n)
    bottom = page.take(height + 0.35)
    ax = page.axes(MARGIN_X + 1.6, bottom + 0.35, CONTENT_WIDTH - 1.7, height)
    y = np.arange(n)
    bar = 0.8 / len(COMPONENTS)
    for c, (column, label) in enumerate(COMPONENTS):
        values = [0.0 if fmt.is_missing(v) else float(v) for v in group[column]]
        ax.barh(
            y - 0.4 + bar * (c + 0.5),
            values,
            height=bar * 0.9,
            color=style.CATEGORY[c],
            hatch=style.HATCHES[c],
            edgecolor="white",
            linewidth=0.4,
            label=label,
        )
    ax.axvline(0, color=style.INK, linewidth=0.7)
    ax.set_yticks(y)
    ax.set_yticklabels(
        [
            f"#{int(r)}  {fmt.humanise(v)}"
            for r, v in zip(group["rank"], group["segment_value"], strict=True)
        ],
        fontsize=style.SMALL,
    )
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlabel("standardised component (z-score as stored in the mart)")
    ax.grid(axis="y", visible=False)
    ax.legend(
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncols=3,
        fontsize=style.TINY,
        borderaxespad=0.1,
    )


def _table(page: Page, group: pd.DataFrame) -> None:
    rows = []
    for _, row in group.iterrows():
        rows.append(
            [
                f"#{int(row['rank'])}",
                fmt.humanise(row["segment_value"]),
                f"{float(row['score']):+.2f}",
                _pair(fmt.change(row["adoption_velocity"], "rate"), row["adoption_velocity_z"]),
                _pair(
                    "n/a"
                    if fmt.is_missing(row["impact_per_tenant"])
                    else f"{float(row['impact_per_tenant']):+.1f} pts",
                    row["impact_per_tenant_z"],
                ),
                _pair(fmt.value(row["cost_to_serve"], "usd"), row["cost_to_serve_z"]),
            ]
        )
    columns = [
        Column("Rank", 0.07),
        Column("Segment", 0.2),
        Column("Score", 0.1, "right"),
        Column("Adoption velocity (z)", 0.21, "right"),
        Column("Impact per tenant (z)", 0.21, "right"),
        Column("Cost to serve (z)", 0.21, "right"),
    ]
    page.table(columns, rows, max_height=2.2)


def _pair(text: str, z: object) -> str:
    return text + ("" if fmt.is_missing(z) else f" ({float(z):+.2f})")  # type: ignore[arg-type]
