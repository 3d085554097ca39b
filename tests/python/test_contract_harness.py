"""The contract test harness checked without dbt (seconds, not minutes).

The property tests are only as good as their parts: the writer must encode
every timestamp style to the same UTC instant, the independent computation
must give the spec's numbers on a feed worked out by hand, the comparison
must see a difference, and the strategies must stay inside the contract.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from contract.definitions import Observed, calendar, expected, lift_statistics
from contract.feed import (
    Certification,
    Delivery,
    Event,
    ExperimentAssignment,
    Feed,
    SubscriptionEvent,
    SupportTicket,
    TableDelivery,
    Tenant,
    User,
)
from contract.invariants import compare_rows, same
from contract.known_defects import OPEN, allows
from contract.regressions import REGRESSIONS
from contract.strategies import feeds
from contract.validate import stage
from contract.writer import format_timestamp, write_feed
from hypothesis import HealthCheck, given, settings

UTC = datetime.UTC


def ts(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


# ---------------------------------------------------------------- writer


@pytest.mark.parametrize(
    "style", ["z", "naive", "utc0", "fraction", "space", "date", "+02:00", "-05:00", "+05:30"]
)
def test_every_timestamp_style_names_the_same_utc_instant(style: str) -> None:
    # a Sunday's last second (offsets cross midnight) and a Monday's first
    for instant in (ts("2025-03-02T23:59:59"), ts("2025-03-03T00:00:00")):
        text = format_timestamp(instant, style)
        parsed = datetime.datetime.fromisoformat(text)
        as_utc = parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
        assert as_utc == instant, text


def test_writer_round_trips_parquet_and_csv(tmp_path: Path) -> None:
    tenant = Tenant(
        "00123",
        "healthcare",
        "growth",
        7,
        ts("2025-01-01T00:00:00"),
        ts("2025-03-02T23:59:59"),
        'Zürich, "Quoted"\r\nCo',
        None,
    )
    user = User("0001", "00123", "admin", ts("2025-03-03T00:00:00"), None, "ü@exämple.com")
    event = Event(
        "e1",
        "00123",
        "0001",
        "nps_submitted",
        ts("2025-03-04T01:30:00"),
        ts("2025-03-04T01:30:05"),
        '{"score": "10"}',
    )
    delivery = Delivery(
        tables={
            "tenants": TableDelivery(file_format="csv", string_styles=("+05:30",), quote_all=True),
            "users": TableDelivery(
                timestamp_type="Asia/Kolkata",
                timestamp_unit="ns",
                extra_columns=True,
                shuffle_columns=True,
            ),
            "events": TableDelivery(timestamp_type="string", string_styles=("-03:30", "z")),
        }
    )
    write_feed(Feed(tenants=(tenant,), users=(user,), events=(event,), delivery=delivery), tmp_path)
    with duckdb.connect() as connection:
        connection.execute("set TimeZone = 'UTC'")
        row = connection.execute(
            f"select tenant_id, tenant_name, onboarded_at::timestamptz from "
            f"read_csv('{tmp_path / 'tenants.csv'}', header = true, all_varchar = true)"
        ).fetchone()
    assert row[:2] == ("00123", tenant.tenant_name)
    assert row[2].astimezone(UTC).replace(tzinfo=None) == tenant.onboarded_at
    users = pq.read_table(tmp_path / "users.parquet")
    assert "sdk_version" in users.column_names
    created = users.column("created_at")[0].as_py()
    assert created.astimezone(UTC).replace(tzinfo=None) == user.created_at
    occurred = pq.read_table(tmp_path / "events.parquet").column("occurred_at")[0].as_py()
    assert occurred == "2025-03-03T22:00:00-03:30"


def test_partitioned_events_land_in_load_date_directories(tmp_path: Path) -> None:
    user = User("u", "t", "admin", ts("2025-03-03T00:00:00"))
    events = (
        Event(
            "e1", "t", "u", "session_started", ts("2025-03-03T23:00:00"), ts("2025-03-04T00:30:00")
        ),
        Event(
            "e2", "t", "u", "session_started", ts("2025-03-03T23:00:00"), ts("2025-03-03T23:30:00")
        ),
    )
    write_feed(
        Feed(users=(user,), events=events, delivery=Delivery(events_partitioned=True)), tmp_path
    )
    partitions = sorted(p.parent.name for p in (tmp_path / "events").rglob("*.parquet"))
    assert partitions == ["load_date=2025-03-03", "load_date=2025-03-04"]


# ---------------------------------------------------------------- definitions


def hand_feed() -> Feed:
    """One tenant worked out by hand in the docstrings of the tests below."""
    tenant = Tenant(
        "T", "healthcare", "growth", 6, ts("2025-02-20T00:00:00"), ts("2025-03-03T09:00:00")
    )
    u1 = User("u1", "T", "admin", ts("2025-03-03T10:00:00"))
    u2 = User("u2", "T", "operator", ts("2025-03-02T12:00:00"))
    u3 = User("u3", "T", "end_user", ts("2025-03-10T00:00:00"), ts("2025-09-01T00:00:00"))

    def event(
        event_id: str, user: User, name: str, when: str, properties: str | None = None
    ) -> Event:
        return Event(event_id, "T", user.user_id, name, ts(when), ts(when), properties)

    events = (
        event("e1", u1, "setup_step_completed", "2025-03-04T08:00:00", '{"step": "sso"}'),
        event("e2", u2, "content_viewed", "2025-03-03T08:00:00"),  # before onboarded_at
        event("e3", u2, "lesson_completed", "2025-06-10T10:00:00"),
        event("e4", u2, "task_completed", "2025-03-01T13:00:00"),  # 23 h before created_at
        event(
            "e5",
            u3,
            "feature_used",
            "2025-03-24T09:00:00",
            '{"feature": "dashboards", "critical": "true"}',
        ),
        event("e6", u3, "feature_used", "2025-04-10T09:00:00", '{"feature": "search"}'),
        event("e7", u3, "workflow_completed", "2025-05-09T09:00:00"),
        event("e8", u1, "nps_submitted", "2025-06-01T09:00:00", '{"score": 9}'),
        event("e9", u1, "nps_submitted", "2025-06-20T09:00:00", '{"score": "3"}'),
        event("e10", u2, "nps_submitted", "2025-06-15T09:00:00", '{"score": 10}'),
        event("e11", u1, "session_started", "2025-09-30T09:00:00"),  # pins the as-of date
    )
    return Feed(
        tenants=(tenant,),
        users=(u1, u2, u3),
        events=events,
        certifications=(
            Certification("c1", "T", "u1", ts("2025-02-28T10:00:00")),
            Certification("c2", "T", "u2", ts("2025-04-01T10:00:00")),
        ),
        support_tickets=(
            SupportTicket("k1", "T", ts("2025-06-01T10:00:00"), 1),
            SupportTicket("k2", "T", ts("2025-06-02T10:00:00"), 2),
        ),
        subscription_events=(
            SubscriptionEvent("s1", "T", "seat_upgrade", ts("2025-08-31T10:00:00"), 2),  # day 181
            SubscriptionEvent("s2", "T", "addon_activated", ts("2025-08-30T23:00:00")),  # day 180
        ),
    )


def test_as_of_date_is_the_sunday_before_the_last_event() -> None:
    cal = calendar(stage(hand_feed()))
    assert cal is not None
    assert cal.as_of_date == datetime.date(2025, 9, 28)
    assert cal.first_week_start == datetime.date(2025, 2, 24)  # week of the 2025-03-01 event


def test_tenant_facts_by_hand() -> None:
    """Two users needed (ceil(0.2 x 6)); u2's learning event before onboarded_at does not
    count, so the second user arrives on 2025-06-10: day 99, not within 90. Certified 3 days
    before onboarding: within the 90-day healthcare target. Add-on on day 180 counts, the
    upgrade on day 181 does not."""
    facts = expected(stage(hand_feed())).tenants["T"]
    assert facts["activation_users_required"] == 2
    assert facts["activated_at"] == ts("2025-06-10T10:00:00")
    assert facts["days_to_activation"] == 99
    assert facts["is_activated_within_90d"] is False
    assert facts["days_to_certification"] == -3
    assert facts["is_certified_within_target"] is True
    assert facts["is_expanded"] is True
    assert facts["expanded_at"] == ts("2025-08-30T23:00:00")


def test_user_facts_by_hand() -> None:
    users = expected(stage(hand_feed())).users
    assert users["u2"]["time_to_activate_days"] == -1
    assert users["u2"]["is_activated_within_14d"] is True
    u3 = users["u3"]
    assert u3["time_to_activate_days"] == 14 and u3["is_activated_within_14d"] is True
    assert u3["time_to_first_value_days"] == 60
    assert (u3["is_first_value_within_30d"], u3["is_first_value_within_60d"]) == (False, True)
    assert u3["feature_depth_30d"] == 1  # search on day 31 is outside the window
    assert u3["days_to_first_critical_feature"] == 14
    assert u3["feature_breadth"] == 2 / 12
    assert users["u1"]["latest_nps_score"] == 3
    assert users["u1"]["setup_steps_completed"] == 1 and users["u1"]["setup_completed_at"] is None


def test_health_score_by_hand() -> None:
    """Week of 2025-06-16: 3 of 6 seats activated (0.5), WAU 1 -> 1/6/0.6 = 5/18, one tier-1
    ticket for 2 users active in 28 days -> support 0, NPS of u1's 3 and u2's 10 = 0 -> 0.5.
    Score = 100 x (0.3 x 0.5 + 0.3 x 5/18 + 0 + 0.2 x 0.5) = 33.33..."""
    row = expected(stage(hand_feed())).health["T", datetime.date(2025, 6, 16)]
    assert row["users_activated"] == 3
    assert row["usage_depth_component"] == pytest.approx(5 / 18, abs=1e-15)
    assert row["support_load_component"] == 0
    assert row["nps_90d"] == 0 and row["sentiment_component"] == 0.5
    assert row["health_score"] == pytest.approx(100 / 3, abs=1e-12)
    assert row["health_band"] == "at_risk"


def test_retention_by_hand() -> None:
    """u3 (signup week 2025-03-10) is active in weeks 2, 4 and 8 after signup."""
    retention = expected(stage(hand_feed())).retention
    key = (datetime.date(2025, 3, 10), "persona", "end_user")
    retained = [k for k in range(13) if retention[(key[0], k, *key[1:])]["retained_users"]]
    unbounded = [
        k for k in range(13) if retention[(key[0], k, *key[1:])]["retained_users_unbounded"]
    ]
    assert retained == [2, 4, 8]
    assert unbounded == list(range(9))


def test_newcombe_interval_matches_the_published_examples() -> None:
    """Newcombe (1998), Statistics in Medicine 17, table II, method 10."""
    first = lift_statistics(56, 70, 48, 80)
    assert (round(first["lift_ci_lower"], 4), round(first["lift_ci_upper"], 4)) == (0.0524, 0.3339)
    second = lift_statistics(9, 10, 3, 10)
    assert (round(second["lift_ci_lower"], 4), round(second["lift_ci_upper"], 4)) == (
        0.1705,
        0.8090,
    )


def test_one_arm_pilot_has_no_lift() -> None:
    feed = hand_feed()
    feed = Feed(
        **{
            **feed.__dict__,
            "experiment_assignments": (
                ExperimentAssignment("x", "T", "treatment", ts("2025-03-05T00:00:00")),
            ),
        }
    )
    pilots = expected(stage(feed)).pilots
    assert pilots["x", "day_90"]["verdict"] == "insufficient_data"
    assert pilots["x", "day_90"]["lift"] is None


def test_bad_rows_are_accounted_for() -> None:
    feed = hand_feed()
    duplicate = Event(
        "e1",
        "T",
        "u1",
        "setup_step_completed",
        ts("2025-03-04T08:00:00"),
        ts("2025-03-05T08:00:00"),
        '{"step": "sso"}',
    )
    too_early = Event(
        "x1", "T", "u3", "session_started", ts("2025-03-08T23:59:59"), ts("2025-03-09T00:00:00")
    )
    feed = Feed(**{**feed.__dict__, "events": (*feed.events, duplicate, too_early)})
    accounting = stage(feed).accounting("events")
    assert accounting == {
        "rows_raw": 13,
        "rows_staged": 11,
        "rows_quarantined": 1,
        "rows_duplicate": 1,
    }


# ---------------------------------------------------------------- comparison


def test_comparison_sees_every_kind_of_difference() -> None:
    assert same(1, 1.0) and same(None, float("nan")) and not same(0, False)
    assert not same(56.666667, 56.666666666666664)
    assert same(datetime.date(2025, 1, 6), ts("2025-01-06T00:00:00"))
    violations = compare_rows("x", {"a": {"v": 1}, "b": {"v": 2}}, {"a": {"v": 1.5}, "c": {"v": 2}})
    assert [(v.unit, v.column) for v in violations] == [("a", "v"), ("b", "<row>"), ("c", "<row>")]


def test_an_open_defect_blocks_its_strategy_option() -> None:
    for defect in OPEN.values():
        if defect.blocks:
            assert not allows(defect.blocks)
    assert allows("an option no defect blocks")


def test_every_regression_names_a_known_defect_or_none() -> None:
    keys = {d.key for d in OPEN.values()}
    names = [r.name for r in REGRESSIONS]
    assert len(names) == len(set(names))
    assert all(r.defect is None or r.defect in keys for r in REGRESSIONS)


# ---------------------------------------------------------------- strategies


@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(feed=feeds(with_bad_rows=False, allow_partitioned_events=allows("partitioned_events")))
def test_strategies_draw_legal_feeds(feed: Feed) -> None:
    """Without bad rows, every drawn row is staged and the heartbeat pins the as-of date."""
    staged = stage(feed)
    assert not staged.quarantined, staged.quarantined
    cal = calendar(staged)
    assert cal is not None and cal.as_of_date.weekday() == 6
    observed = Observed(staged, cal)
    assert all(e.occurred_at.date() <= cal.last_event_date for e in observed.all_events)
