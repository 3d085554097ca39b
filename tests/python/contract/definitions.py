"""An independent computation of the spec's per-unit definitions.

Written from `kpi_definitions.md` (and, where the spec is silent, the
project's documented choices: DEVELOPERS.md "Definitions we had to choose",
docs/marts.md, the seed descriptions), in plain Python over the staged rows
of `validate.stage`, never from the SQL. Each function returns plain rows
(dicts keyed like the mart's columns) that `invariants` compares with the
marts. Fractions keep ratios exact until the final float.

Choices the spec leaves open, as this module reads them (the report lists
them too):
- "within N days": days(start, event) <= N; an event dated before the start
  (legal within the contract's tolerances) is within every window; a flag is
  null until the unit is observed N days (as_of_date >= date(start) + N).
- Per-unit facts are a snapshot as of the as-of date: events, certifications
  and contract changes dated after it are ignored.
- A tenant's activation counts events at or after the onboarded_at instant.
- Expansion: 0 <= days(onboarded_at, effective_at) <= 180; is_expanded and
  expanded_at are null until the 180-day window is observed.
- A churn makes the tenant not live from the next week on, even when a new
  subscription follows (the spec's "no churn effective before the week's
  start"); churned_at is the first churn.
- Health: "per active user" = users active in the same trailing 28 days; a
  component that cannot be computed (no seats, nobody active in 28 days, no
  NPS answer) enters at its neutral value 0.5.
- Latest NPS answer per user: the largest occurred_at, ties broken by the
  largest event_id.
- The `critical` feature flag is the event's `critical` property.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from scipy.stats import norm

from contract.feed import Event
from contract.validate import (
    Staged,
    boolean_property,
    integer_property,
    is_blank,
    parse_properties,
)

DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(days=7)

# seeds/kpi_parameters.csv and the other seeds, as the spec states them
ACTIVATION_SEAT_SHARE = Fraction(1, 5)
ADOPTION_WINDOW_DAYS = 90
EXPANSION_WINDOW_DAYS = 180
BASELINE_DAYS = (14, 30, 60)
FEATURE_DEPTH_DAYS = 30
LOGIN_CONSISTENCY_WEEKS = 8
SETUP_STEPS_REQUIRED = 5
RETENTION_MAX_WEEK = 12
TARGET_WAU_SHARE = Fraction(3, 5)
TICKET_CEILING = Fraction(1, 2)
NPS_WINDOW_DAYS = 90
HEALTH_WEIGHTS = {
    "activation_progress": Fraction(3, 10),
    "usage_depth": Fraction(3, 10),
    "support_load": Fraction(1, 5),
    "sentiment": Fraction(1, 5),
}
NEUTRAL_COMPONENT = Fraction(1, 2)
CERTIFICATION_TARGET_DAYS = {
    "saas_smb": 14,
    "enterprise_software": 60,
    "healthcare": 90,
    "financial_services": 60,
}
PILOT_CHECKPOINTS = (("day_45", 45), ("day_90", 90))
MIN_EFFECT = 0.05
Z_95 = 1.959963984540054

CATEGORIES = {
    "setup_step_completed": "autonomy",
    "data_import_completed": "autonomy",
    "integration_connected": "autonomy",
    "self_service_config_changed": "autonomy",
    "governance_action": "autonomy",
    "content_viewed": "learning",
    "lesson_completed": "learning",
    "course_completed": "learning",
    "session_started": "core",
    "feature_used": "core",
    "workflow_completed": "core",
    "task_completed": "core",
    "task_failed": "core",
    "workflow_shared": "collaboration",
    "comment_added": "collaboration",
    "nps_submitted": "feedback",
}
FEATURE_CATALOG = frozenset(
    {
        "dashboards",
        "workflow_builder",
        "automations",
        "reports",
        "search",
        "templates",
        "approvals",
        "forms",
        "calendar",
        "mobile_app",
        "api_access",
        "ai_assistant",
    }
)


def week_start_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def month_label(day: datetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def is_milestone(persona: str, event: Event) -> bool:
    """Seed persona_milestones: admin -> autonomy, operator -> task_completed, ..."""
    if persona == "admin":
        return CATEGORIES.get(event.event_name) == "autonomy"
    if persona == "operator":
        return event.event_name == "task_completed"
    return event.event_name == "feature_used"


def within(days_to_event: int | None, window: int, days_observed: int) -> bool | None:
    if days_observed < window:
        return None
    return days_to_event is not None and days_to_event <= window


def days_between(start: datetime.datetime, end: datetime.datetime | None) -> int | None:
    return None if end is None else (end.date() - start.date()).days


def ratio(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator


@dataclass(frozen=True)
class Calendar:
    as_of_date: datetime.date
    first_week_start: datetime.date
    last_event_date: datetime.date

    @property
    def as_of_week_start(self) -> datetime.date:
        return self.as_of_date - datetime.timedelta(days=6)

    def complete_weeks(self) -> list[datetime.date]:
        weeks = []
        week = self.first_week_start
        while week <= self.as_of_week_start:
            weeks.append(week)
            week += WEEK
        return weeks


def calendar(staged: Staged) -> Calendar | None:
    """The as-of date: the Sunday on or before the last staged event's date."""
    if not staged.events:
        return None
    dates = [event.occurred_at.date() for event in staged.events]
    last = max(dates)
    first = min(
        [*dates]
        + [tenant.onboarded_at.date() for tenant in staged.tenants.values()]
        + [user.created_at.date() for user in staged.users.values()]
    )
    as_of = last - datetime.timedelta(days=(last.weekday() + 1) % 7)
    return Calendar(as_of_date=as_of, first_week_start=week_start_of(first), last_event_date=last)


