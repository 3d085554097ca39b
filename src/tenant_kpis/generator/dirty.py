"""Dirty mode: contract violations injected as ADDITIONAL rows, each with exactly one defect.

Every injected row is a copy of a real row with a fresh key (so no other row
references it) and one defect that triggers exactly one quarantine reason under
the precedence order missing_key, unparseable_timestamp, invalid_value,
invalid_json, unknown_tenant, unknown_user, user_tenant_mismatch,
timestamp_out_of_range, duplicate_key. Duplicate events (same event_id, later
received_at) and unknown event names are counted separately. Injected rows never
add an active user-day: they copy the timestamps of real events.

Events are dirtied tenant by tenant, each tenant from its own random stream, so
the injected rows do not depend on how many tenants are held in memory at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tenant_kpis.generator.config import DAY
from tenant_kpis.generator.events import E, EventBatch

#: Timestamp columns written as ISO-8601 strings with mixed offsets in dirty mode.
STRING_TIMESTAMPS = {
    "users": ("created_at", "deactivated_at"),
    "certifications": ("issued_at",),
    "support_tickets": ("created_at", "resolved_at"),
    "subscription_events": ("effective_at",),
    "events": ("received_at",),
}
OFFSETS = (("Z", 0), ("+02:00", 7200), ("-05:00", -18000), ("", 0))
GARBAGE_TIMESTAMPS = ("not-a-date", "2026-13-45T25:61:00Z", "31/12/2025 10:00", "tomorrow")
INVALID_JSON = (
    '{"feature": "dashboards", "critical": tru',
    "feature=dashboards",
    '{"step": "invite_users"',
    "{'score': 7}",
)
UNKNOWN_EVENT_NAMES = ("page_viewed", "legacy_click", "feature_use", "export_downloaded")
#: Extra column added to the tenants table in dirty mode; consumers must ignore it.
EXTRA_COLUMN = ("tenants", "legacy_crm_id")


@dataclass
class DirtyLog:
    quarantine: dict[str, Counter] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    unknown_event_names: int = 0
    next_key: int = 900_000_000

    def fresh(self, prefix: str, k: int) -> np.ndarray:
        """Fresh keys for injected rows, never colliding with real ones."""
        keys = np.array([f"{prefix}{self.next_key + i}" for i in range(k)], dtype=object)
        self.next_key += k
        return keys

    def add(self, table: str, reason: str, count: int) -> None:
        if count:
            self.quarantine.setdefault(table, Counter())[reason] += count

    def as_dict(self) -> dict:
        return {
            "quarantine": {t: dict(sorted(c.items())) for t, c in sorted(self.quarantine.items())},
            "quarantine_totals": {t: sum(c.values()) for t, c in sorted(self.quarantine.items())},
            "duplicates": dict(sorted(self.duplicates.items())),
            "unknown_event_names": self.unknown_event_names,
        }


def offset_styles(rng: np.random.Generator, n: int) -> np.ndarray:
    """For each of n timestamps, which of OFFSETS it is written with."""
    return rng.integers(0, len(OFFSETS), size=n).astype(np.int8)


def iso_strings(seconds: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """Epoch seconds (-1 = null) as ISO-8601 strings of the same instants, mixed offsets."""
    return iso_strings_in(seconds, offset_styles(rng, len(seconds)))


def iso_strings_in(seconds: np.ndarray, kind: np.ndarray) -> pa.Array:
    """Epoch seconds (-1 = null) as ISO-8601 strings, each with the offset OFFSETS[kind]."""
    seconds = np.asarray(seconds, dtype=np.int64)
    shift = np.array([o[1] for o in OFFSETS], dtype=np.int64)[kind]
    local = pa.array(seconds + shift, type=pa.timestamp("s"), mask=seconds < 0)
    del shift
    text = pc.strftime(local, format="%Y-%m-%dT%H:%M:%S")
    del local
    suffix = pa.array([o[0] for o in OFFSETS], type=pa.string()).take(pa.array(kind))
    return pc.binary_join_element_wise(text, suffix, "")


def _n_bad(rate: float, rows: int) -> int:
    return max(1, round(rate * rows)) if rate > 0 and rows > 0 else 0


def _split(total: int, kinds: int) -> list[int]:
    base = [total // kinds] * kinds
    for i in range(total - sum(base)):
        base[i] += 1
    return [max(1, b) for b in base]


def dirty_small_tables(
    tables: dict[str, pd.DataFrame],
    rate: float,
    rng: np.random.Generator,
    known: dict[str, np.ndarray],
    log: DirtyLog,
) -> None:
    """Inject bad rows into every table but events (in place) and stringify timestamps."""
    for name in STRING_TIMESTAMPS:
        if name == "events":
            continue
        frame = tables[name]
        for col in STRING_TIMESTAMPS[name]:
            frame[col] = iso_strings(frame[col].to_numpy(), rng).to_numpy(zero_copy_only=False)
    for name, injector in INJECTORS.items():
        frame = tables[name]
        n = _n_bad(rate, len(frame))
        extra = injector(frame, n, rng, known, log)
        if extra:
            tables[name] = pd.concat([frame, *extra], ignore_index=True)
    table, col = EXTRA_COLUMN
    frame = tables[table]
    frame[col] = np.array([f"crm-{i:06d}" for i in range(len(frame))], dtype=object)
    frame.attrs["extra_columns"] = [col]


def _copies(
    frame: pd.DataFrame, k: int, rng: np.random.Generator, pool: np.ndarray | None = None
) -> pd.DataFrame:
    rows = pool if pool is not None else np.arange(len(frame))
    pick = rows[rng.integers(0, len(rows), size=k)]
    return frame.iloc[pick].reset_index(drop=True).copy()


def _inject(
    frame: pd.DataFrame,
    key: str,
    prefix: str,
    n: int,
    rng: np.random.Generator,
    defects: list,
    table: str,
    log: DirtyLog,
) -> list[pd.DataFrame]:
    """Apply each defect (reason, mutate(copy) -> copy) to its share of n copies."""
    out = []
    for (reason, mutate), k in zip(defects, _split(n, len(defects)), strict=True):
        copy = _copies(frame, k, rng)
        if reason != "duplicate_key":
            copy[key] = log.fresh(prefix, k)
        copy = mutate(copy)
        if copy is None or len(copy) == 0:
            continue
        out.append(copy)
        log.add(table, reason, len(copy))
    return out


def _set(col: str, value: object):
    def mutate(copy: pd.DataFrame) -> pd.DataFrame:
        copy[col] = [value] * len(copy) if not callable(value) else value(len(copy))
        return copy

    return mutate


def _garbage(rng: np.random.Generator):
    return lambda k: list(np.array(GARBAGE_TIMESTAMPS, dtype=object)[rng.integers(0, 4, size=k)])


def _unknown_tenant(log: DirtyLog):
    return lambda k: list(log.fresh("999", k))


def _same(copy: pd.DataFrame) -> pd.DataFrame:
    return copy


def _tenants(frame, n, rng, known, log):
    return _inject(
        frame,
        "tenant_id",
        "8",
        n,
        rng,
        [
            ("missing_key", _set("tenant_id", None)),
            ("invalid_value", _set("industry", "retail")),
            ("invalid_value", _set("plan_tier", "platinum")),
            ("invalid_value", _set("seats_purchased", -5)),
            ("duplicate_key", _same),
        ],
        "tenants",
        log,
    )


def _users(frame, n, rng, known, log):
    return _inject(
        frame,
        "user_id",
        "ux",
        n,
        rng,
        [
            ("missing_key", _set("user_id", None)),
            ("missing_key", _set("tenant_id", None)),
            ("unparseable_timestamp", _set("created_at", _garbage(rng))),
            ("invalid_value", _set("persona", "superuser")),
            ("unknown_tenant", _set("tenant_id", _unknown_tenant(log))),
            ("duplicate_key", _same),
        ],
        "users",
        log,
    )


def _other_tenant(known: dict[str, np.ndarray], rng: np.random.Generator):
    """Mutation: move a row to another real tenant than its user's."""

    def mutate(copy: pd.DataFrame) -> pd.DataFrame:
        tenants = known["tenant_ids"]
        current = copy["tenant_id"].to_numpy()
        pos = np.searchsorted(tenants, current)
        shifted = tenants[
            (pos + 1 + rng.integers(0, max(1, len(tenants) - 1), size=len(copy))) % len(tenants)
        ]
        copy["tenant_id"] = shifted
        return copy[shifted != current].reset_index(drop=True)

    return mutate


