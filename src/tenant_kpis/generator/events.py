"""Product events: simulated per user-day, vectorised, one tenant at a time.

Each tenant draws from its own random stream (`config.unit_rng`) and simulates
its users in blocks of a fixed size (`USER_BLOCK`), so a tenant's events depend
on the seed and the tenant alone, never on how many tenants are generated or
held in memory at once, and memory stays bounded however long the history.

Events are held compactly (integer codes) until the writer turns them into
strings. Every planted effect that lives in the events is placed here:
- a user's first autonomy or learning event is exactly on its planted day
  (so each tenant activates on its planted day),
- a task fails with the user's base error rate p before and p * (1 - f)
  after the day of the user's first certification.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tenant_kpis.generator.config import (
    DAY,
    FEATURES,
    GOVERNANCE_ACTIONS,
    INTEGRATIONS,
    PERSONAS,
    SETTINGS,
    SETUP_STEPS,
    TASK_TYPES,
    WORKFLOWS,
    GeneratorConfig,
    unit_rng,
)
from tenant_kpis.generator.tenants import NEVER, Population

EVENT_NAMES = (
    "session_started",  # 0
    "feature_used",  # 1
    "workflow_completed",  # 2
    "task_completed",  # 3 (tasks drawn jointly, split into completed / failed)
    "task_failed",  # 4
    "workflow_shared",  # 5
    "comment_added",  # 6
    "nps_submitted",  # 7
    "setup_step_completed",  # 8
    "data_import_completed",  # 9
    "integration_connected",  # 10
    "self_service_config_changed",  # 11
    "governance_action",  # 12
    "content_viewed",  # 13
    "lesson_completed",  # 14
    "course_completed",  # 15
)
E = {name: i for i, name in enumerate(EVENT_NAMES)}
AL_CODES = np.array([8, 9, 10, 11, 12, 13, 14, 15])
#: Autonomy and learning events are the codes from this one on.
FIRST_AL_CODE = 8
#: `prop_code` of a data import: its properties carry its own numbers.
IMPORT_PROPERTY = -1
#: Users simulated together; part of the data's definition (a tenant's random
#: stream is consumed block by block), so changing it changes the data.
USER_BLOCK = 128

#: Probability that a user is active on a weekday, by persona (before multipliers).
ACTIVE_P = np.array([0.50, 0.55, 0.38])
#: Poisson means per active day: rows = persona (admin, operator, end_user).
#: Columns: extra sessions, feature_used, workflow_completed, tasks, workflow_shared,
#: comment_added, nps, setup(late), import, integration(late), config, governance,
#: content_viewed, lesson_completed, course_completed.
BASE_MEANS = np.array(
    [
        [0.4, 0.6, 0.05, 0.3, 0.02, 0.10, 0.008, 0.03, 0.15, 0.02, 0.30, 0.20, 0.25, 0.08, 0.01],
        [0.4, 1.2, 0.35, 3.2, 0.15, 0.35, 0.008, 0.00, 0.00, 0.00, 0.05, 0.00, 0.80, 0.30, 0.04],
        [0.4, 2.4, 0.12, 0.0, 0.05, 0.20, 0.008, 0.00, 0.00, 0.00, 0.00, 0.00, 0.80, 0.30, 0.04],
    ]
)
NPS_MEAN = 7.4
NPS_ENGAGEMENT_SLOPE = 1.5
#: Mean events per active user-day with the default means (measured): every active
#: day has one session; --events-per-user-day scales all the other means.
DEFAULT_EVENTS_PER_ACTIVE_DAY = 6.0
SETUP_EARLY_MEAN = 1.6  # admins' setup steps per active day in their first 30 days
INTEGRATION_EARLY_MEAN = 0.3  # admins' integrations per active day in their first 60 days
WEEKDAY_FACTOR = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.2, 0.15])  # Monday .. Sunday
HOLIDAYS_MD = ((1, 1), (12, 24), (12, 25), (12, 26), (12, 31), (7, 4), (11, 26), (5, 1))


@dataclass
class EventBatch:
    """Compact events: one array per column."""

    user_idx: np.ndarray  # int32 (the tenant follows from the user)
    name_code: np.ndarray  # int8 into EVENT_NAMES
    occurred_at: np.ndarray  # int64 epoch seconds
    received_at: np.ndarray  # int64 epoch seconds
    prop_code: np.ndarray  # int32 into the property vocabulary, IMPORT_PROPERTY for imports
    import_rows: np.ndarray  # int32, a data import's `rows` (0 otherwise)
    import_errors: np.ndarray  # int32, a data import's `errors` (0 otherwise)

    def __len__(self) -> int:
        return len(self.name_code)

    def take(self, index: np.ndarray) -> EventBatch:
        return EventBatch(*(getattr(self, f)[index] for f in FIELDS))

    def slice(self, start: int, stop: int) -> EventBatch:
        return EventBatch(*(getattr(self, f)[start:stop] for f in FIELDS))


FIELDS = (
    "user_idx",
    "name_code",
    "occurred_at",
    "received_at",
    "prop_code",
    "import_rows",
    "import_errors",
)


def concat(batches: list[EventBatch]) -> EventBatch:
    if len(batches) == 1:
        return batches[0]
    return EventBatch(*(np.concatenate([getattr(b, f) for b in batches]) for f in FIELDS))


class PropertyVocab:
    """All distinct `properties` strings but the data imports'; events point into it."""

    def __init__(self, content: pd.DataFrame) -> None:
        self.strings: list[str] = ["{}"]
        self.offset: dict[str, int] = {}

        def add(key: str, values: list[str]) -> None:
            self.offset[key] = len(self.strings)
            self.strings.extend(values)

        add("step", [f'{{"step": "{s}"}}' for s in SETUP_STEPS])
        add("integration", [f'{{"integration": "{s}"}}' for s in INTEGRATIONS])
        add("setting", [f'{{"setting": "{s}"}}' for s in SETTINGS])
        add("action", [f'{{"action": "{s}"}}' for s in GOVERNANCE_ACTIONS])
        add("feature", [f'{{"feature": "{f}", "critical": {str(c).lower()}}}' for f, c in FEATURES])
        add("workflow", [f'{{"workflow": "{s}"}}' for s in WORKFLOWS])
        add("task_type", [f'{{"task_type": "{s}"}}' for s in TASK_TYPES])
        add("content", [f'{{"content_id": "{c}"}}' for c in content["content_id"]])
        add(
            "lesson",
            [
                f'{{"content_id": "{c}", "course_id": "{k}"}}'
                for c, k in zip(content["content_id"], content["course_id"], strict=True)
            ],
        )
        courses = sorted(set(content["course_id"]))
        self.course_codes = {c: i for i, c in enumerate(courses)}
        add("course", [f'{{"course_id": "{c}"}}' for c in courses])
        add("score", [f'{{"score": {s}}}' for s in range(11)])


