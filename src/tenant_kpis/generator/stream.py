"""The tenant-by-tenant pass over the events: simulate, decide the outcomes, cut, dirty.

A tenant's churn depends on its own first 30 days only, so each tenant is finished
(simulated, its events after churn and before the delivered window dropped, its bad
rows injected) before the next one starts: memory holds one tenant, never the history.
What the truth file needs from the events is accumulated on the way (features,
outcomes, task counts around each user's planted certification day).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tenant_kpis.generator.billing import OutcomeModel
from tenant_kpis.generator.config import DAY, GeneratorConfig
from tenant_kpis.generator.dirty import DirtyEvents
from tenant_kpis.generator.events import E, EventBatch, EventSimulator
from tenant_kpis.generator.features import activation_day, active_user_days_30d
from tenant_kpis.generator.tenants import NEVER, Population

#: Days before and after the first certification day that the truth compares.
WINDOW = 28


@dataclass
class TenantDelivery:
    """What one tenant delivers: clean events with their event_id numbers, and bad rows."""

    tenant: int
    events: EventBatch
    seq: np.ndarray  # int64 per event: the number in its event_id
    dirty: DirtyEvents | None


@dataclass
class TaskWindows:
    """Per user: tasks and failed tasks in the 28 days before and after its planted
    first-certification day (the only day its first certification can be issued on)."""

    planned_day: np.ndarray
    pre_tasks: np.ndarray
    pre_failed: np.ndarray
    post_tasks: np.ndarray
    post_failed: np.ndarray

    @classmethod
    def of(cls, pop: Population) -> TaskWindows:
        users = pop.users
        onboard_day = pop.tenants["onboard_day"].to_numpy()[users["tenant_idx"].to_numpy()]
        cert_off = users["cert_off"].to_numpy()
        n = len(users)
        return cls(
            planned_day=np.where(cert_off < NEVER, onboard_day + cert_off, NEVER),
            pre_tasks=np.zeros(n, dtype=np.int64),
            pre_failed=np.zeros(n, dtype=np.int64),
            post_tasks=np.zeros(n, dtype=np.int64),
            post_failed=np.zeros(n, dtype=np.int64),
        )

    def add(self, events: EventBatch) -> None:
        task = (events.name_code == E["task_completed"]) | (events.name_code == E["task_failed"])
        user = events.user_idx[task]
        failed = events.name_code[task] == E["task_failed"]
        rel = events.occurred_at[task] // DAY - self.planned_day[user]
        pre = (rel >= -WINDOW) & (rel <= -1)
        post = (rel >= 1) & (rel <= WINDOW)
        np.add.at(self.pre_tasks, user[pre], 1)
        np.add.at(self.pre_failed, user[pre & failed], 1)
        np.add.at(self.post_tasks, user[post], 1)
        np.add.at(self.post_failed, user[post & failed], 1)


class TenantStream:
    """Iterates over the tenants' deliveries in tenant order; afterwards holds the
    features, outcomes and task windows of all tenants."""

    def __init__(
        self,
        config: GeneratorConfig,
        pop: Population,
        simulator: EventSimulator,
        dirtier: Callable[[int, EventBatch, np.ndarray], DirtyEvents] | None,
    ) -> None:
        self.config = config
        self.pop = pop
        self.simulator = simulator
        self.dirtier = dirtier
        self.model = OutcomeModel(config, pop)
        n = len(pop.tenants)
        self.onboarded = pop.tenants["onboarded_at"].to_numpy()
        self.seats = pop.tenants["seats_purchased"].to_numpy()
        self.activation_day = np.full(n, NEVER, dtype=np.int64)
        self.active_user_days = np.zeros(n, dtype=np.int64)
        self._outcomes: dict[str, np.ndarray] = {}
        self.windows = TaskWindows.of(pop)
        self.delivered = 0
        self.numbered = 0

    def __iter__(self) -> Iterator[TenantDelivery]:
        window_start = self.config.event_start_epoch_day * DAY
        cut_window = self.config.event_start_epoch_day > self.config.start_epoch_day
        for t in range(len(self.pop.tenants)):
            events = self.simulator.tenant(t)
            churn_at = self._decide(t, events)
            if churn_at < np.iinfo(np.int64).max:
                events = events.take(np.flatnonzero(events.occurred_at < churn_at))
            # Events are numbered before the delivered window is cut, so a shorter event
            # history holds the same events under the same event_ids.
            seq = np.arange(self.numbered, self.numbered + len(events), dtype=np.int64)
            self.numbered += len(events)
            if cut_window:
                kept = np.flatnonzero(events.received_at >= window_start)
                events, seq = events.take(kept), seq[kept]
            self.windows.add(events)
            self.delivered += len(events)
            dirty = self.dirtier(t, events, seq) if self.dirtier else None
            yield TenantDelivery(t, events, seq, dirty)

    def _decide(self, t: int, events: EventBatch) -> int:
        """Features from all of the tenant's simulated events, then its outcomes."""
        act = activation_day(events, int(self.onboarded[t]), int(self.seats[t]))
        usage = active_user_days_30d(events, int(self.onboarded[t]))
        self.activation_day[t] = act
        self.active_user_days[t] = usage
        outcome = self.model.outcomes(
            np.array([t]), np.array([act <= 30]), np.array([usage / self.seats[t]])
        )
        for name, value in outcome.items():
            column = self._outcomes.get(name)
            if column is None:
                column = self._outcomes[name] = np.zeros(len(self.pop.tenants), value.dtype)
            column[t] = value[0]
        return int(outcome["churn_at"][0])

    def features(self) -> pd.DataFrame:
        seats = self.seats.astype(float)
        usage = self.active_user_days.astype(float)
        return pd.DataFrame(
            {
                "activation_day": self.activation_day,
                "activated_within_30d": self.activation_day <= 30,
                "active_user_days_30d": usage,
                "active_user_days_per_seat_30d": usage / seats,
            }
        )

    def outcomes(self) -> pd.DataFrame:
        return pd.DataFrame({"tenant_idx": np.arange(len(self.pop.tenants)), **self._outcomes})
