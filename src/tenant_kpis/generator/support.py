"""Help-desk tickets: a stationary daily rate per tenant from signing until churn.

Planted: the Tier-1 rate is multiplied by (1 - g) on days after the day of the
tenant's `certified_at` (first issued certification).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tenant_kpis.generator.config import DAY, TICKET_CATEGORIES, GeneratorConfig, child_rng
from tenant_kpis.generator.tenants import Population

TIER_SHARES = (1.0, 0.3, 0.08)  # tier-2 and tier-3 rates relative to tier 1
#: Tenants whose days are drawn together (part of the data's definition).
TENANT_BLOCK = 256


def tier1_daily_rate(seats: np.ndarray) -> np.ndarray:
    return 0.02 + 0.003 * seats


def build_tickets(
    config: GeneratorConfig,
    pop: Population,
    certified_at: np.ndarray,
    churn_at: np.ndarray,
    ticket_reduction: float,
) -> pd.DataFrame:
    rng = child_rng(config.seed, "support_tickets")
    tenants, users = pop.tenants, pop.users
    end_day = config.end_epoch_day
    n = len(tenants)
    first_day = tenants["signed_at"].to_numpy() // DAY + 1
    last_day = np.minimum(end_day, (np.minimum(churn_at, end_day * DAY) - 1) // DAY + 1)
    n_days = np.maximum(last_day - first_day, 0)
    cert_day = np.where(certified_at >= 0, certified_at // DAY, np.iinfo(np.int64).max)
    seats = tenants["seats_purchased"].to_numpy().astype(float)
    frames = []
    # Tenant-days in blocks of tenants: memory grows with a block, not with all tenants.
    for lo in range(0, n, TENANT_BLOCK):
        block = np.arange(lo, min(lo + TENANT_BLOCK, n))
        rep = np.repeat(block, n_days[block])
        starts = np.repeat(np.cumsum(n_days[block]) - n_days[block], n_days[block])
        day = first_day[rep] + (np.arange(len(rep)) - starts)
        base = tier1_daily_rate(seats)[rep]
        for tier, share in zip((1, 2, 3), TIER_SHARES, strict=True):
            rate = base * share
            if tier == 1:
                rate = np.where(day > cert_day[rep], rate * (1.0 - ticket_reduction), rate)
            k = rng.poisson(rate)
            frames.append(
                pd.DataFrame(
                    {"tenant_idx": np.repeat(rep, k), "day": np.repeat(day, k), "tier": tier}
                )
            )
    tickets = pd.concat(frames, ignore_index=True)
    m = len(tickets)
    sec = tickets["day"].to_numpy() * DAY + rng.integers(7 * 3600, 20 * 3600, size=m)
    # Not after churn.
    ok = sec < churn_at[tickets["tenant_idx"].to_numpy()]
    tickets, sec = tickets[ok].reset_index(drop=True), sec[ok]
    m = len(tickets)
    tier = tickets["tier"].to_numpy()
    cat_idx = rng.integers(0, 12, size=m)
    category = np.array(
        [
            TICKET_CATEGORIES[t][c % len(TICKET_CATEGORIES[t])]
            for t, c in zip(tier, cat_idx, strict=True)
        ],
        dtype=object,
    )
    hours = np.exp(rng.normal(np.log(np.array([4.0, 20.0, 48.0])[tier - 1]), 0.8))
    resolved = sec + (hours * 3600).astype(np.int64)
    resolved = np.where(resolved < end_day * DAY, resolved, -1)
    # Reporter: a random user of the tenant who exists by then, else none.
    t_idx = tickets["tenant_idx"].to_numpy()
    u_t = users["tenant_idx"].to_numpy()
    u_start = np.searchsorted(u_t, t_idx)
    u_count = np.searchsorted(u_t, t_idx, side="right") - u_start
    cand = u_start + np.floor(rng.random(m) * u_count).astype(np.int64)
    created = users["created_at"].to_numpy()[cand]
    user_id = np.where(created <= sec, users["user_id"].to_numpy()[cand], None)
    order = np.lexsort((t_idx, sec))
    return pd.DataFrame(
        {
            "ticket_id": np.array([f"tk-{600000 + i}" for i in range(m)], dtype=object),
            "tenant_id": tenants["tenant_id"].to_numpy()[t_idx[order]],
            "user_id": user_id[order],
            "created_at": sec[order],
            "tier": tier[order],
            "category": category[order],
            "resolved_at": resolved[order],
        }
    )