def _holiday_mask(first_day: int, n_days: int) -> np.ndarray:
    days = np.arange(first_day, first_day + n_days).astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    month = (months.astype(np.int64) % 12) + 1
    dom = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    mask = np.zeros(n_days, dtype=bool)
    for m, d in HOLIDAYS_MD:
        mask |= (month == m) & (dom == d)
    return mask


@dataclass(frozen=True)
class UserInputs:
    """What the simulation needs per user, as arrays aligned with `pop.users`."""

    persona: np.ndarray
    created_day: np.ndarray
    created_sec: np.ndarray
    stop_day: np.ndarray
    first_al_day: np.ndarray
    cert_day: np.ndarray
    dropout_day: np.ndarray
    engagement: np.ndarray  # the user's times the tenant's
    tenant_engagement: np.ndarray
    learner: np.ndarray
    base_error_rate: np.ndarray
    milestone: np.ndarray
    value_delay: np.ndarray
    first_value_day: np.ndarray  # planted by an alert scenario, else NEVER
    tenant_start: np.ndarray  # first user of each tenant, plus the number of users

    @classmethod
    def of(cls, config: GeneratorConfig, pop: Population) -> UserInputs:
        users, tenants = pop.users, pop.tenants
        t_idx = users["tenant_idx"].to_numpy()
        onboard_day = tenants["onboard_day"].to_numpy()[t_idx]
        first_al = users["first_al_off"].to_numpy()
        cert = users["cert_off"].to_numpy()
        created_day = users["created_day"].to_numpy()
        tenant_eng = tenants["engagement"].to_numpy()[t_idx]
        value_delay = users["value_delay"].to_numpy()
        first_value = np.full(len(users), NEVER, dtype=np.int64)
        if "first_value_off" in users:
            # An alert scenario's planted first-value day replaces milestone + value
            # delay (the workflow gate compares age - milestone with value_delay).
            first_value = users["first_value_off"].to_numpy()
            value_delay = np.where(
                first_value < NEVER, first_value - users["milestone_off"].to_numpy(), NEVER
            )
        return cls(
            persona=pd.Categorical(users["persona"].to_numpy(), categories=PERSONAS).codes,
            created_day=created_day,
            created_sec=users["created_at"].to_numpy() % DAY,
            stop_day=np.minimum(users["deact_day"].to_numpy(), config.end_epoch_day),
            first_al_day=np.where(first_al < NEVER, onboard_day + first_al, NEVER),
            cert_day=np.where(cert < NEVER, onboard_day + cert, NEVER),
            dropout_day=created_day + users["dropout_off"].to_numpy(),
            engagement=users["engagement"].to_numpy() * tenant_eng,
            tenant_engagement=tenant_eng,
            learner=users["learner"].to_numpy(),
            base_error_rate=users["base_error_rate"].to_numpy(),
            milestone=users["milestone_off"].to_numpy(),
            value_delay=value_delay,
            first_value_day=np.where(first_value < NEVER, created_day + first_value, NEVER),
            tenant_start=np.searchsorted(t_idx, np.arange(len(tenants) + 1)),
        )