class Observed:
    """The staged rows up to the as-of date, indexed for the definitions."""

    def __init__(self, staged: Staged, cal: Calendar) -> None:
        self.staged = staged
        self.cal = cal
        self.events = sorted(
            (e for e in staged.events if e.occurred_at.date() <= cal.as_of_date),
            key=lambda e: (e.occurred_at, e.event_id),
        )
        self.all_events = sorted(staged.events, key=lambda e: (e.occurred_at, e.event_id))
        self.properties = {e.event_id: parse_properties(e.properties) or {} for e in staged.events}
        self.events_by_user: dict[str, list[Event]] = defaultdict(list)
        for event in self.events:
            self.events_by_user[event.user_id].append(event)
        self.users_by_tenant: dict[str, list[str]] = defaultdict(list)
        for user in staged.users.values():
            self.users_by_tenant[user.tenant_id].append(user.user_id)

    def prop(self, event: Event, key: str) -> object:
        return self.properties[event.event_id].get(key)

    def first(self, user_id: str, predicate) -> datetime.datetime | None:
        return next((e.occurred_at for e in self.events_by_user[user_id] if predicate(e)), None)


# ---------------------------------------------------------------- users


def _latest_nps(events: Iterable[Event], observed: Observed) -> tuple[int, datetime.date] | None:
    answers = [e for e in events if e.event_name == "nps_submitted"]
    if not answers:
        return None
    latest = max(answers, key=lambda e: (e.occurred_at, e.event_id))
    score = integer_property(observed.prop(latest, "score"))
    assert score is not None
    return score, latest.occurred_at.date()


def _setup_completed_at(
    events: list[Event], observed: Observed
) -> tuple[int, datetime.datetime | None]:
    first_by_step: dict[str, datetime.datetime] = {}
    for event in events:
        step = observed.prop(event, "step")
        if event.event_name == "setup_step_completed" and not is_blank(step):
            first_by_step.setdefault(str(step), event.occurred_at)
    moments = sorted(first_by_step.values())
    done = moments[SETUP_STEPS_REQUIRED - 1] if len(moments) >= SETUP_STEPS_REQUIRED else None
    return len(moments), done


