"""Learning tables: content catalog, certifications and learning costs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tenant_kpis.generator.config import (
    CERTIFICATIONS,
    CONTENT_TYPES,
    DAY,
    GeneratorConfig,
    child_rng,
)
from tenant_kpis.generator.tenants import NEVER, Population

TOPICS = (
    "Getting Started",
    "Workflow Design",
    "Automation",
    "Reporting",
    "Administration",
    "Data Imports",
    "Integrations",
    "Governance",
    "Analytics",
    "Collaboration",
    "Mobile",
    "Security",
    "Approvals",
    "Templates",
    "Best Practices",
)


def build_content(config: GeneratorConfig) -> pd.DataFrame:
    """150-300 items over ~20-35 courses, published over time, some updated or retired."""
    rng = child_rng(config.seed, "content")
    start, end = config.start_epoch_day, config.end_epoch_day
    n = int(rng.integers(150, 301))
    n_courses = int(rng.integers(20, 36))
    course = np.unique(np.sort(rng.integers(0, n_courses, size=n)), return_inverse=True)[1]
    first = start - 300
    # The catalog grows faster over time; items are published in course order.
    growth = rng.random(n) ** 0.6
    published_day = np.sort(first + np.floor(growth * (end - 14 - first)).astype(np.int64))
    published_sec = published_day * DAY + rng.integers(8 * 3600, 18 * 3600, size=n)
    # Most items get updated once, at some point between publication and the end.
    updated = rng.random(n) < 0.9
    age = end - published_day
    upd_day = published_day + np.floor(age * rng.beta(0.7, 0.7, size=n)).astype(np.int64)
    upd_day = np.minimum(upd_day, end - 1)
    last_updated = np.where(
        updated & (upd_day > published_day),
        upd_day * DAY + rng.integers(8 * 3600, 18 * 3600, size=n),
        published_sec,
    )
    retired = rng.random(n) < 0.15
    ret_day = published_day + 60 + np.floor((age - 60).clip(0) * rng.random(n)).astype(np.int64)
    retired &= ret_day < end
    retired_at = np.where(retired, ret_day * DAY + 12 * 3600, -1)
    kinds = rng.integers(0, len(CONTENT_TYPES), size=n)
    content_ids = np.array([f"c{5000 + i}" for i in range(n)], dtype=object)
    course_ids = np.array([f"course_{100 + c}" for c in course], dtype=object)
    titles = np.array(
        [
            f"{TOPICS[c % len(TOPICS)]} {c // len(TOPICS) + 1}: lesson {i + 1}"
            for i, c in enumerate(course)
        ],
        dtype=object,
    )
    return pd.DataFrame(
        {
            "content_id": content_ids,
            "course_id": course_ids,
            "title": titles,
            "content_type": np.array(CONTENT_TYPES, dtype=object)[kinds],
            "published_at": published_sec,
            "last_updated_at": last_updated,
            "retired_at": retired_at,
            "published_day": published_day,
            "retired_day": np.where(retired, ret_day, NEVER),
            "course_idx": course,
        }
    )


def build_certifications(
    config: GeneratorConfig, pop: Population, churn_at: np.ndarray
) -> pd.DataFrame:
    """One row per certification issued; a user's first one is on its planted day."""
    rng = child_rng(config.seed, "certifications")
    users, tenants = pop.users, pop.tenants
    end_sec = config.end_epoch_day * DAY
    t_idx = users["tenant_idx"].to_numpy()
    cert_off = users["cert_off"].to_numpy()
    has = cert_off < NEVER
    onboard_day = tenants["onboard_day"].to_numpy()[t_idx]
    issued = (onboard_day + np.where(has, cert_off, 0)) * DAY + rng.integers(
        12 * 3600, 23 * 3600, size=len(users)
    )
    # The first certification is issued after the user's activity of that morning.
    keep = (
        has
        & (issued < end_sec)
        & (issued < churn_at[t_idx])
        & (
            issued
            < np.where(
                users["deact_day"].to_numpy() < NEVER, users["deact_day"].to_numpy() * DAY, end_sec
            )
        )
    )
    rows = np.flatnonzero(keep)
    kind = users["cert_kind"].to_numpy()[rows]
    first_issued = issued[rows]
    # Some users earn a second, higher certification later.
    second = rng.random(len(rows)) < 0.25
    second_issued = (
        first_issued + (30 + np.floor(rng.exponential(90.0, size=len(rows)))).astype(np.int64) * DAY
    )
    ok2 = second & (second_issued < end_sec) & (second_issued < churn_at[t_idx[rows]])
    all_rows = np.concatenate([rows, rows[ok2]])
    all_issued = np.concatenate([first_issued, second_issued[ok2]])
    all_kind = np.concatenate([kind, np.full(ok2.sum(), 3)])
    order = np.lexsort((all_issued, all_rows))
    all_rows, all_issued, all_kind = all_rows[order], all_issued[order], all_kind[order]
    names = np.array([c[0] for c in CERTIFICATIONS], dtype=object)
    levels = np.array([c[1] for c in CERTIFICATIONS], dtype=object)
    return pd.DataFrame(
        {
            "certification_id": np.array(
                [f"cert-{200000 + i}" for i in range(len(all_rows))], dtype=object
            ),
            "tenant_id": tenants["tenant_id"].to_numpy()[t_idx[all_rows]],
            "user_id": users["user_id"].to_numpy()[all_rows],
            "certification_name": names[all_kind],
            "level": levels[all_kind],
            "issued_at": all_issued,
        }
    )


