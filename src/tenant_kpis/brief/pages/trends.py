"""Page 2: each autonomy KPI over 13 weeks with band, 95% interval, threshold and breaches."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from matplotlib.lines import Line2D

from tenant_kpis.brief import charts, fmt, style
from tenant_kpis.brief.context import AUTONOMY_KPIS, Brief, KpiInfo
from tenant_kpis.brief.layout import CONTENT_WIDTH, MARGIN_X, Page
from tenant_kpis.brief.marts import MartUnavailable
from tenant_kpis.brief.queries import scorecard

TITLE = "90-day trends"


def thresholds(info: KpiInfo, history: pd.DataFrame) -> list[object]:
    """The status threshold per week: the mart's, else the band edge a KPI must not cross."""
    edge = "band_low" if info.higher_is_better else "band_high"
    return [
        row["threshold"] if not fmt.is_missing(row["threshold"]) else row[edge]
        for _, row in history.iterrows()
    ]


def render(page: Page, brief: Brief) -> None:
    scope = brief.scope
    page.paragraph(
        f"{scope.label}, the 13 weeks ending with the week of {scope.week}. Blue: the "
        "benchmark band of the segment; grey: the value's 95% interval; dashed: the threshold "
        "the status is judged against; markers: ▼ off track (whole interval past the "
        "threshold), ▽ possibly off track, ● at risk, ▲ on track.",
        size=style.SMALL,
        color=style.MUTED,
    )
    page.gap(0.1)
    try:
        history = scorecard(brief, AUTONOMY_KPIS)
    except MartUnavailable as error:
        page.empty_state(f"The KPI scorecard is not available: {error}.")
        return
    weeks = [scope.first_week + timedelta(weeks=i) for i in range(13)]
    cols, rows = 2, 3
    gap_x, gap_y = 0.55, 0.62
    cell_w = (CONTENT_WIDTH - gap_x) / cols
    cell_h = (page.room - 0.2 - gap_y * rows) / rows
    top = page.cursor
    for index, name in enumerate(AUTONOMY_KPIS):
        info = brief.kpi(name)
        r, c = divmod(index, cols)
        x = MARGIN_X + 0.35 + c * (cell_w + gap_x)
        y = top - (r + 1) * (cell_h + gap_y) + 0.1
        ax = page.axes(x, y, cell_w - 0.35, cell_h)
        frame = history[history["kpi_name"] == name].sort_values("week_start")
        charts.trend(ax, weeks, frame, info.unit, thresholds(info, frame))
        current = frame[frame["week_start"] == scope.week]
        status = style.status(current.iloc[0]["status"] if len(current) else None)
        value = fmt.value(current.iloc[0]["value"], info.unit) if len(current) else "n/a"
        breaches = int((frame["status"] == "off_track").sum())
        units = fmt.sample(current.iloc[0].get("unit_count")) if len(current) else "n = ?"
        ax.set_title(
            f"{info.label}\n{value} ({units})  {status.symbol} {status.word} · "
            f"{breaches} of 13 weeks off track",
            loc="left",
            fontsize=style.SMALL,
            color=style.INK,
            pad=4,
        )
    r, c = divmod(len(AUTONOMY_KPIS), cols)
    x = MARGIN_X + 0.35 + c * (cell_w + gap_x)
    y = top - (r + 1) * (cell_h + gap_y) + 0.1
    ax = page.axes(x, y, cell_w - 0.35, cell_h)
    ax.axis("off")
    handles = [
        Line2D([], [], color=style.LINE, linewidth=1.4, label="KPI value (weekly)"),
        Line2D([], [], color=style.BAND, linewidth=8, label="benchmark band of the segment"),
        Line2D(
            [],
            [],
            color=style.INTERVAL,
            alpha=style.INTERVAL_ALPHA,
            linewidth=8,
            label="95% interval of the value",
        ),
        Line2D(
            [],
            [],
            color=style.THRESHOLD,
            linestyle="--",
            linewidth=0.9,
            label="threshold (band edge)",
        ),
    ]
    for key in ("off_track", "possibly_off_track", "at_risk", "on_track"):
        mark = style.STATUSES[key]
        handles.append(
            Line2D(
                [],
                [],
                marker=mark.marker,
                color=mark.color,
                linestyle="none",
                markeredgecolor=style.INK,
                markersize=6,
                label=f"{mark.symbol} {mark.word}",
            )
        )
    ax.legend(
        handles=handles,
        loc="upper left",
        fontsize=style.SMALL,
        title="How to read",
        title_fontsize=style.SMALL,
        alignment="left",
    )
    page.cursor = top - rows * (cell_h + gap_y)
