"""Alert scenarios: planted first-value truths for the pipeline alert simulation.

`GeneratorConfig(alert_scenario="stationary")` replaces every user's first-value
day (the day of its first ``workflow_completed``) with a draw from one fixed,
persona-independent distribution whose probabilities put each first-value KPI on
its threshold or just on its good side, for every segment and every week:
the hardest on-track truth the four KPIs allow together. `alert_scenario="drop"`
does the same, except that users created on or after `alert_drop_date` draw from
a distribution that puts each of the four KPIs `alert_simulation_drop_share`
x |threshold| past its threshold (seed `kpi_parameters`).

Covered KPIs: `first_value_rate_14d`, `first_value_rate_30d`,
`first_value_rate_60d` and `time_to_first_value_median_days`: their only
driver is a day the generator can plant per user (it forces the user active on
that day with one ``workflow_completed`` and suppresses every earlier one), so
their true value is known exactly and is the same for every segment and week.
The other KPIs emerge from the activity simulation (activity probabilities,
engagement, tenure decay, dropout, churn, holidays) with no closed-form truth,
or have a threshold no planted driver can reach without changing what other
KPIs measure (`COVERAGE` says why, per KPI); the pipeline simulation counts
them as unplanted, not as on-track pairs.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tenant_kpis.generator.config import child_rng
from tenant_kpis.generator.tenants import NEVER

SCENARIOS = ("stationary", "drop")
#: The first-value rate KPIs and their windows (days after created_at).
RATE_WINDOWS = {"first_value_rate_14d": 14, "first_value_rate_30d": 30, "first_value_rate_60d": 60}
MEDIAN_KPI = "time_to_first_value_median_days"
#: The median is taken over the users who reached first value within this many days
#: (kpi_parameters.time_to_value_window_days).
MEDIAN_WINDOW_DAYS = 60
#: Days beyond the last window over which the users who reach first value late are spread.
LATE_DAYS = 180
#: How far from the median's half-way point the planted probabilities stay, so that
#: the population median is one whole day (no interpolation between two days).
MEDIAN_GAP = 0.0025
SEEDS_DIR = Path(__file__).resolve().parents[3] / "seeds"

#: Every KPI of the catalog: covered (planted) or why not.
COVERAGE: dict[str, str] = {
    "first_value_rate_14d": "planted: the user's first-value day",
    "first_value_rate_30d": "planted: the user's first-value day",
    "first_value_rate_60d": "planted: the user's first-value day",
    MEDIAN_KPI: "planted: the user's first-value day",
    "activation_rate_14d": "not planted: the persona milestone is reached only on an active "
    "day with the milestone event, and the admin milestone is the planted tenant activation "
    "plan, so its truth has no closed form",
    "activation_rate_30d": "not planted: as activation_rate_14d",
    "activation_rate_60d": "not planted: as activation_rate_14d",
    "time_to_activate_median_days": "not planted: as activation_rate_14d",
    "adoption_rate_90d": "not planted: tenant activation days are planted, but a rolling "
    "13-week tenant cohort holds under 50 tenants below ~500 tenants of 2.5 years, so the "
    "small feeds of the simulation cannot alert on it",
    "weekly_adoption_rate": "not planted: emerges from the weekly activity of every user",
    "time_to_certification_median_days": "not planted: industry medians are planted, but "
    "the rolling tenant cohort is far below 50 tenants on small feeds",
    "certification_within_target_rate": "not planted: as time_to_certification_median_days",
    "performance_improvement": "not planted here: the planted task error reduction is "
    "stationary, but the tenants certified in 90 trailing days are below 50 on small feeds",
    "ticket_decline": "not planted here: as performance_improvement (tier-1 ticket decline)",
    "cost_per_learner_usd": "not planted: cost lines are drawn per tenant and month with "
    "no target-relative truth",
    "content_freshness_rate": "not planted: one platform catalog with a growth trend",
    "content_freshness_weighted": "not planted: as content_freshness_rate",
    "repeat_usage_days_per_week": "not planted: activity decays with tenure and holidays",
    "streak_4w_share": "not planted: as repeat_usage_days_per_week",
    "feature_depth_30d_median": "not planted: feature draws follow activity",
    "login_consistency": "not planted: as repeat_usage_days_per_week",
    "retention_week_4": "not planted: as repeat_usage_days_per_week",
    "nps": "not planted: scores depend on tenant engagement",
    "health_score_mean": "not planted: a composite of usage, tickets and NPS",
    "at_risk_tenant_share": "not planted: as health_score_mean",
}


@dataclass(frozen=True)
class Thresholds:
    """The seeds' thresholds of the covered KPIs and the planted drop's size.

    `drop_share` moves every covered KPI's truth that share of |threshold| past its
    threshold (the median in days). `median_drop_share` names the median's drop in what
    its alert can see: an order-statistic interval lies past the threshold only when
    too few of the median's users (those reaching first value within
    MEDIAN_WINDOW_DAYS) reach it by the threshold day, so the median's drop is planted,
    like a rate's, on that share: from one half to one half x (1 - median_drop_share).
    The 14-day rate falls with it when that is the lower (one distribution feeds all
    four KPIs: fewer users by day 14 is the only way a median can move past 14 days)."""

    rates: dict[str, float]  # kpi -> target_low (higher is better)
    median_days: float  # target_high of the median (lower is better)
    drop_share: float
    median_drop_share: float

    @classmethod
    def from_seeds(
        cls, seeds_dir: Path = SEEDS_DIR, median_drop_share: float | None = None
    ) -> Thresholds:
        """The seeds' values; `median_drop_share` overrides the seed's (a sweep)."""
        with (seeds_dir / "kpi_targets.csv").open(newline="") as handle:
            targets = {row["kpi_name"]: row for row in csv.DictReader(handle)}
        with (seeds_dir / "kpi_parameters.csv").open(newline="") as handle:
            parameters = {row["parameter_name"]: row for row in csv.DictReader(handle)}
        seeded_median_share = float(
            parameters["alert_simulation_median_drop_share"]["parameter_value"]
        )
        return cls(
            rates={kpi: float(targets[kpi]["target_low"]) for kpi in RATE_WINDOWS},
            median_days=float(targets[MEDIAN_KPI]["target_high"]),
            drop_share=float(parameters["alert_simulation_drop_share"]["parameter_value"]),
            median_drop_share=(
                seeded_median_share if median_drop_share is None else median_drop_share
            ),
        )


def _knots_for(
    rates: dict[str, float],
    median_day: int,
    median_after: bool,
    within_threshold: tuple[int, float] | None = None,
) -> list[tuple]:
    """Cumulative probabilities at the window days, plus two knots around the median day
    that make it the population median of the users reaching first value within 60 days:
    F(median_day) just above half of F(60) (median at most median_day) or, with
    `median_after`, F(median_day - 1) just below it (median at least median_day).
    `within_threshold` (day, share): at most that share of the users reaching first value
    within 60 days reach it by that day (the median's named drop)."""
    half = rates["first_value_rate_60d"] / 2
    knots = {RATE_WINDOWS[k]: v for k, v in rates.items()}
    if within_threshold is not None:
        day, share = within_threshold
        knots[day] = min(knots.get(day, 1.0), share * rates["first_value_rate_60d"])
    if median_after:
        knots[median_day - 1] = min(knots.get(median_day - 1, 1.0), half - MEDIAN_GAP)
        knots[median_day] = max(knots.get(median_day, 0.0), half + MEDIAN_GAP)
    else:
        knots[median_day] = max(knots.get(median_day, 0.0), half + MEDIAN_GAP)
    ordered = sorted(knots.items())
    # Keep F non-decreasing: a window rate below an earlier knot is raised to it.
    result, running = [], 0.0
    for day, value in ordered:
        running = max(running, value)
        result.append((day, running))
    return result


def day_probabilities(knots: list[tuple]) -> tuple[np.ndarray, float]:
    """P(first value on day d) for d = 0 .. MEDIAN_WINDOW_DAYS + LATE_DAYS, and P(never):
    uniform between consecutive knots; of what is left after the last knot, half is
    spread over the late days and half never reaches first value."""
    last_day = MEDIAN_WINDOW_DAYS + LATE_DAYS
    p = np.zeros(last_day + 1)
    previous_day, previous_f = -1, 0.0
    for day, f in knots:
        p[previous_day + 1 : day + 1] = (f - previous_f) / (day - previous_day)
        previous_day, previous_f = day, f
    rest = 1.0 - previous_f
    p[previous_day + 1 :] = rest / 2 / (last_day - previous_day)
    return p, rest / 2


def truths(p: np.ndarray) -> dict[str, float]:
    """The four KPIs' true values under the day distribution `p`."""
    # Rounded: the cumulative sum of the uniform pieces is exact only up to float error,
    # and a truth planted on its threshold must compare equal to it.
    cdf = np.round(np.cumsum(p), 12)
    values = {kpi: float(cdf[n]) for kpi, n in RATE_WINDOWS.items()}
    within = cdf[MEDIAN_WINDOW_DAYS]
    values[MEDIAN_KPI] = float(np.searchsorted(cdf, within / 2))  # first day with F >= half
    return values


def share_within(p: np.ndarray, day: int) -> float:
    """Of the users reaching first value within MEDIAN_WINDOW_DAYS, the share reaching it
    by `day`: what the median's interval tests against one half at its threshold day."""
    cdf = np.round(np.cumsum(p), 12)
    return round(float(cdf[day] / cdf[MEDIAN_WINDOW_DAYS]), 12)


@dataclass(frozen=True)
class Plan:
    """The planted distributions of a scenario."""

    baseline: np.ndarray
    baseline_never: float
    dropped: np.ndarray
    dropped_never: float
    thresholds: Thresholds

    @classmethod
    def from_thresholds(cls, thresholds: Thresholds) -> Plan:
        on_track = _knots_for(thresholds.rates, math.floor(thresholds.median_days), False)
        share = thresholds.drop_share
        dropped_rates = {k: v * (1 - share) for k, v in thresholds.rates.items()}
        dropped_median = math.floor(thresholds.median_days * (1 + share)) + 1
        within = (
            math.floor(thresholds.median_days),
            (1 - thresholds.median_drop_share) / 2,
        )
        dropped = _knots_for(dropped_rates, dropped_median, True, within)
        baseline, baseline_never = day_probabilities(on_track)
        dropped_p, dropped_never = day_probabilities(dropped)
        return cls(baseline, baseline_never, dropped_p, dropped_never, thresholds)


def _draw(rng: np.random.Generator, p: np.ndarray, never: float, size: int) -> np.ndarray:
    days = np.append(np.arange(len(p)), NEVER)
    return rng.choice(days, size=size, p=np.append(p, never) / (p.sum() + never))


def plant_first_value(
    seed: int,
    scenario: str,
    drop_day: int | None,
    users: pd.DataFrame,
    onboard_day: np.ndarray,
    median_drop_share: float | None = None,
) -> None:
    """Set `first_value_off` (days after created_at, NEVER for never) on every user.

    Its own random stream: the scenario does not shift any other table's draws.
    `median_drop_share` overrides the seed's (None: the seed's).
    """
    plan = Plan.from_thresholds(Thresholds.from_seeds(median_drop_share=median_drop_share))
    rng = child_rng(seed, "alert_scenario_first_value")
    created_day = onboard_day[users["tenant_idx"].to_numpy()] + users["created_off"].to_numpy()
    offsets = _draw(rng, plan.baseline, plan.baseline_never, len(users))
    dropped_draw = _draw(rng, plan.dropped, plan.dropped_never, len(users))
    if scenario == "drop" and drop_day is not None:
        offsets = np.where(created_day >= drop_day, dropped_draw, offsets)
    users["first_value_off"] = offsets.astype(np.int64)


def truth_section(
    scenario: str, drop_date: date | None, median_drop_share: float | None = None
) -> dict[str, Any]:
    """What `_truth.json` records under `alert_scenario`: the planted truths of every
    covered KPI (the same for every segment and week), where they stand against the
    thresholds, and, for the drop, from which week each KPI's rolling cohort holds
    dropped users."""
    plan = Plan.from_thresholds(Thresholds.from_seeds(median_drop_share=median_drop_share))
    thresholds = plan.thresholds
    base, dropped = truths(plan.baseline), truths(plan.dropped)
    kpis: dict[str, Any] = {}
    for kpi in [*RATE_WINDOWS, MEDIAN_KPI]:
        is_rate = kpi in RATE_WINDOWS
        threshold = thresholds.rates[kpi] if is_rate else thresholds.median_days
        sign = 1.0 if is_rate else -1.0  # + when higher is better
        entry = {
            "threshold": threshold,
            "direction": "higher_is_better" if is_rate else "lower_is_better",
            "planted_truth": base[kpi],
            "planted_truth_on_track": sign * (base[kpi] - threshold) >= 0,
            "window_days": RATE_WINDOWS.get(kpi, MEDIAN_WINDOW_DAYS),
        }
        threshold_day = math.floor(thresholds.median_days)
        if not is_rate:
            entry["planted_share_within_threshold"] = share_within(plan.baseline, threshold_day)
        if scenario == "drop":
            entry["dropped_truth"] = dropped[kpi]
            entry["dropped_past_threshold_share"] = round(
                sign * (threshold - dropped[kpi]) / abs(threshold), 12
            )
            if not is_rate:
                entry["dropped_share_within_threshold"] = share_within(plan.dropped, threshold_day)
            if drop_date is not None:
                first = drop_date + timedelta(days=entry["window_days"])
                entry["drop_enters_cohort_on"] = first.isoformat()
                entry["drop_enters_cohort_week"] = (
                    first - timedelta(days=first.weekday())
                ).isoformat()
        kpis[kpi] = entry
    return {
        "scenario": scenario,
        "what": (
            "Every user's first-value day (first workflow_completed, days after created_at) "
            "is drawn from one planted distribution, whatever the persona, tenant or week, "
            "so each covered KPI has the same true value in every segment and week. The "
            "user is active on that day with at least one workflow_completed and has none "
            "before it."
            + (
                " Users created on or after drop_date draw from the dropped distribution: "
                "each covered KPI's truth for them is drop_share x |threshold| past the "
                "threshold (or further), and a KPI's rolling cohort holds them from the "
                "week its window closes for the first of them (drop_enters_cohort_week)."
                if scenario == "drop"
                else ""
            )
        ),
        "drop_date": drop_date.isoformat() if drop_date else None,
        "drop_share": thresholds.drop_share,
        "median_drop_share": thresholds.median_drop_share,
        "kpis": kpis,
        "first_value_day_probabilities": {
            "baseline": [round(float(v), 10) for v in plan.baseline],
            "baseline_never": plan.baseline_never,
            **(
                {
                    "dropped": [round(float(v), 10) for v in plan.dropped],
                    "dropped_never": plan.dropped_never,
                }
                if scenario == "drop"
                else {}
            ),
        },
        "kpi_coverage": COVERAGE,
    }
