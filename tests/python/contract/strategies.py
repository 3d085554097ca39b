"""Hypothesis strategies for raw feeds anywhere in the contract's legal space.

Not the generator's habits: tenants with no users or zero seats, users created
before the tenant onboarded, users with no events, deactivated users;
certifications, costs, tickets and events before onboarding (events up to a
day before the user's created_at, up to a day after received_at); several
certifications per user; ISO-8601 strings with `Z`, offsets or none, Parquet
timestamps with and without a time zone; events on Sunday 23:59:59 and
Monday 00:00; null properties, extra keys, numbers as strings; NPS 0 and 10;
a churn followed by a new subscription, two churns; expansions on day 180 and
181; one-arm, staggered and still-pending experiments; content never updated
or retired on a week's last second; zero-amount costs, tenants with costs and
no learners; CSV with quotes, commas, unicode, embedded line breaks and CRLF.

Days are drawn relative to the as-of date (the Sunday on or before the
feed's last event, which one heartbeat event pins), with a bias towards the
edges of every window the spec defines (14, 30, 60, 90, 180 days ...).

Bad rows the contract says to quarantine (`bad_rows`) and implausible values
(`implausible_rows`: a 1900 sentinel date, an event three years ahead,
3 billion seats, ...) are drawn only when the test asks for them.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, replace

from hypothesis import strategies as st

from contract.feed import (
    RAW_TABLES,
    Certification,
    Content,
    Delivery,
    Event,
    ExperimentAssignment,
    Feed,
    LearningCost,
    SubscriptionEvent,
    SupportTicket,
    TableDelivery,
    Tenant,
    User,
    row_values,
)
from contract.validate import COST_CATEGORIES, INDUSTRIES, PERSONAS, PLAN_TIERS

DAY = datetime.timedelta(days=1)
SECOND = datetime.timedelta(seconds=1)
FIRST_ANCHOR = datetime.date(2025, 1, 5)  # a Sunday; the as-of date is a Sunday after it
WINDOW_EDGES = (
    0,
    1,
    6,
    7,
    13,
    14,
    15,
    29,
    30,
    31,
    45,
    55,
    56,
    59,
    60,
    61,
    89,
    90,
    91,
    179,
    180,
    181,
)
TIMES = (
    datetime.time(0, 0, 0),
    datetime.time(23, 59, 59),
    datetime.time(12, 0, 0),
    datetime.time(0, 0, 1),
    datetime.time(23, 0, 0),
)
EVENT_NAMES = (
    "session_started",
    "setup_step_completed",
    "data_import_completed",
    "integration_connected",
    "self_service_config_changed",
    "governance_action",
    "feature_used",
    "workflow_completed",
    "task_completed",
    "task_failed",
    "workflow_shared",
    "comment_added",
    "content_viewed",
    "lesson_completed",
    "course_completed",
    "nps_submitted",
)
UNKNOWN_EVENT_NAMES = ("page_viewed", "Feature_Used")
PERSONA_BURSTS = {  # enough for the persona KPIs: five setup steps, tasks, features
    "admin": ("setup_step_completed",) * 6 + ("data_import_completed", "governance_action"),
    "operator": ("task_completed",) * 4 + ("task_failed", "workflow_shared", "comment_added"),
    "end_user": ("feature_used",) * 5 + ("workflow_completed", "nps_submitted"),
}
SETUP_STEPS = ("profile", "sso", "roles", "import", "branding", "billing")
FEATURES = ("dashboards", "workflow_builder", "automations", "reports", "search", "legacy_export")
TEXTS = (
    "Acme, Inc.",
    'The "Quoted" Co',
    "Zürich Gesundheit AG",
    "東京 ソフト",
    "line\nbreak",
    "line\r\nbreak",
    "comma,and;semicolon",
    "",
)
ZONES = ("utc", "naive", "Asia/Kolkata", "America/Sao_Paulo", "string")
STRING_STYLES = (
    "z",
    "naive",
    "utc0",
    "fraction",
    "space",
    "date",
    "+02:00",
    "-05:00",
    "+05:30",
    "-03:30",
)


@dataclass(frozen=True)
class Timeline:
    """The feed's calendar: the as-of date and the last event date after it."""

    as_of: datetime.date
    last_event_date: datetime.date

    def day(self, days_before_as_of: int) -> datetime.date:
        return self.as_of - datetime.timedelta(days=days_before_as_of)


