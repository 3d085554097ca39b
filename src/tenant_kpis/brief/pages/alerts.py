"""Page 3: open alerts by strength of evidence (capped), closed alerts, KPIs off track now.

Alerts come in two kinds (fct_kpi_alerts.alert_kind): ``kpi`` on the scorecard's
value, and ``early_warning`` on the newest matured weekly cohorts
(fct_kpi_early_warning_weekly). Each alert's evidence is read from its own series,
so the two kinds are ranked together by the same measure.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from tenant_kpis.brief import fmt, style
from tenant_kpis.brief.context import Brief
from tenant_kpis.brief.layout import Column, Page
from tenant_kpis.brief.marts import MartUnavailable
from tenant_kpis.brief.queries import first_action, rule_parameter, scorecard

TITLE = "Alerts and playbooks"
KPI_KIND = "kpi"
EARLY_WARNING_KIND = "early_warning"
#: The series each kind of alert is judged on, and so where its evidence lives.
EVIDENCE_MARTS = {KPI_KIND: "fct_kpi_scorecard", EARLY_WARNING_KIND: "fct_kpi_early_warning_weekly"}
FIELDS = (
    "alert_id",
    "alert_kind",
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
EVIDENCE_FIELDS = (
    "kpi_name",
    "segment_type",
    "segment_value",
    "value",
    "unit_count",
    "interval_lower",
    "interval_upper",
    "evidence",
    "status",
)
# Used when the publication has no dim_kpi_rule_parameters (the seeds' defaults).
DEFAULT_CAPACITY = 8
DEFAULT_CONSECUTIVE_WEEKS = 2
DEFAULT_MINIMUM_UNITS = 50
DEFAULT_EARLY_WARNING_COHORT_WEEKS = 4
DEFAULT_EARLY_WARNING_CONSECUTIVE_WEEKS = 1
DEFAULT_EARLY_WARNING_MINIMUM_UNITS = 150
DEFAULT_INTERVAL_CONFIDENCE = 0.95


@dataclass(frozen=True)
class Alerts:
    """Alerts of the brief's scope: every segment for the platform brief, else its own."""

    open: pd.DataFrame  # ordered by strength of evidence in the brief's week, strongest first
    opened_this_week: int
    closed: pd.DataFrame
    capacity: int

    @property
    def shown(self) -> pd.DataFrame:
        return self.open.head(self.capacity)

    @property
    def rest(self) -> pd.DataFrame:
        return self.open.iloc[self.capacity :]

    def rest_summary(self) -> str:
        """The open alerts beyond the cap, counted by segment type and owner."""
        rest = self.rest
        if rest.empty:
            return ""
        segments = Counter(
            "all tenants" if kind == "all" else fmt.humanise(kind) for kind in rest["segment_type"]
        )
        owners = Counter(str(owner or "unassigned") for owner in rest["owner"])
        early = int((rest["alert_kind"] == EARLY_WARNING_KIND).sum())
        by_segment = ", ".join(f"{n} {kind}" for kind, n in sorted(segments.items()))
        by_owner = ", ".join(f"{n} {owner}" for owner, n in sorted(owners.items()))
        of_them = f", {early} of them early warning{'s' if early != 1 else ''}" if early else ""
        return (
            f"{len(rest)} more open alert{'s' if len(rest) != 1 else ''} with weaker "
            f"evidence{of_them} (by segment: {by_segment}; by owner: {by_owner})"
        )


