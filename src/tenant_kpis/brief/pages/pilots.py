"""Page 6: each pilot at its day-45 or day-90 checkpoint, lift with its interval."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from tenant_kpis.brief import fmt, queries, style
from tenant_kpis.brief.context import Brief
from tenant_kpis.brief.layout import CONTENT_WIDTH, MARGIN_X, Column, Page

TITLE = "Pilots"
NOT_YET = "Pilot results are not available yet"
FIELDS = (
    "is_observed",
    "balance_issues",
    "experiment_id",
    "checkpoint_day",
    "checkpoint_date",
    "outcome",
    "treatment_rate",
    "control_rate",
    "treatment_n",
    "control_n",
    "lift",
    "ci_low",
    "ci_high",
    "p_value",
    "decision",
    "meaning",
)
MEANING = {
    "scale": "The whole interval is above zero and the lift reaches the minimum effect: "
    "fund the roll-out to the next cohort.",
    "stop": "Even the top of the interval is below the minimum effect: stop the pilot and "
    "reallocate its budget.",
    "iterate": "The evidence is not yet conclusive: keep the pilot running, adjust it and "
    "decide at the next checkpoint.",
}


def load(brief: Brief) -> pd.DataFrame:
    """Checkpoints reached by the end of the brief's week, latest first per experiment."""
    marts = brief.marts
    week_last_day = brief.scope.week_end - timedelta(days=1)
    has_date = marts.resolve("fct_pilot_results", "checkpoint_date") is not None
    frame = marts.select(
        "fct_pilot_results",
        FIELDS,
        required=("experiment_id", "checkpoint_day", "lift", "ci_low", "ci_high", "decision"),
        where="cast(checkpoint_date as date) <= ?" if has_date else "",
        params=[week_last_day] if has_date else [],
        order_by="experiment_id, checkpoint_day",
    )
    return frame


def render(page: Page, brief: Brief) -> None:
    scope = brief.scope
    if not brief.marts.has("fct_pilot_results"):
        page.empty_state(f"{NOT_YET}: fct_pilot_results is not in this publication.")
        return
    if not scope.is_platform:
        page.empty_state(
            "Pilots compare arms across all pilot tenants, so they are shown in "
            "the platform brief only (a segment brief shows no other tenants)."
        )
        return
    frame = load(brief)
    min_effect = queries.rule_parameter(brief, "min_effect", None)
    named = "the minimum effect" + ("" if min_effect is None else f" ({_pts(min_effect)}, dashed)")
    page.paragraph(
        "Each experiment at its day-45 and day-90 checkpoints after the first assignment: "
        "lift = treatment rate − control rate with its 95% confidence interval. Decision rule "
        f"(seeded): scale if the interval is above 0 and the lift reaches {named}; "
        "stop if the interval's upper bound is below the minimum effect; else iterate.",
        size=style.SMALL,
        color=style.MUTED,
    )
    page.gap(0.1)
    if frame.empty:
        page.empty_state(f"No pilot had reached a checkpoint by the week of {scope.week}.")
        return
    _forest(page, frame, min_effect)
    page.gap(0.15)
    page.heading("Verdicts and what they mean")
    rows, colours = [], []
    for _, row in frame.iterrows():
        verdict = style.VERDICTS.get(str(row["decision"]).lower())
        meaning = (
            row["meaning"]
            if not fmt.is_missing(row["meaning"])
            else MEANING.get(str(row["decision"]).lower(), "")
        )
        rates = f"{fmt.pct(row['treatment_rate'])} vs {fmt.pct(row['control_rate'])}" + (
            ""
            if fmt.is_missing(row["treatment_n"])
            else f" (n={fmt.integer(row['treatment_n'])}/{fmt.integer(row['control_n'])})"
        )
        rows.append(
            [
                f"{row['experiment_id']}",
                f"day {int(row['checkpoint_day'])}"
                + (
                    ""
                    if fmt.is_missing(row["checkpoint_date"])
                    else f"\n{fmt.day(row['checkpoint_date'])}"
                ),
                rates,
                f"{_pts(row['lift'])} [{_pts(row['ci_low'])}, {_pts(row['ci_high'])}]",
                "n/a" if fmt.is_missing(row["p_value"]) else f"{float(row['p_value']):.3f}",
                f"{verdict.symbol} {verdict.word}" if verdict else str(row["decision"]),
                str(meaning)
                + (
                    ""
                    if fmt.is_missing(row["balance_issues"])
                    else f" Arms not balanced: {row['balance_issues']}."
                ),
            ]
        )
        colours.append(verdict.color if verdict else None)
    columns = [
        Column("Experiment", 0.14, wrap=True),
        Column("Checkpoint", 0.1, wrap=True),
        Column("Treated vs control", 0.16, wrap=True),
        Column("Lift [95% CI]", 0.16, wrap=True),
        Column("p", 0.06, "right"),
        Column("Verdict", 0.09),
        Column("What it means", 0.29, wrap=True),
    ]
    page.table(columns, rows, marker_colors=colours)


def _pts(value: object) -> str:
    if fmt.is_missing(value):
        return "n/a"
    return f"{float(value) * 100:+.1f} pts"  # type: ignore[arg-type]


def _forest(page: Page, frame: pd.DataFrame, min_effect: float | None) -> None:
    n = len(frame)
    height = min(3.8, 0.75 + 0.32 * n)
    bottom = page.take(height + 0.3)
    ax = page.axes(MARGIN_X + 1.9, bottom + 0.35, CONTENT_WIDTH - 2.0, height - 0.1)
    y = np.arange(n)
    for i, (_, row) in enumerate(frame.iterrows()):
        verdict = style.VERDICTS.get(str(row["decision"]).lower(), style.STATUSES["no_data"])
        if any(fmt.is_missing(row[c]) for c in ("ci_low", "ci_high", "lift")):
            ax.text(
                0,
                i,
                f"  no estimate ({row['decision']})",
                va="center",
                fontsize=style.TINY,
                color=style.MUTED,
                style="italic",
            )
            continue
        low, high, lift = (float(row[c]) * 100 for c in ("ci_low", "ci_high", "lift"))
        ax.plot([low, high], [i, i], color=verdict.color, linewidth=2.2, solid_capstyle="butt")
        ax.plot([low, low], [i - 0.15, i + 0.15], color=verdict.color, linewidth=1)
        ax.plot([high, high], [i - 0.15, i + 0.15], color=verdict.color, linewidth=1)
        ax.scatter(
            [lift],
            [i],
            marker=verdict.marker,
            s=50,
            color=verdict.color,
            edgecolor=style.INK,
            linewidth=0.6,
            zorder=3,
        )
    ax.axvline(0, color=style.INK, linewidth=0.8)
    if min_effect is not None:
        ax.axvline(min_effect * 100, color=style.MUTED, linewidth=0.8, linestyle="--")
    ax.set_yticks(y)
    ax.set_yticklabels(
        [f"{r.experiment_id} · day {int(r.checkpoint_day)}" for r in frame.itertuples()],
        fontsize=style.SMALL,
    )
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlabel("lift, percentage points (bar: 95% CI; ▲ scale ● iterate ▼ stop)")
    ax.grid(axis="y", visible=False)