def _certifications(frame, n, rng, known, log):
    return _inject(
        frame,
        "certification_id",
        "cert-x",
        n,
        rng,
        [
            ("missing_key", _set("certification_id", None)),
            ("missing_key", _set("user_id", None)),
            ("unparseable_timestamp", _set("issued_at", _garbage(rng))),
            ("unknown_tenant", _set("tenant_id", _unknown_tenant(log))),
            ("unknown_user", _set("user_id", lambda k: list(log.fresh("u9", k)))),
            ("user_tenant_mismatch", _other_tenant(known, rng)),
            ("duplicate_key", _same),
        ],
        "certifications",
        log,
    )


def _content(frame, n, rng, known, log):
    return _inject(
        frame,
        "content_id",
        "cx",
        n,
        rng,
        [
            ("missing_key", _set("content_id", None)),
            ("duplicate_key", _same),
        ],
        "content",
        log,
    )


def _learning_costs(frame, n, rng, known, log):
    def negative(copy):
        copy["amount_usd"] = -copy["amount_usd"].to_numpy()
        return copy

    def tenant_line(copy):  # unknown tenant only makes sense on tenant lines
        copy["tenant_id"] = _unknown_tenant(log)(len(copy))
        return copy

    return _inject(
        frame,
        "cost_id",
        "lc-x",
        n,
        rng,
        [
            ("missing_key", _set("cost_id", None)),
            ("invalid_value", negative),
            ("invalid_value", _set("category", "catering")),
            ("unknown_tenant", tenant_line),
            ("duplicate_key", _same),
        ],
        "learning_costs",
        log,
    )


