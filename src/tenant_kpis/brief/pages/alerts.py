"""Page 3: open and newly closed alerts with owners and playbook actions."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tenant_kpis.brief import fmt, style
from tenant_kpis.brief.context import Brief
from tenant_kpis.brief.layout import Column, Page
from tenant_kpis.brief.marts import MartUnavailable
from tenant_kpis.brief.queries import action_list, first_action, scorecard

TITLE = "Alerts and playbooks"
FIELDS = (
    "alert_id",
    "kpi_name",
    "segment_type",
    "segment_value",
    "opened_week",
    "closed_week",
    "weeks_open",
    "is_open",
    "owner",
    "playbook_actions",
)


@dataclass(frozen=True)
class Alerts:
    """Alerts of the brief's own segment (``all`` for the platform brief)."""

    open: pd.DataFrame
    opened_this_week: int
    closed: pd.DataFrame
    # platform brief only: open alerts of the other segments, per segment type
    segment_open: dict[str, int]

    def segment_summary(self) -> str:
        if not self.segment_open:
            return ""
        parts = [f"{n} {fmt.humanise(kind)}" for kind, n in sorted(self.segment_open.items())]
        total = sum(self.segment_open.values())
        return (
            f"{total} more alert{'s' if total != 1 else ''} open in segments "
            f"({', '.join(parts)}): see the segment briefs"
        )


def load(brief: Brief) -> Alerts:
    """Alerts of the scope open at the end of the week, and those closed in it."""
    scope = brief.scope
    where = (
        "cast(opened_week as date) <= ? and (closed_week is null or cast(closed_week as date) >= ?)"
    )
    params: list[object] = [scope.week, scope.week]
    if not scope.is_platform:
        where += " and segment_type = ? and segment_value = ?"
        params += [scope.segment_type, scope.segment_value]
    frame = brief.marts.select(
        "fct_kpi_alerts",
        FIELDS,
        required=("kpi_name", "segment_type", "segment_value", "opened_week"),
        where=where,
        params=params,
        order_by="case when segment_type = 'all' then 0 else 1 end, opened_week, kpi_name, "
        "segment_type, segment_value",
    )
    for column in ("opened_week", "closed_week"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    closed_mask = pd.Series(
        [d is not None and not pd.isna(d) and d <= scope.week for d in frame["closed_week"]],
        index=frame.index,
        dtype=bool,
    )
    open_frame = frame[~closed_mask].copy()
    closed_now = pd.Series(
        [d == scope.week for d in frame["closed_week"]], index=frame.index, dtype=bool
    )
    closed = frame[closed_mask & closed_now].copy()
    segment_open: dict[str, int] = {}
    if scope.is_platform:
        others = open_frame[open_frame["segment_type"] != "all"]
        segment_open = {str(k): int(v) for k, v in others.groupby("segment_type").size().items()}
        open_frame = open_frame[open_frame["segment_type"] == "all"]
        closed = closed[closed["segment_type"] == "all"]
    opened = int((open_frame["opened_week"] == scope.week).sum())
    return Alerts(
        open=open_frame, opened_this_week=opened, closed=closed, segment_open=segment_open
    )


def _weeks_open(brief: Brief, row: pd.Series) -> str:
    """Weeks from the opening week to the brief's week (or the closing week)."""
    end = (
        row["closed_week"]
        if row["closed_week"] is not None and not pd.isna(row["closed_week"])
        else brief.scope.week
    )
    return str((end - row["opened_week"]).days // 7 + 1)


def _segment(row: pd.Series) -> str:
    return (
        "all tenants"
        if row["segment_type"] == "all"
        else (f"{fmt.humanise(row['segment_type'])}: {row['segment_value']}")
    )


def _rows(brief: Brief, frame: pd.DataFrame, closed: bool) -> list[list[str]]:
    rows = []
    for _, row in frame.iterrows():
        actions = "; ".join(action_list(row["playbook_actions"])) or "—"
        rows.append(
            [
                brief.kpi(str(row["kpi_name"])).label,
                _segment(row),
                fmt.day(row["opened_week"]),
                fmt.day(row["closed_week"]) if closed else _weeks_open(brief, row),
                str(row["owner"] or brief.kpi(str(row["kpi_name"])).owner or "—"),
                actions,
            ]
        )
    return rows


def render(page: Page, brief: Brief) -> None:
    scope = brief.scope
    try:
        alerts = load(brief)
    except MartUnavailable as error:
        page.heading("Open alerts")
        page.empty_state(f"Alerts are not available: {error}.")
        alerts = None
    if alerts is not None:
        note = (
            f"{len(alerts.open)} open at the end of the week, "
            f"{alerts.opened_this_week} opened this week"
        )
        page.heading("Open alerts", note)
        page.paragraph(
            "An alert opens when a KPI is off track two weeks in a row and closes when it is "
            "back on track. Weeks open counts the weeks up to and including this week."
            + (
                f" Shown: alerts on all tenants; {alerts.segment_summary()}."
                if alerts.segment_open
                else ""
            ),
            size=style.SMALL,
            color=style.MUTED,
        )
        page.gap(0.05)
        columns = [
            Column("KPI", 0.22, wrap=True),
            Column("Segment", 0.15, wrap=True),
            Column("Opened", 0.11),
            Column("Weeks open", 0.09, "right"),
            Column("Owner", 0.14, wrap=True),
            Column("Playbook actions", 0.29, wrap=True),
        ]
        page.table(
            columns,
            _rows(brief, alerts.open, closed=False),
            max_height=4.3,
            empty=f"No open alerts for {scope.label.lower()} this week.",
        )
        page.gap(0.15)
        page.heading("Closed this week", f"{len(alerts.closed)} closed")
        closed_columns = [
            *columns[:3],
            Column("Closed", 0.11),
            columns[4],
            Column("Playbook actions", 0.27, wrap=True),
        ]
        page.table(
            closed_columns,
            _rows(brief, alerts.closed, closed=True),
            max_height=1.6,
            empty="No alert closed this week.",
        )
        page.gap(0.15)
    _off_track_now(page, brief)


def _off_track_now(page: Page, brief: Brief) -> None:
    """Every KPI of the scope that is off track or at risk this week, with its playbook."""
    page.heading("Every KPI off track or at risk this week", f"scope: {brief.scope.label.lower()}")
    try:
        frame = scorecard(brief, weeks=1)
    except MartUnavailable as error:
        page.empty_state(f"The scorecard is not available: {error}.")
        return
    frame = frame[frame["status"].isin(["off_track", "at_risk"])].copy()
    frame["order"] = frame["status"].map({"off_track": 0, "at_risk": 1})
    frame = frame.sort_values(["order", "kpi_name"])
    rows, colours = [], []
    for _, row in frame.iterrows():
        info = brief.kpi(str(row["kpi_name"]))
        mark = style.status(row["status"])
        rows.append(
            [
                info.label,
                fmt.value(row["value"], info.unit),
                fmt.band(row["band_low"], row["band_high"], info.unit),
                f"{mark.symbol} {mark.word}",
                str(row["owner"] or info.owner or "—"),
                first_action(row["playbook_actions"]) or "—",
            ]
        )
        colours.append(mark.color)
    columns = [
        Column("KPI", 0.27, wrap=True),
        Column("Value", 0.10, "right"),
        Column("Band", 0.12, "right"),
        Column("Status", 0.12),
        Column("Owner", 0.15, wrap=True),
        Column("First playbook action", 0.24, wrap=True),
    ]
    page.table(
        columns, rows, marker_colors=colours, empty="Every KPI with data is on track this week."
    )