def user_facts(observed: Observed) -> dict[str, dict[str, object]]:
    """fct_user_onboarding, one dict per staged user."""
    cal = observed.cal
    rows: dict[str, dict[str, object]] = {}
    for user in observed.staged.users.values():
        events = observed.events_by_user[user.user_id]
        created = user.created_at.date()
        days_observed = (cal.as_of_date - created).days
        activated_at = observed.first(user.user_id, lambda e, p=user.persona: is_milestone(p, e))
        first_value_at = observed.first(
            user.user_id, lambda e: e.event_name == "workflow_completed"
        )
        certified = [
            c.issued_at
            for c in observed.staged.certifications
            if c.user_id == user.user_id and c.issued_at.date() <= cal.as_of_date
        ]
        row: dict[str, object] = {
            "tenant_id": user.tenant_id,
            "persona": user.persona,
            "created_at": user.created_at,
            "signup_week_start": week_start_of(created),
            "as_of_date": cal.as_of_date,
            "days_observed": days_observed,
            "first_session_at": observed.first(
                user.user_id, lambda e: e.event_name == "session_started"
            ),
            "activated_at": activated_at,
            "time_to_activate_days": days_between(user.created_at, activated_at),
            "first_value_at": first_value_at,
            "time_to_first_value_days": days_between(user.created_at, first_value_at),
            "first_certified_at": min(certified, default=None),
            "time_to_certification_days": days_between(
                user.created_at, min(certified, default=None)
            ),
        }
        for n in BASELINE_DAYS:
            row[f"is_activated_within_{n}d"] = within(
                row["time_to_activate_days"], n, days_observed
            )
            row[f"is_first_value_within_{n}d"] = within(
                row["time_to_first_value_days"], n, days_observed
            )
        depth_end = created + datetime.timedelta(days=FEATURE_DEPTH_DAYS)
        features_30d = {
            str(observed.prop(e, "feature"))
            for e in events
            if e.event_name == "feature_used"
            and not is_blank(observed.prop(e, "feature"))
            and e.occurred_at.date() <= depth_end
        }
        row["feature_depth_30d"] = (
            len(features_30d) if days_observed >= FEATURE_DEPTH_DAYS else None
        )
        signup_week = week_start_of(created)
        login_end = signup_week + LOGIN_CONSISTENCY_WEEKS * WEEK
        login_observed = cal.as_of_date >= login_end - DAY
        login_weeks = {
            week_start_of(e.occurred_at.date())
            for e in events
            if e.event_name == "session_started" and signup_week <= e.occurred_at.date() < login_end
        }
        row["login_weeks_with_session"] = len(login_weeks) if login_observed else None
        row["login_weeks_observed"] = LOGIN_CONSISTENCY_WEEKS if login_observed else None
        row["login_consistency"] = (
            len(login_weeks) / LOGIN_CONSISTENCY_WEEKS if login_observed else None
        )
        active_weeks = {week_start_of(e.occurred_at.date()) for e in events}
        row["active_weeks"] = len(active_weeks)
        nps = _latest_nps(events, observed)
        row["latest_nps_score"] = nps[0] if nps else None
        row["latest_nps_date"] = nps[1] if nps else None
        row.update(
            _persona_facts(user.persona, user.created_at, events, len(active_weeks), observed)
        )
        rows[user.user_id] = row
    return rows