class EventSimulator:
    """Simulates the events of one tenant at a time."""

    def __init__(
        self,
        config: GeneratorConfig,
        pop: Population,
        content: pd.DataFrame,
        vocab: PropertyVocab,
        error_reduction: float,
    ) -> None:
        self.config = config
        self.users = UserInputs.of(config, pop)
        self.vocab = vocab
        self.error_reduction = error_reduction
        self.scale = (
            1.0
            if config.events_per_user_day is None
            else max(config.events_per_user_day - 1.0, 0.01) / (DEFAULT_EVENTS_PER_ACTIVE_DAY - 1.0)
        )
        self.first_hday = config.start_epoch_day - 400
        n_days = config.end_epoch_day - self.first_hday + 1
        # Factors looked up by day or by days elapsed (users are created after the
        # history starts, so no age or tenure exceeds the table).
        days = np.arange(self.first_hday, self.first_hday + n_days)
        holiday = _holiday_mask(self.first_hday, n_days)
        self.day_factor = WEEKDAY_FACTOR[(days + 3) % 7] * np.where(holiday, 0.3, 1.0)
        elapsed = np.arange(n_days)
        self.tenure_factor = 0.3 + 0.7 * np.exp(-elapsed / 240.0)
        self.learning_decay = 0.25 + 0.75 * np.exp(-elapsed / 150.0)
        self.sqrt_engagement = np.sqrt(self.users.engagement)
        self.base_activity = ACTIVE_P[self.users.persona] * self.sqrt_engagement
        self.content_pub = content["published_day"].to_numpy()
        self.content_ret = content["retired_day"].to_numpy()
        self.content_course = content["course_idx"].to_numpy()

    def tenant(self, t: int) -> EventBatch:
        """The events of tenant `t`, users in order, before churn."""
        rng = unit_rng(self.config.seed, "events", t)
        lo, hi = int(self.users.tenant_start[t]), int(self.users.tenant_start[t + 1])
        blocks = [
            self._block(start, min(start + USER_BLOCK, hi), rng)
            for start in range(lo, hi, USER_BLOCK)
        ]
        return concat(blocks)

    def _block(self, lo: int, hi: int, rng: np.random.Generator) -> EventBatch:
        u = self.users
        scale = self.scale
        end_day = self.config.end_epoch_day
        persona = u.persona[lo:hi]
        created_day = u.created_day[lo:hi]
        created_sec = u.created_sec[lo:hi]
        first_al_day = u.first_al_day[lo:hi]
        cert_day = u.cert_day[lo:hi]
        sqrt_eng = self.sqrt_engagement[lo:hi]
        milestone = u.milestone[lo:hi]
        first_value_day = u.first_value_day[lo:hi]

        # User-day grid.
        n_days = np.maximum(u.stop_day[lo:hi] - created_day, 0)
        rep = np.repeat(np.arange(hi - lo), n_days)
        starts = np.repeat(np.cumsum(n_days) - n_days, n_days)
        day = created_day[rep] + (np.arange(len(rep)) - starts)
        age = day - created_day[rep]
        p = self.base_activity[lo:hi][rep] * self.tenure_factor[age]
        p *= self.day_factor[day - self.first_hday]
        p = np.where(day >= u.dropout_day[lo:hi][rep], p * 0.05, p)
        forced = (age == 0) | (day == first_al_day[rep]) | (day == first_value_day[rep])
        active = forced | (rng.random(len(rep)) < np.minimum(p, 0.95))
        rep, day, age = rep[active], day[active], age[active]
        del p, starts, forced, active

        # Event counts per active user-day.
        pers = persona[rep]
        means = BASE_MEANS[pers] * scale
        means[:, 1:] *= sqrt_eng[rep][:, None]
        is_admin = pers == 0
        means[:, 7] = np.where(is_admin & (age < 30), SETUP_EARLY_MEAN * scale, means[:, 7])
        means[:, 9] = np.where(is_admin & (age < 60), INTEGRATION_EARLY_MEAN * scale, means[:, 9])
        al_ok = day >= first_al_day[rep]
        learn_factor = (
            np.where(u.learner[lo:hi][rep], 1.0, 0.15)
            * (self.learning_decay[np.maximum(day - first_al_day[rep], 0)])
        )
        means[:, 7:12] *= al_ok[:, None]
        means[:, 12:15] *= (al_ok * learn_factor)[:, None]
        counts = rng.poisson(means).astype(np.int32)
        del means
        counts[:, 0] += 1  # at least one session per active day
        # The planted first autonomy / learning event.
        first = day == first_al_day[rep]
        al_any = counts[:, 7:15].sum(axis=1) > 0
        need = first & ~al_any
        counts[need & is_admin, 7] += 1
        counts[need & ~is_admin, 12] += 1

        # Persona milestones and first value: no tasks (operators) / features (end users)
        # before the milestone day, no workflow_completed before milestone + value delay.
        since = age - milestone[rep]
        gate = (pers == 0) | (since >= 0)
        counts[:, 3] = np.where((pers == 1) & ~gate, 0, counts[:, 3])
        counts[:, 1] = np.where((pers == 2) & ~gate, 0, counts[:, 1])
        counts[:, 2] = np.where(since >= u.value_delay[lo:hi][rep], counts[:, 2], 0)
        # An alert scenario's planted first value: at least one workflow on its day.
        planted_value = day == first_value_day[rep]
        counts[:, 2] = np.where(planted_value, np.maximum(counts[:, 2], 1), counts[:, 2])
        # Tasks: split into completed / failed with the user's error rate.
        tasks = counts[:, 3]
        rate = u.base_error_rate[lo:hi][rep] * np.where(
            day > cert_day[rep], 1.0 - self.error_reduction, 1.0
        )
        failed = rng.binomial(tasks, rate)
        n_types = len(EVENT_NAMES)
        full = np.zeros((len(rep), n_types), dtype=np.int32)
        full[:, 0:3] = counts[:, 0:3]
        full[:, 3] = tasks - failed
        full[:, 4] = failed
        full[:, 5:16] = counts[:, 4:15]
        del counts

        # Expand to events: by user, day, then event type.
        flat = full.ravel()
        ev_row = np.repeat(np.repeat(np.arange(len(rep)), n_types), flat)
        ev_type = np.repeat(np.tile(np.arange(n_types, dtype=np.int8), len(rep)), flat)
        del flat, full
        ev_user = rep[ev_row]
        ev_day = day[ev_row]
        n_ev = len(ev_row)

        # Time of day: working hours, after the user's creation on the first day.
        lower = np.where(ev_day == created_day[ev_user], created_sec[ev_user] + 60, 0)
        frac = np.clip(rng.normal(0.55, 0.14, size=n_ev), 0.0, 0.999)
        # Session first: the first event of a user-day is the session.
        frac = np.where(ev_type == 0, frac * 0.7, frac)
        occurred = (
            ev_day.astype(np.int64) * DAY + lower + (frac * (DAY - 1 - lower)).astype(np.int64)
        )
        del frac, lower
        lag = np.ceil(rng.exponential(25.0, size=n_ev)).astype(np.int64)
        late = np.flatnonzero(rng.random(n_ev) < 0.01)
        lag[late] = rng.integers(3600, 3 * DAY, size=len(late))
        # The planted first autonomy / learning event always arrives promptly.
        prompt = (ev_type >= FIRST_AL_CODE) & (ev_day == first_al_day[ev_user])
        prompt |= (ev_type == E["workflow_completed"]) & (ev_day == first_value_day[ev_user])
        lag = np.where(prompt, lag % 300 + 1, lag)
        received = occurred + lag

        props, import_rows, import_errors = self._properties(rng, ev_type, ev_user + lo, ev_day)
        keep = received < end_day * DAY
        return EventBatch(
            user_idx=(ev_user[keep] + lo).astype(np.int32),
            name_code=ev_type[keep],
            occurred_at=occurred[keep],
            received_at=received[keep],
            prop_code=props[keep],
            import_rows=import_rows[keep],
            import_errors=import_errors[keep],
        )

    def _properties(
        self,
        rng: np.random.Generator,
        ev_type: np.ndarray,
        ev_user: np.ndarray,
        ev_day: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Property codes (and data-import numbers); random draws only for the events
        whose properties need them."""
        n = len(ev_type)
        props = np.zeros(n, dtype=np.int32)
        off = self.vocab.offset

        def of(*codes: int) -> np.ndarray:
            mask = ev_type == codes[0]
            for code in codes[1:]:
                mask |= ev_type == code
            return np.flatnonzero(mask)

        # Features: each user favours its own rotation of the catalog.
        n_feat = len(FEATURES)
        idx = of(E["feature_used"])
        favourite = (ev_user[idx].astype(np.int64) * 7919) % n_feat
        props[idx] = off["feature"] + (favourite + rng.geometric(0.32, size=len(idx)) - 1) % n_feat
        idx = of(E["workflow_completed"])
        props[idx] = off["workflow"] + rng.integers(0, len(WORKFLOWS), size=len(idx))
        idx = of(E["task_completed"], E["task_failed"])
        props[idx] = off["task_type"] + rng.integers(0, len(TASK_TYPES), size=len(idx))
        # NPS: happier in more engaged tenants.
        idx = of(E["nps_submitted"])
        nps_mean = NPS_MEAN + NPS_ENGAGEMENT_SLOPE * np.log(
            self.users.tenant_engagement[ev_user[idx]]
        )
        score = np.round(rng.normal(nps_mean, 2.0))
        props[idx] = off["score"] + np.clip(score, 0, 10).astype(np.int32)
        # Setup steps: mostly in order per user, sometimes a random step.
        idx = of(E["setup_step_completed"])
        s_user = ev_user[idx]
        first_pos = np.searchsorted(s_user, s_user)  # events are grouped by user in order
        rank = np.arange(len(idx)) - first_pos
        step = np.where(
            rng.random(len(idx)) < 0.25, rng.integers(0, len(SETUP_STEPS), size=len(idx)), rank
        )
        props[idx] = off["step"] + step % len(SETUP_STEPS)
        for code, key, size in (
            (E["integration_connected"], "integration", len(INTEGRATIONS)),
            (E["self_service_config_changed"], "setting", len(SETTINGS)),
            (E["governance_action"], "action", len(GOVERNANCE_ACTIONS)),
        ):
            idx = of(code)
            props[idx] = off[key] + rng.integers(0, size, size=len(idx))
        # Data imports carry numbers: the writer formats them.
        idx = of(E["data_import_completed"])
        rows = np.floor(np.exp(rng.uniform(np.log(50), np.log(50000), size=len(idx))))
        errors = rng.binomial(rows.astype(np.int64), rng.beta(1.0, 40.0, size=len(idx)))
        props[idx] = IMPORT_PROPERTY
        import_rows = np.zeros(n, dtype=np.int32)
        import_errors = np.zeros(n, dtype=np.int32)
        import_rows[idx] = rows
        import_errors[idx] = errors
        # Learning: content published (and not retired) by the day, newer items favoured.
        learn = of(E["content_viewed"], E["lesson_completed"], E["course_completed"])
        d = ev_day[learn]
        available = np.maximum(np.searchsorted(self.content_pub, d, side="right"), 1)
        item = np.floor(available * (1.0 - rng.random(len(learn)) ** 1.6)).astype(np.int64)
        item = np.minimum(item, available - 1)
        retired = self.content_ret[item] <= d
        alt = np.minimum(
            np.floor(available * rng.random(len(learn))).astype(np.int64), available - 1
        )
        item = np.where(retired, alt, item)
        kinds = ev_type[learn]
        props[learn] = np.where(
            kinds == E["content_viewed"],
            off["content"] + item,
            np.where(
                kinds == E["lesson_completed"],
                off["lesson"] + item,
                off["course"] + self.content_course[item],
            ),
        )
        return props, import_rows, import_errors
