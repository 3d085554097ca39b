"""Dataset sizing: how many tenants give a wanted number of events."""

from __future__ import annotations

import math

import numpy as np

from tenant_kpis.errors import UserError
from tenant_kpis.generator.events import DEFAULT_EVENTS_PER_ACTIVE_DAY

#: Measured mean events per tenant (defaults, seeds 1-2, 300 tenants) by years of history.
#: Activity decays with user tenure, so longer histories add fewer events per year.
_YEARS = np.array([0.25, 1.0, 2.5, 5.0, 10.0, 20.0])
_EVENTS_PER_TENANT = np.array([3_900.0, 13_700.0, 17_200.0, 18_200.0, 19_100.0, 19_900.0])


def events_per_tenant(years: float = 2.5, events_per_user_day: float | None = None) -> float:
    """Expected events per tenant (about +-15% from seed to seed)."""
    base = float(np.interp(years, _YEARS, _EVENTS_PER_TENANT))
    if events_per_user_day is None:
        return base
    return base * events_per_user_day / DEFAULT_EVENTS_PER_ACTIVE_DAY


def tenants_for_events(
    target_events: int, years: float = 2.5, events_per_user_day: float | None = None
) -> int:
    """Number of tenants for about `target_events` events (e.g. 10_000_000 -> 582)."""
    if target_events <= 0:
        raise UserError(f"target events must be positive, got {target_events}")
    return max(1, math.ceil(target_events / events_per_tenant(years, events_per_user_day)))