def _support_tickets(frame, n, rng, known, log):
    with_user = frame[frame["user_id"].notna()].reset_index(drop=True)

    def from_users(mutate):
        def inner(copy):
            k = len(copy)
            fresh = _copies(with_user, k, rng) if len(with_user) else copy.iloc[:0]
            fresh["ticket_id"] = copy["ticket_id"].to_numpy()[: len(fresh)]
            return mutate(fresh)

        return inner

    return _inject(
        frame,
        "ticket_id",
        "tk-x",
        n,
        rng,
        [
            ("missing_key", _set("ticket_id", None)),
            ("missing_key", _set("tenant_id", None)),
            ("unparseable_timestamp", _set("created_at", _garbage(rng))),
            ("invalid_value", _set("tier", 4)),
            ("invalid_value", _set("tier", 0)),
            ("unknown_tenant", _set("tenant_id", _unknown_tenant(log))),
            ("unknown_user", from_users(_set("user_id", lambda k: list(log.fresh("u9", k))))),
            ("user_tenant_mismatch", from_users(_other_tenant(known, rng))),
            ("duplicate_key", _same),
        ],
        "support_tickets",
        log,
    )


def _subscription_events(frame, n, rng, known, log):
    return _inject(
        frame,
        "subscription_event_id",
        "sub-x",
        n,
        rng,
        [
            ("missing_key", _set("subscription_event_id", None)),
            ("missing_key", _set("tenant_id", None)),
            ("unparseable_timestamp", _set("effective_at", _garbage(rng))),
            ("invalid_value", _set("event_type", "upgrade_plus")),
            ("unknown_tenant", _set("tenant_id", _unknown_tenant(log))),
            ("duplicate_key", _same),
        ],
        "subscription_events",
        log,
    )


