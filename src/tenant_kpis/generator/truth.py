"""The `_truth.json` document: parameters, planted effects and their exact definitions,
plus realised values measured on the clean generated data with the spec's definitions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from tenant_kpis.generator import billing
from tenant_kpis.generator.config import (
    CERTIFICATION_BANDS,
    CERTIFICATION_MEDIAN_DAYS,
    DAY,
    FEATURES,
    INDUSTRIES,
    GeneratorConfig,
)
from tenant_kpis.generator.stream import WINDOW, TaskWindows
from tenant_kpis.generator.tenants import NEVER, Population
from tenant_kpis.generator.writer import write_table

TRUTH_TENANTS_FILE = "_truth_tenants.parquet"
MIN_TASKS = 5


def _auc(score: np.ndarray, label: np.ndarray) -> float | None:
    """ROC AUC by the rank-sum formula (ties get average ranks)."""
    pos, neg = int(label.sum()), int((~label).sum())
    if pos == 0 or neg == 0:
        return None
    ranks = pd.Series(score).rank(method="average").to_numpy()
    return float((ranks[label].sum() - pos * (pos + 1) / 2) / (pos * neg))


def _rate(num: float, den: float) -> float | None:
    return float(num / den) if den else None


def realised_error_reduction(
    config: GeneratorConfig, pop: Population, windows: TaskWindows, certs: pd.DataFrame
) -> dict[str, Any]:
    """Spec: pre c-28..c-1, post c+1..c+28 around the first certification day c; users
    with >= 5 tasks in each window and a fully observed post window; pooled rates.

    The task counts were taken around each user's planted certification day, the day its
    first certification is issued on if it is issued at all (checked here)."""
    as_of = config.end_epoch_day - 1
    first = certs.groupby("user_id")["issued_at"].min() // DAY
    user_pos = pd.Series(np.arange(len(pop.users)), index=pop.users["user_id"])
    c_day = np.full(len(pop.users), NEVER, dtype=np.int64)
    c_day[user_pos[first.index].to_numpy()] = first.to_numpy()
    certified = c_day < NEVER
    if not np.array_equal(c_day[certified], windows.planned_day[certified]):
        raise AssertionError("a first certification is off its planted day")
    ok = (
        certified
        & (c_day + WINDOW <= as_of)
        & (windows.pre_tasks >= MIN_TASKS)
        & (windows.post_tasks >= MIN_TASKS)
    )
    pre_rate = _rate(windows.pre_failed[ok].sum(), windows.pre_tasks[ok].sum())
    post_rate = _rate(windows.post_failed[ok].sum(), windows.post_tasks[ok].sum())
    return {
        "eligible_users": int(ok.sum()),
        "pre_error_rate": pre_rate,
        "post_error_rate": post_rate,
        "value": 1 - post_rate / pre_rate if pre_rate and post_rate is not None else None,
        "scope": "all eligible users certified by as_of_date - 28 days",
    }


def realised_ticket_decline(
    config: GeneratorConfig, pop: Population, tickets: pd.DataFrame, certified_at: np.ndarray
) -> dict[str, Any]:
    as_of = config.end_epoch_day - 1
    c_day = np.where(certified_at >= 0, certified_at // DAY, NEVER)
    pos = pd.Series(np.arange(len(pop.tenants)), index=pop.tenants["tenant_id"])
    t1 = tickets[tickets["tier"] == 1]
    t_idx = pos[t1["tenant_id"]].to_numpy()
    rel = t1["created_at"].to_numpy() // DAY - c_day[t_idx]
    ok_tenant = (c_day + WINDOW <= as_of) & (certified_at >= 0)
    ok = ok_tenant[t_idx]
    pre = int((ok & (rel >= -WINDOW) & (rel <= -1)).sum())
    post = int((ok & (rel >= 1) & (rel <= WINDOW)).sum())
    return {
        "tenants": int(ok_tenant.sum()),
        "pre_tier1_tickets": pre,
        "post_tier1_tickets": post,
        "value": 1 - post / pre if pre else None,
        "scope": "all tenants certified by as_of_date - 28 days",
    }


def _activation_within(days: np.ndarray, n: int) -> np.ndarray:
    return days <= n  # NEVER is never within


def build_truth(
    config: GeneratorConfig,
    effects: dict[str, float],
    pop: Population,
    tables: dict[str, pd.DataFrame],
    windows: TaskWindows,
    delivered_events: int,
    feats: pd.DataFrame,
    outcomes: pd.DataFrame,
    certified_at: np.ndarray,
    out_dir: Path,
) -> dict[str, Any]:
    """Build the truth document from the CLEAN tables (call before dirty injection)."""
    tenants = pop.tenants
    as_of = config.end_epoch_day - 1
    onboard_day = tenants["onboarded_at"].to_numpy() // DAY
    act = feats["activation_day"].to_numpy()
    cert_days = np.where(certified_at >= 0, certified_at // DAY - onboard_day, -1)
    truth_tenants = pd.DataFrame(
        {
            "tenant_id": tenants["tenant_id"],
            "industry": tenants["industry"],
            "plan_tier": tenants["plan_tier"],
            "seats_purchased": tenants["seats_purchased"],
            "onboarded_date": onboard_day.astype("datetime64[D]"),
            "activation_day": np.where(act < NEVER, act, -1),
            "planted_activation_day": np.where(
                tenants["planted_activation_day"] < NEVER, tenants["planted_activation_day"], -1
            ),
            "activated_within_30d": feats["activated_within_30d"],
            "active_user_days_30d": feats["active_user_days_30d"],
            "active_user_days_per_seat_30d": feats["active_user_days_per_seat_30d"],
            "days_to_certification": cert_days,
            "p_renewal": outcomes["p_renewal"],
            "renewal_observed": outcomes["renewal_observed"],
            "renewed_first_anniversary": outcomes["renewed_first_anniversary"],
            "p_expansion": outcomes["p_expansion"],
            "expansion_observed": outcomes["expansion_observed"],
            "expanded_within_180d": outcomes["expanded_within_180d"],
        }
    )
    write_table(
        pa.Table.from_pandas(truth_tenants, preserve_index=False),
        out_dir / TRUTH_TENANTS_FILE,
        "parquet",
    )
    observed90 = onboard_day + 90 <= as_of
    adoption = {}
    for key, values in (("industry", tenants["industry"]), ("plan_tier", tenants["plan_tier"])):
        for value in sorted(set(values)):
            mask = (values.to_numpy() == value) & observed90
            adoption[f"{key}={value}"] = {
                "observed_tenants": int(mask.sum()),
                "rate": _rate(_activation_within(act[mask], 90).sum(), mask.sum()),
            }
    adoption["all"] = {
        "observed_tenants": int(observed90.sum()),
        "rate": _rate(_activation_within(act[observed90], 90).sum(), observed90.sum()),
    }
    cert_facts = {}
    for industry in INDUSTRIES:
        mask = (tenants["industry"].to_numpy() == industry) & (cert_days >= 0)
        median = float(np.median(cert_days[mask])) if mask.any() else None
        low, high = CERTIFICATION_BANDS[industry]
        cert_facts[industry] = {
            "band_days": [low, high],
            "planted_median_days": CERTIFICATION_MEDIAN_DAYS[industry],
            "realised_median_days": median,
            "certified_tenants": int(mask.sum()),
            "median_inside_band": None if median is None else bool(low <= median <= high),
        }
    experiments = []
    for e in pop.experiments:
        arms = {}
        for arm, mask in (("treatment", e.treatment), ("control", ~e.treatment)):
            days = act[e.tenant_idx[mask]]
            arms[arm] = {
                "tenants": int(mask.sum()),
                "realised_rate_45d": _rate(_activation_within(days, 45).sum(), mask.sum()),
                "realised_rate_90d": _rate(_activation_within(days, 90).sum(), mask.sum()),
            }
        experiments.append(
            {
                "experiment_id": e.experiment_id,
                "assigned_date": str(np.datetime64(e.start_day, "D")),
                "outcome": "tenant activated within N days of assigned_at (= onboarded_at)",
                "p_control_90d": e.p_control,
                "lift_90d": e.lift_90,
                "q_within_45_given_90": e.q_within_45,
                "p_control_45d": e.p_control * e.q_within_45,
                "lift_45d": e.lift_90 * e.q_within_45,
                "arms": arms,
            }
        )
    ren = truth_tenants[truth_tenants["renewal_observed"]]
    exp = truth_tenants[truth_tenants["expansion_observed"]]
    renewal_auc = _auc(ren["p_renewal"].to_numpy(), ren["renewed_first_anniversary"].to_numpy())
    expansion_auc = _auc(exp["p_expansion"].to_numpy(), exp["expanded_within_180d"].to_numpy())
    feature_defs = {
        "activated_within_30d": "1 if the tenant's activation day (spec definition: first "
        "day on which distinct users with an autonomy or learning event since onboarded_at "
        "reach max(1, ceil(0.2 * seats_purchased))) is <= 30 days after onboarded_at, else 0",
        "active_user_days_per_seat_30d": "(distinct (user, day) pairs with >= 1 event on days "
        "0..29 after the onboarded_at date) / seats_purchased, centred: the model uses "
        f"x - {billing.USAGE_CENTER}",
    }
    return {
        "generator_version": 1,
        "parameters": {
            "tenants": config.tenants,
            "seed": config.seed,
            "years": config.years,
            "dirty_rate": config.dirty_rate,
            "file_format": config.file_format,
            "events_per_user_day": config.events_per_user_day,
            "holdback_days": config.holdback_days,
            "event_years": config.event_years,
            "events_layout": config.events_layout,
        },
        "end_exclusive": f"{config.end_date.isoformat()}T00:00:00Z",
        "as_of_date": config.as_of_date.isoformat(),
        "last_complete_week_start": str(
            np.datetime64(as_of, "D") - ((as_of + 3) % 7)
        ),  # Monday of the as-of week
        "history_start": str(np.datetime64(config.start_epoch_day, "D")),
        "events_start": str(np.datetime64(config.event_start_epoch_day, "D")),
        "clean_row_counts": {name: len(frame) for name, frame in tables.items()}
        | {"events": delivered_events},
        "feature_catalog": [{"feature": f, "critical": c} for f, c in FEATURES],
        "effects": {
            "certification_error_reduction": {
                "value": effects["certification_error_reduction"],
                "definition": "Each task-doing user has a stationary base error rate p "
                "(uniform 0.10-0.35); a task on a day after the day of the user's first "
                "certification fails with probability p * (1 - value). Recover as "
                "1 - pooled post / pooled pre error rate (windows c+1..c+28, c-28..c-1, "
                ">= 5 tasks in each).",
                "realised": realised_error_reduction(
                    config, pop, windows, tables["certifications"]
                ),
            },
            "certification_tier1_ticket_reduction": {
                "value": effects["certification_tier1_ticket_reduction"],
                "definition": "Tier-1 tickets arrive as a Poisson process with a stationary "
                "daily rate per tenant from signed_at until churn; on days after the day of "
                "the tenant's certified_at the rate is multiplied by (1 - value). Recover as "
                "1 - pooled post28 / pre28 tier-1 tickets.",
                "realised": realised_ticket_decline(
                    config, pop, tables["support_tickets"], certified_at
                ),
            },
        },
        "experiments": experiments,
        "renewal_model": {
            "coefficients": billing.RENEWAL_MODEL,
            "usage_center": billing.USAGE_CENTER,
            "link": "p = 1 / (1 + exp(-(intercept + sum(coefficient * feature))))",
            "features": feature_defs,
            "outcome": "renewal (not churn) at onboarded_at + 365 days; observed when that "
            "instant is before end_exclusive",
            "later_anniversaries_renewal_probability": billing.LATER_RENEWAL_P,
            "observed_tenants": len(ren),
            "realised_rate": _rate(ren["renewed_first_anniversary"].sum(), len(ren)),
            "true_probability_auc": renewal_auc,
        },
        "expansion_model": {
            "coefficients": billing.EXPANSION_MODEL,
            "usage_center": billing.USAGE_CENTER,
            "link": "p = 1 / (1 + exp(-(intercept + sum(coefficient * feature))))",
            "features": feature_defs,
            "outcome": "seat_upgrade or addon_activated within 180 days of onboarded_at "
            "(placed on day 31..180, before churn); observed when onboarded_at + 180 days is "
            "before end_exclusive",
            "observed_tenants": len(exp),
            "realised_rate": _rate(exp["expanded_within_180d"].sum(), len(exp)),
            "true_probability_auc": expansion_auc,
        },
        "tenants_truth_file": TRUTH_TENANTS_FILE,
        "segment_facts": {
            "certification_median_days": cert_facts,
            "adoption_rate_90d": adoption,
            "content_freshness_as_of": content_freshness(config, tables["content"]),
        },
        "certified_tenants": int((certified_at >= 0).sum()),
    }


def content_freshness(config: GeneratorConfig, content: pd.DataFrame) -> dict[str, Any]:
    """Spec freshness at the end of the last complete week (end_exclusive)."""
    e = config.end_epoch_day * DAY - 1
    published = content["published_at"].to_numpy()
    updated = content["last_updated_at"].to_numpy()
    retired = content["retired_at"].to_numpy()
    live = (published <= e) & ~((retired >= 0) & (retired <= e))
    last = np.where(updated <= e, updated, published)
    fresh = live & (last > e - 180 * DAY)
    return {
        "live_items": int(live.sum()),
        "fresh_items": int(fresh.sum()),
        "rate": _rate(fresh.sum(), live.sum()),
    }
