"""Renewal and expansion outcomes (planted logistic model) and subscription events."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tenant_kpis.generator.config import DAY, SEAT_PRICE_USD, GeneratorConfig, child_rng
from tenant_kpis.generator.tenants import Population

#: logit(P(renew at the first anniversary)) = intercept + coefficients . features
RENEWAL_MODEL = {
    "intercept": 1.0,
    "activated_within_30d": 1.5,
    "active_user_days_per_seat_30d": 0.7,
}
#: logit(P(expansion within 180 days of onboarding)) = intercept + coefficients . features
EXPANSION_MODEL = {
    "intercept": -2.0,
    "activated_within_30d": 1.3,
    "active_user_days_per_seat_30d": 0.6,
}
#: The usage feature enters both models centred: x2 = active_user_days_per_seat_30d - this.
USAGE_CENTER = 5.5
LATER_RENEWAL_P = 0.85
EXPANSION_WINDOW_DAYS = 180


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def outcome_probabilities(
    activated_within_30d: np.ndarray, active_user_days_per_seat_30d: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    x1 = activated_within_30d.astype(float)
    x2 = active_user_days_per_seat_30d - USAGE_CENTER
    p_renew = sigmoid(
        RENEWAL_MODEL["intercept"]
        + RENEWAL_MODEL["activated_within_30d"] * x1
        + RENEWAL_MODEL["active_user_days_per_seat_30d"] * x2
    )
    p_expand = sigmoid(
        EXPANSION_MODEL["intercept"]
        + EXPANSION_MODEL["activated_within_30d"] * x1
        + EXPANSION_MODEL["active_user_days_per_seat_30d"] * x2
    )
    return p_renew, p_expand


class OutcomeModel:
    """Renewal, churn and expansion of each tenant from its first-30-day features.

    The random numbers are drawn for all tenants up front, so a tenant's outcome
    can be decided as soon as its own events are simulated (its churn cuts its
    later events), whatever order or batch the tenants come in.
    """

    def __init__(self, config: GeneratorConfig, pop: Population) -> None:
        rng = child_rng(config.seed, "outcomes")
        n = len(pop.tenants)
        self.u_renew = rng.random(n)
        self.u_expand = rng.random(n)
        self.u_later = rng.random((n, 20))
        self.expand_day = rng.integers(31, EXPANSION_WINDOW_DAYS, size=n)
        self.expand_sec = rng.integers(9 * 3600, 18 * 3600, size=n)
        self.onboarded = pop.tenants["onboarded_at"].to_numpy()
        self.onboard_day = pop.tenants["onboard_day"].to_numpy()
        self.end_sec = config.end_epoch_day * DAY

    def outcomes(
        self,
        index: np.ndarray,
        activated_within_30d: np.ndarray,
        active_user_days_per_seat_30d: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """Per tenant of `index` (features aligned with it): true probabilities, realised
        outcomes and their instants (epoch seconds)."""
        p_renew, p_expand = outcome_probabilities(
            activated_within_30d, active_user_days_per_seat_30d
        )
        renewed_first = self.u_renew[index] < p_renew
        expanded = self.u_expand[index] < p_expand
        onboarded = self.onboarded[index]
        never = np.iinfo(np.int64).max
        churn_at = np.full(len(index), never, dtype=np.int64)
        # Anniversaries: first one from the model, later ones with a fixed probability.
        for year in range(1, 21):
            at = onboarded + year * 365 * DAY
            due = (at < self.end_sec) & (churn_at == never)
            renews = (
                renewed_first if year == 1 else (self.u_later[index, year - 1] < LATER_RENEWAL_P)
            )
            churn_at = np.where(due & ~renews, at, churn_at)
        # On day onboard_day + expand_day (31..179) between 09:00 and 18:00: always after
        # 30 days and within EXPANSION_WINDOW_DAYS x 24 h of onboarded_at (onboarding is
        # after 08:00), so the mart's 180-day window counts every planted expansion.
        expansion_at = (
            self.onboard_day[index] * DAY + self.expand_day[index] * DAY + self.expand_sec[index]
        )
        expanded_at = np.where(
            expanded & (expansion_at < self.end_sec) & (expansion_at < churn_at), expansion_at, -1
        )
        return {
            "p_renewal": p_renew,
            "p_expansion": p_expand,
            "renewal_observed": onboarded + 365 * DAY < self.end_sec,
            "renewed_first_anniversary": renewed_first,
            "expansion_observed": onboarded + EXPANSION_WINDOW_DAYS * DAY < self.end_sec,
            "expanded_within_180d": expanded,
            "churn_at": churn_at,
            "expanded_at": expanded_at,
        }


def build_subscription_events(
    config: GeneratorConfig, pop: Population, outcomes: pd.DataFrame
) -> pd.DataFrame:
    rng = child_rng(config.seed, "subscription_events")
    tenants = pop.tenants
    end_sec = config.end_epoch_day * DAY
    n = len(tenants)
    seats = tenants["seats_purchased"].to_numpy()
    price = np.array([SEAT_PRICE_USD[t] for t in tenants["plan_tier"]])
    onboarded = tenants["onboarded_at"].to_numpy()
    churn_at = outcomes["churn_at"].to_numpy()
    rows: list[tuple[int, str, int, int, float]] = []
    for t in range(n):
        rows.append(
            (
                t,
                "new",
                int(tenants["signed_at"].iat[t]),
                int(seats[t]),
                round(seats[t] * price[t], 2),
            )
        )
    # Anniversaries.
    for year in range(1, 21):
        at = onboarded + year * 365 * DAY
        for t in np.flatnonzero((at < end_sec) & (at <= churn_at)):
            if at[t] == churn_at[t]:
                rows.append(
                    (t, "churn", int(at[t]), -int(seats[t]), -round(seats[t] * price[t], 2))
                )
            else:
                rows.append((t, "renewal", int(at[t]), 0, 0.0))
    # Expansion within 180 days.
    exp_at = outcomes["expanded_at"].to_numpy()
    addon = rng.random(n) < 0.4
    extra = np.maximum(1, np.round(seats * rng.uniform(0.1, 0.3, size=n))).astype(np.int64)
    for t in np.flatnonzero(exp_at >= 0):
        if addon[t]:
            rows.append(
                (t, "addon_activated", int(exp_at[t]), 0, round(float(rng.uniform(200, 1500)), 2))
            )
        else:
            rows.append(
                (t, "seat_upgrade", int(exp_at[t]), int(extra[t]), round(extra[t] * price[t], 2))
            )
    # Later seat changes, after the expansion window, before churn.
    later_day = rng.integers(200, 900, size=n)
    later_at = onboarded + later_day * DAY + rng.integers(9 * 3600, 18 * 3600, size=n)
    kind = rng.random(n)
    for t in np.flatnonzero((later_at < end_sec) & (later_at < churn_at) & (kind < 0.45)):
        delta = int(max(1, round(seats[t] * 0.1)))
        if kind[t] < 0.2:
            rows.append(
                (t, "seat_downgrade", int(later_at[t]), -delta, -round(delta * price[t], 2))
            )
        elif kind[t] < 0.35:
            rows.append((t, "seat_upgrade", int(later_at[t]), delta, round(delta * price[t], 2)))
        else:
            rows.append((t, "addon_activated", int(later_at[t]), 0, 450.0))
    frame = pd.DataFrame(
        rows, columns=["tenant_idx", "event_type", "effective_at", "seats_delta", "mrr_delta_usd"]
    )
    frame = frame.sort_values(["effective_at", "tenant_idx"], kind="stable").reset_index(drop=True)
    frame.insert(
        0,
        "subscription_event_id",
        np.array([f"sub-{400000 + i}" for i in range(len(frame))], dtype=object),
    )
    frame["tenant_id"] = tenants["tenant_id"].to_numpy()[frame["tenant_idx"].to_numpy()]
    return frame[
        [
            "subscription_event_id",
            "tenant_id",
            "event_type",
            "effective_at",
            "seats_delta",
            "mrr_delta_usd",
        ]
    ]
