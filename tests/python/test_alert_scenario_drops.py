"""The alert scenario's named drops per KPI (generator/alert_scenario.py): the truths the
drop plants, worked out by hand from the thresholds and drop shares, against what the
plan, the draws and `_truth.json` say; and the pipeline's seed and scenario options.

No build, no generated feed: hand-made thresholds and a hand-made users frame.
"""

from __future__ import annotations

import argparse
from datetime import date

import numpy as np
import pandas as pd
import pytest

from tenant_kpis.alert_simulation_pipeline import _scenario_list, _seed_list
from tenant_kpis.errors import UserError
from tenant_kpis.generator import GeneratorConfig
from tenant_kpis.generator.alert_scenario import (
    MEDIAN_KPI,
    Plan,
    Thresholds,
    plant_first_value,
    share_within,
    truth_section,
    truths,
)
from tenant_kpis.generator.tenants import NEVER

# The seeds' thresholds (kpi_targets): 25%, 40%, 55% within 14, 30, 60 days; median 14.
SEEDED = {"first_value_rate_14d": 0.25, "first_value_rate_30d": 0.40, "first_value_rate_60d": 0.55}


def _thresholds(median_drop_share: float) -> Thresholds:
    return Thresholds(
        rates=dict(SEEDED),
        median_days=14.0,
        drop_share=0.3,
        median_drop_share=median_drop_share,
    )


def test_the_median_drop_takes_its_users_past_the_threshold_day() -> None:
    # By hand, drop share 0.3 and median drop share 0.4: the 60-day rate 0.55 x 0.7 =
    # 0.385, the 30-day 0.28; of the 0.385 reaching first value within 60 days at most
    # (1 - 0.4) / 2 = 0.3 by day 14: 0.1155, below the 14-day rate's own 0.175; the
    # median day floor(14 x 1.3) + 1 = 19.
    plan = Plan.from_thresholds(_thresholds(0.4))
    dropped = truths(plan.dropped)
    assert dropped["first_value_rate_60d"] == pytest.approx(0.385)
    assert dropped["first_value_rate_30d"] == pytest.approx(0.28)
    assert dropped["first_value_rate_14d"] == pytest.approx(0.1155)
    assert dropped[MEDIAN_KPI] == 19
    assert share_within(plan.dropped, 14) == pytest.approx(0.3)
    # the on-track baseline is untouched by the median's drop: 27.75 of 55 by day 14
    assert share_within(plan.baseline, 14) == pytest.approx(0.2775 / 0.55)


def test_a_small_median_drop_leaves_the_rates_drops() -> None:
    # (1 - 0.05) / 2 x 0.385 = 0.1829 is above the 14-day rate's 0.175: no change, and
    # the share by day 14 is the rates' own 0.175 / 0.385.
    dropped = Plan.from_thresholds(_thresholds(0.05)).dropped
    assert truths(dropped)["first_value_rate_14d"] == pytest.approx(0.175)
    assert share_within(dropped, 14) == pytest.approx(0.175 / 0.385)


def test_the_cap_sits_on_the_median_threshold_day_not_on_a_rate_window() -> None:
    # Thresholds by hand: 20%, 40%, 60% within 14, 30, 60 days, median 10 days, drop
    # share 0.5, median drop share 0.5. Dropped: 0.1, 0.2, 0.3; by day 10 at most
    # (1 - 0.5) / 2 x 0.3 = 0.075; median floor(10 x 1.5) + 1 = 16.
    thresholds = Thresholds(
        rates={
            "first_value_rate_14d": 0.2,
            "first_value_rate_30d": 0.4,
            "first_value_rate_60d": 0.6,
        },
        median_days=10.0,
        drop_share=0.5,
        median_drop_share=0.5,
    )
    dropped = Plan.from_thresholds(thresholds).dropped
    assert share_within(dropped, 10) == pytest.approx(0.25)
    assert truths(dropped)["first_value_rate_14d"] == pytest.approx(0.1)
    assert truths(dropped)[MEDIAN_KPI] == 16


def test_the_draws_plant_what_the_truth_file_says() -> None:
    # 40,000 users of one tenant onboarded on day 0, half created before the drop day:
    # their drawn first-value days must give the truth section's values (4 binomial
    # standard errors), the dropped users the median's share by day 14 of 0.3.
    n, drop_day = 40_000, 1_000
    users = pd.DataFrame(
        {"tenant_idx": np.zeros(n, dtype=np.int64), "created_off": np.arange(n) % 2 * 2_000}
    )
    plant_first_value(7, "drop", drop_day, users, np.array([0]), median_drop_share=0.4)
    section = truth_section("drop", date(2026, 4, 1), median_drop_share=0.4)
    days = users["first_value_off"].to_numpy()
    after = days[users["created_off"].to_numpy() >= drop_day]
    before = days[users["created_off"].to_numpy() < drop_day]
    for group, field in ((after, "dropped_truth"), (before, "planted_truth")):
        for window in (14, 30, 60):
            truth = section["kpis"][f"first_value_rate_{window}d"][field]
            share = float(np.mean(group <= window))
            assert abs(share - truth) <= 4 * (truth * (1 - truth) / len(group)) ** 0.5
    median = section["kpis"][MEDIAN_KPI]
    assert median["dropped_share_within_threshold"] == pytest.approx(0.3)
    assert median["dropped_truth"] == 19
    assert section["median_drop_share"] == 0.4
    reached = after[after <= 60]
    within = float(np.mean(reached <= 14))
    assert abs(within - 0.3) <= 4 * (0.3 * 0.7 / len(reached)) ** 0.5
    assert section["kpis"]["first_value_rate_14d"]["dropped_past_threshold_share"] == (
        pytest.approx((0.25 - 0.1155) / 0.25)
    )
    assert not (days == NEVER).all()


def test_the_median_drop_share_goes_with_the_drop_scenario_only() -> None:
    with pytest.raises(UserError, match="alert_median_drop_share"):
        GeneratorConfig(alert_scenario="stationary", alert_median_drop_share=0.4)
    with pytest.raises(UserError, match="alert_median_drop_share"):
        GeneratorConfig(
            years=1.0,
            alert_scenario="drop",
            alert_drop_date=date(2026, 6, 1),
            alert_median_drop_share=1.0,
        )


def test_seed_lists_and_scenarios() -> None:
    assert _seed_list("1004,1005,1009-1011") == [1004, 1005, 1009, 1010, 1011]
    assert _seed_list("7") == [7]
    for bad in ("10-8", "x", "1004,", "3-a"):
        with pytest.raises(argparse.ArgumentTypeError):
            _seed_list(bad)
    assert _scenario_list("drop") == ("drop",)
    assert _scenario_list("stationary,drop") == ("stationary", "drop")
    with pytest.raises(argparse.ArgumentTypeError):
        _scenario_list("drop,flat")
