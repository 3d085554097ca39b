"""An independent computation of the weekly rates built from per-unit flags.

From the spec's Conventions: a cohort KPI of a week pools "the tenants or
users whose observation window for that KPI closed in the 13 weeks ending
with the week" (window of N days from the start date closes on
date(start) + N); the weekly adoption rate is "live tenants with at least one
autonomy or learning event in the week / live tenants". Segments: all,
industry, plan_tier, persona (user-level KPIs) and onboarding cohort (month
of onboarded_at / created_at). Content freshness as `_content_freshness`
says; the at-risk share over the live tenants scored in the week. The
medians are left out: which units enter them is issue 10.5, still
open.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from contract.definitions import (
    ADOPTION_WINDOW_DAYS,
    BASELINE_DAYS,
    CATEGORIES,
    CERTIFICATION_TARGET_DAYS,
    WEEK,
    Observed,
    is_live,
    month_label,
    week_start_of,
)

ROLLING_COHORT_WEEKS = 13
CONTENT_FRESH_DAYS = 180
RETENTION_KPI_WEEK = 4
KpiKey = tuple[datetime.date, str, str, str]


def _segments(
    tenant_row: dict[str, object], persona: str | None, cohort: str
) -> list[tuple[str, str]]:
    segments = [
        ("all", "all"),
        ("industry", str(tenant_row["industry"])),
        ("plan_tier", str(tenant_row["plan_tier"])),
        ("onboarding_cohort", cohort),
    ]
    if persona is not None:
        segments.append(("persona", persona))
    return segments


def _pool(
    weeks: list[datetime.date],
    units: list[tuple[datetime.date, bool, list[tuple[str, str]]]],
    kpi_name: str,
    rows: dict[KpiKey, list[int]],
) -> None:
    """Add each unit (window close date, success, segments) to the weeks whose cohort holds it."""
    for week in weeks:
        first = week - (ROLLING_COHORT_WEEKS - 1) * WEEK
        last = week + datetime.timedelta(days=6)
        for closed_on, success, segments in units:
            if first <= closed_on <= last:
                for segment_type, segment_value in segments:
                    counts = rows[(week, kpi_name, segment_type, segment_value)]
                    counts[0] += success
                    counts[1] += 1


def weekly_rates(
    observed: Observed,
    tenants: dict[str, dict[str, object]],
    users: dict[str, dict[str, object]],
    health: dict[tuple[str, datetime.date], dict[str, object]],
) -> dict[KpiKey, dict[str, float]]:
    """fct_kpi_weekly rows (numerator, denominator, value) of the ratio KPIs computed here."""
    weeks = observed.cal.complete_weeks()
    rows: dict[KpiKey, list[int]] = defaultdict(lambda: [0, 0])
    staged = observed.staged
    for tenant_id, facts in tenants.items():
        onboarded = staged.tenants[tenant_id].onboarded_at.date()
        segments = _segments(facts, None, month_label(onboarded))
        closes = onboarded + datetime.timedelta(days=ADOPTION_WINDOW_DAYS)
        _pool(
            weeks,
            [(closes, bool(facts["is_activated_within_90d"]), segments)],
            "adoption_rate_90d",
            rows,
        )
        target = CERTIFICATION_TARGET_DAYS[str(facts["industry"])]
        closes = onboarded + datetime.timedelta(days=target)
        success = bool(facts["is_certified_within_target"])
        _pool(weeks, [(closes, success, segments)], "certification_within_target_rate", rows)
    for user_id, facts in users.items():
        user = staged.users[user_id]
        created = user.created_at.date()
        segments = _segments(tenants[user.tenant_id], user.persona, month_label(created))
        for n in BASELINE_DAYS:
            closes = created + datetime.timedelta(days=n)
            for kpi, flag in (
                ("activation_rate", "is_activated_within"),
                ("first_value_rate", "is_first_value_within"),
            ):
                _pool(weeks, [(closes, bool(facts[f"{flag}_{n}d"]), segments)], f"{kpi}_{n}d", rows)
        retention_week = week_start_of(created) + RETENTION_KPI_WEEK * WEEK
        active = any(
            retention_week <= e.occurred_at.date() < retention_week + WEEK
            for e in observed.events_by_user[user_id]
        )
        closes = retention_week + datetime.timedelta(days=6)
        _pool(weeks, [(closes, active, segments)], "retention_week_4", rows)
    _weekly_adoption(observed, tenants, weeks, rows)
    _content_freshness(observed, weeks, rows)
    for (tenant_id, week), row in health.items():  # live tenants scored that week
        onboarded = observed.staged.tenants[tenant_id].onboarded_at.date()
        for segment_type, segment_value in _segments(
            tenants[tenant_id], None, month_label(onboarded)
        ):
            counts = rows[(week, "at_risk_tenant_share", segment_type, segment_value)]
            counts[0] += row["health_band"] == "at_risk"
            counts[1] += 1
    return {
        key: {"numerator": float(n), "denominator": float(d), "value": n / d if d else None}
        for key, (n, d) in rows.items()
    }


def _weekly_adoption(
    observed: Observed,
    tenants: dict[str, dict[str, object]],
    weeks: list[datetime.date],
    rows: dict[KpiKey, list[int]],
) -> None:
    """Live tenants with an autonomy or learning event in the week / live tenants."""
    adopting_weeks: dict[str, set[datetime.date]] = defaultdict(set)
    for event in observed.events:
        if CATEGORIES.get(event.event_name) in ("autonomy", "learning"):
            adopting_weeks[event.tenant_id].add(week_start_of(event.occurred_at.date()))
    for tenant_id, facts in tenants.items():
        onboarded = observed.staged.tenants[tenant_id].onboarded_at.date()
        segments = _segments(facts, None, month_label(onboarded))
        for week in weeks:
            if not is_live(observed, tenant_id, week):
                continue
            for segment_type, segment_value in segments:
                counts = rows[(week, "weekly_adoption_rate", segment_type, segment_value)]
                counts[0] += week in adopting_weeks[tenant_id]
                counts[1] += 1


def _content_freshness(
    observed: Observed, weeks: list[datetime.date], rows: dict[KpiKey, list[int]]
) -> None:
    """Fresh live items / live items at the week's end e, and views of fresh items / views.

    e is the week's last day and the comparisons are on dates (the project's
    documented reading): live = published on or before e and not retired on
    or before e; fresh = last known update at most content_fresh_days before e.
    """
    views: dict[datetime.date, list[object]] = defaultdict(list)
    for event in observed.staged.events:
        if event.event_name == "content_viewed":
            views[week_start_of(event.occurred_at.date())].append(
                observed.prop(event, "content_id")
            )
    for week in weeks:
        end = week + datetime.timedelta(days=6)
        fresh: dict[str, bool] = {}
        for item in observed.staged.content:
            if item.published_at.date() > end or (
                item.retired_at is not None and item.retired_at.date() <= end
            ):
                continue
            updated = (
                item.last_updated_at if item.last_updated_at.date() <= end else item.published_at
            )
            fresh[item.content_id] = (end - updated.date()).days <= CONTENT_FRESH_DAYS
        if fresh:
            counts = rows[(week, "content_freshness_rate", "all", "all")]
            counts[0] += sum(fresh.values())
            counts[1] += len(fresh)
        if views[week]:
            counts = rows[(week, "content_freshness_weighted", "all", "all")]
            counts[0] += sum(fresh.get(str(content_id), False) for content_id in views[week])
            counts[1] += len(views[week])


WEEKLY_RATE_KPIS = (
    "at_risk_tenant_share",
    "content_freshness_rate",
    "content_freshness_weighted",
    "adoption_rate_90d",
    "certification_within_target_rate",
    "weekly_adoption_rate",
    "retention_week_4",
    *(f"{kpi}_{n}d" for kpi in ("activation_rate", "first_value_rate") for n in BASELINE_DAYS),
)