def _persona_facts(
    persona: str,
    created_at: datetime.datetime,
    events: list[Event],
    active_weeks: int,
    observed: Observed,
) -> dict[str, object]:
    names = [e.event_name for e in events]
    admin = persona == "admin"
    operator = persona == "operator"
    end_user = persona == "end_user"
    steps, setup_done = _setup_completed_at(events, observed)
    imports = [e for e in events if e.event_name == "data_import_completed"]
    import_rows = sum(integer_property(observed.prop(e, "rows")) or 0 for e in imports)
    import_errors = sum(integer_property(observed.prop(e, "errors")) or 0 for e in imports)
    governance = next((e.occurred_at for e in events if e.event_name == "governance_action"), None)
    done = names.count("task_completed")
    failed = names.count("task_failed")
    collaboration = sum(CATEGORIES.get(name) == "collaboration" for name in names)
    catalog_used = {
        str(observed.prop(e, "feature"))
        for e in events
        if e.event_name == "feature_used" and observed.prop(e, "feature") in FEATURE_CATALOG
    }
    critical = next(
        (
            e.occurred_at
            for e in events
            if e.event_name == "feature_used" and boolean_property(observed.prop(e, "critical"))
        ),
        None,
    )
    return {
        "setup_steps_completed": steps if admin else None,
        "setup_completed_at": setup_done if admin else None,
        "days_to_setup_complete": days_between(created_at, setup_done) if admin else None,
        "import_errors": import_errors if admin else None,
        "import_rows": import_rows if admin else None,
        "import_error_rate": ratio(import_errors, import_rows) if admin else None,
        "first_governance_action_at": governance if admin else None,
        "days_to_first_governance_action": days_between(created_at, governance) if admin else None,
        "tasks_completed": done if operator else None,
        "tasks_failed": failed if operator else None,
        "tasks_attempted": done + failed if operator else None,
        "task_completion_rate": ratio(done, done + failed) if operator else None,
        "task_error_rate": ratio(failed, done + failed) if operator else None,
        "collaboration_events": collaboration if operator else None,
        "collaboration_events_per_active_week": ratio(collaboration, active_weeks)
        if operator
        else None,
        "catalog_features_used": len(catalog_used) if end_user else None,
        "catalog_features": len(FEATURE_CATALOG) if end_user else None,
        "feature_breadth": len(catalog_used) / len(FEATURE_CATALOG) if end_user else None,
        "first_critical_feature_at": critical if end_user else None,
        "days_to_first_critical_feature": days_between(created_at, critical) if end_user else None,
    }


# ---------------------------------------------------------------- tenants


def tenant_activated_at(observed: Observed, tenant_id: str) -> datetime.datetime | None:
    """The day distinct users with an autonomy/learning event since onboarding reach the bar."""
    tenant = observed.staged.tenants[tenant_id]
    first_by_user: dict[str, datetime.datetime] = {}
    for event in observed.events:
        if (
            event.tenant_id == tenant_id
            and CATEGORIES.get(event.event_name) in ("autonomy", "learning")
            and event.occurred_at >= tenant.onboarded_at
        ):
            first_by_user.setdefault(event.user_id, event.occurred_at)
    required = max(1, math.ceil(ACTIVATION_SEAT_SHARE * tenant.seats_purchased))
    moments = sorted(first_by_user.values())
    return moments[required - 1] if len(moments) >= required else None