def _experiment_assignments(frame, n, rng, known, log):
    if len(frame) == 0:
        return []
    assigned = set(zip(frame["experiment_id"], frame["tenant_id"], strict=True))

    def outsider(copy):
        # A real tenant that is not in the experiment, so the key (experiment, tenant) is new.
        tenants = known["tenant_ids"]
        picks = []
        for exp in copy["experiment_id"]:
            for _ in range(50):
                t = tenants[rng.integers(0, len(tenants))]
                if (exp, t) not in assigned:
                    picks.append(t)
                    assigned.add((exp, t))
                    break
            else:
                picks.append(None)
        copy["tenant_id"] = picks
        copy = copy[copy["tenant_id"].notna()].reset_index(drop=True)
        copy["arm"] = "placebo"
        return copy

    out = []
    for reason, mutate, k in (
        ("missing_key", _set("tenant_id", None), 1),
        ("invalid_value", outsider, 1),
        ("unknown_tenant", _set("tenant_id", _unknown_tenant(log)), 1),
        ("duplicate_key", _same, 1),
    ):
        copy = mutate(_copies(frame, max(k, n // 4), rng))
        if len(copy):
            out.append(copy)
            log.add("experiment_assignments", reason, len(copy))
    return out


INJECTORS = {
    "tenants": _tenants,
    "users": _users,
    "certifications": _certifications,
    "content": _content,
    "learning_costs": _learning_costs,
    "support_tickets": _support_tickets,
    "subscription_events": _subscription_events,
    "experiment_assignments": _experiment_assignments,
}


#: Schema of event rows in dirty mode: received_at is an ISO-8601 string.
DIRTY_EVENT_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("tenant_id", pa.string()),
        ("user_id", pa.string()),
        ("event_name", pa.string()),
        ("occurred_at", pa.timestamp("us")),
        ("received_at", pa.string()),
        ("properties", pa.string()),
    ]
)
EVENT_DEFECTS = (
    "missing_event_id",
    "missing_user",
    "missing_tenant",
    "unparseable",
    "invalid_nps",
    "invalid_json",
    "unknown_tenant",
    "unknown_user",
    "mismatch",
    "before_created",
    "after_received",
    "duplicate",
    "unknown_name",
)


@dataclass
class DirtyEvents:
    """One tenant's events in dirty mode, beside its clean rows."""

    offset_styles: np.ndarray  # int8 per clean row: the offset its received_at is written with
    rows: pa.Table  # the injected rows (DIRTY_EVENT_SCHEMA)
    received: np.ndarray  # true received instant per injected row, 0 when unparseable
    delivered: np.ndarray  # delivery instant per injected row (its load date)


def dirty_events(
    events: EventBatch,
    seq: np.ndarray,
    to_arrow: Callable[[EventBatch, np.ndarray], pa.Table],
    user_created: np.ndarray,
    rate: float,
    rng: np.random.Generator,
    known: dict[str, np.ndarray],
    end_epoch: int,
    log: DirtyLog,
) -> DirtyEvents:
    """Bad event rows for one tenant's clean `events` (`seq`: their event_id numbers),
    each defect on about `rate / len(EVENT_DEFECTS)` of the rows.

    `to_arrow(batch, seq)` gives the rows of `batch` as plain strings; `user_created`:
    created_at (epoch seconds) of every user.
    """
    n_rows = len(events)
    styles = offset_styles(rng, n_rows)
    nps_rows = np.flatnonzero(events.name_code == E["nps_submitted"])
    # Broken JSON only on events without numeric properties: on an NPS answer it would
    # also make the score unreadable (an invalid value, which takes precedence).
    numeric = (events.name_code == E["nps_submitted"]) | (
        events.name_code == E["data_import_completed"]
    )
    plain_rows = np.flatnonzero(~numeric)
    tenant_sorted = known["tenant_ids"]
    parts: list[pa.Table] = []
    received_parts: list[np.ndarray] = []
    delivered_parts: list[np.ndarray] = []

    for kind in EVENT_DEFECTS:
        k = int(rng.binomial(n_rows, rate / len(EVENT_DEFECTS))) if n_rows else 0
        pool = {"invalid_nps": nps_rows, "invalid_json": plain_rows}.get(kind)
        if pool is None:
            pick = rng.integers(0, n_rows, size=k)
        elif len(pool):
            pick = pool[rng.integers(0, len(pool), size=k)]
        else:
            pick = np.zeros(0, dtype=np.int64)
        if len(pick) == 0:
            continue
        base = to_arrow(events.take(pick), seq[pick])
        row = {c: base.column(c).combine_chunks() for c in base.column_names}
        occ = events.occurred_at[pick].copy()
        rec = events.received_at[pick].copy()
        if kind != "duplicate":
            row["event_id"] = pa.array(log.fresh("ev_x", len(pick)), type=pa.string())
        reason = None
        if kind == "missing_event_id":
            row["event_id"] = pa.nulls(len(pick), pa.string())
            reason = "missing_key"
        elif kind == "missing_user":
            row["user_id"] = pa.nulls(len(pick), pa.string())
            reason = "missing_key"
        elif kind == "missing_tenant":
            row["tenant_id"] = pa.nulls(len(pick), pa.string())
            reason = "missing_key"
        elif kind == "unparseable":
            reason = "unparseable_timestamp"
        elif kind == "invalid_nps":
            bad = np.where(rng.random(len(pick)) < 0.5, 11, -1)
            row["properties"] = pa.array([f'{{"score": {s}}}' for s in bad], type=pa.string())
            reason = "invalid_value"
        elif kind == "invalid_json":
            row["properties"] = pa.array(
                np.array(INVALID_JSON, dtype=object)[rng.integers(0, 4, size=len(pick))],
                type=pa.string(),
            )
            reason = "invalid_json"
        elif kind == "unknown_tenant":
            row["tenant_id"] = pa.array(_unknown_tenant(log)(len(pick)), type=pa.string())
            reason = "unknown_tenant"
        elif kind == "unknown_user":
            row["user_id"] = pa.array(log.fresh("u9", len(pick)), type=pa.string())
            reason = "unknown_user"
        elif kind == "mismatch":
            current = row["tenant_id"].to_numpy(zero_copy_only=False)
            pos = np.searchsorted(tenant_sorted, current)
            other = tenant_sorted[
                (pos + 1 + rng.integers(0, max(1, len(tenant_sorted) - 1), size=len(pick)))
                % len(tenant_sorted)
            ]
            keep = other != current
            row = {c: v.filter(pa.array(keep)) for c, v in row.items()}
            row["tenant_id"] = pa.array(other[keep], type=pa.string())
            occ, rec, pick = occ[keep], rec[keep], pick[keep]
            reason = "user_tenant_mismatch"
        elif kind == "before_created":
            created = user_created[events.user_idx[pick]]
            occ = created - 2 * DAY - rng.integers(0, 5 * DAY, size=len(pick))
            rec = occ + 30
            reason = "timestamp_out_of_range"
        elif kind == "after_received":
            occ = rec + 2 * DAY + rng.integers(0, DAY, size=len(pick))
            keep = occ < end_epoch
            row = {c: v.filter(pa.array(keep)) for c, v in row.items()}
            occ, rec, pick = occ[keep], rec[keep], pick[keep]
            reason = "timestamp_out_of_range"
        elif kind == "duplicate":
            rec = rec + rng.integers(60, 2 * DAY, size=len(pick))
            keep = rec < end_epoch
            # One duplicate per original event.
            _, first = np.unique(pick, return_index=True)
            once = np.zeros(len(pick), dtype=bool)
            once[first] = True
            keep &= once
            row = {c: v.filter(pa.array(keep)) for c, v in row.items()}
            occ, rec, pick = occ[keep], rec[keep], pick[keep]
            log.duplicates["events"] = log.duplicates.get("events", 0) + len(pick)
        elif kind == "unknown_name":
            row["event_name"] = pa.array(
                np.array(UNKNOWN_EVENT_NAMES, dtype=object)[rng.integers(0, 4, size=len(pick))],
                type=pa.string(),
            )
            row["properties"] = pa.array(["{}"] * len(pick), type=pa.string())
            log.unknown_event_names += len(pick)
        delivered = rec.copy()
        received_text = iso_strings(rec, rng)
        if kind == "unparseable":
            received_text = pa.array(
                np.array(GARBAGE_TIMESTAMPS, dtype=object)[rng.integers(0, 4, size=len(pick))],
                type=pa.string(),
            )
            # Delivered on the original's date, but its received_at says nothing.
            rec = np.zeros(len(pick), dtype=np.int64)
        row["occurred_at"] = pa.array(occ * 1_000_000, type=pa.timestamp("us"))
        row["received_at"] = received_text
        if reason:
            log.add("events", reason, len(pick))
        parts.append(pa.table(row).select(DIRTY_EVENT_SCHEMA.names).cast(DIRTY_EVENT_SCHEMA))
        received_parts.append(rec)
        delivered_parts.append(delivered)

    empty = np.zeros(0, dtype=np.int64)
    return DirtyEvents(
        offset_styles=styles,
        rows=pa.concat_tables(parts) if parts else DIRTY_EVENT_SCHEMA.empty_table(),
        received=np.concatenate(received_parts) if received_parts else empty,
        delivered=np.concatenate(delivered_parts) if delivered_parts else empty,
    )
