"""Page 4: activation and first value, time to value, retention, usage streaks."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from tenant_kpis.brief import charts, fmt, style
from tenant_kpis.brief.context import Brief
from tenant_kpis.brief.layout import CONTENT_WIDTH, MARGIN_X, Page
from tenant_kpis.brief.marts import MartUnavailable
from tenant_kpis.brief.queries import kpi_values, tenant_filter

TITLE = "Onboarding and retention"
PERSONAS = ("admin", "operator", "end_user")
WINDOWS = (14, 30, 60)
# (chart title, its KPI for each of WINDOWS), named in full so that a search
# for a KPI's name finds this page
MILESTONES = (
    ("Activation", ("activation_rate_14d", "activation_rate_30d", "activation_rate_60d")),
    ("First value", ("first_value_rate_14d", "first_value_rate_30d", "first_value_rate_60d")),
)
MILESTONE_KPIS = tuple(kpi for _, kpis in MILESTONES for kpi in kpis)
# (measure, chart title, KPI) of the two time-to-milestone distributions
MEDIAN_KPIS = (
    ("activate", "Signup to activation", "time_to_activate_median_days"),
    ("first_value", "Signup to first value", "time_to_first_value_median_days"),
)
STREAK_KPIS = (("streak_4w_share", "rate"), ("repeat_usage_days_per_week", "days_per_week"))
# Every KPI whose value this page shows, in page order (the quality page defines them).
KPIS_SHOWN = (
    *MILESTONE_KPIS,
    *(kpi for _, _, kpi in MEDIAN_KPIS),
    *(kpi for kpi, _ in STREAK_KPIS),
)
DIST_WEEKS = 26
DIST_CAP_DAYS = 63
HEATMAP_COHORTS = 12
HEATMAP_OFFSETS = 13


def series(brief: Brief) -> tuple[str, list[str]]:
    """Segment type and values to compare: personas for the platform, else the scope."""
    scope = brief.scope
    if scope.is_platform:
        return "persona", list(PERSONAS)
    return scope.segment_type, [scope.segment_value]


def _series_label(value: str) -> str:
    return fmt.humanise(value)


def render(page: Page, brief: Brief) -> None:
    scope = brief.scope
    kind, values = series(brief)
    page.paragraph(
        f"{scope.label}. Rates are the KPI mart's rolling cohorts in the week of {scope.week}: "
        "users observed at least N days who reached the milestone within N days."
        + ("" if scope.is_platform else " Persona splits are shown in the platform brief."),
        size=style.SMALL,
        color=style.MUTED,
    )
    page.heading(
        "Activation and first value within 14, 30 and 60 days",
        "by persona" if scope.is_platform else scope.label.lower(),
    )
    _section(page, 2.05, lambda p, b: _milestones(p, b, kind, values), brief)
    page.gap(0.1)
    page.heading("Time to value", f"users who signed up in the {DIST_WEEKS} weeks to this week")
    _section(page, 1.85, lambda p, b: _distributions(p, b), brief)
    page.gap(0.1)
    page.heading("Cohort retention", "share of a signup-week cohort active k weeks later")
    _section(page, 2.45, _retention, brief)
    page.gap(0.1)
    page.heading("Usage streaks", "13 weeks")
    _section(page, max(1.2, page.room - 0.05), lambda p, b: _streaks(p, b, kind, values), brief)


def _section(page: Page, height: float, draw: object, brief: Brief) -> None:
    """Draw a block; a missing mart becomes a message in the block's place."""
    start = page.cursor
    try:
        draw(page, brief)  # type: ignore[operator]
    except MartUnavailable as error:
        page.cursor = start
        page.empty_state(f"Not available: {error}.", height=0.45)
        return
    page.cursor = min(page.cursor, start - height)


def _milestones(page: Page, brief: Brief, kind: str, values: list[str]) -> None:
    frame = kpi_values(brief, list(MILESTONE_KPIS), kind, values)
    height = 1.75
    bottom = page.take(height + 0.3)
    width = (CONTENT_WIDTH - 0.9) / 2
    for index, (title, kpis) in enumerate(MILESTONES):
        ax = page.axes(MARGIN_X + 0.4 + index * (width + 0.5), bottom + 0.25, width, height - 0.1)
        _grouped_bars(ax, brief, frame, kpis, values)
        ax.set_title(title, loc="left", fontsize=style.SMALL)