def tenant_facts(observed: Observed) -> dict[str, dict[str, object]]:
    """fct_tenant_onboarding, one dict per staged tenant."""
    cal = observed.cal
    rows: dict[str, dict[str, object]] = {}
    for tenant in observed.staged.tenants.values():
        onboarded = tenant.onboarded_at.date()
        days_observed = (cal.as_of_date - onboarded).days
        activated_at = tenant_activated_at(observed, tenant.tenant_id)
        certified_at = min(
            (
                c.issued_at
                for c in observed.staged.certifications
                if c.tenant_id == tenant.tenant_id and c.issued_at.date() <= cal.as_of_date
            ),
            default=None,
        )
        target = CERTIFICATION_TARGET_DAYS[tenant.industry]
        changes = sorted(
            (
                s
                for s in observed.staged.subscription_events
                if s.tenant_id == tenant.tenant_id and s.effective_at.date() <= cal.as_of_date
            ),
            key=lambda s: s.effective_at,
        )

        def first_of(*types: str, changes=changes) -> datetime.datetime | None:
            return next((s.effective_at for s in changes if s.event_type in types), None)

        expansions = [
            s.effective_at
            for s in changes
            if s.event_type in ("seat_upgrade", "addon_activated")
            and 0 <= (s.effective_at.date() - onboarded).days <= EXPANSION_WINDOW_DAYS
        ]
        expansion_observed = days_observed >= EXPANSION_WINDOW_DAYS
        days_to_activation = days_between(tenant.onboarded_at, activated_at)
        days_to_certification = days_between(tenant.onboarded_at, certified_at)
        churned_at = first_of("churn")
        renewed_at = first_of("renewal")
        rows[tenant.tenant_id] = {
            "industry": tenant.industry,
            "plan_tier": tenant.plan_tier,
            "onboarding_cohort": month_label(onboarded),
            "seats_purchased": tenant.seats_purchased,
            "onboarded_at": tenant.onboarded_at,
            "as_of_date": cal.as_of_date,
            "days_observed": days_observed,
            "activation_users_required": max(
                1, math.ceil(ACTIVATION_SEAT_SHARE * tenant.seats_purchased)
            ),
            "activated_at": activated_at,
            "days_to_activation": days_to_activation,
            "is_activated_within_90d": within(
                days_to_activation, ADOPTION_WINDOW_DAYS, days_observed
            ),
            "certified_at": certified_at,
            "days_to_certification": days_to_certification,
            "certification_target_days": target,
            "is_certified_within_target": within(days_to_certification, target, days_observed),
            "is_churned": churned_at is not None,
            "churned_at": churned_at,
            "is_renewed": renewed_at is not None,
            "renewed_at": renewed_at,
            "is_expanded": bool(expansions) if expansion_observed else None,
            "expanded_at": min(expansions, default=None) if expansion_observed else None,
        }
    return rows


# ---------------------------------------------------------------- health


def is_live(observed: Observed, tenant_id: str, week: datetime.date) -> bool:
    tenant = observed.staged.tenants[tenant_id]
    week_start = datetime.datetime.combine(week, datetime.time())
    churned_before = any(
        s.tenant_id == tenant_id and s.event_type == "churn" and s.effective_at < week_start
        for s in observed.staged.subscription_events
    )
    return tenant.onboarded_at < week_start + WEEK and not churned_before


def _nps_value(answers: list[int]) -> Fraction:
    promoters = sum(score >= 9 for score in answers)
    detractors = sum(score <= 6 for score in answers)
    return Fraction(100 * (promoters - detractors), len(answers))


def health_rows(
    observed: Observed, users: dict[str, dict[str, object]]
) -> dict[tuple[str, datetime.date], dict[str, object]]:
    """fct_tenant_health_weekly: one dict per live tenant and complete week."""
    rows: dict[tuple[str, datetime.date], dict[str, object]] = {}
    activated_weeks: dict[str, list[datetime.date]] = defaultdict(list)
    for user_id, facts in users.items():
        if facts["activated_at"] is not None:
            user = observed.staged.users[user_id]
            activated = facts["activated_at"]
            assert isinstance(activated, datetime.datetime)
            activated_weeks[user.tenant_id].append(activated.date())
    for tenant in observed.staged.tenants.values():
        tenant_events = [e for e in observed.events if e.tenant_id == tenant.tenant_id]
        tickets = [
            t.created_at.date()
            for t in observed.staged.support_tickets
            if t.tenant_id == tenant.tenant_id and t.tier == 1
        ]
        for week in observed.cal.complete_weeks():
            if week < week_start_of(tenant.onboarded_at.date()):
                continue
            if not is_live(observed, tenant.tenant_id, week):
                continue
            week_end = week + WEEK
            trailing_start = week_end - datetime.timedelta(days=28)
            nps_start = week_end - datetime.timedelta(days=NPS_WINDOW_DAYS)
            activated = sum(day < week_end for day in activated_weeks[tenant.tenant_id])
            wau = len({e.user_id for e in tenant_events if week <= e.occurred_at.date() < week_end})
            active_28d = len(
                {
                    e.user_id
                    for e in tenant_events
                    if trailing_start <= e.occurred_at.date() < week_end
                }
            )
            tier1_28d = sum(trailing_start <= day < week_end for day in tickets)
            latest: dict[str, Event] = {}
            for event in tenant_events:
                if (
                    event.event_name == "nps_submitted"
                    and nps_start <= event.occurred_at.date() < week_end
                ):
                    latest[event.user_id] = event  # events are sorted by (occurred_at, event_id)
            answers = [integer_property(observed.prop(e, "score")) or 0 for e in latest.values()]
            seats = tenant.seats_purchased
            components: dict[str, Fraction | None] = {
                "activation_progress": min(Fraction(1), Fraction(activated, seats))
                if seats
                else None,
                "usage_depth": min(Fraction(1), Fraction(wau, seats) / TARGET_WAU_SHARE)
                if seats
                else None,
                "support_load": max(
                    Fraction(0), 1 - Fraction(tier1_28d, active_28d) / TICKET_CEILING
                )
                if active_28d
                else None,
                "sentiment": (_nps_value(answers) + 100) / 200 if answers else None,
            }
            points = {
                name: 100 * HEALTH_WEIGHTS[name] * (NEUTRAL_COMPONENT if value is None else value)
                for name, value in components.items()
            }
            score = sum(points.values(), Fraction(0))
            rows[tenant.tenant_id, week] = {
                "seats_purchased": seats,
                "users_activated": activated,
                "weekly_active_users": wau,
                "tier1_tickets_28d": tier1_28d,
                "active_users_28d": active_28d,
                "nps_responses_90d": len(answers),
                "nps_90d": float(_nps_value(answers)) if answers else None,
                **{
                    f"{name}_component": None if value is None else float(value)
                    for name, value in components.items()
                },
                **{f"is_{name}_missing": value is None for name, value in components.items()},
                **{f"{name}_points": float(value) for name, value in points.items()},
                "health_score": float(score),
                "health_band": "healthy" if score >= 70 else "watch" if score >= 40 else "at_risk",
            }
    return rows


