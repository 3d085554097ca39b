"""Tenants and users, plus each tenant's planted activation and certification plan."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tenant_kpis.generator.config import (
    CERTIFICATION_MEDIAN_DAYS,
    DAY,
    INDUSTRIES,
    INDUSTRY_WEIGHTS,
    PERSONA_WEIGHTS,
    PERSONAS,
    REGION_WEIGHTS,
    REGIONS,
    SEAT_RANGES,
    TIER_WEIGHTS,
    TIERS,
    GeneratorConfig,
    child_rng,
)

NEVER = np.iinfo(np.int64).max // 4  # a day index that never comes

#: Median days from onboarding to tenant activation by industry, and tier multipliers.
ACTIVATION_MEDIAN_DAYS = {
    "saas_smb": 10.0,
    "enterprise_software": 28.0,
    "healthcare": 45.0,
    "financial_services": 35.0,
}
ACTIVATION_TIER_FACTOR = {"starter": 0.7, "growth": 1.0, "enterprise": 1.5}
ACTIVATION_NEVER_SHARE = {"starter": 0.12, "growth": 0.15, "enterprise": 0.2}
#: Share of users per persona who ever do learning (non-admins) or autonomy (admins).
LEARNER_SHARE = {"admin": 0.95, "operator": 0.7, "end_user": 0.45}
CERTIFIED_TENANT_SHARE = 0.8
EARLY_DROPOUT_SHARE = 0.3
EARLY_DROPOUT_MEAN_DAYS = 25.0
LATE_DROPOUT_MEAN_DAYS = 500.0
#: Median days from signup to a user's persona milestone (admins: their first autonomy
#: event, planted separately), and the tier / industry multipliers.
MILESTONE_MEDIAN_DAYS = {"admin": 0.0, "operator": 3.0, "end_user": 6.0}
MILESTONE_TIER_FACTOR = {"starter": 0.7, "growth": 1.0, "enterprise": 1.5}
MILESTONE_INDUSTRY_FACTOR = {
    "saas_smb": 0.7,
    "enterprise_software": 1.0,
    "healthcare": 1.5,
    "financial_services": 1.2,
}
OPERATOR_CERT_SHARE = 0.55
OTHER_CERT_SHARE = 0.12
#: Day of the history (after its start) on which the main pilot's cohort onboards.
PILOT_START_DAY = 60
#: Fewest tenants in the main pilot (both arms), unless that is more than half of all.
MAIN_PILOT_MIN_TENANTS = 100


@dataclass
class Experiment:
    experiment_id: str
    start_day: int
    p_control: float
    lift_90: float
    q_within_45: float
    tenant_idx: np.ndarray  # tenants in the experiment
    treatment: np.ndarray  # bool per tenant_idx


@dataclass
class Population:
    tenants: pd.DataFrame  # one row per tenant (internal columns included)
    users: pd.DataFrame  # one row per user (internal columns included)
    experiments: list[Experiment]


def _log_uniform_int(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    value = np.exp(rng.uniform(np.log(low), np.log(high + 1)))
    return np.clip(np.floor(value), low, high).astype(np.int64)


def _plan_experiments(config: GeneratorConfig) -> list[tuple]:
    """(id, start offset from end in days, share of tenants, p_control, lift90, q45).

    The main pilot starts PILOT_START_DAY days after the history starts (later only
    when the history is too short for its day-90 checkpoint). Its cohort onboards on
    one day, so its renewals and expansions all become known on one day: early in the
    history, they train the risk model that the back-test then scores the later cohorts
    with, instead of being one block scored by a model trained on a few dozen tenants.
    """
    n, span = config.tenants, config.history_days
    specs = []
    if n >= 10 and span >= 130:
        main_offset = max(min(450, span - 20), span - PILOT_START_DAY)
        specs.append(("pilot_guided_onboarding", main_offset, 0.30, 0.40, 0.20, 0.6))
        specs.append(("pilot_learning_nudges", min(200, span - 25), 0.12, 0.50, 0.0, 0.6))
    return specs


def build_population(config: GeneratorConfig) -> Population:
    rng = child_rng(config.seed, "tenants")
    n = config.tenants
    start, end = config.start_epoch_day, config.end_epoch_day

    industry = rng.choice(len(INDUSTRIES), size=n, p=INDUSTRY_WEIGHTS)
    tier = rng.choice(len(TIERS), size=n, p=TIER_WEIGHTS)
    region = rng.choice(len(REGIONS), size=n, p=REGION_WEIGHTS)
    low = np.array([SEAT_RANGES[t][0] for t in TIERS])[tier]
    high = np.array([SEAT_RANGES[t][1] for t in TIERS])[tier]
    seats = _log_uniform_int(rng, low, high)
    onboard_day = rng.integers(start, end - 7, size=n)
    onboard_sec_of_day = rng.integers(8 * 3600, 11 * 3600, size=n)
    sign_lag_days = rng.integers(30, 76, size=n)
    sign_sec_of_day = rng.integers(9 * 3600, 18 * 3600, size=n)
    engagement = np.exp(rng.normal(0.0, 0.45, size=n))

    # Planted activation day (days after onboarding; NEVER = does not activate).
    ind_median = np.array([ACTIVATION_MEDIAN_DAYS[i] for i in INDUSTRIES])[industry]
    tier_factor = np.array([ACTIVATION_TIER_FACTOR[t] for t in TIERS])[tier]
    # Faster activation for more engaged tenants: that is what makes the renewal signal.
    median = ind_median * tier_factor / np.sqrt(engagement)
    act_day = np.floor(median * np.exp(rng.normal(0.0, 0.8, size=n))).astype(np.int64)
    never_share = np.array([ACTIVATION_NEVER_SHARE[t] for t in TIERS])[tier]
    act_never = (rng.random(n) < never_share) | (act_day > 400)
    act_day = np.where(act_never, NEVER, act_day)

    # Pilots: all tenants of an experiment onboard on its start day.
    experiments: list[Experiment] = []
    free = rng.permutation(n)
    used = 0
    for exp_id, offset, share, p_control, lift, q45 in _plan_experiments(config):
        # The main pilot gets `share` of the tenants but at least MAIN_PILOT_MIN_TENANTS
        # (at most half): >= 50 per arm from 200 tenants, so that the exact planted
        # 20-point lift at day 90 clears zero (Newcombe 95% interval [0.005, 0.375] at 50
        # per arm), while from 300 tenants more than half of them stay outside pilots
        # and keep the risk back-test large (see _plan_experiments).
        wanted = min(max(MAIN_PILOT_MIN_TENANTS, share * n), 0.5 * n) if lift > 0 else share * n
        size = max(2, round(wanted)) // 2 * 2
        members = np.sort(free[used : used + size])
        used += size
        # Stratified randomisation: within industry x tier blocks (in random order), arms
        # alternate from a random start, so the arms are balanced on both.
        order = np.lexsort((rng.random(size), tier[members], industry[members]))
        treatment = np.zeros(size, dtype=bool)
        treatment[order[int(rng.integers(0, 2)) :: 2]] = True
        if treatment.sum() != size // 2:
            treatment = ~treatment
        day = end - offset
        onboard_day[members] = day
        # Exact allocation (sampling without replacement): in each arm round(p * n)
        # tenants activate within 90 days, round(q * that) of them within 45 days.
        activated = np.zeros(size, dtype=bool)
        early = np.zeros(size, dtype=bool)
        for arm_mask, p in ((treatment, p_control + lift), (~treatment, p_control)):
            arm = rng.permutation(np.flatnonzero(arm_mask))
            n_yes = round(p * len(arm))
            n_early = round(q45 * n_yes)
            activated[arm[:n_yes]] = True
            early[arm[:n_early]] = True
        day_yes = np.where(early, rng.integers(0, 46, size=size), rng.integers(46, 90, size=size))
        day_no = np.where(rng.random(size) < 0.5, rng.integers(95, 200, size=size), NEVER)
        act_day[members] = np.where(activated, day_yes, day_no)
        experiments.append(Experiment(exp_id, int(day), p_control, lift, q45, members, treatment))

    onboarded_at = onboard_day * DAY + onboard_sec_of_day
    signed_at = (onboard_day - sign_lag_days) * DAY + sign_sec_of_day

    # Planted time to first certification (days after onboarding), by industry.
    cert_median = np.array([CERTIFICATION_MEDIAN_DAYS[i] for i in INDUSTRIES])[industry]
    cert_day = np.floor(cert_median * np.exp(rng.normal(0.0, 0.45, size=n))).astype(np.int64)
    certified = rng.random(n) < CERTIFIED_TENANT_SHARE
    cert_day = np.where(certified, cert_day, NEVER)

    tenant_ids = np.array([f"{100000 + i * 7 + 3}" for i in range(n)], dtype=object)
    tenants = pd.DataFrame(
        {
            "tenant_idx": np.arange(n),
            "tenant_id": tenant_ids,
            "industry": np.array(INDUSTRIES, dtype=object)[industry],
            "plan_tier": np.array(TIERS, dtype=object)[tier],
            "region": np.array(REGIONS, dtype=object)[region],
            "seats_purchased": seats,
            "onboard_day": onboard_day,
            "onboarded_at": onboarded_at,
            "signed_at": signed_at,
            "engagement": engagement,
            "planted_activation_day": act_day,
            "planned_cert_day": cert_day,
        }
    )
    users = _build_users(config, rng, tenants)
    _plant_plans(rng, tenants, users)
    return Population(tenants=tenants, users=users, experiments=experiments)


def _build_users(
    config: GeneratorConfig, rng: np.random.Generator, tenants: pd.DataFrame
) -> pd.DataFrame:
    end = config.end_epoch_day
    seats = tenants["seats_purchased"].to_numpy()
    n_users = np.maximum(1, np.round(seats * rng.uniform(0.6, 1.0, size=len(seats)))).astype(
        np.int64
    )
    t_idx = np.repeat(np.arange(len(seats)), n_users)
    total = len(t_idx)
    first_of_tenant = np.zeros(total, dtype=bool)
    first_of_tenant[np.concatenate([[0], np.cumsum(n_users)[:-1]])] = True

    onboard_day = tenants["onboard_day"].to_numpy()[t_idx]
    lifetime = end - onboard_day  # days with possible data
    early = rng.random(total) < 0.75
    created_off = np.where(
        early,
        np.floor(rng.exponential(5.0, size=total)),
        np.floor(rng.random(total) * lifetime),
    ).astype(np.int64)
    created_off = np.minimum(created_off, lifetime - 1)
    created_off[first_of_tenant] = 0
    persona = rng.choice(len(PERSONAS), size=total, p=PERSONA_WEIGHTS)
    persona[first_of_tenant] = 0
    # Persona milestone (operator: first task_completed, end user: first feature_used) and
    # first value (first workflow_completed) come some days after signup; slower in
    # bigger tiers and regulated industries, never for some users.
    tier_f = np.array([MILESTONE_TIER_FACTOR[t] for t in tenants["plan_tier"]])[t_idx]
    ind_f = np.array([MILESTONE_INDUSTRY_FACTOR[i] for i in tenants["industry"]])[t_idx]
    median = np.array([MILESTONE_MEDIAN_DAYS[p] for p in PERSONAS])[persona] * tier_f * ind_f
    milestone = np.floor(median * np.exp(rng.normal(0.0, 1.0, size=total)) - 0.5)
    milestone = np.maximum(milestone, 0).astype(np.int64)
    milestone = np.where(rng.random(total) < 0.08, NEVER, milestone)
    value_delay = np.floor(np.exp(rng.normal(np.log(4.0), 1.0, size=total))).astype(np.int64)
    value_delay = np.where(rng.random(total) < 0.12, NEVER, value_delay)
    users = pd.DataFrame(
        {
            "milestone_off": milestone,
            "value_delay": value_delay,
            "tenant_idx": t_idx,
            "persona": np.array(PERSONAS, dtype=object)[persona],
            "created_off": created_off,
            "learner": rng.random(total) < np.array([LEARNER_SHARE[p] for p in PERSONAS])[persona],
            "engagement": np.exp(rng.normal(0.0, 0.7, size=total)),
            "base_error_rate": rng.uniform(0.10, 0.35, size=total),
            # Many users drop out in their first weeks, the others fade slowly.
            "dropout_off": np.floor(
                np.where(
                    rng.random(total) < EARLY_DROPOUT_SHARE,
                    rng.exponential(EARLY_DROPOUT_MEAN_DAYS, size=total),
                    rng.exponential(LATE_DROPOUT_MEAN_DAYS, size=total),
                )
            ).astype(np.int64),
            "created_sec": rng.integers(0, 7200, size=total),  # seconds after the day's lower bound
            "deactivate": rng.random(total) < 0.08,
            "deactivate_u": rng.random(total),
        }
    )
    return users


def _plant_plans(rng: np.random.Generator, tenants: pd.DataFrame, users: pd.DataFrame) -> None:
    """Per tenant: first autonomy/learning day of each user (so the tenant activates on
    exactly its planted day) and the certification days of its users."""
    n_users = len(users)
    first_al = np.full(n_users, NEVER, dtype=np.int64)
    cert_off = np.full(n_users, NEVER, dtype=np.int64)
    cert_kind = np.zeros(n_users, dtype=np.int64)
    created_off = users["created_off"].to_numpy().copy()
    persona = users["persona"].to_numpy()
    learner = users["learner"].to_numpy()
    starts = np.searchsorted(users["tenant_idx"].to_numpy(), np.arange(len(tenants)))
    stops = np.append(starts[1:], n_users)
    seats = tenants["seats_purchased"].to_numpy()
    act_days = tenants["planted_activation_day"].to_numpy()
    cert_days = tenants["planned_cert_day"].to_numpy()

    for t in range(len(tenants)):
        idx = np.arange(starts[t], stops[t])
        k = max(1, math.ceil(0.2 * seats[t]))
        a = act_days[t]
        shuffled = rng.permutation(idx)
        is_admin = persona[shuffled] == "admin"
        # Admins lead the tenant's setup: they are the first autonomy / learning users.
        order = np.concatenate([shuffled[is_admin], shuffled[~is_admin]])
        if a < NEVER:
            # k activators: k-1 earlier than day a, the pivot exactly on day a.
            activators = order[:k]
            others = order[k:]
            pivot = activators[k - 1]
            earlier = activators[: k - 1]
            created_off[pivot] = min(created_off[pivot], a)
            if a == 0:
                created_off[earlier] = 0
                first_al[earlier] = 0
            else:
                created_off[earlier] = np.minimum(
                    created_off[earlier], rng.integers(0, a, size=len(earlier))
                )
                first_al[earlier] = rng.integers(created_off[earlier], a)
            first_al[pivot] = a
            later = others[learner[others]]
            first_al[later] = np.maximum(created_off[later], a + 1) + np.floor(
                rng.exponential(20.0, size=len(later))
            ).astype(np.int64)
        else:
            m = int(rng.integers(0, k)) if k > 1 else 0
            chosen = order[:m]
            first_al[chosen] = created_off[chosen] + np.floor(rng.exponential(30.0, size=m)).astype(
                np.int64
            )
        # Certification plan.
        c = cert_days[t]
        if c < NEVER:
            candidates = idx[created_off[idx] <= c]
            if len(candidates) == 0:
                candidates = idx[created_off[idx] == created_off[idx].min()]
                c = int(created_off[candidates[0]])
                cert_days[t] = c
            pref = candidates[(persona[candidates] != "end_user")]
            pool = pref if len(pref) else candidates
            first = pool[rng.integers(0, len(pool))]
            cert_off[first] = c
            cert_kind[first] = (
                0 if persona[first] == "end_user" else (2 if persona[first] == "admin" else 1)
            )
            rest = idx[idx != first]
            is_op = persona[rest] == "operator"
            share = np.where(is_op, OPERATOR_CERT_SHARE, OTHER_CERT_SHARE)
            chosen = rest[rng.random(len(rest)) < share]
            base = np.maximum(c, created_off[chosen] + 35)
            cert_off[chosen] = base + np.floor(rng.exponential(60.0, size=len(chosen))).astype(
                np.int64
            )
            cert_kind[chosen] = np.where(
                persona[chosen] == "operator", 1, np.where(persona[chosen] == "admin", 2, 0)
            )

    users["created_off"] = created_off
    users["first_al_off"] = first_al
    users["cert_off"] = cert_off
    users["cert_kind"] = cert_kind
    tenants["planned_cert_day"] = cert_days


def finalize_users(config: GeneratorConfig, pop: Population) -> None:
    """Absolute timestamps, deactivations, ids and e-mails of the users."""
    rng = child_rng(config.seed, "users_finalize")
    users, tenants = pop.users, pop.tenants
    end = config.end_epoch_day
    t_idx = users["tenant_idx"].to_numpy()
    onboard_day = tenants["onboard_day"].to_numpy()[t_idx]
    onboard_sec = (tenants["onboarded_at"].to_numpy() % DAY)[t_idx]
    created_off = users["created_off"].to_numpy()
    created_day = onboard_day + created_off
    created_sec = np.where(
        created_off == 0,
        onboard_sec + users["created_sec"].to_numpy(),
        7 * 3600 + users["created_sec"].to_numpy() * 5,
    )
    users["created_day"] = created_day
    users["created_at"] = created_day * DAY + created_sec
    # Deactivation: after the user's planted learning and certification days.
    floor_off = created_off + 30
    # first_value_off exists only in an alert scenario (generator/alert_scenario.py).
    planted = [c for c in ("first_al_off", "cert_off", "first_value_off") if c in users]
    for col in planted:
        values = users[col].to_numpy()
        if col == "first_value_off":  # relative to created_at, not to onboarding
            values = np.where(values < NEVER, values + created_off, NEVER)
        floor_off = np.where(values < NEVER, np.maximum(floor_off, values + 2), floor_off)
    floor_day = onboard_day + floor_off
    span = np.maximum(end - floor_day, 0)
    deact_day = floor_day + np.floor(users["deactivate_u"].to_numpy() * span * 1.3).astype(np.int64)
    deactivated = users["deactivate"].to_numpy() & (deact_day < end)
    users["deact_day"] = np.where(deactivated, deact_day, NEVER)
    users["deactivated_at"] = np.where(
        deactivated, deact_day * DAY + rng.integers(8 * 3600, 20 * 3600, size=len(users)), -1
    )
    n = len(users)
    users["user_id"] = np.array([f"u{1_000_000 + i}" for i in range(n)], dtype=object)
    tenant_ids = tenants["tenant_id"].to_numpy()[t_idx]
    style = rng.integers(0, 4, size=n)
    emails = []
    for i, (tid, s) in enumerate(zip(tenant_ids, style, strict=True)):
        email = f"user{i}@tenant{tid}.example.com"
        if s == 1:
            email = email.capitalize()
        elif s == 2:
            email = f" {email} "
        emails.append(email)
    users["email"] = np.array(emails, dtype=object)
