"""Product events: simulated per user-day, vectorised, in batches of tenants.

Events are held compactly (integer codes) until the writer turns them into
strings. Every planted effect that lives in the events is placed here:
- a user's first autonomy or learning event is exactly on its planted day
  (so each tenant activates on its planted day),
- a task fails with the user's base error rate p before and p * (1 - f)
  after the day of the user's first certification.
"""

from __future__ import annotations

from collections.abc import Callable
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

    tenant_idx: np.ndarray  # int32
    user_idx: np.ndarray  # int32
    name_code: np.ndarray  # int8 into EVENT_NAMES (>= len for unknown names)
    occurred_at: np.ndarray  # int64 epoch seconds
    received_at: np.ndarray  # int64 epoch seconds
    prop_code: np.ndarray  # int32 into the property vocabulary

    def __len__(self) -> int:
        return len(self.name_code)

    def take(self, index: np.ndarray) -> EventBatch:
        return EventBatch(*(getattr(self, f)[index] for f in FIELDS))


FIELDS = ("tenant_idx", "user_idx", "name_code", "occurred_at", "received_at", "prop_code")


def concat(batches: list[EventBatch]) -> EventBatch:
    return EventBatch(*(np.concatenate([getattr(b, f) for b in batches]) for f in FIELDS))


class PropertyVocab:
    """All distinct `properties` strings; events point into it by code."""

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

    def add_strings(self, values: list[str]) -> np.ndarray:
        start = len(self.strings)
        self.strings.extend(values)
        return np.arange(start, start + len(values), dtype=np.int32)


def _holiday_mask(first_day: int, n_days: int) -> np.ndarray:
    days = np.arange(first_day, first_day + n_days).astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    month = (months.astype(np.int64) % 12) + 1
    dom = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    mask = np.zeros(n_days, dtype=bool)
    for m, d in HOLIDAYS_MD:
        mask |= (month == m) & (dom == d)
    return mask


def generate_events(
    config: GeneratorConfig,
    pop: Population,
    content: pd.DataFrame,
    vocab: PropertyVocab,
    rng: np.random.Generator,
    error_reduction: float,
    progress: Callable[[str], None],
) -> EventBatch:
    users, tenants = pop.users, pop.tenants
    scale = (
        1.0
        if config.events_per_user_day is None
        else max(config.events_per_user_day - 1.0, 0.01) / (DEFAULT_EVENTS_PER_ACTIVE_DAY - 1.0)
    )
    end_day = config.end_epoch_day
    t_idx_all = users["tenant_idx"].to_numpy()
    # Batches of consecutive tenants with ~4000 users each.
    cum = np.cumsum(np.bincount(t_idx_all, minlength=len(tenants)))
    bounds = [0]
    while bounds[-1] < len(tenants):
        target = (cum[bounds[-1] - 1] if bounds[-1] > 0 else 0) + 4000
        nxt = int(np.searchsorted(cum, target, side="right")) + 1
        bounds.append(min(max(nxt, bounds[-1] + 1), len(tenants)))
    first_hday = config.start_epoch_day - 400
    holiday = _holiday_mask(first_hday, end_day - first_hday + 1)
    content_pub = content["published_day"].to_numpy()
    content_ret = content["retired_day"].to_numpy()
    content_course = content["course_idx"].to_numpy()

    batches = []
    total = 0
    for b in range(len(bounds) - 1):
        lo, hi = bounds[b], bounds[b + 1]
        u_lo = int(np.searchsorted(t_idx_all, lo))
        u_hi = int(np.searchsorted(t_idx_all, hi))
        batch = _simulate_users(
            config,
            pop,
            np.arange(u_lo, u_hi),
            rng,
            scale,
            holiday,
            first_hday,
            content_pub,
            content_ret,
            content_course,
            vocab,
            error_reduction,
        )
        batches.append(batch)
        total += len(batch)
        progress(f"events: tenants {hi}/{len(tenants)}, {total:,} events")
    return concat(batches)