def activity_rows(observed: Observed) -> dict[tuple[str, datetime.date], dict[str, object]]:
    """fct_tenant_activity_weekly: every complete week from the onboarding week on."""
    rows: dict[tuple[str, datetime.date], dict[str, object]] = {}
    for tenant in observed.staged.tenants.values():
        events = [e for e in observed.events if e.tenant_id == tenant.tenant_id]
        tickets = [t for t in observed.staged.support_tickets if t.tenant_id == tenant.tenant_id]
        for week in observed.cal.complete_weeks():
            if week < week_start_of(tenant.onboarded_at.date()):
                continue
            week_end = week + WEEK
            in_week = [e for e in events if week <= e.occurred_at.date() < week_end]
            adopting = {
                e.user_id
                for e in in_week
                if CATEGORIES.get(e.event_name) in ("autonomy", "learning")
            }
            week_tickets = [t for t in tickets if week <= t.created_at.date() < week_end]
            rows[tenant.tenant_id, week] = {
                "is_live": is_live(observed, tenant.tenant_id, week),
                "weekly_active_users": len({e.user_id for e in in_week}),
                "autonomy_or_learning_users": len(adopting),
                "has_autonomy_or_learning_event": bool(adopting),
                "events": len(in_week),
                "tickets": len(week_tickets),
                "tier1_tickets": sum(t.tier == 1 for t in week_tickets),
            }
    return rows


def dimension_rows(
    observed: Observed, tenants: dict[str, dict[str, object]]
) -> tuple[dict[str, dict[str, object]], dict[str, dict[str, object]]]:
    """dim_tenants and dim_users: attributes and the lifecycle dates of the facts."""
    staged = observed.staged
    dim_tenants = {
        tenant_id: {
            "industry": facts["industry"],
            "plan_tier": facts["plan_tier"],
            "seats_purchased": facts["seats_purchased"],
            "users": len(observed.users_by_tenant[tenant_id]),
            "onboarding_cohort": facts["onboarding_cohort"],
            "signed_at": staged.tenants[tenant_id].signed_at,
            "onboarded_at": facts["onboarded_at"],
            "activated_at": facts["activated_at"],
            "certified_at": facts["certified_at"],
            "churned_at": facts["churned_at"],
            "is_churned": facts["is_churned"],
        }
        for tenant_id, facts in tenants.items()
    }
    dim_users = {
        user.user_id: {
            "tenant_id": user.tenant_id,
            "persona": user.persona,
            "created_at": user.created_at,
            "deactivated_at": user.deactivated_at,
            "signup_week_start": week_start_of(user.created_at.date()),
            "onboarding_cohort": month_label(user.created_at.date()),
            "industry": staged.tenants[user.tenant_id].industry,
            "plan_tier": staged.tenants[user.tenant_id].plan_tier,
        }
        for user in staged.users.values()
    }
    return dim_tenants, dim_users


