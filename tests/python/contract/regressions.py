"""Minimal feeds the contract tests found, kept as named regression fixtures.

Each fixture is a small hand-readable feed: the smallest shape of a failure
Hypothesis (or a reading of its shrunk example) found, with one heartbeat
event that pins the as-of date. `REGRESSIONS` lists them with the known
defect they show (a key of `known_defects.OPEN` while it is open, or None
once fixed) and the part of the DAG the test builds. To add one, see
DEVELOPERS.md ("Contract property tests").
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, replace

from contract.feed import (
    Certification,
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
)

AS_OF = datetime.date(2025, 9, 28)  # a Sunday: every fixture's as-of date
HEARTBEAT = datetime.datetime(2025, 9, 28, 23, 59, 59)  # Sunday's last second
STAGING = ("+dq_row_accounting", "+int_as_of_date")


def ts(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def tenant(tenant_id: str, onboarded: str, seats: int = 5, industry: str = "healthcare") -> Tenant:
    onboarded_at = ts(onboarded)
    return Tenant(
        tenant_id,
        industry,
        "growth",
        seats,
        onboarded_at - datetime.timedelta(days=10),
        onboarded_at,
    )


def session(
    event_id: str,
    user: User,
    when: datetime.datetime,
    name: str = "session_started",
    properties: str | None = None,
) -> Event:
    return Event(event_id, user.tenant_id, user.user_id, name, when, when, properties)


def with_heartbeat(*tenants: Tenant, users: tuple[User, ...] = (), **tables: tuple) -> Feed:
    """The tenants, users and tables given, plus an event on AS_OF by the first user."""
    if not users:
        users = (
            User(
                f"{tenants[0].tenant_id}-u0", tenants[0].tenant_id, "admin", tenants[0].onboarded_at
            ),
        )
    heartbeat = session("heartbeat", users[0], HEARTBEAT)
    events = (*tuple(tables.pop("events", ())), heartbeat)
    return Feed(tenants=tenants, users=users, events=events, **tables)


# ---------------------------------------------------------------- fixtures


def cost_before_onboarding() -> Feed:
    """A licence paid at signing: a cost line two months before the onboarding month.

    An older tenant starts the calendar in January, so the weeks of February
    and March (which report February's cost, the last complete month) exist.
    """
    older = tenant("t-early", "2025-01-06T09:00:00")
    acme = tenant("t0", "2025-04-15T09:00:00")
    cost = LearningCost("c0", "t0", datetime.date(2025, 2, 1), "licenses", 1000.0)
    return with_heartbeat(older, acme, learning_costs=(cost,))


def certification_before_onboarding() -> Feed:
    """Certified five days before onboarding: within any target, days = -5."""
    acme = tenant("t0", "2025-03-10T09:00:00", industry="saas_smb")
    admin = User("u0", "t0", "admin", ts("2025-03-01T08:00:00"))
    early = Certification("cert0", "t0", "u0", ts("2025-03-05T10:00:00"))
    return with_heartbeat(acme, users=(admin,), certifications=(early,))


def certification_before_onboarding_month() -> Feed:
    """A certification dated in a week that ends before the onboarding month starts."""
    acme = tenant("t0", "2025-03-10T09:00:00", industry="saas_smb")
    admin = User("u0", "t0", "admin", ts("2025-02-10T08:00:00"))
    early = Certification("cert0", "t0", "u0", ts("2025-02-20T10:00:00"))
    return with_heartbeat(acme, users=(admin,), certifications=(early,))


def expansion_before_window_closes() -> Feed:
    """A seat upgrade on day 30 of a tenant observed 100 days: the 180-day flag is censored."""
    acme = tenant("t0", "2025-06-20T09:00:00")
    upgrade = SubscriptionEvent("s0", "t0", "seat_upgrade", ts("2025-07-20T09:00:00"), 2)
    return with_heartbeat(acme, subscription_events=(upgrade,))


def thirds() -> Feed:
    """Exact values with endless decimals.

    Health: tenant t0 has three seats and one active admin, so activation
    progress is 1/3 and usage depth 1/3 / 0.6 = 5/9: the score is 56.666...
    Pilot: three tenants per arm, one and two activated: rates 1/3 and 2/3.
    """
    acme = tenant("t0", "2025-09-01T09:00:00", seats=3)
    admin = User("u0", "t0", "admin", ts("2025-09-01T09:00:00"))
    setup = session(
        "e0", admin, ts("2025-09-02T10:00:00"), "setup_step_completed", '{"step": "sso"}'
    )
    tenants, users, events, assignments = [acme], [admin], [setup], []
    for number in range(6):
        tenant_id = f"p{number}"
        tenants.append(tenant(tenant_id, "2025-05-05T09:00:00", seats=1))
        user = User(f"{tenant_id}-u0", tenant_id, "admin", ts("2025-05-05T09:00:00"))
        users.append(user)
        arm = "treatment" if number < 3 else "control"
        assignments.append(ExperimentAssignment("pilot", tenant_id, arm, ts("2025-05-05T12:00:00")))
        if number in (0, 3, 4):
            events.append(
                session(f"e{number}", user, ts("2025-05-10T10:00:00"), "governance_action")
            )
    return with_heartbeat(
        *tenants,
        users=tuple(users),
        events=tuple(events),
        experiment_assignments=tuple(assignments),
    )


def crlf_csv_with_a_line_break_in_a_field() -> Feed:
    """tenants.csv with CRLF line ends and a quoted tenant name holding a bare LF."""
    acme = replace(tenant("t0", "2025-09-01T09:00:00"), tenant_name="Acme\nHealth")
    csv = TableDelivery(file_format="csv", line_terminator="\r\n")
    return replace(with_heartbeat(acme), delivery=Delivery(tables={"tenants": csv}))


def events_partitioned_by_load_date() -> Feed:
    """events/load_date=YYYY-MM-DD/*.parquet instead of events.parquet (raw contract, Delivery)."""
    feed = with_heartbeat(tenant("t0", "2025-09-01T09:00:00"))
    return Feed(
        tenants=feed.tenants,
        users=feed.users,
        events=feed.events,
        delivery=Delivery(events_partitioned=True),
    )


def sentinel_onboarding_1900() -> Feed:
    """A tenant onboarded 1900-01-01 (a sentinel): quarantined, the calendar untouched."""
    sentinel = Tenant(
        "t-1900", "healthcare", "growth", 5, ts("1900-01-01T00:00:00"), ts("1900-01-01T00:00:00")
    )
    return with_heartbeat(tenant("t0", "2025-09-01T09:00:00"), sentinel)


def future_event() -> Feed:
    """One event occurred and received three years ahead: quarantined, as-of date untouched."""
    acme = tenant("t0", "2025-09-01T09:00:00")
    admin = User("u0", "t0", "admin", ts("2025-09-01T09:00:00"))
    ahead = session("e-future", admin, ts("2029-06-01T12:00:00"))
    return with_heartbeat(acme, users=(admin,), events=(ahead,))


def oversized_numbers() -> Feed:
    """seats_purchased and a ticket tier of 3,000,000,000 (beyond INT32) and an import of
    1e30 rows: each row quarantined as invalid_value, never a crash of the build."""
    acme = tenant("t0", "2025-09-01T09:00:00")
    admin = User("u0", "t0", "admin", ts("2025-09-01T09:00:00"))
    huge = Tenant(
        "t-huge",
        "healthcare",
        "growth",
        3_000_000_000,
        ts("2025-08-01T00:00:00"),
        ts("2025-09-01T00:00:00"),
    )
    ticket = SupportTicket("k0", "t0", ts("2025-09-10T10:00:00"), 3_000_000_000)
    rows = session(
        "e-huge",
        admin,
        ts("2025-09-10T10:00:00"),
        "data_import_completed",
        '{"rows": 1e30, "errors": 0}',
    )
    return with_heartbeat(acme, huge, users=(admin,), events=(rows,), support_tickets=(ticket,))


@dataclass(frozen=True)
class Regression:
    """A fixture: its feed, the defect it showed, its open known-defect key (None once
    fixed) and the part of the DAG its test builds."""

    name: str
    build: Callable[[], Feed]
    shows: str
    defect: str | None
    select: tuple[str, ...] = ()


REGRESSIONS = (
    Regression(
        "cost_before_onboarding",
        cost_before_onboarding,
        "issue 10.1: cost_per_learner_usd cohort rows before the cohort's first week",
        None,
        ("+fct_kpi_weekly",),
    ),
    Regression(
        "certification_before_onboarding",
        certification_before_onboarding,
        "issue 10.2: days_to_certification -5 with is_certified_within_target false",
        None,
        ("+fct_tenant_onboarding",),
    ),
    Regression(
        "certification_before_onboarding_month",
        certification_before_onboarding_month,
        "time_to_certification_median_days cohort rows before the cohort's first week",
        None,
        ("+fct_kpi_weekly",),
    ),
    Regression(
        "expansion_before_window_closes",
        expansion_before_window_closes,
        "issue 10.3: is_expanded / expanded_at set before the 180-day window closed",
        None,
        ("+fct_tenant_onboarding",),
    ),
    Regression(
        "thirds",
        thirds,
        "issue 10.4: health_score and pilot statistics rounded to 6 decimals",
        None,
        # fct_pilot_results is below the pilot-balance Python step, which a
        # `dbt build --select` cannot run: the whole DAG (tenant-kpis build)
        (),
    ),
    Regression(
        "crlf_csv_with_a_line_break_in_a_field",
        crlf_csv_with_a_line_break_in_a_field,
        "a legal CSV stops the build with DuckDB's multi-line parser error",
        None,
        STAGING,
    ),
    Regression(
        "events_partitioned_by_load_date",
        events_partitioned_by_load_date,
        "raw contract: events/load_date=.../*.parquet not read",
        None,
        STAGING,
    ),
    Regression(
        "sentinel_onboarding_1900",
        sentinel_onboarding_1900,
        "issue 10.6: a 1900 onboarding staged (the calendar starts in 1900)",
        None,
        STAGING,
    ),
    Regression(
        "future_event",
        future_event,
        "issue 10.7: an event in 2029 staged, the as-of date moved to 2029",
        None,
        STAGING,
    ),
    Regression(
        "oversized_numbers",
        oversized_numbers,
        "issue 10.8: 3e9 seats crash base_app__tenants (INT32 cast)",
        None,
        STAGING,
    ),
)
