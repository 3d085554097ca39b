"""`make alert-sim-pipeline`: its counting on hand-made rows, and the generator's alert
scenarios checked on tiny feeds against the written files and the seeds.

The simulation itself (two builds per run) is not run here.
"""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from scipy import stats

from tenant_kpis.alert_simulation_counts import (
    Rule,
    Series,
    count_drop,
    count_stationary,
    summarise,
)
from tenant_kpis.errors import UserError
from tenant_kpis.generator import GeneratorConfig, generate_dataset

LAST_WEEK = date(2026, 11, 9)
WINDOW_START = date(2026, 8, 17)  # 13 weeks ending with LAST_WEEK
RULE = Rule(minimum_units=50, consecutive_weeks=2)
SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _weeks(first: date, last: date) -> list[date]:
    return [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


def _scorecard(pair: tuple[str, str, str], units: list[int | None], first: date) -> list[dict]:
    return [
        {
            "kpi_name": pair[0],
            "segment_type": pair[1],
            "segment_value": pair[2],
            "week_start": first + timedelta(weeks=i),
            "value": None if u is None else 0.5,
            "unit_count": u,
        }
        for i, u in enumerate(units)
    ]


def _alert(
    pair: tuple[str, str, str], opened: date, closed: date | None = None, kind: str = "kpi"
) -> dict:
    return {
        "alert_kind": kind,
        "kpi_name": pair[0],
        "segment_type": pair[1],
        "segment_value": pair[2],
        "opened_week": opened,
        "closed_week": closed,
    }


def test_count_stationary_counts_alerts_opened_in_the_window_per_pair() -> None:
    first = date(2026, 6, 1)  # 24 weeks of history up to LAST_WEEK
    n = len(_weeks(first, LAST_WEEK))
    a, b, c = ("k1", "all", "all"), ("k1", "industry", "x"), ("k1", "industry", "y")
    d, e, g = ("k2", "all", "all"), ("k1", "persona", "admin"), ("k2", "plan_tier", "starter")
    outside = ("k3", "all", "all")
    rows = (
        _scorecard(a, [100] * n, first)
        + _scorecard(b, [30] * n, first)  # never 50 units: cannot alert
        + _scorecard(c, [60, 40] * (n // 2), first)  # 50+ never two weeks running
        + _scorecard(d, [80] * n, first)
        + _scorecard(e, [80] * 5 + [None] * (n - 5), first)  # no value in the window
        + _scorecard(g, [55] * n, first)
        + _scorecard(outside, [500] * n, first)  # not a planted KPI
    )
    alerts = [
        _alert(a, WINDOW_START),  # first week of the window: counts
        _alert(c, WINDOW_START - timedelta(weeks=1), WINDOW_START + timedelta(weeks=1)),
        _alert(d, LAST_WEEK),  # last week: counts
        _alert(d, date(2026, 9, 7)),  # a second alert of the same pair: one pair alerting
        _alert(e, first + timedelta(weeks=2)),
        _alert(outside, LAST_WEEK),
    ]
    counts = count_stationary(rows, alerts, ["k1", "k2"], LAST_WEEK, 13, RULE)
    assert (counts.pairs, counts.pairs_that_can_alert) == (5, 3)  # a, b, c, d, g / a, d, g
    assert (counts.pairs_alerting, counts.pairs_that_can_alert_alerting) == (2, 2)
    assert counts.per_kpi["k1"] == {
        "pairs": 3,
        "pairs_alerting": 1,
        "pairs_that_can_alert": 1,
        "pairs_that_can_alert_alerting": 1,
        "pairs_early_warning_alerting": 0,
        "all_tenants_pairs": 1,  # a: the KPI on all tenants
        "all_tenants_alerting": 1,
    }


def test_count_stationary_ignores_an_alert_opened_before_the_window() -> None:
    first = date(2026, 6, 1)
    n = len(_weeks(first, LAST_WEEK))
    pair = ("k1", "all", "all")
    rows = _scorecard(pair, [100] * n, first)
    still_open = [_alert(pair, WINDOW_START - timedelta(weeks=1))]
    counts = count_stationary(rows, still_open, ["k1"], LAST_WEEK, 13, RULE)
    assert (counts.pairs, counts.pairs_alerting) == (1, 0)


def test_count_drop_trials_and_detections() -> None:
    first = date(2026, 6, 1)
    n = len(_weeks(first, LAST_WEEK))
    entry = date(2026, 10, 5)  # detection weeks 10-05, 10-12, 10-19
    p = [("k1", "industry", str(i)) for i in range(7)]
    rows = [r for pair in p[:5] for r in _scorecard(pair, [100] * n, first)]
    rows += _scorecard(p[5], [40] * n, first)  # cannot alert
    # 50+ units only in the entry week and the week before: cannot alert in the 3 weeks
    units = [
        100 if w in (entry - timedelta(weeks=1), entry) else 10 for w in _weeks(first, LAST_WEEK)
    ]
    rows += _scorecard(p[6], units, first)
    alerts = [
        _alert(p[0], date(2026, 10, 19)),  # third detection week: detected
        _alert(p[1], date(2026, 10, 26)),  # a week late: a trial, not detected
        _alert(p[2], date(2026, 9, 21)),  # open before the entry: no trial
        _alert(p[3], date(2026, 9, 14), date(2026, 9, 28)),  # closed before the entry
        _alert(p[3], date(2026, 10, 12)),  # ... then detected
        _alert(p[4], date(2026, 9, 14), entry),  # closes in the entry week: open before
        _alert(p[5], date(2026, 10, 12)),
    ]
    counts = count_drop(rows, alerts, {"k1": entry}, RULE)
    assert counts.pairs == 7
    assert counts.pairs_that_can_alert == 5
    assert (counts.detection_trials, counts.detections) == (3, 2)
    # within 13 weeks the late alert counts too
    assert (counts.detection_trials_long, counts.detections_long) == (3, 3)


def test_summarise_pools_runs_with_wilson_intervals() -> None:
    first = date(2026, 6, 1)
    n = len(_weeks(first, LAST_WEEK))
    pairs = [("k1", "industry", str(i)) for i in range(10)]
    rows = [r for pair in pairs for r in _scorecard(pair, [100] * n, first)]
    one = count_stationary(rows, [_alert(pairs[0], LAST_WEEK)], ["k1"], LAST_WEEK, 13, RULE)
    none = count_stationary(rows, [], ["k1"], LAST_WEEK, 13, RULE)
    figures = summarise([one, none])
    share = figures["all_planted_kpis"]["false_alerts_among_all_pairs"]
    assert (share["successes"], share["trials"]) == (1, 20)
    assert share["rate"] == pytest.approx(0.05)
    # Wilson score interval = the interval of the score test, from scipy
    expected = stats.binomtest(1, 20).proportion_ci(0.95, method="wilson")
    assert share["wilson_95"] == pytest.approx([expected.low, expected.high])
    # between runs (runs as clusters): rate 1/20, residuals +-0.5 per run, so the
    # variance is 2 / (2 - 1) * (0.25 + 0.25) / 20**2 and the standard error 0.05
    low, high = share["between_runs_95"]
    assert (low, high) == (0.0, pytest.approx(0.05 + 1.959963984540054 * 0.05))
    assert figures["all_planted_kpis"]["detected_within_3_weeks"]["rate"] is None
    assert figures["runs"] == {"stationary": 2, "drop": 0}


EARLY_RULE = Rule(minimum_units=20, consecutive_weeks=2)


def test_count_stationary_counts_early_warnings_as_false_alerts() -> None:
    """An early warning on an unchanged on-track pair is a false alert; a pair with both
    kinds counts once; a pair too small for the kpi rule can alert through the
    early-warning rule's own units and minimum."""
    first = date(2026, 6, 1)
    n = len(_weeks(first, LAST_WEEK))
    a, b, c, d = (("k1", "industry", v) for v in "abcd")
    rows = [r for pair in (a, c, d) for r in _scorecard(pair, [100] * n, first)]
    rows += _scorecard(b, [30] * n, first)  # below alert_minimum_units 50
    early = [r for pair in (a, c, d) for r in _scorecard(pair, [40] * n, first)]
    early += _scorecard(b, [25] * n, first)  # above early_warning_minimum_units 20
    alerts = [
        _alert(a, WINDOW_START + timedelta(weeks=3), kind="early_warning"),
        _alert(c, WINDOW_START, kind="kpi"),
        _alert(c, WINDOW_START + timedelta(weeks=1), kind="early_warning"),
        _alert(d, WINDOW_START - timedelta(weeks=2), kind="early_warning"),  # before: not
    ]
    counts = count_stationary(rows, alerts, ["k1"], LAST_WEEK, 13, RULE, Series(early, EARLY_RULE))
    assert (counts.pairs, counts.pairs_that_can_alert) == (4, 4)
    assert counts.pairs_alerting == 2  # a (early warning) and c (both kinds, once)
    assert counts.pairs_early_warning_alerting == 2
    # without the early-warning series, b cannot alert
    alone = count_stationary(rows, alerts, ["k1"], LAST_WEEK, 13, RULE)
    assert alone.pairs_that_can_alert == 3


def test_count_drop_detects_with_either_kind() -> None:
    first = date(2026, 6, 1)
    n = len(_weeks(first, LAST_WEEK))
    entry = date(2026, 10, 5)  # detection weeks 10-05, 10-12, 10-19
    p = [("k1", "industry", str(i)) for i in range(5)]
    rows = [r for pair in p[:3] for r in _scorecard(pair, [100] * n, first)]
    rows += [r for pair in p[3:] for r in _scorecard(pair, [30] * n, first)]
    early = _scorecard(p[0], [60] * n, first) + _scorecard(p[1], [10] * n, first)
    early += _scorecard(p[2], [60] * n, first) + _scorecard(p[3], [25] * n, first)
    early += _scorecard(p[4], [10] * n, first)  # neither rule can alert on p[4]
    alerts = [
        _alert(p[0], date(2026, 10, 12), kind="early_warning"),  # detected by an early warning
        _alert(p[0], date(2026, 11, 2), kind="kpi"),  # the kpi alert follows, too late
        _alert(p[1], date(2026, 10, 19), kind="kpi"),  # detected by the kpi alert
        _alert(p[2], date(2026, 9, 28), kind="early_warning"),  # open before: no trial
        _alert(p[4], date(2026, 10, 12), kind="early_warning"),  # not a trial
    ]
    counts = count_drop(rows, alerts, {"k1": entry}, RULE, Series(early, EARLY_RULE))
    assert counts.pairs_that_can_alert == 4  # p0-p2 by the kpi rule, p3 by early warnings
    assert (counts.detection_trials, counts.detections) == (3, 2)  # p0, p1, p3
    assert counts.detections_by_early_warning == 1
    # p0 and p3 are the trials in which the early-warning rule can alert; p0 detected
    assert (counts.early_warning_trials, counts.early_warning_trial_detections) == (2, 1)
    figures = summarise([counts])["all_planted_kpis"]
    assert figures["detected_within_3_weeks_by_an_early_warning"]["successes"] == 1
    assert figures["detected_within_3_weeks_where_early_warnings_can_alert"]["trials"] == 2


def test_all_tenants_is_one_trial_per_kpi_and_simulation() -> None:
    """Segment `all` of each planted KPI is one simulation-level trial: counted whether or
    not a rule can alert on its units (a drop the headline cannot show is a miss), left
    out only when an alert was already open; other segments are not such trials."""
    first = date(2026, 6, 1)
    n = len(_weeks(first, LAST_WEEK))
    entry = date(2026, 10, 5)  # detection weeks 10-05, 10-12, 10-19
    small, seen, late, was_open = (("k" + str(i), "all", "all") for i in range(1, 5))
    segment = ("k2", "industry", "x")
    rows = _scorecard(small, [10] * n, first)  # too few units for either rule
    rows += [
        r for pair in (seen, late, was_open, segment) for r in _scorecard(pair, [100] * n, first)
    ]
    alerts = [
        _alert(seen, date(2026, 10, 19), kind="early_warning"),  # third week: detected
        _alert(late, date(2026, 10, 26)),  # the fourth week: within 13 weeks only
        _alert(was_open, date(2026, 9, 21)),  # open before the entry: no trial
        _alert(segment, date(2026, 10, 12)),  # a segment's detection is not a headline one
    ]
    entries = {kpi: entry for kpi in ("k1", "k2", "k3", "k4")}
    counts = count_drop(rows, alerts, entries, RULE, Series([], EARLY_RULE))
    assert counts.all_tenants_trials == 3  # small, seen, late
    assert counts.all_tenants_detections == 1
    assert counts.all_tenants_detections_long == 2
    assert counts.detection_trials == 3  # seen, late and the segment: small cannot alert
    figures = summarise([counts])["all_planted_kpis"]
    assert figures["all_tenants_detected_within_3_weeks"]["rate"] == pytest.approx(1 / 3)
    assert figures["all_tenants_detected_within_13_weeks"]["successes"] == 2
    stationary = count_stationary(rows, alerts[:1], list(entries), LAST_WEEK, 13, RULE)
    assert (stationary.all_tenants_pairs, stationary.all_tenants_alerting) == (4, 1)


# --- the generator's alert scenarios -------------------------------------------------

TINY = {"tenants": 12, "seed": 5, "years": 1.0, "events_per_user_day": 2.0}
DROP_DATE = date(2026, 4, 1)


def _seed_thresholds() -> dict[str, float]:
    with (SEEDS / "kpi_targets.csv").open(newline="") as handle:
        rows = {r["kpi_name"]: r for r in csv.DictReader(handle)}
    return {
        "first_value_rate_14d": float(rows["first_value_rate_14d"]["target_low"]),
        "first_value_rate_30d": float(rows["first_value_rate_30d"]["target_low"]),
        "first_value_rate_60d": float(rows["first_value_rate_60d"]["target_low"]),
        "time_to_first_value_median_days": float(
            rows["time_to_first_value_median_days"]["target_high"]
        ),
    }


def _drop_share() -> float:
    with (SEEDS / "kpi_parameters.csv").open(newline="") as handle:
        rows = {r["parameter_name"]: r for r in csv.DictReader(handle)}
    return float(rows["alert_simulation_drop_share"]["parameter_value"])


def _first_value_days(raw: Path) -> list[tuple]:
    """(created date, days to the first workflow_completed or None) of every user whose
    60-day window closed, straight from the raw files."""
    sql = f"""
        with users as (
            select user_id, cast(created_at as date) as created_date
            from read_parquet('{raw}/users.parquet')
        ),
        firsts as (
            select user_id, min(cast(occurred_at as date)) as first_day
            from read_parquet('{raw}/events.parquet')
            where event_name = 'workflow_completed'
            group by user_id
        )
        select users.created_date, date_diff('day', users.created_date, firsts.first_day)
        from users left join firsts using (user_id)
        where users.created_date + 60 <= date '2026-11-15'
    """
    return duckdb.connect().execute(sql).fetchall()


def _rates(days: list, windows=(14, 30, 60)) -> dict[int, tuple[float, int]]:
    n = len(days)
    return {w: (sum(1 for d in days if d is not None and d <= w) / n, n) for w in windows}


def _close(observed: float, planted: float, n: int) -> bool:
    """Within 4 binomial standard errors of the planted probability."""
    return abs(observed - planted) <= 4 * (planted * (1 - planted) / n) ** 0.5


@pytest.fixture(scope="module")
def stationary_feed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("stationary")
    generate_dataset(GeneratorConfig(**TINY, alert_scenario="stationary"), out, progress=False)
    return out


def test_stationary_truths_sit_on_track_against_the_seeds(stationary_feed: Path) -> None:
    section = json.loads((stationary_feed / "_truth.json").read_text())["alert_scenario"]
    thresholds = _seed_thresholds()
    assert set(section["kpis"]) == set(thresholds)
    for kpi, entry in section["kpis"].items():
        assert entry["threshold"] == thresholds[kpi]
        if kpi.startswith("first_value_rate"):
            assert entry["planted_truth"] >= thresholds[kpi]
        else:
            assert entry["planted_truth"] <= thresholds[kpi]
        assert entry["planted_truth_on_track"] is True
    # the hardest case: the 30- and 60-day rates on their thresholds, the median on its own
    assert section["kpis"]["first_value_rate_60d"]["planted_truth"] == pytest.approx(
        thresholds["first_value_rate_60d"]
    )
    assert section["kpis"]["time_to_first_value_median_days"]["planted_truth"] == 14
    assert section["kpi_coverage"]["first_value_rate_14d"].startswith("planted")
    assert section["kpi_coverage"]["adoption_rate_90d"].startswith("not planted")


def test_stationary_realised_first_value_is_planted_and_flat(stationary_feed: Path) -> None:
    section = json.loads((stationary_feed / "_truth.json").read_text())["alert_scenario"]
    planted = {w: section["kpis"][f"first_value_rate_{w}d"]["planted_truth"] for w in (14, 30, 60)}
    users = _first_value_days(stationary_feed)
    assert len(users) > 300
    for window, (rate, n) in _rates([d for _, d in users]).items():
        assert _close(rate, planted[window], n), (window, rate, planted[window], n)
    # flat: the users of the earlier and of the later half of the year agree with it too
    middle = sorted(c for c, _ in users)[len(users) // 2]
    for half in ([d for c, d in users if c < middle], [d for c, d in users if c >= middle]):
        for window, (rate, n) in _rates(half).items():
            assert _close(rate, planted[window], n), (window, rate, planted[window], n)
    # the median of those who reach first value within 60 days is on its threshold
    within = sorted(d for _, d in users if d is not None and d <= 60)
    assert abs(within[len(within) // 2] - 14) <= 2


def test_drop_plants_the_drop_from_its_date_only(tmp_path: Path) -> None:
    config = GeneratorConfig(**TINY, alert_scenario="drop", alert_drop_date=DROP_DATE)
    generate_dataset(config, tmp_path, progress=False)
    section = json.loads((tmp_path / "_truth.json").read_text())["alert_scenario"]
    thresholds, share = _seed_thresholds(), _drop_share()
    for kpi, entry in section["kpis"].items():
        past = entry["dropped_truth"] - thresholds[kpi]
        if kpi.startswith("first_value_rate"):
            past = -past
        assert past >= share * abs(thresholds[kpi]) - 1e-9
        closes = DROP_DATE + timedelta(days=entry["window_days"])
        assert entry["drop_enters_cohort_week"] == str(closes - timedelta(days=closes.weekday()))
    users = _first_value_days(tmp_path)
    before = [d for c, d in users if c < DROP_DATE]
    after = [d for c, d in users if c >= DROP_DATE]
    assert len(after) > 80
    for window, (rate, n) in _rates(after).items():
        dropped = section["kpis"][f"first_value_rate_{window}d"]["dropped_truth"]
        assert _close(rate, dropped, n), (window, rate, dropped, n)
    for window, (rate, n) in _rates(before).items():
        planted = section["kpis"][f"first_value_rate_{window}d"]["planted_truth"]
        assert _close(rate, planted, n), (window, rate, planted, n)


def test_alert_scenario_options_are_checked() -> None:
    with pytest.raises(UserError, match="stationary or drop"):
        GeneratorConfig(alert_scenario="flat")
    with pytest.raises(UserError, match="required with, and only with"):
        GeneratorConfig(alert_scenario="drop")
    with pytest.raises(UserError, match="required with, and only with"):
        GeneratorConfig(alert_scenario="stationary", alert_drop_date=DROP_DATE)
    with pytest.raises(UserError, match="outside the history"):
        GeneratorConfig(years=1.0, alert_scenario="drop", alert_drop_date=date(2020, 1, 1))