def build_learning_costs(
    config: GeneratorConfig, pop: Population, churn_at: np.ndarray
) -> pd.DataFrame:
    """Monthly cost lines: per tenant (licenses, facilitation) and platform-wide."""
    rng = child_rng(config.seed, "learning_costs")
    tenants = pop.tenants
    start = np.datetime64(config.start_epoch_day, "D").astype("datetime64[M]")
    last = (np.datetime64(config.end_epoch_day - 1, "D")).astype("datetime64[M]")
    months = np.arange(start, last + 1)
    month_start_day = months.astype("datetime64[D]").astype(np.int64)
    month_end_day = (months + 1).astype("datetime64[D]").astype(np.int64)
    n_t, n_m = len(tenants), len(months)
    onboard = tenants["onboarded_at"].to_numpy()
    live = (onboard[:, None] < month_end_day[None, :] * DAY) & (
        churn_at[:, None] > month_start_day[None, :] * DAY
    )
    seats = tenants["seats_purchased"].to_numpy()
    per_seat = np.array(
        [{"starter": 3.0, "growth": 4.5, "enterprise": 6.0}[t] for t in tenants["plan_tier"]]
    )
    t_idx, m_idx = np.nonzero(live)
    lic = np.round(seats[t_idx] * per_seat[t_idx] * rng.uniform(0.95, 1.05, size=len(t_idx)), 2)
    fac_mask = rng.random(len(t_idx)) < 0.3
    fac = np.round(rng.uniform(400, 3000, size=len(t_idx)), 2)
    rows_t = np.concatenate([t_idx, t_idx[fac_mask]])
    rows_m = np.concatenate([m_idx, m_idx[fac_mask]])
    rows_cat = np.concatenate([np.zeros(len(t_idx), dtype=np.int64), np.full(fac_mask.sum(), 2)])
    rows_amt = np.concatenate([lic, fac[fac_mask]])
    live_count = live.sum(axis=0)
    plat_prod = np.round(rng.uniform(15000, 30000, size=n_m) * max(1.0, n_t / 200) ** 0.5, 2)
    plat_sup = np.round(live_count * rng.uniform(80, 140, size=n_m) + 2000, 2)
    cats = np.array(["licenses", "content_production", "facilitation", "support"], dtype=object)
    tenant_col = np.concatenate(
        [tenants["tenant_id"].to_numpy()[rows_t], np.full(2 * n_m, None, dtype=object)]
    )
    month_col = np.concatenate([month_start_day[rows_m], month_start_day, month_start_day])
    cat_col = np.concatenate([cats[rows_cat], np.full(n_m, cats[1]), np.full(n_m, cats[3])])
    amt_col = np.concatenate([rows_amt, plat_prod, plat_sup])
    order = np.lexsort((cat_col.astype(str), tenant_col.astype(str), month_col))
    n = len(order)
    return pd.DataFrame(
        {
            "cost_id": np.array([f"lc-{300000 + i}" for i in range(n)], dtype=object),
            "tenant_id": tenant_col[order],
            "month": month_col[order],  # epoch day of the first of the month
            "category": cat_col[order],
            "amount_usd": amt_col[order],
        }
    )