def _grouped_bars(
    ax: Axes, brief: Brief, frame: pd.DataFrame, kpis: tuple[str, ...], values: list[str]
) -> None:
    n = len(values)
    bar = 0.8 / n
    any_value = False
    for s, value in enumerate(values):
        heights = []
        for kpi in kpis:
            row = frame[(frame["kpi_name"] == kpi) & (frame["segment_value"] == value)]
            v = row.iloc[0]["value"] if len(row) else None
            heights.append(np.nan if fmt.is_missing(v) else float(v))
        x = np.arange(len(WINDOWS)) - 0.4 + bar * (s + 0.5)
        ax.bar(
            x,
            np.nan_to_num(heights),
            width=bar * 0.92,
            color=style.CATEGORY[s],
            hatch=style.HATCHES[s],
            edgecolor="white",
            linewidth=0.4,
            label=_series_label(value),
        )
        for xi, h in zip(x, heights, strict=True):
            text = "n/a" if np.isnan(h) else fmt.pct(h)
            any_value = any_value or not np.isnan(h)
            ax.text(
                xi,
                (0 if np.isnan(h) else h) + 0.02,
                text,
                ha="center",
                va="bottom",
                fontsize=5.8 if n > 2 else style.TINY,
                color=style.INK,
            )
    ax.set_xticks(range(len(WINDOWS)))
    ax.set_xticklabels([f"within {w} days" for w in WINDOWS])
    ax.set_ylim(0, 1.15)
    charts.unit_axis(ax, "rate")
    ax.grid(axis="x", visible=False)
    if not any_value:
        ax.text(
            0.5,
            0.6,
            "no data this week",
            transform=ax.transAxes,
            ha="center",
            fontsize=style.SMALL,
            color=style.MUTED,
            style="italic",
        )
    ax.legend(
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncols=n,
        fontsize=style.TINY,
        handlelength=1.2,
        columnspacing=0.8,
        borderaxespad=0.1,
    )


