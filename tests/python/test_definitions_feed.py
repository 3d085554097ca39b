"""A hand-written raw feed of the definitions' edge cases, built end to end.

tests/feeds/definitions_feed is written from the raw contract alone: a
licence paid before onboarding, a certification issued before onboarding,
an early expansion of a tenant whose 180-day window is still open, an
expansion on day 181 and one on day 180, a user whose first event comes 40
minutes before its signup on a Monday the 1st, two NPS answers at the same
instant, a tenant with zero seats and two churns. Every expected value below
is worked out by hand from the files (see the README there), never read back
from the project's output.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from dbt_project import BuiltProject

pytestmark = pytest.mark.slow

FEED = Path(__file__).resolve().parents[1] / "feeds" / "definitions_feed"
AS_OF = date(2024, 6, 30)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltProject:
    root = tmp_path_factory.mktemp("definitions_feed")
    project = BuiltProject.at(root)
    shutil.copytree(FEED, project.raw_dir)
    # Unit tests check SQL on fixed rows, not this feed: the data tests are what must pass.
    project.build("--exclude-resource-type", "unit_test")
    return project


def _rows(built: BuiltProject, sql: str) -> dict[str, dict]:
    frame = built.query(sql)
    return {row[frame.columns[0]]: row for row in frame.to_dict("records")}


def _none(value: object) -> object:
    """pandas gives NaN / NaT / pd.NA for SQL nulls: compare them as None."""
    return None if pd.isna(value) else value


def test_every_row_of_the_feed_is_staged(built: BuiltProject) -> None:
    accounting = built.query(
        "select raw_table, sum(rows_raw) as raw, sum(rows_staged) as staged "
        "from main.dq_row_accounting group by raw_table"
    )
    assert len(accounting) == 9
    assert (accounting["raw"] == accounting["staged"]).all(), accounting


def test_as_of_date_is_the_last_complete_sunday(built: BuiltProject) -> None:
    as_of = built.query("select as_of_date from intermediate.int_as_of_date").iat[0, 0]
    assert pd.Timestamp(as_of) == pd.Timestamp(AS_OF)


def test_tenant_onboarding_flags_and_censoring(built: BuiltProject) -> None:
    tenants = _rows(built, "select * from main.fct_tenant_onboarding")
    expected = {
        # days_observed, activated_at, days_to_activation, within_90d,
        # days_to_certification, target, within_target, is_expanded, expanded_at
        "T0": (272, datetime(2023, 10, 5, 10), 3, True, 18, 60, True, False, None),
        # certified 49 days before onboarding: within any target; expanded on
        # day 24 but the 180-day window closes on 2024-07-06: censored
        "T1": (174, datetime(2024, 3, 1, 9), 53, True, -49, 14, True, None, None),
        # 41 days observed: both windows open, so both flags are null
        "T2": (41, datetime(2024, 6, 30, 12), 41, None, 5, 90, None, None, None),
        # zero seats: one user activates it, but it has none; add-on on day 180
        "T3": (228, None, None, False, None, 60, False, True, datetime(2024, 5, 13)),
    }
    for tenant_id, values in expected.items():
        row = tenants[tenant_id]
        actual = (
            row["days_observed"],
            _none(row["activated_at"]),
            _none(row["days_to_activation"]),
            _none(row["is_activated_within_90d"]),
            _none(row["days_to_certification"]),
            row["certification_target_days"],
            _none(row["is_certified_within_target"]),
            _none(row["is_expanded"]),
            _none(row["expanded_at"]),
        )
        assert actual == values, tenant_id
    assert tenants["T3"]["is_churned"] and tenants["T3"]["churned_at"] == datetime(2024, 2, 1)
    assert tenants["T0"]["is_renewed"] and not tenants["T0"]["is_churned"]


def test_user_onboarding_days_and_flags(built: BuiltProject) -> None:
    users = _rows(built, "select * from main.fct_user_onboarding")
    expected = {
        # time_to_activate_days, within_14d, within_60d, time_to_first_value_days, fv_within_30d
        "U01": (3, True, True, None, False),
        "U02": (7, True, True, 17, True),
        "U11": (1, True, True, None, False),
        # first event 40 minutes before signup: day -1, within every window
        "U12": (-1, True, True, None, False),
        # operator without a completed task
        "U13": (None, False, False, None, False),
        # 41 days observed: the 60-day flag is null
        "U21": (1, True, None, None, False),
    }
    for user_id, values in expected.items():
        row = users[user_id]
        actual = (
            _none(row["time_to_activate_days"]),
            _none(row["is_activated_within_14d"]),
            _none(row["is_activated_within_60d"]),
            _none(row["time_to_first_value_days"]),
            _none(row["is_first_value_within_30d"]),
        )
        assert actual == values, user_id
    # the later of two answers at the same instant (event_id E10)
    assert users["U01"]["latest_nps_score"] == 10


def test_retention_counts_only_the_signup_week_onwards(built: BuiltProject) -> None:
    cells = built.query(
        "select cohort_week_start, weeks_since_signup, cohort_users, retained_users "
        "from main.fct_retention_cohorts where segment_type = 'all' "
        "and cohort_week_start in ('2024-04-01', '2024-05-20') "
        "order by cohort_week_start, weeks_since_signup"
    )
    cohort_week = pd.to_datetime(cells["cohort_week_start"])
    april = cells[cohort_week == pd.Timestamp(2024, 4, 1)]
    may = cells[cohort_week == pd.Timestamp(2024, 5, 20)]
    # U12's only event is in the week before its signup week
    assert april["retained_users"].tolist() == [0] * 13
    # U21 active in weeks 0 and 5 (2024-05-21, 2024-06-30); week 5 ends on the
    # as-of date and week 6 (from 2024-07-01) is not observed: no row
    assert may["weeks_since_signup"].tolist() == [0, 1, 2, 3, 4, 5]
    assert may["retained_users"].tolist() == [1, 0, 0, 0, 0, 1]
    assert (may["cohort_users"] == 1).all()


def test_health_score_of_the_as_of_week(built: BuiltProject) -> None:
    row = _rows(
        built,
        "select * from main.fct_tenant_health_weekly where week_start = '2024-06-24'",
    )["T0"]
    # 2 of 5 seats activated; 1 weekly active user / 5 / 0.6; 1 tier-1 ticket
    # over 2 users active in 28 days / 0.5 -> floored at 0; U01's latest
    # answer is the 10 (ties on occurred_at go to the later event_id): NPS 100
    assert row["activation_progress_component"] == pytest.approx(0.4, abs=1e-12)
    assert row["usage_depth_component"] == pytest.approx(1 / 3, abs=1e-12)
    assert row["support_load_component"] == 0
    assert row["sentiment_component"] == 1
    assert row["health_score"] == pytest.approx(12 + 10 + 0 + 20, abs=1e-9)
    assert row["health_band"] == "watch"


def test_pilot_checkpoints_count_from_the_first_assignment(built: BuiltProject) -> None:
    pilots = built.query("select * from main.fct_pilot_results order by checkpoint_days")
    day_45, day_90 = pilots.to_dict("records")
    # day 0 = 2024-01-10; T2, assigned 2024-05-25, is in neither checkpoint
    assert pd.Timestamp(day_45["checkpoint_date"]) == pd.Timestamp(2024, 2, 24)
    assert (day_45["tenants_treatment"], day_45["tenants_control"]) == (1, 1)
    assert (day_45["outcome_rate_treatment"], day_45["outcome_rate_control"]) == (1.0, 0.0)
    assert day_45["lift"] == 1.0
    assert pd.Timestamp(day_90["checkpoint_date"]) == pd.Timestamp(2024, 4, 9)
    assert (day_90["outcome_rate_treatment"], day_90["outcome_rate_control"]) == (1.0, 1.0)
    assert day_90["lift"] == 0.0


def test_cost_lines_before_onboarding_count_in_their_month(built: BuiltProject) -> None:
    rows = built.query(
        "select segment_type, segment_value, value, numerator, denominator "
        "from main.fct_kpi_weekly where kpi_name = 'cost_per_learner_usd' "
        "and week_start = '2023-12-04'"
    )
    by_segment = {(r.segment_type, r.segment_value): r for r in rows.itertuples()}
    # November 2023: lines 1200 (T1, before its onboarding) + 600 (platform)
    # + 100 (T0); learners U01 (T0) and U13 (T1)
    assert (by_segment["all", "all"].numerator, by_segment["all", "all"].denominator) == (1900, 2)
    assert by_segment["industry", "saas_smb"].value == 1200 + 600 / 2
    assert by_segment["industry", "enterprise_software"].value == 100 + 600 / 2
    # the 2024-01 cohort (T1) has no row before its first month
    assert ("onboarding_cohort", "2024-01") not in by_segment
