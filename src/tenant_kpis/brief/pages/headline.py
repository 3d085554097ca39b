"""Page 1: week, scope, freshness, five autonomy KPI tiles and the summary."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tenant_kpis.brief import charts, fmt, narrative, style
from tenant_kpis.brief.context import AUTONOMY_KPIS, Brief
from tenant_kpis.brief.layout import CONTENT_WIDTH, MARGIN_X, PAGE_WIDTH, Page
from tenant_kpis.brief.marts import MartUnavailable
from tenant_kpis.brief.pages import alerts as alerts_page
from tenant_kpis.brief.queries import first_action, scorecard

TITLE = "Headline"
TILE_HEIGHT = 1.16


def kpi_weeks(brief: Brief, history: pd.DataFrame) -> list[narrative.KpiWeek]:
    """The five autonomy KPIs in the brief's week, with their off-track streak."""
    out = []
    for name in AUTONOMY_KPIS:
        rows = history[history["kpi_name"] == name].sort_values("week_start")
        current = rows[rows["week_start"] == brief.scope.week]
        row: dict[str, Any] | None = current.iloc[0].to_dict() if len(current) else None
        streak = 0
        if row is not None and not fmt.is_missing(row.get("weeks_off_track")):
            streak = int(row["weeks_off_track"])
        else:
            for status in reversed(list(rows["status"])):
                if status != "off_track":
                    break
                streak += 1
        action = first_action(row.get("playbook_actions")) if row else ""
        out.append(narrative.KpiWeek(brief.kpi(name), row, streak, action, reported=len(rows) > 0))
    return out


def _freshness(brief: Brief) -> str:
    parts = []
    if brief.build.get("published_at"):
        parts.append(f"marts published {fmt.stamp(brief.build['published_at'])}")
    if brief.marts.has("dq_source_freshness"):
        try:
            frame = brief.marts.select(
                "dq_source_freshness",
                ["source", "latest_at"],
                required=["latest_at"],
                order_by="latest_at desc nulls last",
                limit=1,
            )
            if len(frame) and frame.iloc[0]["latest_at"] is not None:
                parts.append(f"latest source record {fmt.stamp(_ts(frame.iloc[0]['latest_at']))}")
        except MartUnavailable:
            pass
    return "; ".join(parts) if parts else "freshness not published"


def _ts(value: Any) -> Any:
    return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value


def render(page: Page, brief: Brief) -> None:
    scope = brief.scope
    week_end = scope.week_end - pd.Timedelta(days=1)
    facts = [
        ("Week", f"{scope.week:%a %d %b %Y} – {week_end:%a %d %b %Y}"),
        ("Scope", scope.label),
        ("Data freshness", _freshness(brief)),
    ]
    for label, text in facts:
        page.cursor -= 0.19
        page.text(MARGIN_X, page.cursor, label, size=style.BODY, weight="bold")
        page.text(MARGIN_X + 1.25, page.cursor, text, size=style.BODY)
    page.gap(0.12)
    page.heading(
        "The five autonomy KPIs",
        "band = benchmark of the segment; sparkline = 13 weeks, band blue, 95% interval grey",
    )
    try:
        history = scorecard(brief, AUTONOMY_KPIS)
    except MartUnavailable as error:
        page.empty_state(f"The KPI scorecard is not available: {error}.")
        return
    kpis = kpi_weeks(brief, history)
    weeks = [scope.first_week + pd.Timedelta(weeks=i) for i in range(13)]
    weeks = [w if not isinstance(w, pd.Timestamp) else w.date() for w in weeks]
    for kpi in kpis:
        _tile(page, brief, kpi, history[history["kpi_name"] == kpi.info.kpi_name], weeks)
    page.gap(0.1)
    _legend(page)
    page.gap(0.1)
    page.heading("What changed and what to do")
    try:
        alerts = alerts_page.load(brief)
        shown = min(alerts.capacity, len(alerts.open))
        counts: tuple[int | None, int | None, int | None, str] = (
            len(alerts.open),
            alerts.opened_this_week,
            len(alerts.closed),
            f"page 3 lists the {shown} with the strongest evidence" if len(alerts.open) else "",
        )
    except MartUnavailable:
        counts = (None, None, None, "")
    for sentence in narrative.sentences(kpis, scope.label, f"{scope.week}", *counts):
        page.paragraph(sentence, bullet="•", size=style.BODY)
        page.gap(0.05)