# ---------------------------------------------------------------- retention


def retention_rows(observed: Observed) -> dict[tuple, dict[str, object]]:
    """fct_retention_cohorts: signup week x weeks since signup x segment."""
    cal = observed.cal
    complete = set(cal.complete_weeks())
    active_weeks: dict[str, set[datetime.date]] = defaultdict(set)
    for event in observed.events:
        active_weeks[event.user_id].add(week_start_of(event.occurred_at.date()))
    cells: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for user in observed.staged.users.values():
        tenant = observed.staged.tenants[user.tenant_id]
        cohort = week_start_of(user.created_at.date())
        weeks = active_weeks[user.user_id] & complete
        segments = (
            ("all", "all"),
            ("industry", tenant.industry),
            ("plan_tier", tenant.plan_tier),
            ("persona", user.persona),
        )
        for offset in range(RETENTION_MAX_WEEK + 1):
            week = cohort + offset * WEEK
            if week not in complete:
                continue
            retained = week in weeks
            retained_unbounded = any(active >= week for active in weeks)
            for segment in segments:
                cell = cells[(cohort, offset, *segment)]
                cell[0] += 1
                cell[1] += retained
                cell[2] += retained_unbounded
    return {
        key: {
            "cohort_users": size,
            "retained_users": retained,
            "retention_rate": retained / size,
            "retained_users_unbounded": unbounded,
            "retention_rate_unbounded": unbounded / size,
        }
        for key, (size, retained, unbounded) in cells.items()
    }


# ---------------------------------------------------------------- pilots


def _wilson(successes: int, trials: int) -> tuple[float, float]:
    p = successes / trials
    z2 = Z_95 * Z_95
    centre = p + z2 / (2 * trials)
    spread = Z_95 * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return (centre - spread) / (1 + z2 / trials), (centre + spread) / (1 + z2 / trials)


def lift_statistics(x_t: int, n_t: int, x_c: int, n_c: int) -> dict[str, float | None]:
    """Lift, unpooled SE, Newcombe (1998, method 10) 95% interval, pooled z-test p-value."""
    p_t, p_c = x_t / n_t, x_c / n_c
    low_t, high_t = _wilson(x_t, n_t)
    low_c, high_c = _wilson(x_c, n_c)
    lift = p_t - p_c
    pooled = (x_t + x_c) / (n_t + n_c)
    p_value = None
    if 0 < pooled < 1:
        z = lift / math.sqrt(pooled * (1 - pooled) * (1 / n_t + 1 / n_c))
        p_value = float(2 * norm.sf(abs(z)))
    return {
        "outcome_rate_treatment": p_t,
        "outcome_rate_control": p_c,
        "lift": lift,
        "lift_standard_error": math.sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c),
        "lift_ci_lower": lift - math.sqrt((p_t - low_t) ** 2 + (high_c - p_c) ** 2),
        "lift_ci_upper": lift + math.sqrt((high_t - p_t) ** 2 + (p_c - low_c) ** 2),
        "p_value": p_value,
    }


def verdict(statistics: dict[str, float | None]) -> str:
    lower, upper, lift = (statistics[k] for k in ("lift_ci_lower", "lift_ci_upper", "lift"))
    assert lower is not None and upper is not None and lift is not None
    if lower > 0 and lift >= MIN_EFFECT:
        return "scale"
    if upper < MIN_EFFECT:
        return "stop"
    return "iterate"