def _distributions(page: Page, brief: Brief) -> None:
    scope = brief.scope
    marts = brief.marts
    where, params = (
        tenant_filter(brief)
        if scope.segment_type != "persona"
        else ("persona = ?", [scope.segment_value])
    )
    since = scope.week_end - timedelta(weeks=DIST_WEEKS)
    condition = "created_at >= ? and created_at < ?" + (f" and {where}" if where else "")
    relation = marts.relation("fct_user_onboarding")
    columns = {
        f: marts.resolve("fct_user_onboarding", f)
        for f in (
            "persona",
            "created_at",
            "tenant_id",
            "time_to_activate_days",
            "time_to_first_value_days",
        )
    }
    missing = [f for f, c in columns.items() if c is None]
    if missing:
        raise MartUnavailable(f"fct_user_onboarding has no column for {', '.join(missing)}")
    base = f"select {', '.join(f'{c} as {f}' for f, c in columns.items())} from {relation}"
    frame = marts.connection.execute(
        f"""
        with users as (select * from ({base}) where {condition})
        select persona, 'activate' as measure,
               least(time_to_activate_days, {DIST_CAP_DAYS}) // 7 as bin, count(*) as users
        from users where time_to_activate_days is not null group by all
        union all
        select persona, 'first_value', least(time_to_first_value_days, {DIST_CAP_DAYS}) // 7,
               count(*)
        from users where time_to_first_value_days is not null group by all
        order by 1, 2, 3
        """,
        [since, scope.week_end, *params],
    ).df()
    medians = kpi_values(brief, [kpi for _, _, kpi in MEDIAN_KPIS], *series(brief))
    height = 1.55
    bottom = page.take(height + 0.3)
    width = (CONTENT_WIDTH - 0.9) / 2
    personas = [p for p in PERSONAS if p in set(frame["persona"])] or list(PERSONAS)
    for index, (measure, title, kpi) in enumerate(MEDIAN_KPIS):
        ax = page.axes(MARGIN_X + 0.4 + index * (width + 0.5), bottom + 0.25, width, height - 0.1)
        sub = frame[frame["measure"] == measure]
        bins = np.arange(DIST_CAP_DAYS // 7 + 1)
        for s, persona in enumerate(personas):
            counts = sub[sub["persona"] == persona].set_index("bin")["users"]
            y = [int(counts.get(b, 0)) for b in bins]
            ax.step(
                bins,
                y,
                where="mid",
                color=style.CATEGORY[s],
                linewidth=1.3,
                linestyle=("-", "--", ":")[s % 3],
                label=(
                    f"{_series_label(persona)}: {_median_label(brief, medians, kpi, persona)}"
                    if brief.scope.is_platform
                    else _series_label(persona)
                ),
            )
        ax.set_xticks(bins)
        ax.set_xticklabels([f"{b * 7}" if b < bins[-1] else f"{b * 7}+" for b in bins])
        ax.set_xlabel("days (weekly bins)")
        ax.set_ylabel("users")
        if not brief.scope.is_platform:
            median = _median_label(brief, medians, kpi, brief.scope.segment_value)
            title += f" · segment median {median}"
        ax.set_title(title, loc="left", fontsize=style.SMALL)
        if sub.empty:
            ax.text(
                0.5,
                0.5,
                "no users in this window",
                transform=ax.transAxes,
                ha="center",
                fontsize=style.SMALL,
                color=style.MUTED,
                style="italic",
            )
        ax.legend(
            loc="upper right",
            fontsize=5.8,
            title="median (KPI mart)" if brief.scope.is_platform else "persona",
            title_fontsize=5.8,
        )


def _median_label(brief: Brief, medians: pd.DataFrame, kpi: str, value_key: str) -> str:
    row = medians[(medians["kpi_name"] == kpi) & (medians["segment_value"] == value_key)]
    return fmt.value(row.iloc[0]["value"], "days") if len(row) else "n/a"


def _retention(page: Page, brief: Brief) -> None:
    scope = brief.scope
    first_cohort = scope.week - timedelta(weeks=HEATMAP_COHORTS - 1)
    frame = brief.marts.select(
        "fct_retention_cohorts",
        [
            "cohort_week",
            "weeks_since_signup",
            "segment_type",
            "segment_value",
            "cohort_size",
            "retention_rate",
        ],
        required=["cohort_week", "weeks_since_signup", "retention_rate"],
        where="segment_type = ? and segment_value = ? and cast(cohort_week as date) between ? "
        "and ? and weeks_since_signup < ? "
        "and cast(cohort_week as date) + 7 * weeks_since_signup <= ?",
        params=[
            scope.segment_type,
            scope.segment_value,
            first_cohort,
            scope.week,
            HEATMAP_OFFSETS,
            scope.week,
        ],
        order_by="cohort_week, weeks_since_signup",
    )
    height = 2.2
    bottom = page.take(height + 0.25)
    ax = page.axes(MARGIN_X + 1.05, bottom + 0.3, CONTENT_WIDTH - 1.2, height - 0.1)
    cohorts = [first_cohort + timedelta(weeks=i) for i in range(HEATMAP_COHORTS)]
    grid = np.full((len(cohorts), HEATMAP_OFFSETS), np.nan)
    frame["cohort_week"] = pd.to_datetime(frame["cohort_week"]).dt.date
    index = {c: i for i, c in enumerate(cohorts)}
    sizes: dict[int, object] = {}
    for _, row in frame.iterrows():
        i = index.get(row["cohort_week"])
        if i is None or fmt.is_missing(row["retention_rate"]):
            continue
        grid[i, int(row["weeks_since_signup"])] = float(row["retention_rate"])
        sizes[i] = row["cohort_size"]
    ax.imshow(np.ma.masked_invalid(grid), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i in range(grid.shape[0]):
        for k in range(grid.shape[1]):
            if not np.isnan(grid[i, k]):
                ax.text(
                    k,
                    i,
                    f"{grid[i, k] * 100:.0f}",
                    ha="center",
                    va="center",
                    fontsize=5.5,
                    color="white" if grid[i, k] > 0.55 else style.INK,
                )
    ax.set_xticks(range(HEATMAP_OFFSETS))
    ax.set_xticklabels([str(k) for k in range(HEATMAP_OFFSETS)])
    ax.set_yticks(range(len(cohorts)))
    ax.set_yticklabels(
        [f"{fmt.day(c)}  n={fmt.integer(sizes.get(i))}" for i, c in enumerate(cohorts)],
        fontsize=5.5,
    )
    ax.set_xlabel("weeks since signup (cells: % of the cohort active; blank = not yet observed)")
    ax.grid(False)
    if not np.isfinite(grid).any():
        ax.text(
            0.5,
            0.5,
            "no cohort data for these weeks",
            transform=ax.transAxes,
            ha="center",
            fontsize=style.SMALL,
            color=style.MUTED,
            style="italic",
        )


def _streaks(page: Page, brief: Brief, kind: str, values: list[str]) -> None:
    frame = kpi_values(brief, [kpi for kpi, _ in STREAK_KPIS], kind, values, weeks=13)
    height = min(1.6, page.room - 0.3)
    bottom = page.take(height + 0.3)
    width = (CONTENT_WIDTH - 0.9) / 2
    weeks = [brief.scope.first_week + timedelta(weeks=i) for i in range(13)]
    for index, (kpi, unit) in enumerate(STREAK_KPIS):
        ax = page.axes(MARGIN_X + 0.4 + index * (width + 0.5), bottom + 0.25, width, height - 0.1)
        for s, value in enumerate(values):
            sub = frame[(frame["kpi_name"] == kpi) & (frame["segment_value"] == value)]
            x = charts.week_positions(weeks, sub)
            y = [np.nan if fmt.is_missing(v) else float(v) for v in sub["value"]]
            ax.plot(
                x,
                y,
                color=style.CATEGORY[s],
                linestyle=("-", "--", ":")[s % 3],
                marker="os^"[s % 3],
                markersize=2.5,
                linewidth=1.2,
                label=_series_label(value),
            )
        ax.set_xlim(-0.5, 12.5)
        ax.set_xticks([0, 4, 8, 12])
        ax.set_xticklabels([fmt.day(weeks[i])[5:] for i in (0, 4, 8, 12)])
        if unit == "rate":
            charts.unit_axis(ax, unit)
        ax.set_title(
            "4+ week streak share" if index == 0 else "Active days per week",
            loc="left",
            fontsize=style.SMALL,
        )
        ax.legend(
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            ncols=len(values),
            fontsize=style.TINY,
            handlelength=1.6,
            columnspacing=0.8,
            borderaxespad=0.1,
        )