def _tile(
    page: Page, brief: Brief, kpi: narrative.KpiWeek, history: pd.DataFrame, weeks: list[Any]
) -> None:
    bottom = page.take(TILE_HEIGHT)
    height = TILE_HEIGHT - 0.1
    top = bottom + height
    mark = style.status(kpi.status)
    page.box(MARGIN_X, bottom, CONTENT_WIDTH, height, color=style.PANEL)
    page.box(MARGIN_X, bottom, 0.07, height, color=mark.color, hatch=mark.hatch)
    row = kpi.row or {}
    unit = kpi.info.unit
    x0 = MARGIN_X + 0.2
    page.text(x0, top - 0.2, kpi.info.label, size=style.SUBHEADING, weight="bold")
    page.text(x0, top - 0.56, fmt.value(row.get("value"), unit), size=20, weight="bold")
    page.text(
        x0,
        top - 0.75,
        f"95% {fmt.interval(row.get('interval_lower'), row.get('interval_upper'), unit)} · "
        f"{fmt.sample(row.get('unit_count'))}",
        size=style.SMALL,
        color=style.MUTED,
    )
    page.text(
        x0,
        top - 0.93,
        f"{mark.symbol} {mark.word}",
        size=style.BODY,
        weight="bold",
        color=mark.color if kpi.status != "at_risk" else "#9a6a00",
    )
    x1 = MARGIN_X + 2.1
    band_label = row.get("band_label")
    band_text = fmt.band(row.get("band_low"), row.get("band_high"), unit)
    if band_label and not fmt.is_missing(band_label):
        page.text(
            MARGIN_X + CONTENT_WIDTH - 0.12,
            top - 0.2,
            _clip(f"band: {band_label}", 46),
            size=style.TINY,
            color=style.MUTED,
            ha="right",
        )
    lines = [
        ("Band", band_text),
        ("vs prior week", _change(row.get("change_1w"), row.get("change_1w_direction"), unit)),
        ("vs 4 weeks before", _change(row.get("change_4w"), row.get("change_4w_direction"), unit)),
        ("Owner", str(row.get("owner") or kpi.info.owner or "—")),
    ]
    for index, (label, text) in enumerate(lines):
        y = top - 0.42 - index * 0.16
        page.text(x1, y, label, size=style.SMALL, color=style.MUTED)
        page.text(x1 + 1.1, y, _clip(text, 34), size=style.SMALL)
    spark_x = MARGIN_X + 5.3
    spark_w = PAGE_WIDTH - MARGIN_X - spark_x - 0.12
    ax = page.axes(spark_x, bottom + 0.25, spark_w, height - 0.5)
    ax.set_facecolor("none")
    empty = (
        "no data in 13 weeks"
        if kpi.reported
        else (f"not reported per {fmt.humanise(brief.scope.segment_type)}")
    )
    charts.sparkline(ax, weeks, history, unit, empty=empty)
    page.text(spark_x, bottom + 0.1, fmt.day(weeks[0]), size=style.TINY, color=style.MUTED)
    page.text(
        spark_x + spark_w,
        bottom + 0.1,
        fmt.day(weeks[-1]),
        size=style.TINY,
        color=style.MUTED,
        ha="right",
    )


def _change(delta: Any, direction: Any, unit: str) -> str:
    """A change and whether it is larger than its noise (the scorecard's direction)."""
    text = fmt.change(delta, unit)
    if fmt.is_missing(delta) or fmt.is_missing(direction):
        return text
    return f"{text} ({'beyond' if str(direction) in ('up', 'down') else 'within'} noise)"


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _legend(page: Page) -> None:
    lines = (
        {
            "on_track": "on track (right side of the threshold)",
            "at_risk": "at risk (past it by at most 10%)",
            "small_sample": "too few to judge",
        },
        {
            "off_track": "off track (whole 95% interval past the threshold)",
            "possibly_off_track": "possibly off track (past it; interval reaches it)",
        },
    )
    for index, words in enumerate(lines):
        page.cursor -= 0.16
        x = MARGIN_X
        if index == 0:
            page.text(x, page.cursor, "Status:", size=style.SMALL, color=style.MUTED)
        x += 0.55
        for key, meaning in words.items():
            mark = style.STATUSES[key]
            page.text(
                x,
                page.cursor,
                f"{mark.symbol} {meaning}",
                size=style.SMALL,
                color=mark.color if key != "at_risk" else "#9a6a00",
            )
            x += 0.25 + len(meaning) * 0.062