def _evidence(brief: Brief) -> pd.DataFrame:
    """Each alert kind x KPI x segment's value, interval and evidence in the brief's week,
    from the series the kind is judged on."""
    frames = []
    for kind, mart in EVIDENCE_MARTS.items():
        if not brief.marts.has_fields(mart, ("kpi_name", "week_start")):
            continue
        frame = brief.marts.select(
            mart,
            ["week_start", *EVIDENCE_FIELDS],
            where="week_start = ?",
            params=[brief.scope.week],
        )
        frames.append(frame.drop(columns=["week_start"]).assign(alert_kind=kind))
    if not frames:
        return pd.DataFrame(columns=["alert_kind", *EVIDENCE_FIELDS])
    return pd.concat(frames, ignore_index=True)


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
        order_by="opened_week, kpi_name, segment_type, segment_value",
    )
    for column in ("opened_week", "closed_week"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    # a publication from before early warnings has no alert_kind: all its alerts are kpi alerts
    frame["alert_kind"] = frame["alert_kind"].fillna(KPI_KIND)
    frame = frame.merge(
        _evidence(brief), on=["alert_kind", "kpi_name", "segment_type", "segment_value"], how="left"
    )
    closed_mask = pd.Series(
        [d is not None and not pd.isna(d) and d <= scope.week for d in frame["closed_week"]],
        index=frame.index,
        dtype=bool,
    )
    closed_now = pd.Series(
        [d == scope.week for d in frame["closed_week"]], index=frame.index, dtype=bool
    )
    open_frame = frame[~closed_mask].copy()
    # strongest evidence first: how far past the threshold, in interval half-widths
    open_frame["strength"] = pd.to_numeric(open_frame["evidence"], errors="coerce")
    open_frame = open_frame.sort_values(
        ["strength", "opened_week", "kpi_name", "segment_type", "segment_value", "alert_kind"],
        ascending=[False, True, True, True, True, True],
        na_position="last",
        kind="mergesort",
    )
    opened = int((open_frame["opened_week"] == scope.week).sum())
    capacity = int(rule_parameter(brief, "alert_owner_capacity", DEFAULT_CAPACITY))
    return Alerts(
        open=open_frame,
        opened_this_week=opened,
        closed=frame[closed_mask & closed_now].copy(),
        capacity=capacity,
    )


def _weeks_open(brief: Brief, row: pd.Series) -> str:
    """Weeks from the opening week to the brief's week (or the closing week)."""
    end = (
        row["closed_week"]
        if row["closed_week"] is not None and not pd.isna(row["closed_week"])
        else brief.scope.week
    )
    return str((end - row["opened_week"]).days // 7 + 1)


def _short_segment(row: pd.Series) -> str:
    """The segment in few words, for the narrow alert table."""
    kind, value = str(row["segment_type"]), str(row["segment_value"])
    return {
        "all": "all tenants",
        "industry": value,
        "plan_tier": f"{value} tier",
        "persona": f"{value} persona",
        "onboarding_cohort": f"cohort {value}",
    }.get(kind, f"{fmt.humanise(kind)}: {value}")


def _value_with_evidence(brief: Brief, row: pd.Series) -> str:
    unit = brief.kpi(str(row["kpi_name"])).unit
    return (
        f"{fmt.value(row.get('value'), unit)} "
        f"[{fmt.interval(row.get('interval_lower'), row.get('interval_upper'), unit)}] "
        f"{fmt.sample(row.get('unit_count'))}"
    )


def _strength(row: pd.Series) -> str:
    strength = row.get("strength")
    status = style.status(row.get("status"))
    if fmt.is_missing(strength):
        return f"{status.symbol} {status.word}"
    return f"{float(strength):.1f}× {status.symbol} {status.word}"


def _kpi_cell(label: str, row: pd.Series) -> str:
    """The KPI's label, marked when the alert is an early warning."""
    return f"{label} (early warning)" if row.get("alert_kind") == EARLY_WARNING_KIND else label


def _rows(brief: Brief, frame: pd.DataFrame, closed: bool) -> list[list[str]]:
    rows = []
    for _, row in frame.iterrows():
        info = brief.kpi(str(row["kpi_name"]))
        if closed:
            rows.append(
                [
                    _kpi_cell(info.label, row),
                    _short_segment(row),
                    fmt.day(row["opened_week"]),
                    fmt.day(row["closed_week"]),
                    str(row["owner"] or info.owner or "—"),
                    first_action(row["playbook_actions"]) or "—",
                ]
            )
            continue
        rows.append(
            [
                _kpi_cell(info.label, row),
                _short_segment(row),
                _value_with_evidence(brief, row),
                _strength(row),
                f"{fmt.day(row['opened_week'])}, {_weeks_open(brief, row)} wk",
                str(row["owner"] or info.owner or "—"),
                first_action(row["playbook_actions"]) or "—",
            ]
        )
    return rows


def _weeks_running(weeks: int) -> str:
    return "one off-track week" if weeks == 1 else f"{weeks} weeks in a row"


def _rule_text(brief: Brief) -> str:
    weeks = int(rule_parameter(brief, "alert_consecutive_weeks", DEFAULT_CONSECUTIVE_WEEKS))
    units = int(rule_parameter(brief, "alert_minimum_units", DEFAULT_MINIMUM_UNITS))
    cohort_weeks = int(
        rule_parameter(brief, "early_warning_cohort_weeks", DEFAULT_EARLY_WARNING_COHORT_WEEKS)
    )
    early_weeks = int(
        rule_parameter(
            brief, "early_warning_consecutive_weeks", DEFAULT_EARLY_WARNING_CONSECUTIVE_WEEKS
        )
    )
    early_units = int(
        rule_parameter(brief, "early_warning_minimum_units", DEFAULT_EARLY_WARNING_MINIMUM_UNITS)
    )
    confidence = rule_parameter(brief, "interval_confidence", DEFAULT_INTERVAL_CONFIDENCE)
    # a publication from before the early warnings had their own confidence used the
    # scorecard's
    early_confidence = rule_parameter(brief, "early_warning_interval_confidence", confidence)
    one_sided = (1 + early_confidence) / 2
    early_interval = (
        ""
        if early_confidence == confidence
        else f", its interval at {early_confidence:.0%} (a one-sided {one_sided:.0%} bound: "
        "a warning asks only whether the newest users are worse)"
    )
    return (
        f"An alert opens when a KPI is off track, its whole {confidence:.0%} interval past the "
        f"threshold, {weeks} weeks in a row with at least {units} units behind it, and closes "
        "when it is back on track. An early warning applies the same test to the onboarding "
        f"KPIs over their newest {cohort_weeks} matured weekly cohorts only "
        f"({_weeks_running(early_weeks)}, at least {early_units} units), which show a change "
        "in new users weeks before the 13-week KPI does; its value and interval are those of "
        f"the newest cohorts{early_interval}. Evidence: how far the value lies past the "
        "threshold in half-widths of its interval this week (above 1: the whole interval is "
        "past it); value [interval] n = units."
    )


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
            f"{alerts.opened_this_week} opened this week; "
            f"the {min(alerts.capacity, len(alerts.open))} with the strongest evidence"
        )
        page.heading("Open alerts", note)
        page.paragraph(_rule_text(brief), size=style.SMALL, color=style.MUTED)
        page.gap(0.05)
        columns = [
            Column("KPI", 0.19, wrap=True),
            Column("Segment", 0.12, wrap=True),
            Column("Value [interval] n", 0.18, wrap=True),
            Column("Evidence", 0.15, wrap=True),
            Column("Opened", 0.11, wrap=True),
            Column("Owner", 0.11, wrap=True),
            Column("First action", 0.14, wrap=True),
        ]
        page.table(
            columns,
            _rows(brief, alerts.shown, closed=False),
            max_height=4.0,
            empty=f"No open alerts for {scope.label.lower()} this week.",
        )
        summary = alerts.rest_summary()
        if summary:
            page.gap(0.04)
            page.paragraph(summary + ".", size=style.SMALL, color=style.MUTED)
        page.gap(0.15)
        page.heading("Closed this week", f"{len(alerts.closed)} closed")
        closed_columns = [
            Column("KPI", 0.25, wrap=True),
            Column("Segment", 0.15, wrap=True),
            Column("Opened", 0.11),
            Column("Closed", 0.11),
            Column("Owner", 0.16, wrap=True),
            Column("First action", 0.22, wrap=True),
        ]
        page.table(
            closed_columns,
            _rows(brief, alerts.closed, closed=True),
            max_height=1.5,
            empty="No alert closed this week.",
        )
        page.gap(0.15)
    _off_track_now(page, brief)


def _off_track_now(page: Page, brief: Brief) -> None:
    """Every KPI of the scope past its threshold this week, with its evidence and playbook."""
    page.heading("Every KPI past its threshold this week", f"scope: {brief.scope.label.lower()}")
    try:
        frame = scorecard(brief, weeks=1)
    except MartUnavailable as error:
        page.empty_state(f"The scorecard is not available: {error}.")
        return
    order = {"off_track": 0, "possibly_off_track": 1, "at_risk": 2}
    others = frame.loc[~frame["status"].isin(list(order)), "status"].value_counts()
    frame = frame[frame["status"].isin(list(order))].copy()
    frame["order"] = frame["status"].map(order)
    frame = frame.sort_values(["order", "kpi_name"])
    rows, colours = [], []
    for _, row in frame.iterrows():
        info = brief.kpi(str(row["kpi_name"]))
        mark = style.status(row["status"])
        rows.append(
            [
                info.label,
                fmt.value(row["value"], info.unit),
                fmt.interval(row.get("interval_lower"), row.get("interval_upper"), info.unit),
                fmt.sample(row.get("unit_count")),
                fmt.band(row["band_low"], row["band_high"], info.unit),
                f"{mark.symbol} {mark.word}",
                str(row["owner"] or info.owner or "—"),
                first_action(row["playbook_actions"]) or "—",
            ]
        )
        colours.append(mark.color)
    columns = [
        Column("KPI", 0.2, wrap=True),
        Column("Value", 0.09, "right"),
        Column("95% interval", 0.12, "right"),
        Column("Units", 0.09, "right"),
        Column("Band", 0.1, "right"),
        Column("Status", 0.13, wrap=True),
        Column("Owner", 0.12, wrap=True),
        Column("First playbook action", 0.15, wrap=True),
    ]
    # "on track" only when the KPIs were judged so: too few units or no data is not on track
    judged = ", ".join(
        f"{count} {style.status(status).word}" for status, count in sorted(others.items())
    )
    page.table(
        columns,
        rows,
        marker_colors=colours,
        empty=f"No KPI is past its threshold this week ({judged or 'no KPI rows'}).",
    )