def at(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(day, time)


def add_months(month: datetime.date, months: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


@st.composite
def timelines(draw: st.DrawFn) -> Timeline:
    as_of = FIRST_ANCHOR + datetime.timedelta(weeks=draw(st.integers(30, 80)))
    return Timeline(
        as_of=as_of, last_event_date=as_of + datetime.timedelta(days=draw(st.integers(0, 6)))
    )


def days_back(max_days: int = 400) -> st.SearchStrategy[int]:
    """Days before the as-of date, biased to the edges of the spec's windows."""
    return st.one_of(st.sampled_from(WINDOW_EDGES), st.integers(-6, max_days))


def times() -> st.SearchStrategy[datetime.time]:
    return st.one_of(
        st.sampled_from(TIMES),
        st.builds(datetime.time, st.integers(0, 23), st.integers(0, 59), st.integers(0, 59)),
    )


@st.composite
def instants_between(
    draw: st.DrawFn, low: datetime.datetime, high: datetime.datetime
) -> datetime.datetime:
    """A whole-second instant in [low, high], often at a week's first or last second."""
    if high <= low:
        return low
    span = int((high - low).total_seconds())
    moment = low + datetime.timedelta(seconds=draw(st.integers(0, span)))
    edge = draw(st.sampled_from((None, None, "sunday_end", "monday_start")))
    monday = moment.date() - datetime.timedelta(days=moment.weekday())
    snapped = {
        None: moment,
        "sunday_end": at(monday + datetime.timedelta(days=6), datetime.time(23, 59, 59)),
        "monday_start": at(monday, datetime.time()),
    }[edge]
    return snapped if low <= snapped <= high else moment


# ---------------------------------------------------------------- properties


def _maybe_text(draw: st.DrawFn, number: int) -> object:
    return str(number) if draw(st.booleans()) else number


@st.composite
def properties_for(draw: st.DrawFn, event_name: str, content_ids: tuple[str, ...]) -> str | None:
    """The JSON text of an event's properties, as a producer might send it."""
    values: dict[str, object] = {}
    if event_name == "setup_step_completed":
        values["step"] = draw(st.sampled_from(SETUP_STEPS))
    elif event_name == "data_import_completed":
        rows = draw(st.sampled_from((0, 1, 250, 10_000)))
        values["rows"] = _maybe_text(draw, rows)
        values["errors"] = _maybe_text(draw, draw(st.integers(0, rows)))
    elif event_name == "integration_connected":
        values["integration"] = draw(st.sampled_from(("slack", "salesforce")))
    elif event_name == "self_service_config_changed":
        values["setting"] = draw(st.sampled_from(("locale", "größe")))
    elif event_name == "governance_action":
        values["action"] = draw(st.sampled_from(("role_created", "policy_set")))
    elif event_name == "feature_used":
        values["feature"] = draw(st.sampled_from(FEATURES))
        critical = draw(st.sampled_from((True, False, "true", "false", None)))
        if critical is not None:
            values["critical"] = critical
    elif event_name == "workflow_completed":
        values["workflow"] = "invoice_approval"
    elif event_name in ("task_completed", "task_failed"):
        values["task_type"] = draw(st.sampled_from(("review", "sync")))
    elif event_name in ("content_viewed", "lesson_completed") and content_ids:
        values["content_id"] = draw(st.sampled_from(content_ids))
        if event_name == "lesson_completed":
            values["course_id"] = "course-1"
    elif event_name == "course_completed":
        values["course_id"] = "course-1"
    elif event_name == "nps_submitted":
        score = draw(st.one_of(st.sampled_from((0, 10, 6, 7, 9)), st.integers(0, 10)))
        return json.dumps({"score": _maybe_text(draw, score)})
    if draw(st.booleans()):
        values["client"] = {"os": "ios", "version": [1, 2]}  # an extra, nested key
    form = draw(st.sampled_from(("json", "json", "null", "empty_object")))
    if form == "null" and not values:
        return None
    if form == "empty_object":
        return "{}" if not values else json.dumps(values)
    return json.dumps(values, ensure_ascii=draw(st.booleans()))


# ---------------------------------------------------------------- one tenant


@st.composite
def user_events(
    draw: st.DrawFn, user: User, timeline: Timeline, content_ids: tuple[str, ...], prefix: str
) -> list[Event]:
    """A user's events: occurred from a day before created_at to the last event date."""
    low = user.created_at - DAY
    high = at(timeline.last_event_date, datetime.time(23, 59, 59))
    events: list[Event] = []
    names = [draw(st.sampled_from(EVENT_NAMES)) for _ in range(draw(st.integers(0, 7)))]
    if draw(st.integers(0, 4)) == 0:  # a burst of the persona's own work
        names += list(PERSONA_BURSTS[user.persona])
    for number, name in enumerate(names):
        if draw(st.integers(0, 19)) == 0:
            name = draw(st.sampled_from(UNKNOWN_EVENT_NAMES))  # kept and flagged, not lost
        near_start = draw(st.booleans())
        upper = min(high, user.created_at + 100 * DAY) if near_start else high
        occurred = draw(instants_between(low, upper))
        delay = draw(
            st.one_of(
                st.sampled_from((0, 1, 3600, -86_400, 86_400 * 2)), st.integers(-86_400, 259_200)
            )
        )
        received = occurred + datetime.timedelta(seconds=delay)
        event = Event(
            event_id=f"{prefix}e{number}",
            tenant_id=user.tenant_id,
            user_id=user.user_id,
            event_name=name,
            occurred_at=occurred,
            received_at=received,
            properties=draw(properties_for(name, content_ids)),
        )
        events.append(event)
        if draw(st.integers(0, 9)) == 0:  # delivered again later: a duplicate
            later = received + datetime.timedelta(seconds=draw(st.integers(1, 200_000)))
            events.append(replace(event, received_at=later))
    return events


def tenant_ids() -> st.SearchStrategy[str]:
    return st.sampled_from(("t", "00", "T-", "租户"))


@st.composite
def subscription_history(
    draw: st.DrawFn, tenant: Tenant, timeline: Timeline, prefix: str
) -> list[SubscriptionEvent]:
    """A `new` at signing, then one of the histories the contract allows."""
    onboarded = tenant.onboarded_at
    limit = at(timeline.last_event_date, datetime.time(23, 59, 59))

    def change(number: int, event_type: str, when: datetime.datetime, seats: int | None = None):
        return SubscriptionEvent(
            subscription_event_id=f"{prefix}s{number}",
            tenant_id=tenant.tenant_id,
            event_type=event_type,
            effective_at=when,
            seats_delta=seats,
            mrr_delta_usd=draw(st.sampled_from((None, 0.0, 125.5, -40.0))),
        )

    history = [change(0, "new", tenant.signed_at, tenant.seats_purchased)]
    kind = draw(
        st.sampled_from(
            ("none", "renewal", "churn", "churn_then_new", "two_churns", "expansion", "downgrade")
        )
    )
    day = draw(st.one_of(st.sampled_from((179, 180, 181, 0, 1)), st.integers(0, 400)))
    when = at(onboarded.date() + day * DAY, draw(times()))
    if kind == "renewal":
        history.append(change(1, "renewal", when))
    elif kind in ("churn", "churn_then_new", "two_churns"):
        history.append(change(1, "churn", when))
        if kind != "churn":
            again = when + draw(st.integers(1, 60)) * DAY
            history.append(change(2, "new", again, 3))
            if kind == "two_churns":
                history.append(change(3, "churn", again + draw(st.integers(1, 60)) * DAY))
    elif kind == "expansion":
        event_type = draw(st.sampled_from(("seat_upgrade", "addon_activated")))
        history.append(change(1, event_type, when, 2 if event_type == "seat_upgrade" else None))
        if draw(st.booleans()):
            later = when + draw(st.integers(0, 200)) * DAY
            history.append(change(2, "addon_activated", later))
    elif kind == "downgrade":
        history.append(change(1, "seat_downgrade", when, -1))
    return [h for h in history if h.effective_at <= limit]


@st.composite
def tenant_scenarios(
    draw: st.DrawFn, index: int, timeline: Timeline, content_ids: tuple[str, ...]
) -> Feed:
    """One tenant with its users, events, certifications, tickets, costs and contract."""
    tenant_id = f"{draw(tenant_ids())}{index}"
    prefix = f"{tenant_id}-"
    onboarded_day = timeline.day(draw(days_back()))
    onboarded_day = min(onboarded_day, timeline.last_event_date)
    onboarded_at = at(onboarded_day, draw(times()))
    signed_at = onboarded_at - datetime.timedelta(
        days=draw(st.integers(0, 45)), seconds=draw(st.integers(0, 3600))
    )
    tenant = Tenant(
        tenant_id=tenant_id,
        industry=draw(st.sampled_from(INDUSTRIES)),
        plan_tier=draw(st.sampled_from(PLAN_TIERS)),
        seats_purchased=draw(st.one_of(st.sampled_from((0, 1, 5, 6, 10)), st.integers(0, 12))),
        signed_at=signed_at,
        onboarded_at=onboarded_at,
        tenant_name=draw(st.sampled_from((*TEXTS, None))),
        region=draw(st.sampled_from(("emea", "amer", None))),
    )
    limit = at(timeline.last_event_date, datetime.time(23, 59, 59))
    users, events, certifications = [], [], []
    for number in range(draw(st.integers(0, 4))):
        offset = draw(st.one_of(st.sampled_from((0, -1, -10)), st.integers(-30, 120)))
        created_at = min(at(onboarded_day + offset * DAY, draw(times())), limit)
        deactivated = None
        if draw(st.integers(0, 3)) == 0:
            deactivated = min(created_at + draw(st.integers(1, 200)) * DAY, limit)
        user = User(
            user_id=f"{prefix}u{number}",
            tenant_id=tenant_id,
            persona=draw(st.sampled_from(PERSONAS)),
            created_at=created_at,
            deactivated_at=deactivated,
            email=draw(st.sampled_from((None, f"u{number}@exämple.com", f"U{number}@Example.COM"))),
        )
        users.append(user)
        events += draw(user_events(user, timeline, content_ids, f"{prefix}u{number}"))
        for cert in range(draw(st.sampled_from((0, 0, 1, 2, 3)))):
            issued_day = (
                onboarded_day
                + draw(st.one_of(st.sampled_from((-1, 0, 14, 15)), st.integers(-30, 200))) * DAY
            )
            certifications.append(
                Certification(
                    certification_id=f"{prefix}u{number}c{cert}",
                    tenant_id=tenant_id,
                    user_id=user.user_id,
                    issued_at=min(at(issued_day, draw(times())), limit),
                    certification_name=draw(st.sampled_from(("Admin, level 1", None))),
                    level=draw(st.sampled_from(("1", "advanced", None))),
                )
            )
    tickets = []
    for number in range(draw(st.integers(0, 3))):
        when = draw(instants_between(signed_at, limit))
        tickets.append(
            SupportTicket(
                ticket_id=f"{prefix}k{number}",
                tenant_id=tenant_id,
                created_at=when,
                tier=draw(st.sampled_from((1, 1, 2, 3))),
                user_id=draw(st.sampled_from((*tuple(u.user_id for u in users), None))),
                category=draw(st.sampled_from(("billing", None))),
                resolved_at=draw(st.sampled_from((None, when + DAY))),
            )
        )
    costs = []
    for number in range(draw(st.integers(0, 2))):
        month = min(
            add_months(onboarded_day.replace(day=1), draw(st.integers(-3, 10))),
            timeline.last_event_date.replace(day=1),
        )
        costs.append(
            LearningCost(
                cost_id=f"{prefix}c{number}",
                tenant_id=tenant_id,
                month=month,
                category=draw(st.sampled_from(COST_CATEGORIES)),
                amount_usd=draw(st.sampled_from((0.0, 12.5, 1999.99, 40000.0))),
            )
        )
    return Feed(
        tenants=(tenant,),
        users=tuple(users),
        events=tuple(events),
        certifications=tuple(certifications),
        learning_costs=tuple(costs),
        support_tickets=tuple(tickets),
        subscription_events=tuple(draw(subscription_history(tenant, timeline, prefix))),
    )


# ---------------------------------------------------------------- shared tables


@st.composite
def content_items(draw: st.DrawFn, timeline: Timeline) -> tuple[Content, ...]:
    items = []
    limit = at(timeline.last_event_date, datetime.time(23, 59, 59))
    for number in range(draw(st.integers(0, 3))):
        published = min(at(timeline.day(draw(days_back(500))), draw(times())), limit)
        updated = draw(st.sampled_from(("never", "later", "after_as_of")))
        last_updated = {
            "never": published,
            "later": min(published + draw(st.integers(1, 200)) * DAY, limit),
            "after_as_of": max(published, at(timeline.as_of + DAY, datetime.time(8))),
        }[updated]
        retired = draw(st.sampled_from((None, "week_end", "random")))
        retired_at = None
        if retired == "week_end":
            end = timeline.day(draw(st.integers(0, 30)) * 7)  # a Sunday
            retired_at = max(at(end, datetime.time(23, 59, 59)), published)
        elif retired == "random":
            retired_at = min(published + draw(st.integers(0, 300)) * DAY, limit)
        items.append(
            Content(
                content_id=f"content-{number}",
                published_at=published,
                last_updated_at=last_updated,
                retired_at=retired_at,
                course_id=draw(st.sampled_from(("course-1", None))),
                title=draw(st.sampled_from((*TEXTS, None))),
                content_type=draw(st.sampled_from(("video", "article", None))),
            )
        )
    return tuple(items)


@st.composite
def experiments(
    draw: st.DrawFn, timeline: Timeline, tenant_ids_: tuple[str, ...]
) -> tuple[ExperimentAssignment, ...]:
    """One-arm, staggered and still-pending pilots over the feed's tenants."""
    assignments = []
    limit = at(timeline.last_event_date, datetime.time(23, 59, 59))
    for number in range(draw(st.integers(0, 2))):
        if not tenant_ids_:
            break
        members = draw(st.lists(st.sampled_from(tenant_ids_), min_size=1, unique=True))
        first_day = timeline.day(
            draw(st.one_of(st.sampled_from((0, 44, 45, 46, 89, 90, 91)), st.integers(0, 300)))
        )
        staggered = draw(st.booleans())
        for tenant_id in members:
            day = first_day + (draw(st.integers(0, 60)) if staggered else 0) * DAY
            assignments.append(
                ExperimentAssignment(
                    experiment_id=f"pilot-{number}",
                    tenant_id=tenant_id,
                    arm=draw(st.sampled_from(("treatment", "control"))),
                    assigned_at=min(at(day, draw(times())), limit),
                )
            )
    return tuple(assignments)


@st.composite
def platform_costs(draw: st.DrawFn, timeline: Timeline) -> tuple[LearningCost, ...]:
    lines = []
    for number in range(draw(st.integers(0, 2))):
        month = timeline.day(draw(st.integers(0, 300))).replace(day=1)
        lines.append(
            LearningCost(
                cost_id=f"platform-{number}",
                tenant_id=draw(st.sampled_from((None, ""))),
                month=month,
                category=draw(st.sampled_from(COST_CATEGORIES)),
                amount_usd=draw(st.sampled_from((0.0, 500.0, 12345.67))),
            )
        )
    return tuple(lines)


# ---------------------------------------------------------------- delivery


def table_deliveries() -> st.SearchStrategy[TableDelivery]:
    return st.builds(
        TableDelivery,
        file_format=st.sampled_from(("parquet", "csv")),
        timestamp_type=st.sampled_from(ZONES),
        timestamp_unit=st.sampled_from(("us", "ms", "ns")),
        number_type=st.sampled_from(("native", "narrow", "string")),
        string_styles=st.lists(st.sampled_from(STRING_STYLES), min_size=1, max_size=3).map(tuple),
        line_terminator=st.sampled_from(("\r\n", "\n")),
        quote_all=st.booleans(),
        byte_order_mark=st.booleans(),
        extra_columns=st.booleans(),
        drop_optional=st.booleans(),
        shuffle_columns=st.booleans(),
    )


@st.composite
def deliveries(draw: st.DrawFn, allow_partitioned_events: bool) -> Delivery:
    tables = {table: draw(table_deliveries()) for table in RAW_TABLES}
    partitioned = allow_partitioned_events and draw(st.integers(0, 9)) == 0
    return Delivery(tables=tables, events_partitioned=partitioned)


# ---------------------------------------------------------------- bad rows


@st.composite
def bad_rows(draw: st.DrawFn, feed: Feed, timeline: Timeline) -> Feed:
    """Rows the contract says to quarantine, each with one clear reason."""
    extra = Feed()
    when = at(timeline.as_of - 3 * DAY, datetime.time(9))
    users = feed.users
    for number in range(draw(st.integers(0, 3))):
        kind = draw(
            st.sampled_from(
                (
                    "too_early",
                    "too_late_vs_received",
                    "nps_out_of_range",
                    "invalid_json",
                    "json_array",
                    "unknown_user",
                    "other_tenant",
                    "missing_event_id",
                    "ticket_tier",
                    "negative_cost",
                    "unknown_tenant_ticket",
                )
            )
        )
        event_id = f"bad-e{number}"
        if (
            kind
            in (
                "too_early",
                "too_late_vs_received",
                "nps_out_of_range",
                "invalid_json",
                "json_array",
                "missing_event_id",
            )
            and users
        ):
            user = draw(st.sampled_from(users))
            base = Event(
                event_id, user.tenant_id, user.user_id, "session_started", when, when, None
            )
            event = {
                "too_early": replace(base, occurred_at=user.created_at - DAY - SECOND),
                "too_late_vs_received": replace(base, received_at=when - DAY - SECOND),
                "nps_out_of_range": replace(
                    base, event_name="nps_submitted", properties='{"score": 11}'
                ),
                "invalid_json": replace(base, properties='{"step": '),
                "json_array": replace(base, properties="[1, 2]"),
                "missing_event_id": replace(base, event_id=""),
            }[kind]
            extra = replace(extra, events=(*extra.events, event))
        elif kind == "unknown_user" and feed.tenants:
            event = Event(
                event_id, feed.tenants[0].tenant_id, "nobody", "session_started", when, when, None
            )
            extra = replace(extra, events=(*extra.events, event))
        elif kind == "other_tenant" and len(feed.tenants) > 1 and users:
            user = draw(st.sampled_from(users))
            other = next(t.tenant_id for t in feed.tenants if t.tenant_id != user.tenant_id)
            event = Event(event_id, other, user.user_id, "session_started", when, when, None)
            extra = replace(extra, events=(*extra.events, event))
        elif kind == "ticket_tier" and feed.tenants:
            ticket = SupportTicket(f"bad-k{number}", feed.tenants[0].tenant_id, when, 4)
            extra = replace(extra, support_tickets=(*extra.support_tickets, ticket))
        elif kind == "unknown_tenant_ticket":
            ticket = SupportTicket(f"bad-k{number}", "no-such-tenant", when, 1)
            extra = replace(extra, support_tickets=(*extra.support_tickets, ticket))
        elif kind == "negative_cost":
            cost = LearningCost(
                f"bad-c{number}", None, timeline.as_of.replace(day=1), "licenses", -5.0
            )
            extra = replace(extra, learning_costs=(*extra.learning_costs, cost))
    return extra


@st.composite
def implausible_rows(draw: st.DrawFn, feed: Feed, timeline: Timeline) -> Feed:
    """Plausibility-bound violations: quarantined, never moving the calendar."""
    kind = draw(
        st.sampled_from(("sentinel_tenant", "future_event", "huge_seats", "huge_tier", "huge_rows"))
    )
    when = at(timeline.as_of - 2 * DAY, datetime.time(10))
    if kind == "sentinel_tenant":
        sentinel = datetime.datetime(1900, 1, 1)
        return Feed(tenants=(Tenant("sentinel", "healthcare", "growth", 5, sentinel, sentinel),))
    if kind == "huge_seats":
        return Feed(tenants=(Tenant("huge", "healthcare", "growth", 3_000_000_000, when, when),))
    if kind == "huge_tier" and feed.tenants:
        return Feed(
            support_tickets=(
                SupportTicket("huge-k", feed.tenants[0].tenant_id, when, 3_000_000_000),
            )
        )
    if feed.users:
        user = feed.users[0]
        if kind == "future_event":
            future = datetime.datetime(timeline.as_of.year + 3, 6, 1, 12)
            return Feed(
                events=(
                    Event(
                        "future-e", user.tenant_id, user.user_id, "session_started", future, future
                    ),
                )
            )
        if kind == "huge_rows":
            return Feed(
                events=(
                    Event(
                        "huge-e",
                        user.tenant_id,
                        user.user_id,
                        "data_import_completed",
                        when,
                        when,
                        '{"rows": 1e30, "errors": 0}',
                    ),
                )
            )
    return Feed()


# ---------------------------------------------------------------- whole feed


def _heartbeat(feed: Feed, timeline: Timeline, draw: st.DrawFn) -> Feed:
    """One event on the last event date pins the as-of date; add a user if there is none."""
    moment = at(timeline.last_event_date, draw(times()))
    candidates = [u for u in feed.users if u.created_at <= moment + DAY]
    if not candidates:
        tenant = feed.tenants[0]
        user = User(f"{tenant.tenant_id}-heartbeat", tenant.tenant_id, "operator", moment - DAY)
        feed = replace(feed, users=(*feed.users, user))
        candidates = [user]
    user = draw(st.sampled_from(candidates))
    beat = Event(
        "heartbeat", user.tenant_id, user.user_id, "session_started", moment, moment + SECOND, None
    )
    return replace(feed, events=(*feed.events, beat))


@st.composite
def feeds(
    draw: st.DrawFn,
    max_tenants: int = 5,
    with_bad_rows: bool = True,
    with_implausible_rows: bool = False,
    allow_partitioned_events: bool = False,
    allow_bare_lf_in_crlf_csv: bool = True,
) -> Feed:
    """A whole feed: several independent tenant scenarios packed into one delivery."""
    timeline = draw(timelines())
    content = draw(content_items(timeline))
    content_ids = tuple(item.content_id for item in content)
    feed = Feed(content=content)
    for index in range(draw(st.integers(1, max_tenants))):
        feed = feed.merged(draw(tenant_scenarios(index, timeline, content_ids)))
    feed = _heartbeat(feed, timeline, draw)
    feed = replace(
        feed,
        learning_costs=feed.learning_costs + draw(platform_costs(timeline)),
        experiment_assignments=draw(
            experiments(timeline, tuple(t.tenant_id for t in feed.tenants))
        ),
    )
    if with_bad_rows:
        feed = feed.merged(draw(bad_rows(feed, timeline)))
    if with_implausible_rows and draw(st.integers(0, 4)) == 0:
        feed = feed.merged(draw(implausible_rows(feed, timeline)))
    feed = replace(feed, delivery=draw(deliveries(allow_partitioned_events)))
    return feed if allow_bare_lf_in_crlf_csv else without_bare_lf_in_crlf_csv(feed)


def without_bare_lf_in_crlf_csv(feed: Feed) -> Feed:
    """CRLF in place of a bare LF inside the text fields of CRLF-terminated CSV tables."""
    tables = {}
    for table in ("tenants", "content"):
        delivery = feed.delivery.of(table)
        if delivery.file_format == "csv" and delivery.line_terminator == "\r\n":
            tables[table] = tuple(
                replace(
                    row,
                    **{
                        name: value.replace("\r\n", "\n").replace("\n", "\r\n")
                        for name, value in row_values(row).items()
                        if isinstance(value, str) and "\n" in value
                    },
                )
                for row in feed.rows(table)
            )
    return replace(feed, **tables)