def pilot_rows(observed: Observed, tenants: dict[str, dict[str, object]]) -> dict[tuple, dict]:
    """fct_pilot_results: experiment x checkpoint (day 45 and 90 after the first assignment)."""
    by_experiment: dict[str, list] = defaultdict(list)
    for assignment in observed.staged.experiment_assignments:
        by_experiment[assignment.experiment_id].append(assignment)
    rows: dict[tuple, dict] = {}
    for experiment_id, assignments in by_experiment.items():
        day_zero = min(a.assigned_at for a in assignments).date()
        for checkpoint, days in PILOT_CHECKPOINTS:
            checkpoint_date = day_zero + datetime.timedelta(days=days)
            observed_flag = observed.cal.as_of_date >= checkpoint_date
            arms: dict[str, list[bool]] = {"treatment": [], "control": []}
            for a in assignments:
                if a.assigned_at.date() <= checkpoint_date:
                    activated = tenants[a.tenant_id]["activated_at"]
                    assert activated is None or isinstance(activated, datetime.datetime)
                    arms[a.arm].append(
                        activated is not None and activated.date() <= checkpoint_date
                    )
            n_t, n_c = len(arms["treatment"]), len(arms["control"])
            x_t, x_c = sum(arms["treatment"]), sum(arms["control"])
            row: dict[str, object] = {
                "checkpoint_days": days,
                "checkpoint_date": checkpoint_date,
                "is_observed": observed_flag,
                "tenants_treatment": n_t,
                "tenants_control": n_c,
                "outcomes_treatment": x_t if observed_flag else None,
                "outcomes_control": x_c if observed_flag else None,
            }
            statistics: dict[str, float | None] = dict.fromkeys(
                (
                    "lift",
                    "lift_standard_error",
                    "lift_ci_lower",
                    "lift_ci_upper",
                    "p_value",
                ),
                None,
            )
            statistics["outcome_rate_treatment"] = x_t / n_t if observed_flag and n_t else None
            statistics["outcome_rate_control"] = x_c / n_c if observed_flag and n_c else None
            if not observed_flag:
                row["verdict"] = "pending"
            elif n_t == 0 or n_c == 0:
                row["verdict"] = "insufficient_data"
            else:
                statistics = lift_statistics(x_t, n_t, x_c, n_c)
                row["verdict"] = verdict(statistics)
            row.update(statistics)
            rows[experiment_id, checkpoint] = row
    return rows


@dataclass
class Expected:
    """Everything the invariants compare, computed once per feed."""

    staged: Staged
    calendar: Calendar | None
    tenants: dict[str, dict[str, object]]
    users: dict[str, dict[str, object]]
    health: dict[tuple[str, datetime.date], dict[str, object]]
    retention: dict[tuple, dict[str, object]]
    pilots: dict[tuple, dict]
    weekly_rates: dict[tuple, dict[str, float | None]]
    activity: dict[tuple[str, datetime.date], dict[str, object]]
    dim_tenants: dict[str, dict[str, object]]
    dim_users: dict[str, dict[str, object]]


def expected(staged: Staged) -> Expected:
    from contract.kpis import weekly_rates  # kpis builds on this module

    cal = calendar(staged)
    if cal is None:
        return Expected(staged, None, {}, {}, {}, {}, {}, {}, {}, {}, {})
    observed = Observed(staged, cal)
    users = user_facts(observed)
    tenants = tenant_facts(observed)
    health = health_rows(observed, users)
    dim_tenants, dim_users = dimension_rows(observed, tenants)
    return Expected(
        staged=staged,
        calendar=cal,
        tenants=tenants,
        users=users,
        health=health,
        retention=retention_rows(observed),
        pilots=pilot_rows(observed, tenants),
        weekly_rates=weekly_rates(observed, tenants, users, health),
        activity=activity_rows(observed),
        dim_tenants=dim_tenants,
        dim_users=dim_users,
    )
