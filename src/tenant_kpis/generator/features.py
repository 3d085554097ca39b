"""Tenant features computed from a tenant's generated events (the spec's definitions)."""

from __future__ import annotations

import math

import numpy as np

from tenant_kpis.generator.config import DAY
from tenant_kpis.generator.events import FIRST_AL_CODE, EventBatch
from tenant_kpis.generator.tenants import NEVER


def activation_day(events: EventBatch, onboarded_at: int, seats: int) -> int:
    """Days from onboarding to the tenant's activation (spec definition), NEVER if not reached.

    A tenant activates on the first day on which its distinct users with at least one
    autonomy or learning event since `onboarded_at` reach max(1, ceil(0.2 * seats)).
    """
    mask = (events.name_code >= FIRST_AL_CODE) & (events.occurred_at >= onboarded_at)
    users = events.user_idx[mask]
    days = events.occurred_at[mask] // DAY
    order = np.lexsort((days, users))
    users, days = users[order], days[order]
    first_of_user = np.ones(len(users), dtype=bool)
    first_of_user[1:] = users[1:] != users[:-1]
    first_days = np.sort(days[first_of_user])
    needed = max(1, math.ceil(0.2 * seats))
    if len(first_days) < needed:
        return int(NEVER)
    return int(first_days[needed - 1] - onboarded_at // DAY)


def active_user_days_30d(events: EventBatch, onboarded_at: int) -> int:
    """Active user-days (user x day with >= 1 event) in days 0..29 after onboarding."""
    onboard_day = onboarded_at // DAY
    day = events.occurred_at // DAY - onboard_day
    mask = (day >= 0) & (day <= 29)
    key = events.user_idx[mask].astype(np.int64) * 32 + day[mask]
    return len(np.unique(key))
