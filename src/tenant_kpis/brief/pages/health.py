"""Page 5: health band distribution, worsened tenants, top risks, back-test."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from tenant_kpis.brief import fmt, style
from tenant_kpis.brief.context import Brief
from tenant_kpis.brief.layout import CONTENT_WIDTH, MARGIN_X, Column, Page
from tenant_kpis.brief.marts import MartUnavailable
from tenant_kpis.brief.queries import action_list, tenant_filter

TITLE = "Health and risk"
HEALTH_MARTS = (
    "fct_tenant_health_weekly",
    "fct_tenant_health_changes",
    "fct_tenant_risk_scores",
    "fct_risk_backtest",
)
NOT_YET = "Health and risk data is not available yet"
TOP_RISKS = 10
# A tenant's name wraps to at most this many lines, then ends in an ellipsis.
TENANT_NAME_LINES = 2


def render(page: Page, brief: Brief) -> None:
    if not any(brief.marts.has(m) for m in HEALTH_MARTS):
        page.empty_state(f"{NOT_YET}: the health and risk marts are not in this publication.")
        return
    if brief.scope.segment_type == "persona":
        page.empty_state(
            "Health and risk are tenant-level and not split by persona: see the platform brief."
        )
        return
    page.heading("Health band distribution", "live tenants, this week vs the previous week")
    _guard(page, lambda: _bands(page, brief))
    page.gap(0.12)
    page.heading("Tenants whose band worsened this week")
    _guard(page, lambda: _worsened(page, brief))
    page.gap(0.12)
    page.heading("Top at-risk tenants", "lowest renewal probability at the latest scoring")
    _guard(page, lambda: _risks(page, brief))
    page.gap(0.12)
    page.heading("Risk model back-test")
    _guard(page, lambda: _backtest(page, brief))


def _guard(page: Page, draw: object) -> None:
    try:
        draw()  # type: ignore[operator]
    except MartUnavailable as error:
        page.empty_state(f"{NOT_YET}: {error}.", height=0.42)


def _bands(page: Page, brief: Brief) -> None:
    scope = brief.scope
    where, params = tenant_filter(brief)
    previous = scope.week - timedelta(weeks=1)
    frame = brief.marts.select(
        "fct_tenant_health_weekly",
        ["tenant_id", "week_start", "health_band"],
        required=["tenant_id", "week_start", "health_band"],
        where="week_start in (?, ?)" + (f" and {where}" if where else ""),
        params=[previous, scope.week, *params],
    )
    counts = (
        frame.groupby(["week_start", "health_band"]).size() if len(frame) else pd.Series(dtype=int)
    )
    if frame.empty:
        page.empty_state(
            f"No health scores for {scope.label.lower()} in the week of {scope.week}.", height=0.42
        )
        return
    height = 0.85
    bottom = page.take(height + 0.3)
    ax = page.axes(MARGIN_X + 1.15, bottom + 0.32, CONTENT_WIDTH - 1.3, height - 0.1)
    labels = [f"week of {previous}", f"week of {scope.week}"]
    summaries = []
    for row, week in enumerate((previous, scope.week)):
        left = 0.0
        total = sum(_count(counts, week, key) for key in style.HEALTH_BANDS)
        parts = []
        for key, band in style.HEALTH_BANDS.items():
            n = _count(counts, week, key)
            parts.append(f"{band.symbol} {band.word} {n}")
            if n:
                ax.barh(
                    row,
                    n,
                    left=left,
                    color=band.color,
                    hatch=band.hatch,
                    edgecolor="white",
                    height=0.6,
                )
                if total and n / total >= 0.1:
                    ax.text(
                        left + n / 2,
                        row,
                        f"{band.symbol} {n}",
                        ha="center",
                        va="center",
                        fontsize=style.TINY,
                        color=style.INK,
                        bbox={
                            "boxstyle": "round,pad=0.15",
                            "facecolor": "white",
                            "edgecolor": "none",
                        },
                    )
            left += n
        summaries.append(f"{labels[row]}: " + ", ".join(parts))
    ax.set_yticks([0, 1])
    ax.set_yticklabels(labels, fontsize=style.SMALL)
    ax.invert_yaxis()
    ax.set_xlabel("tenants", labelpad=1)
    ax.grid(axis="y", visible=False)
    page.gap(0.04)
    page.paragraph(" · ".join(reversed(summaries)), size=style.SMALL, color=style.MUTED)


def _count(counts: pd.Series, week: object, key: str) -> int:
    for index in ((pd.Timestamp(week), key), (week, key)):  # type: ignore[arg-type]
        if index in counts.index:
            return int(counts[index])
    return 0


def _tenant_names(brief: Brief, ids: list[str]) -> dict[str, tuple[str, str, str]]:
    if not ids or not brief.marts.has("dim_tenants"):
        return {}
    frame = brief.marts.select(
        "dim_tenants",
        ["tenant_id", "tenant_name", "industry", "plan_tier"],
        where=f"tenant_id in ({', '.join('?' for _ in ids)})",
        params=ids,
    )
    return {
        str(r.tenant_id): (
            str(r.tenant_name or r.tenant_id),
            str(r.industry or "—"),
            str(r.plan_tier or "—"),
        )
        for r in frame.itertuples()
    }


def _worsened(page: Page, brief: Brief) -> None:
    scope = brief.scope
    where, params = tenant_filter(brief)
    frame = brief.marts.select(
        "fct_tenant_health_changes",
        [
            "tenant_id",
            "week_start",
            "previous_band",
            "current_band",
            "previous_score",
            "current_score",
            "score_change",
            "main_driver",
            "driver_change",
        ],
        required=["tenant_id", "week_start", "current_band"],
        where="week_start = ?" + (f" and {where}" if where else ""),
        params=[scope.week, *params],
        order_by="score_change nulls last, tenant_id",
    )
    names = _tenant_names(brief, [str(t) for t in frame["tenant_id"]])
    rows, colours = [], []
    for _, row in frame.iterrows():
        name, industry, tier = names.get(str(row["tenant_id"]), (str(row["tenant_id"]), "—", "—"))
        before = style.HEALTH_BANDS.get(str(row["previous_band"]))
        after = style.HEALTH_BANDS.get(str(row["current_band"]))
        driver = str(row["main_driver"]) if not fmt.is_missing(row["main_driver"]) else "—"
        if not fmt.is_missing(row["driver_change"]):
            driver += f" ({float(row['driver_change']):+.1f} pts)"
        rows.append(
            [
                name,
                f"{fmt.humanise(industry)} / {tier}",
                f"{before.word if before else row['previous_band']} → "
                f"{after.symbol + ' ' + after.word if after else row['current_band']}",
                f"{_num(row['previous_score'])} → {_num(row['current_score'])}",
                driver,
            ]
        )
        colours.append(after.color if after else None)
    columns = [
        Column("Tenant", 0.25, wrap=True, max_lines=TENANT_NAME_LINES),
        Column("Industry / tier", 0.2, wrap=True),
        Column("Band", 0.19),
        Column("Score", 0.11, "right"),
        Column("Component that fell most", 0.25, wrap=True),
    ]
    page.table(
        columns,
        rows,
        max_height=2.1,
        marker_colors=colours,
        empty=f"No tenant of {scope.label.lower()} moved to a worse band this week.",
    )


def _num(value: object) -> str:
    return "n/a" if fmt.is_missing(value) else f"{float(value):.0f}"  # type: ignore[arg-type]


def _risks(page: Page, brief: Brief) -> None:
    scope = brief.scope
    where, params = tenant_filter(brief)
    marts = brief.marts
    latest = marts.select(
        "fct_tenant_risk_scores",
        ["scored_week"],
        required=["tenant_id", "scored_week", "renewal_probability"],
        where="cast(scored_week as date) <= ?",
        params=[scope.week_end - timedelta(days=1)],
        order_by="scored_week desc",
        limit=1,
    )
    if latest.empty:
        page.empty_state(f"No risk scores on or before the week of {scope.week}.", height=0.42)
        return
    scored = latest.iloc[0]["scored_week"]
    frame = marts.select(
        "fct_tenant_risk_scores",
        [
            "tenant_id",
            "scored_week",
            "renewal_probability",
            "expansion_probability",
            "risk_band",
            "model_status",
            "driver_1",
            "driver_2",
            "driver_3",
        ],
        where="scored_week = ? and renewal_probability is not null"
        + (f" and {where}" if where else ""),
        params=[scored, *params],
        order_by="renewal_probability, tenant_id",
        limit=TOP_RISKS,
    )
    if frame.empty:
        statuses = (
            marts.select(
                "fct_tenant_risk_scores",
                ["scored_week", "model_status"],
                where="scored_week = ?",
                params=[scored],
            )["model_status"]
            .dropna()
            .unique()
        )
        reason = ", ".join(sorted(fmt.humanise(s) for s in statuses)) or "no probabilities"
        page.empty_state(
            f"No renewal probability for {scope.label.lower()} in the week of "
            f"{fmt.day(scored)} (model status: {reason}).",
            height=0.42,
        )
        return
    names = _tenant_names(brief, [str(t) for t in frame["tenant_id"]])
    rows = []
    for _, row in frame.iterrows():
        name, industry, tier = names.get(str(row["tenant_id"]), (str(row["tenant_id"]), "—", "—"))
        band = "" if fmt.is_missing(row["risk_band"]) else str(row["risk_band"])
        alert = {"high": "▼ high", "medium": "● medium", "low": "▲ low"}.get(band, band or "—")
        drivers = [
            str(row[f"driver_{i}"]) for i in (1, 2, 3) if not fmt.is_missing(row[f"driver_{i}"])
        ]
        rows.append(
            [
                name,
                f"{fmt.humanise(industry)} / {tier}",
                fmt.pct(row["renewal_probability"]),
                fmt.pct(row["expansion_probability"]),
                alert,
                "; ".join(d for part in drivers for d in action_list(part)) or "—",
            ]
        )
    page.paragraph(
        f"Scored in the week of {fmt.day(scored)} from each tenant's first 30 days. Risk band: "
        "▼ high when 1 − renewal probability reaches the back-tested alert threshold, "
        "● medium at half of it, ▲ low otherwise.",
        size=style.TINY,
        color=style.MUTED,
    )
    columns = [
        Column("Tenant", 0.19, wrap=True, max_lines=TENANT_NAME_LINES),
        Column("Industry / tier", 0.16, wrap=True),
        Column("Renewal", 0.08, "right"),
        Column("Expansion", 0.09, "right"),
        Column("Risk", 0.08),
        Column("Drivers pulling renewal down", 0.40, wrap=True),
    ]
    page.table(
        columns,
        rows,
        max_height=max(0.6, page.room - 1.25),
        size=style.TINY,
        empty=f"No scored tenant in {scope.label.lower()}.",
    )


def _backtest(page: Page, brief: Brief) -> None:
    frame = brief.marts.select(
        "fct_risk_backtest",
        [
            "outcome",
            "model",
            "status",
            "roc_auc",
            "brier",
            "precision",
            "recall",
            "threshold",
            "fpr",
            "n",
        ],
        required=["roc_auc"],
        order_by="outcome, model",
    )
    if len(frame) > 1:
        main_models = frame[~frame["model"].astype(str).str.startswith("baseline")]
        frame = main_models if len(main_models) else frame
    if frame.empty:
        page.empty_state("The back-test has no rows.", height=0.42)
        return
    for _, row in frame.iterrows():
        outcome = "" if fmt.is_missing(row["outcome"]) else f"{fmt.humanise(row['outcome'])} "
        model = "" if fmt.is_missing(row["model"]) else f"{fmt.humanise(row['model'])}, "
        n = "" if fmt.is_missing(row["n"]) else f"{fmt.integer(row['n'])} back-test tenants"
        head = f"{outcome.capitalize() or 'Risk '}model ({model}{n}, platform-wide)"
        if not fmt.is_missing(row["status"]) and str(row["status"]) != "ok":
            page.paragraph(f"{head}: {fmt.humanise(row['status'])}.", bullet="•", size=style.SMALL)
            continue
        parts = [f"ROC AUC {_dec(row['roc_auc'])}", f"Brier score {_dec(row['brier'], 3)}"]
        if not fmt.is_missing(row["precision"]):
            at = (
                ""
                if fmt.is_missing(row["threshold"])
                else (f" at alert threshold {_dec(row['threshold'])}")
            )
            parts.append(
                f"precision {fmt.pct(row['precision'])} and recall {fmt.pct(row['recall'])}{at}"
            )
        if not fmt.is_missing(row["fpr"]):
            parts.append(f"false-positive rate {fmt.pct(row['fpr'])}")
        page.paragraph(f"{head}: " + ", ".join(parts) + ".", bullet="•", size=style.SMALL)


def _dec(value: object, digits: int = 2) -> str:
    return "n/a" if fmt.is_missing(value) else f"{float(value):.{digits}f}"  # type: ignore[arg-type]
