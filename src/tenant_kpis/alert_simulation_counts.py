"""Counting for `make alert-sim-pipeline`: scorecard and alert rows of one built run ->
false alerts and detections per KPI-segment pair, and Wilson intervals over runs.

Both kinds of alert count (fct_kpi_alerts.alert_kind: `kpi` on the scorecard's value,
`early_warning` on the newest matured weekly cohorts): an early warning on an unchanged
on-track KPI is a false alert like any other, and a drop is detected by whichever kind
opens first. A pair can alert when either kind's rule can open an alert on its units.

Pure functions on plain rows, so that a unit test can feed hand-made alerts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tenant_kpis.stats.proportions import Z_95, wilson_interval

Pair = tuple[str, str, str]  # kpi_name, segment_type, segment_value
EARLY_WARNING = "early_warning"
#: The segment of the KPI on all tenants: the planted drop hits every user, so each
#: simulation is one trial per planted KPI there ("alerted in 80% of simulations").
ALL_TENANTS = "all"
#: Weeks from the one a drop enters a KPI's cohort in which an alert counts as a
#: detection: the entry week and the two after it ("within 3 weeks").
DETECTION_WEEKS = 3
#: A longer horizon, reported beside it: a rolling cohort takes the drop in slowly.
LONG_DETECTION_WEEKS = 13


@dataclass(frozen=True)
class Rule:
    """The alert rule's parameters as the build's seeds hold them."""

    minimum_units: int
    consecutive_weeks: int


@dataclass(frozen=True)
class Series:
    """One kind of alert's weekly series (rows with kpi_name, segment_type, segment_value,
    week_start, value, unit_count) and the parameters of its rule."""

    rows: Sequence[dict[str, Any]]
    rule: Rule


@dataclass
class RunCounts:
    """One run of one scenario: pairs, pairs that can alert, alerts, trials."""

    scenario: str
    seed: int | None = None
    pairs: int = 0
    pairs_that_can_alert: int = 0
    pairs_alerting: int = 0  # an alert opened within the window
    pairs_that_can_alert_alerting: int = 0
    pairs_early_warning_alerting: int = 0  # an early-warning alert opened within the window
    detection_trials: int = 0
    detections: int = 0
    detections_by_early_warning: int = 0  # an early-warning alert opened in the 3 weeks
    #: trials in which the early-warning rule itself can alert (its own units)
    early_warning_trials: int = 0
    early_warning_trial_detections: int = 0
    detection_trials_long: int = 0
    detections_long: int = 0
    #: segment `all` (the KPI on all tenants): one per planted KPI and run
    all_tenants_pairs: int = 0
    all_tenants_alerting: int = 0
    all_tenants_trials: int = 0
    all_tenants_detections: int = 0
    all_tenants_detections_long: int = 0
    per_kpi: dict[str, dict[str, int]] = field(default_factory=dict)
    #: (kpi, segment_type, segment_value, opened_week) of the counted alerts
    alerted: list[tuple[str, str, str, str]] = field(default_factory=list)

    def add(self, kpi: str, key: str, value: int = 1) -> None:
        setattr(self, key, getattr(self, key) + value)
        self.per_kpi.setdefault(kpi, {}).setdefault(key, 0)
        self.per_kpi[kpi][key] += value


def window_weeks(last_week: date, weeks: int) -> list[date]:
    """The `weeks` Mondays ending with `last_week`."""
    return [last_week - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def can_alert(units_by_week: dict[date, int | None], weeks: Sequence[date], rule: Rule) -> bool:
    """Whether the pair has at least rule.minimum_units units in rule.consecutive_weeks
    consecutive weeks of `weeks`: the least the alert rule needs to open an alert."""
    run = 0
    for week in weeks:
        units = units_by_week.get(week)
        run = run + 1 if units is not None and units >= rule.minimum_units else 0
        if run >= rule.consecutive_weeks:
            return True
    return False


def _units_by_pair(scorecard: Iterable[dict[str, Any]]) -> dict[Pair, dict[date, int | None]]:
    result: dict[Pair, dict[date, int | None]] = {}
    for row in scorecard:
        if row["value"] is None:
            continue
        pair = (row["kpi_name"], row["segment_type"], row["segment_value"])
        result.setdefault(pair, {})[row["week_start"]] = row["unit_count"]
    return result


def _alerts_by_pair(alerts: Iterable[dict[str, Any]]) -> dict[Pair, list[dict[str, Any]]]:
    result: dict[Pair, list[dict[str, Any]]] = {}
    for row in alerts:
        result.setdefault((row["kpi_name"], row["segment_type"], row["segment_value"]), []).append(
            row
        )
    return result


def _is_early_warning(alert: dict[str, Any]) -> bool:
    return alert.get("alert_kind") == EARLY_WARNING


def _early_units(
    early_warning: Series | None, covered: Iterable[str]
) -> tuple[dict[Pair, dict[date, int | None]], Rule | None]:
    if early_warning is None:
        return {}, None
    kpis = set(covered)
    return _units_by_pair(r for r in early_warning.rows if r["kpi_name"] in kpis), (
        early_warning.rule
    )


def count_stationary(
    scorecard: Iterable[dict[str, Any]],
    alerts: Iterable[dict[str, Any]],
    kpis: Iterable[str],
    last_week: date,
    weeks: int,
    rule: Rule,
    early_warning: Series | None = None,
) -> RunCounts:
    """Every planted pair is on track and unchanged: an alert of either kind opened in
    the last `weeks` weeks is a false alert. Pairs = planted KPI x segment with a value
    in the window; a pair can alert when the kpi rule can on the scorecard's units or
    the early-warning rule on the early-warning series' units."""
    covered = set(kpis)
    window = window_weeks(last_week, weeks)
    units = _units_by_pair(r for r in scorecard if r["kpi_name"] in covered)
    early_units, early_rule = _early_units(early_warning, covered)
    alerts_of = _alerts_by_pair(alerts)
    counts = RunCounts("stationary")
    for pair, by_week in sorted(units.items()):
        if not any(week in by_week for week in window):
            continue
        kpi = pair[0]
        in_window = [
            a for a in alerts_of.get(pair, []) if window[0] <= a["opened_week"] <= window[-1]
        ]
        alerted = bool(in_window)
        if alerted:
            counts.alerted.append((*pair, str(min(a["opened_week"] for a in in_window))))
        counts.add(kpi, "pairs")
        counts.add(kpi, "pairs_alerting", int(alerted))
        if pair[1] == ALL_TENANTS:
            counts.add(kpi, "all_tenants_pairs")
            counts.add(kpi, "all_tenants_alerting", int(alerted))
        counts.add(kpi, "pairs_early_warning_alerting", int(any(map(_is_early_warning, in_window))))
        early_can = early_rule is not None and can_alert(
            early_units.get(pair, {}), window, early_rule
        )
        if can_alert(by_week, window, rule) or early_can:
            counts.add(kpi, "pairs_that_can_alert")
            counts.add(kpi, "pairs_that_can_alert_alerting", int(alerted))
    return counts


