"""One hand-written feed holding every case of the contract's legal space listed in
issue 10, run first (`@example`) by the property tests, so that even the small
CI budget covers each case once, whatever Hypothesis draws next.
"""

from __future__ import annotations

import datetime

from contract.feed import (
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
)


def ts(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def _event(
    event_id: str,
    user: User,
    name: str,
    when: str,
    properties: str | None = None,
    received: str | None = None,
) -> Event:
    return Event(
        event_id, user.tenant_id, user.user_id, name, ts(when), ts(received or when), properties
    )


def every_listed_case() -> Feed:
    """As-of date 2025-09-28 (Sunday); the heartbeat is on Tuesday 2025-09-30."""
    tenants = (
        # onboarded 209 days before the as-of date: every window observed
        Tenant(
            "00123",
            "healthcare",
            "growth",
            6,
            ts("2025-02-20T00:00:00"),
            ts("2025-03-03T09:00:00"),
            'Zürich "Gesundheit", AG',
            "emea",
        ),
        # zero seats, onboarded 100 days before: 90-day window observed, 180 not
        Tenant(
            "T-9",
            "saas_smb",
            "starter",
            0,
            ts("2025-06-10T00:00:00"),
            ts("2025-06-20T23:59:59"),
            "東京 ソフト",
            None,
        ),
        # no users at all, with cost lines: costs and no learners
        Tenant(
            "t-empty",
            "financial_services",
            "enterprise",
            10,
            ts("2025-01-01T00:00:00"),
            ts("2025-01-06T00:00:00"),
            None,
            "amer",
        ),
        # two churns, a new subscription between them
        Tenant(
            "t-churn",
            "enterprise_software",
            "growth",
            2,
            ts("2024-11-01T00:00:00"),
            ts("2024-12-02T00:00:00"),
            "line\r\nbreak, Inc.",  # a line break inside a quoted CSV field
            None,
        ),
    )
    admin = User("0001", "00123", "admin", ts("2025-03-03T10:00:00"), None, "ü@exämple.com")
    operator = User("0002", "00123", "operator", ts("2025-03-02T12:00:00"))  # before onboarding
    end_user = User(
        "0003",
        "00123",
        "end_user",
        ts("2025-03-10T00:00:00"),
        ts("2025-07-01T00:00:00"),
        "A@Example.COM",
    )  # deactivated
    silent = User("0004", "00123", "admin", ts("2025-04-01T00:00:00"))  # never an event
    zero_seat = User("u-9", "T-9", "end_user", ts("2025-06-21T00:00:00"))
    churner = User("u-churn", "t-churn", "operator", ts("2024-12-02T00:00:00"))
    users = (admin, operator, end_user, silent, zero_seat, churner)
    events = (
        _event("e01", admin, "setup_step_completed", "2025-03-04T08:00:00", '{"step": "sso"}'),
        _event(
            "e02",
            operator,
            "task_completed",
            "2025-03-01T12:00:00",  # a day before created_at
            '{"task_type": "review", "client": {"os": "ios"}}',
        ),
        _event(
            "e03", operator, "content_viewed", "2025-03-03T08:00:00", '{"content_id": "c-never"}'
        ),
        _event(
            "e04",
            end_user,
            "feature_used",
            "2025-03-16T23:59:59",  # Sunday's last second
            '{"feature": "dashboards", "critical": "true"}',
        ),
        _event(
            "e05",
            end_user,
            "feature_used",
            "2025-03-17T00:00:00",  # Monday's first
            '{"feature": "search", "critical": false}',
        ),
        _event(
            "e06", end_user, "workflow_completed", "2025-05-09T09:00:00", None
        ),  # null properties
        _event(
            "e07",
            admin,
            "data_import_completed",
            "2025-03-05T09:00:00",
            '{"rows": "250", "errors": 3}',
        ),  # a number as a string
        _event("e08", admin, "nps_submitted", "2025-06-01T09:00:00", '{"score": 0}'),
        _event("e09", operator, "nps_submitted", "2025-06-15T09:00:00", '{"score": "10"}'),
        _event("e10", operator, "task_failed", "2025-06-16T09:00:00", "{}"),
        _event(
            "e11",
            zero_seat,
            "feature_used",
            "2025-06-20T23:00:00",  # before onboarding
            '{"feature": "legacy_export"}',
            received="2025-06-19T23:30:00",
        ),  # received first
        _event(
            "e12",
            churner,
            "lesson_completed",
            "2024-12-10T10:00:00",
            '{"content_id": "c-retired", "course_id": "course-1"}',
        ),
        _event(
            "e12",
            churner,
            "lesson_completed",
            "2024-12-10T10:00:00",  # delivered twice
            '{"content_id": "c-retired", "course_id": "course-1"}',
            received="2024-12-12T00:00:00",
        ),
        _event("e13", churner, "page_viewed", "2025-01-07T10:00:00"),  # unknown name: kept
        _event("e14", admin, "session_started", "2025-09-30T09:00:00"),  # the heartbeat
    )
    certifications = (
        Certification("c1", "00123", "0001", ts("2025-03-20T10:00:00"), "Admin, level 1", "1"),
        Certification("c2", "00123", "0001", ts("2025-05-01T10:00:00"), "Admin, level 2", "2"),
        Certification("c3", "T-9", "u-9", ts("2025-06-15T10:00:00")),  # before onboarding
    )
    content = (
        Content("c-never", ts("2025-01-06T00:00:00"), ts("2025-01-06T00:00:00")),  # never updated
        Content(
            "c-retired",
            ts("2024-10-01T00:00:00"),
            ts("2025-02-01T00:00:00"),
            ts("2025-03-16T23:59:59"),
            "course-1",
            "Intro, part 1",
            "video",
        ),  # a week's last second
    )
    costs = (
        LearningCost("k1", "t-empty", datetime.date(2025, 3, 1), "licenses", 0.0),  # zero amount
        LearningCost("k2", "t-empty", datetime.date(2025, 4, 1), "facilitation", 1999.99),
        LearningCost("k3", None, datetime.date(2025, 5, 1), "content_production", 12345.67),
        LearningCost(
            "k4", "00123", datetime.date(2025, 1, 1), "licenses", 5000.0
        ),  # before onboarding
    )
    tickets = (
        SupportTicket("s1", "00123", ts("2025-06-01T10:00:00"), 1, "0002", "billing"),
        SupportTicket("s2", "00123", ts("2025-02-25T10:00:00"), 1),  # before onboarding, no user
        SupportTicket(
            "s3", "T-9", ts("2025-07-01T10:00:00"), 3, None, None, ts("2025-07-02T10:00:00")
        ),
    )
    subscriptions = (
        SubscriptionEvent("b1", "00123", "new", ts("2025-02-20T00:00:00"), 6, 600.0),
        SubscriptionEvent("b2", "00123", "addon_activated", ts("2025-08-30T23:00:00")),  # day 180
        SubscriptionEvent("b3", "00123", "seat_upgrade", ts("2025-08-31T10:00:00"), 2),  # day 181
        SubscriptionEvent("b4", "T-9", "seat_upgrade", ts("2025-07-20T10:00:00"), 1),  # window open
        SubscriptionEvent("b5", "t-churn", "churn", ts("2025-01-15T00:00:00"), None, -200.0),
        SubscriptionEvent("b6", "t-churn", "new", ts("2025-02-01T00:00:00"), 2, 200.0),
        SubscriptionEvent("b7", "t-churn", "churn", ts("2025-04-01T00:00:00")),
        SubscriptionEvent("b8", "t-churn", "renewal", ts("2025-03-01T00:00:00")),
    )
    assignments = (
        ExperimentAssignment("one-arm", "00123", "treatment", ts("2025-03-03T00:00:00")),
        ExperimentAssignment("staggered", "00123", "treatment", ts("2025-03-01T00:00:00")),
        ExperimentAssignment("staggered", "t-empty", "control", ts("2025-04-20T00:00:00")),
        ExperimentAssignment("staggered", "t-churn", "control", ts("2025-05-20T00:00:00")),
        ExperimentAssignment("pending", "T-9", "treatment", ts("2025-09-01T00:00:00")),
        ExperimentAssignment("pending", "t-empty", "control", ts("2025-09-02T00:00:00")),
    )
    csv_crlf = TableDelivery(
        file_format="csv",
        string_styles=("z", "+02:00", "naive"),
        quote_all=True,
        byte_order_mark=True,
    )
    delivery = Delivery(
        tables={
            "tenants": TableDelivery(
                file_format="csv",
                string_styles=("-05:00", "fraction"),
                extra_columns=True,
                shuffle_columns=True,
            ),
            "users": csv_crlf,
            "events": TableDelivery(
                timestamp_type="string", string_styles=("z", "+05:30", "naive")
            ),
            "certifications": TableDelivery(timestamp_type="Asia/Kolkata", timestamp_unit="ms"),
            "content": TableDelivery(
                timestamp_type="naive", timestamp_unit="ns", drop_optional=True
            ),
            "learning_costs": TableDelivery(file_format="csv", line_terminator="\n"),
            "support_tickets": TableDelivery(number_type="string", timestamp_type="utc"),
            "subscription_events": TableDelivery(
                number_type="narrow", timestamp_type="string", string_styles=("utc0", "space")
            ),
            "experiment_assignments": TableDelivery(timestamp_type="America/Sao_Paulo"),
        }
    )
    return Feed(
        tenants=tenants,
        users=users,
        events=events,
        certifications=certifications,
        content=content,
        learning_costs=costs,
        support_tickets=tickets,
        subscription_events=subscriptions,
        experiment_assignments=assignments,
        delivery=delivery,
    )