def _simulate_users(
    config: GeneratorConfig,
    pop: Population,
    uidx: np.ndarray,
    rng: np.random.Generator,
    scale: float,
    holiday: np.ndarray,
    first_hday: int,
    content_pub: np.ndarray,
    content_ret: np.ndarray,
    content_course: np.ndarray,
    vocab: PropertyVocab,
    error_reduction: float,
) -> EventBatch:
    users, tenants = pop.users, pop.tenants
    end_day = config.end_epoch_day
    t_idx = users["tenant_idx"].to_numpy()[uidx]
    persona = pd.Categorical(users["persona"].to_numpy()[uidx], categories=PERSONAS).codes
    onboard_day = tenants["onboard_day"].to_numpy()[t_idx]
    created_day = users["created_day"].to_numpy()[uidx]
    created_sec = users["created_at"].to_numpy()[uidx] % DAY
    stop_day = np.minimum(users["deact_day"].to_numpy()[uidx], end_day)
    first_al = users["first_al_off"].to_numpy()[uidx]
    first_al_day = np.where(first_al < NEVER, onboard_day + first_al, NEVER)
    cert = users["cert_off"].to_numpy()[uidx]
    cert_day = np.where(cert < NEVER, onboard_day + cert, NEVER)
    dropout_day = created_day + users["dropout_off"].to_numpy()[uidx]
    tenant_eng = tenants["engagement"].to_numpy()[t_idx]
    eng = users["engagement"].to_numpy()[uidx] * tenant_eng
    learner = users["learner"].to_numpy()[uidx]
    p_err = users["base_error_rate"].to_numpy()[uidx]
    milestone = users["milestone_off"].to_numpy()[uidx]
    value_delay = users["value_delay"].to_numpy()[uidx]

    # User-day grid.
    n_days = np.maximum(stop_day - created_day, 0)
    rep = np.repeat(np.arange(len(uidx)), n_days)
    starts = np.repeat(np.cumsum(n_days) - n_days, n_days)
    day = created_day[rep] + (np.arange(len(rep)) - starts)
    age = day - created_day[rep]
    dow = (day + 3) % 7  # 1970-01-01 was a Thursday
    p = ACTIVE_P[persona[rep]] * np.sqrt(eng[rep]) * (0.3 + 0.7 * np.exp(-age / 240.0))
    p *= WEEKDAY_FACTOR[dow] * np.where(holiday[day - first_hday], 0.3, 1.0)
    p = np.where(day >= dropout_day[rep], p * 0.05, p)
    forced = (age == 0) | (day == first_al_day[rep])
    active = forced | (rng.random(len(rep)) < np.minimum(p, 0.95))
    rep, day, age, forced = rep[active], day[active], age[active], forced[active]
    del p, dow, starts

    # Event counts per active user-day.
    pers = persona[rep]
    means = BASE_MEANS[pers] * scale
    means[:, 1:] *= np.sqrt(eng[rep])[:, None]
    is_admin = pers == 0
    means[:, 7] = np.where(is_admin & (age < 30), SETUP_EARLY_MEAN * scale, means[:, 7])
    means[:, 9] = np.where(is_admin & (age < 60), INTEGRATION_EARLY_MEAN * scale, means[:, 9])
    al_ok = day >= first_al_day[rep]
    learn_factor = np.where(learner[rep], 1.0, 0.15) * (
        0.25 + 0.75 * np.exp(-np.maximum(day - first_al_day[rep], 0) / 150.0)
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
    counts[:, 2] = np.where(since >= value_delay[rep], counts[:, 2], 0)
    # Tasks: split into completed / failed with the user's error rate.
    tasks = counts[:, 3]
    rate = p_err[rep] * np.where(day > cert_day[rep], 1.0 - error_reduction, 1.0)
    failed = rng.binomial(tasks, rate)
    n_types = len(EVENT_NAMES)
    full = np.zeros((len(rep), n_types), dtype=np.int32)
    full[:, 0] = counts[:, 0]
    full[:, 1] = counts[:, 1]
    full[:, 2] = counts[:, 2]
    full[:, 3] = tasks - failed
    full[:, 4] = failed
    full[:, 5:16] = counts[:, 4:15]
    del counts

    # Expand to events.
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
    sec = lower + (frac * (DAY - 1 - lower)).astype(np.int64)
    occurred = ev_day.astype(np.int64) * DAY + sec
    lag = np.ceil(rng.exponential(25.0, size=n_ev)).astype(np.int64)
    late = rng.random(n_ev) < 0.01
    lag = np.where(late, rng.integers(3600, 3 * DAY, size=n_ev), lag)
    # The planted first autonomy / learning event always arrives promptly.
    is_al = np.isin(ev_type, AL_CODES)
    lag = np.where(is_al & (ev_day == first_al_day[ev_user]), lag % 300 + 1, lag)
    received = occurred + lag

    # NPS: happier in more engaged tenants.
    nps_mean = NPS_MEAN + NPS_ENGAGEMENT_SLOPE * np.log(tenant_eng)
    props = _properties(
        rng, vocab, ev_type, ev_user, ev_day, content_pub, content_ret, content_course, nps_mean
    )
    keep = received < end_day * DAY
    return EventBatch(
        tenant_idx=t_idx[ev_user][keep].astype(np.int32),
        user_idx=uidx[ev_user][keep].astype(np.int32),
        name_code=ev_type[keep],
        occurred_at=occurred[keep],
        received_at=received[keep],
        prop_code=props[keep],
    )


def _properties(
    rng: np.random.Generator,
    vocab: PropertyVocab,
    ev_type: np.ndarray,
    ev_user: np.ndarray,
    ev_day: np.ndarray,
    content_pub: np.ndarray,
    content_ret: np.ndarray,
    content_course: np.ndarray,
    nps_mean: np.ndarray,
) -> np.ndarray:
    n = len(ev_type)
    props = np.zeros(n, dtype=np.int32)
    off = vocab.offset

    def put(code: int, key: str, values: np.ndarray) -> None:
        mask = ev_type == code
        props[mask] = off[key] + values[mask] if values.shape == (n,) else off[key] + values

    # Features: each user favours its own rotation of the catalog.
    n_feat = len(FEATURES)
    favourite = (ev_user * 7919) % n_feat
    pick = (favourite + rng.geometric(0.32, size=n) - 1) % n_feat
    put(1, "feature", pick)
    put(2, "workflow", rng.integers(0, len(WORKFLOWS), size=n))
    task = rng.integers(0, len(TASK_TYPES), size=n)
    put(3, "task_type", task)
    put(4, "task_type", task)
    score = np.round(rng.normal(nps_mean[ev_user], 2.0, size=n))
    put(7, "score", np.clip(score, 0, 10).astype(np.int64))
    # Setup steps: mostly in order per user, sometimes a random step.
    setup = ev_type == 8
    s_idx = np.flatnonzero(setup)
    s_user = ev_user[s_idx]
    first_pos = np.searchsorted(s_user, s_user)  # events are grouped by user in order
    rank = np.arange(len(s_idx)) - first_pos
    step = np.where(
        rng.random(len(s_idx)) < 0.25, rng.integers(0, len(SETUP_STEPS), size=len(s_idx)), rank
    )
    props[s_idx] = off["step"] + step % len(SETUP_STEPS)
    put(10, "integration", rng.integers(0, len(INTEGRATIONS), size=n))
    put(11, "setting", rng.integers(0, len(SETTINGS), size=n))
    put(12, "action", rng.integers(0, len(GOVERNANCE_ACTIONS), size=n))
    # Data imports carry numbers: their own strings.
    imp = np.flatnonzero(ev_type == 9)
    rows = np.floor(np.exp(rng.uniform(np.log(50), np.log(50000), size=len(imp)))).astype(np.int64)
    errors = rng.binomial(rows, rng.beta(1.0, 40.0, size=len(imp)))
    props[imp] = vocab.add_strings(
        [f'{{"rows": {r}, "errors": {e}}}' for r, e in zip(rows, errors, strict=True)]
    )
    # Learning: content published (and not retired) by the day, newer items favoured.
    learn = np.flatnonzero((ev_type >= 13) & (ev_type <= 14) | (ev_type == 15))
    d = ev_day[learn]
    available = np.searchsorted(content_pub, d, side="right")
    available = np.maximum(available, 1)
    item = np.floor(available * (1.0 - rng.random(len(learn)) ** 1.6)).astype(np.int64)
    item = np.minimum(item, available - 1)
    retired = content_ret[item] <= d
    alt = np.minimum(np.floor(available * rng.random(len(learn))).astype(np.int64), available - 1)
    item = np.where(retired, alt, item)
    kinds = ev_type[learn]
    props[learn] = np.where(
        kinds == 13,
        off["content"] + item,
        np.where(kinds == 14, off["lesson"] + item, off["course"] + content_course[item]),
    )
    return props