def count_drop(
    scorecard: Iterable[dict[str, Any]],
    alerts: Iterable[dict[str, Any]],
    entry_weeks: dict[str, date],
    rule: Rule,
    early_warning: Series | None = None,
) -> RunCounts:
    """A drop enters each planted KPI's cohort in its entry week. A pair is a detection
    trial when it can alert (either kind's rule, as in count_stationary) within the entry
    week and the two after it and has no alert of either kind open in the week before;
    it is detected when an alert of either kind opens in those three weeks. The same
    with LONG_DETECTION_WEEKS weeks: `detection_trials_long`, `detections_long`. Among
    the trials, `early_warning_trials` are those the early-warning rule can alert in on
    its own units. Segment `all` of each KPI is also one simulation-level trial
    (`all_tenants_trials`) when no alert was open the week before, can alert or not."""
    units = _units_by_pair(r for r in scorecard if r["kpi_name"] in entry_weeks)
    early_units, early_rule = _early_units(early_warning, entry_weeks)
    alerts_of = _alerts_by_pair(alerts)
    counts = RunCounts("drop")
    for pair, by_week in sorted(units.items()):
        kpi = pair[0]
        entry = entry_weeks[kpi]
        short = window_weeks(entry + timedelta(weeks=DETECTION_WEEKS - 1), DETECTION_WEEKS)
        if not any(week in by_week for week in short):
            continue
        counts.add(kpi, "pairs")
        pair_alerts = alerts_of.get(pair, [])
        open_before = any(
            a["opened_week"] < entry and (a["closed_week"] is None or a["closed_week"] >= entry)
            for a in pair_alerts
        )
        long = window_weeks(entry + timedelta(weeks=LONG_DETECTION_WEEKS - 1), LONG_DETECTION_WEEKS)
        if pair[1] == ALL_TENANTS and not open_before:
            # one trial per simulation and KPI, whether or not a rule can alert on its
            # units: a drop the headline KPI cannot show is a miss, not a skipped trial
            counts.add(kpi, "all_tenants_trials")
            for weeks, key in (
                (short, "all_tenants_detections"),
                (long, "all_tenants_detections_long"),
            ):
                counts.add(
                    kpi,
                    key,
                    int(any(weeks[0] <= a["opened_week"] <= weeks[-1] for a in pair_alerts)),
                )
        for weeks, suffix in ((short, ""), (long, "_long")):
            early_can = early_rule is not None and can_alert(
                early_units.get(pair, {}), weeks, early_rule
            )
            if not (can_alert(by_week, weeks, rule) or early_can):
                continue
            if suffix == "":
                counts.add(kpi, "pairs_that_can_alert")
            if open_before:
                continue
            opened = [a for a in pair_alerts if weeks[0] <= a["opened_week"] <= weeks[-1]]
            counts.add(kpi, f"detection_trials{suffix}")
            counts.add(kpi, f"detections{suffix}", int(bool(opened)))
            if suffix == "":
                counts.add(
                    kpi, "detections_by_early_warning", int(any(map(_is_early_warning, opened)))
                )
                if early_can:
                    counts.add(kpi, "early_warning_trials")
                    counts.add(kpi, "early_warning_trial_detections", int(bool(opened)))
    return counts


