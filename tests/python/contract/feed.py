"""A raw feed as the contract describes it, independent of how it is delivered.

Rows hold canonical values: timestamps are naive `datetime` in UTC, keys are
strings, numbers are Python numbers, event properties are the JSON text as
delivered (so malformed text can be represented). `Delivery` says how the
writer encodes each table (Parquet or CSV, typed or string timestamps, the
offset styles of the strings, ...): the same feed delivered two ways must give
the same marts.

The reprs are valid Python (with `import datetime`), so the feed Hypothesis
prints for a failure can be pasted into `regressions.py`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, fields

RAW_TABLES = (
    "tenants",
    "users",
    "events",
    "certifications",
    "content",
    "learning_costs",
    "support_tickets",
    "subscription_events",
    "experiment_assignments",
)


@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    industry: str
    plan_tier: str
    seats_purchased: int
    signed_at: datetime.datetime
    onboarded_at: datetime.datetime
    tenant_name: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class User:
    user_id: str
    tenant_id: str
    persona: str
    created_at: datetime.datetime
    deactivated_at: datetime.datetime | None = None
    email: str | None = None


@dataclass(frozen=True)
class Event:
    event_id: str
    tenant_id: str
    user_id: str
    event_name: str
    occurred_at: datetime.datetime
    received_at: datetime.datetime
    properties: str | None = None


@dataclass(frozen=True)
class Certification:
    certification_id: str
    tenant_id: str
    user_id: str
    issued_at: datetime.datetime
    certification_name: str | None = None
    level: str | None = None


@dataclass(frozen=True)
class Content:
    content_id: str
    published_at: datetime.datetime
    last_updated_at: datetime.datetime
    retired_at: datetime.datetime | None = None
    course_id: str | None = None
    title: str | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class LearningCost:
    cost_id: str
    tenant_id: str | None  # None (or empty) = a platform-wide line
    month: datetime.date
    category: str
    amount_usd: float


@dataclass(frozen=True)
class SupportTicket:
    ticket_id: str
    tenant_id: str
    created_at: datetime.datetime
    tier: int
    user_id: str | None = None
    category: str | None = None
    resolved_at: datetime.datetime | None = None


@dataclass(frozen=True)
class SubscriptionEvent:
    subscription_event_id: str
    tenant_id: str
    event_type: str
    effective_at: datetime.datetime
    seats_delta: int | None = None
    mrr_delta_usd: float | None = None


@dataclass(frozen=True)
class ExperimentAssignment:
    experiment_id: str
    tenant_id: str
    arm: str
    assigned_at: datetime.datetime


Row = (
    Tenant
    | User
    | Event
    | Certification
    | Content
    | LearningCost
    | SupportTicket
    | SubscriptionEvent
    | ExperimentAssignment
)

# The contract's columns per table, in the contract's order (writer and reader).
COLUMNS: dict[str, tuple[str, ...]] = {
    "tenants": (
        "tenant_id",
        "tenant_name",
        "industry",
        "plan_tier",
        "region",
        "seats_purchased",
        "signed_at",
        "onboarded_at",
    ),
    "users": ("user_id", "tenant_id", "persona", "created_at", "deactivated_at", "email"),
    "events": (
        "event_id",
        "tenant_id",
        "user_id",
        "event_name",
        "occurred_at",
        "received_at",
        "properties",
    ),
    "certifications": (
        "certification_id",
        "tenant_id",
        "user_id",
        "certification_name",
        "level",
        "issued_at",
    ),
    "content": (
        "content_id",
        "course_id",
        "title",
        "content_type",
        "published_at",
        "last_updated_at",
        "retired_at",
    ),
    "learning_costs": ("cost_id", "tenant_id", "month", "category", "amount_usd"),
    "support_tickets": (
        "ticket_id",
        "tenant_id",
        "user_id",
        "created_at",
        "tier",
        "category",
        "resolved_at",
    ),
    "subscription_events": (
        "subscription_event_id",
        "tenant_id",
        "event_type",
        "effective_at",
        "seats_delta",
        "mrr_delta_usd",
    ),
    "experiment_assignments": ("experiment_id", "tenant_id", "arm", "assigned_at"),
}

REQUIRED: dict[str, frozenset[str]] = {
    "tenants": frozenset(
        {"tenant_id", "industry", "plan_tier", "seats_purchased", "signed_at", "onboarded_at"}
    ),
    "users": frozenset({"user_id", "tenant_id", "persona", "created_at"}),
    "events": frozenset(
        {"event_id", "tenant_id", "user_id", "event_name", "occurred_at", "received_at"}
    ),
    "certifications": frozenset({"certification_id", "tenant_id", "user_id", "issued_at"}),
    "content": frozenset({"content_id", "published_at", "last_updated_at"}),
    "learning_costs": frozenset({"cost_id", "month", "category", "amount_usd"}),
    "support_tickets": frozenset({"ticket_id", "tenant_id", "created_at", "tier"}),
    "subscription_events": frozenset(
        {"subscription_event_id", "tenant_id", "event_type", "effective_at"}
    ),
    "experiment_assignments": frozenset({"experiment_id", "tenant_id", "arm", "assigned_at"}),
}

TIMESTAMP_COLUMNS = frozenset(
    {
        "signed_at",
        "onboarded_at",
        "created_at",
        "deactivated_at",
        "occurred_at",
        "received_at",
        "issued_at",
        "published_at",
        "last_updated_at",
        "retired_at",
        "resolved_at",
        "effective_at",
        "assigned_at",
    }
)
INTEGER_COLUMNS = frozenset({"seats_purchased", "tier", "seats_delta"})
DECIMAL_COLUMNS = frozenset({"amount_usd", "mrr_delta_usd"})


@dataclass(frozen=True)
class TableDelivery:
    """How one table is written.

    `file_format`: parquet or csv. Parquet: `timestamp_type` is `naive` (a
    timestamp without time zone, read as UTC), `utc`, a zone name such as
    `Asia/Kolkata` (a timestamp with time zone: an instant) or `string`;
    `timestamp_unit` ms, us or ns; `number_type` writes integer and decimal
    columns as int64 / double (`native`), int32 / decimal(18, 2) (`narrow`)
    or text (`string`). Strings (CSV, or Parquet `string`) cycle through
    `string_styles` row by row: `z` (`...Z`), `naive` (no offset), `utc0`
    (`+00:00`), `fraction` (`.000Z`) or an offset such as `+05:30`, so one
    column mixes styles; `space` separates date and time with a blank and
    `date` writes a midnight as the date alone. CSV: `line_terminator`,
    `quote_all` and `byte_order_mark` (UTF-8 with a BOM, as spreadsheets save it).
    `extra_columns` adds unknown columns; `drop_optional` leaves out the
    optional columns; `shuffle_columns` reverses the column order.
    """

    file_format: str = "parquet"
    timestamp_type: str = "naive"
    timestamp_unit: str = "us"
    number_type: str = "native"
    string_styles: tuple[str, ...] = ("z",)
    line_terminator: str = "\r\n"
    quote_all: bool = False
    byte_order_mark: bool = False
    extra_columns: bool = False
    drop_optional: bool = False
    shuffle_columns: bool = False


@dataclass(frozen=True)
class Delivery:
    """The delivery of every table; events may arrive partitioned by load date."""

    tables: dict[str, TableDelivery] = field(default_factory=dict)
    events_partitioned: bool = False

    def of(self, table: str) -> TableDelivery:
        return self.tables.get(table, TableDelivery())


@dataclass(frozen=True)
class Feed:
    """Every raw table of one delivery, plus how it is delivered."""

    tenants: tuple[Tenant, ...] = ()
    users: tuple[User, ...] = ()
    events: tuple[Event, ...] = ()
    certifications: tuple[Certification, ...] = ()
    content: tuple[Content, ...] = ()
    learning_costs: tuple[LearningCost, ...] = ()
    support_tickets: tuple[SupportTicket, ...] = ()
    subscription_events: tuple[SubscriptionEvent, ...] = ()
    experiment_assignments: tuple[ExperimentAssignment, ...] = ()
    delivery: Delivery = field(default_factory=Delivery)

    def rows(self, table: str) -> tuple[Row, ...]:
        return getattr(self, table)

    def merged(self, other: Feed) -> Feed:
        """Both feeds' rows in one delivery (this feed's delivery wins)."""
        return Feed(
            **{table: self.rows(table) + other.rows(table) for table in RAW_TABLES},
            delivery=self.delivery,
        )


def row_values(row: Row) -> dict[str, object]:
    return {item.name: getattr(row, item.name) for item in fields(row)}
