"""Defects the contract tests found that are still open, in one place.

Each entry says how to recognise the defect, so the property tests keep
failing on anything else:
- `excuses(violation, feed)`: this violation is the known defect (the test
  reports it as a Hypothesis event and goes on);
- `blocks`: the strategy option that triggers a defect which stops the
  build or corrupts every mart; the property tests leave it out while the
  defect is open.

The regression test of each defect (tests/python/test_contract_regressions.py)
is `xfail(strict=True)` while its key is in `OPEN`. When a fix is merged,
delete its entry here: the regression test must then pass, and the property
tests explore that part of the contract again.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from contract.feed import Feed
from contract.invariants import Violation

ROUNDING = 5e-7 + 1e-12  # half a unit of the 6th decimal
PILOT_STATISTICS = (
    "outcome_rate_treatment",
    "outcome_rate_control",
    "lift",
    "lift_standard_error",
    "lift_ci_lower",
    "lift_ci_upper",
    "p_value",
)


@dataclass(frozen=True)
class KnownDefect:
    key: str
    summary: str
    excuses: Callable[[Violation, Feed], bool] = lambda violation, feed: False
    blocks: str | None = None


def _rounded(columns: tuple[str, ...], invariant: str) -> Callable[[Violation, Feed], bool]:
    def excuses(violation: Violation, feed: Feed) -> bool:
        return (
            violation.invariant == invariant
            and violation.column in columns
            and isinstance(violation.observed, float)
            and isinstance(violation.expected, float)
            and abs(violation.observed - violation.expected) <= ROUNDING
        )

    return excuses


def _month_start(segment: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(segment + "-01")
    except ValueError:
        return None


def _cohort_row_before_cohort(violation: Violation, feed: Feed) -> bool:
    """A KPI row of onboarding cohort YYYY-MM for a week that ends before YYYY-MM-01."""
    if violation.invariant == "build_passes":
        return "assert_kpi_family_rows_land_on_grid" in violation.unit or (
            violation.unit == "dbt build"
        )
    if violation.invariant != "kpi_rows_on_grid" or "onboarding_cohort=" not in violation.unit:
        return False
    parts = violation.unit.split()
    week = datetime.date.fromisoformat(parts[1])
    cohort = _month_start(parts[-1].split("=", 1)[1])
    return cohort is not None and week + datetime.timedelta(days=6) < cohort


def _certified_before_onboarding(violation: Violation, feed: Feed) -> bool:
    if violation.invariant == "fct_kpi_weekly":
        # the within-target rate pools the same flags
        return " certification_within_target_rate " in f" {violation.unit} " and any(
            _certified_before_onboarding_tenant(feed, t.tenant_id) for t in feed.tenants
        )
    return (
        violation.invariant == "fct_tenant_onboarding"
        and violation.column == "is_certified_within_target"
        and violation.observed is False
        and violation.expected is True
        and _certified_before_onboarding_tenant(feed, violation.unit)
    )


def _certified_before_onboarding_tenant(feed: Feed, tenant_id: str) -> bool:
    tenant = next((t for t in feed.tenants if t.tenant_id == tenant_id), None)
    return tenant is not None and any(
        c.tenant_id == tenant_id and c.issued_at.date() < tenant.onboarded_at.date()
        for c in feed.certifications
    )


def _expansion_uncensored(violation: Violation, feed: Feed) -> bool:
    return (
        violation.invariant == "fct_tenant_onboarding"
        and violation.column in ("is_expanded", "expanded_at")
        and violation.expected is None
        and violation.observed not in (None, False)
    )


DEFECTS = (
    KnownDefect(
        key="cohort_rows_before_cohort_start",
        summary=(
            "issue 10.1 and a sibling: a tenant's learning_costs line (cost_per_learner_usd) or "
            "certification (time_to_certification_median_days, certification_within_target_rate) "
            "dated before its onboarding month gives onboarding_cohort rows for weeks before the "
            "cohort's first week; assert_kpi_family_rows_land_on_grid fails the build"
        ),
        excuses=_cohort_row_before_cohort,
    ),
    KnownDefect(
        key="certification_before_onboarding_flag",
        summary=(
            "issue 10.2: a certification issued before onboarded_at gives a negative "
            "days_to_certification and is_certified_within_target = false"
        ),
        excuses=_certified_before_onboarding,
    ),
    KnownDefect(
        key="expansion_censoring",
        summary=(
            "issue 10.3: fct_tenant_onboarding.is_expanded / expanded_at are set while the "
            "180-day window is not observed"
        ),
        excuses=_expansion_uncensored,
    ),
    KnownDefect(
        key="marts_rounded",
        summary=(
            "issue 10.4: fct_tenant_health_weekly.health_score and fct_pilot_results (rates, "
            "lift, SE, interval, p-value) are stored rounded to 6 decimals"
        ),
        excuses=lambda violation, feed: (
            _rounded(("health_score",), "fct_tenant_health_weekly")(violation, feed)
            or _rounded(PILOT_STATISTICS, "fct_pilot_results")(violation, feed)
        ),
    ),
    KnownDefect(
        key="implausible_values",
        summary=(
            "issue 10.6-10.8: a 1900 sentinel date, a future event or an oversized number "
            "moves the calendar or crashes the build instead of being quarantined"
        ),
        blocks="implausible_rows",
    ),
    KnownDefect(
        key="partitioned_events_unsupported",
        summary=(
            "raw contract 'Delivery': an events/ directory partitioned by load date "
            "(events/load_date=YYYY-MM-DD/*.parquet) is not read; the build stops with "
            "\"raw table 'events' not found\""
        ),
        blocks="partitioned_events",
    ),
)

OPEN: dict[str, KnownDefect] = {defect.key: defect for defect in DEFECTS}


def is_open(key: str) -> bool:
    return key in OPEN


def allows(option: str) -> bool:
    """A strategy option is drawn only when no open defect blocks it."""
    return not any(defect.blocks == option for defect in OPEN.values())