def between_runs_interval(per_run: Sequence[tuple[int, int]]) -> tuple[float, float] | None:
    """95% interval of the pooled share sum(x) / sum(n) over runs (x, n), with the runs as
    clusters (ratio-estimator variance with the small-sample factor R / (R - 1)): the
    pairs of one run share users, so they are not independent trials."""
    runs = [(x, n) for x, n in per_run if n]
    total = sum(n for _, n in runs)
    if len(runs) < 2 or not total:
        return None
    rate = sum(x for x, _ in runs) / total
    residuals = sum((x - rate * n) ** 2 for x, n in runs)
    half = Z_95 * math.sqrt(len(runs) / (len(runs) - 1) * residuals) / total
    return max(0.0, rate - half), min(1.0, rate + half)


def _share(per_run: Sequence[tuple[int, int]]) -> dict[str, Any]:
    successes, trials = sum(x for x, _ in per_run), sum(n for _, n in per_run)
    low, high = wilson_interval(successes, trials) if trials else (None, None)
    return {
        "successes": successes,
        "trials": trials,
        "rate": successes / trials if trials else None,
        "wilson_95": [low, high],
        "between_runs_95": between_runs_interval(per_run),
    }


def summarise(runs: Sequence[RunCounts]) -> dict[str, Any]:
    """Pooled shares over the runs of each scenario, with two 95% intervals: Wilson
    (pairs as independent trials) and between runs (runs as clusters: the pairs of one
    run share users, segment `all` holds every other segment, so their alerts come
    together)."""
    stationary = [r for r in runs if r.scenario == "stationary"]
    drop = [r for r in runs if r.scenario == "drop"]

    def of(run: RunCounts, key: str, kpi: str | None) -> int:
        return getattr(run, key) if kpi is None else run.per_kpi.get(kpi, {}).get(key, 0)

    def total(rs: Sequence[RunCounts], key: str, kpi: str | None = None) -> int:
        return sum(of(r, key, kpi) for r in rs)

    def share(rs: Sequence[RunCounts], hits: str, trials: str, kpi: str | None) -> Any:
        return _share([(of(r, hits, kpi), of(r, trials, kpi)) for r in rs])

    kpis = sorted({k for r in runs for k in r.per_kpi})

    def figures(kpi: str | None) -> dict[str, Any]:
        return {
            "stationary_pairs": total(stationary, "pairs", kpi),
            "stationary_pairs_that_can_alert": total(stationary, "pairs_that_can_alert", kpi),
            "false_alerts_among_all_pairs": share(stationary, "pairs_alerting", "pairs", kpi),
            "false_alerts_among_pairs_that_can_alert": share(
                stationary, "pairs_that_can_alert_alerting", "pairs_that_can_alert", kpi
            ),
            "false_early_warnings_among_all_pairs": share(
                stationary, "pairs_early_warning_alerting", "pairs", kpi
            ),
            "drop_pairs": total(drop, "pairs", kpi),
            "drop_pairs_that_can_alert": total(drop, "pairs_that_can_alert", kpi),
            "detected_within_3_weeks": share(drop, "detections", "detection_trials", kpi),
            "detected_within_3_weeks_by_an_early_warning": share(
                drop, "detections_by_early_warning", "detection_trials", kpi
            ),
            "detected_within_3_weeks_where_early_warnings_can_alert": share(
                drop, "early_warning_trial_detections", "early_warning_trials", kpi
            ),
            "detected_within_13_weeks": share(
                drop, "detections_long", "detection_trials_long", kpi
            ),
            "all_tenants_false_alerts": share(
                stationary, "all_tenants_alerting", "all_tenants_pairs", kpi
            ),
            "all_tenants_detected_within_3_weeks": share(
                drop, "all_tenants_detections", "all_tenants_trials", kpi
            ),
            "all_tenants_detected_within_13_weeks": share(
                drop, "all_tenants_detections_long", "all_tenants_trials", kpi
            ),
        }

    return {
        "runs": {"stationary": len(stationary), "drop": len(drop)},
        "all_planted_kpis": figures(None),
        "per_kpi": {kpi: figures(kpi) for kpi in kpis},
        "per_run": [
            {
                "seed": r.seed,
                "scenario": r.scenario,
                "pairs": r.pairs,
                "pairs_that_can_alert": r.pairs_that_can_alert,
                "pairs_alerting": r.pairs_alerting,
                "pairs_that_can_alert_alerting": r.pairs_that_can_alert_alerting,
                "pairs_early_warning_alerting": r.pairs_early_warning_alerting,
                "detection_trials": r.detection_trials,
                "detections": r.detections,
                "detections_by_early_warning": r.detections_by_early_warning,
                "early_warning_trials": r.early_warning_trials,
                "early_warning_trial_detections": r.early_warning_trial_detections,
                "detection_trials_long": r.detection_trials_long,
                "detections_long": r.detections_long,
                "all_tenants_trials": r.all_tenants_trials,
                "all_tenants_detections": r.all_tenants_detections,
                "alerted": r.alerted,
                "per_kpi": r.per_kpi,
            }
            for r in runs
        ],
    }
