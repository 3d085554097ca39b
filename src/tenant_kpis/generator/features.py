"""Tenant features computed from the generated events (the spec's definitions)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from tenant_kpis.generator.config import DAY
from tenant_kpis.generator.events import AL_CODES, EventBatch
from tenant_kpis.generator.tenants import NEVER, Population


def activation_days(pop: Population, events: EventBatch) -> np.ndarray:
    """Days from onboarding to tenant activation (spec definition), NEVER if not reached.

    A tenant activates on the first day on which its distinct users with at least one
    autonomy or learning event since `onboarded_at` reach max(1, ceil(0.2 * seats)).
    """
    tenants = pop.tenants
    onboarded = tenants["onboarded_at"].to_numpy()
    mask = np.isin(events.name_code, AL_CODES) & (
        events.occurred_at >= onboarded[events.tenant_idx]
    )
    user = events.user_idx[mask]
    day = events.occurred_at[mask] // DAY
    first = pd.Series(day).groupby(user).min()
    user_ids = first.index.to_numpy()
    tenant = pop.users["tenant_idx"].to_numpy()[user_ids]
    first_days = first.to_numpy()
    order = np.lexsort((first_days, tenant))
    tenant, first_days = tenant[order], first_days[order]
    start = np.searchsorted(tenant, tenant)
    rank = np.arange(len(tenant)) - start
    seats = tenants["seats_purchased"].to_numpy()
    k = np.array([max(1, math.ceil(0.2 * s)) for s in seats])
    hit = rank == (k[tenant] - 1)
    result = np.full(len(tenants), NEVER, dtype=np.int64)
    onboard_day = onboarded // DAY
    result[tenant[hit]] = first_days[hit] - onboard_day[tenant[hit]]
    return result


def usage_30d(pop: Population, events: EventBatch) -> np.ndarray:
    """Active user-days (user x day with >= 1 event) in days 0..29 after onboarding."""
    tenants = pop.tenants
    onboard_day = (tenants["onboarded_at"].to_numpy() // DAY)[events.tenant_idx]
    day = events.occurred_at // DAY
    mask = (day >= onboard_day) & (day <= onboard_day + 29)
    key = events.user_idx[mask].astype(np.int64) * 100_000 + day[mask]
    unique = np.unique(key)
    users = (unique // 100_000).astype(np.int64)
    tenant = pop.users["tenant_idx"].to_numpy()[users]
    return np.bincount(tenant, minlength=len(tenants)).astype(float)


def tenant_features(pop: Population, events: EventBatch) -> pd.DataFrame:
    act = activation_days(pop, events)
    usage = usage_30d(pop, events)
    seats = pop.tenants["seats_purchased"].to_numpy().astype(float)
    return pd.DataFrame(
        {
            "activation_day": act,
            "activated_within_30d": act <= 30,
            "active_user_days_30d": usage,
            "active_user_days_per_seat_30d": usage / seats,
        }
    )
