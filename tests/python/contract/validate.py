"""Which raw rows the contract stages, quarantines or drops as duplicates.

Written from `raw_contract.md` ("Bad rows"), not from the SQL: one reason per
row, checked in the order of the README's reason list (missing_key,
unparseable_timestamp, invalid_value, invalid_json, unknown_tenant,
unknown_user, user_tenant_mismatch, timestamp_out_of_range). A duplicate
event_id keeps the delivery with the earliest received_at. Plausibility
bounds (a seed in the project) are taken here as: a timestamp before
`EARLIEST_VALID` or after the build time plus a day, and an integer outside
`INTEGER_RANGES`, are out of range; the strategies only step over them by far
(1900, three years ahead, 3 billion seats) so the seed's exact values do not
matter.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from dataclasses import dataclass, field, replace

from contract.feed import (
    RAW_TABLES,
    Certification,
    Content,
    Event,
    ExperimentAssignment,
    Feed,
    LearningCost,
    Row,
    SubscriptionEvent,
    SupportTicket,
    Tenant,
    User,
)

INDUSTRIES = ("saas_smb", "enterprise_software", "healthcare", "financial_services")
PLAN_TIERS = ("starter", "growth", "enterprise")
PERSONAS = ("admin", "operator", "end_user")
COST_CATEGORIES = ("licenses", "content_production", "facilitation", "support")
TIERS = (1, 2, 3)
SUBSCRIPTION_EVENT_TYPES = (
    "new",
    "renewal",
    "churn",
    "seat_upgrade",
    "seat_downgrade",
    "addon_activated",
)
ARMS = ("treatment", "control")
EARLIEST_VALID = datetime.datetime(2000, 1, 1)
INTEGER_RANGES = {"seats_purchased": (0, 1_000_000), "rows": (0, 1_000_000_000)}
DAY = datetime.timedelta(days=1)


def build_time() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def out_of_bounds(*values: datetime.datetime | datetime.date | None) -> bool:
    latest = build_time() + DAY
    for value in values:
        if value is None:
            continue
        instant = (
            value
            if isinstance(value, datetime.datetime)
            else datetime.datetime.combine(value, datetime.time())
        )
        if instant < EARLIEST_VALID or instant > latest:
            return True
    return False


def parse_properties(text: str | None) -> dict[str, object] | None:
    """The properties object, {} for no properties, None when not a JSON object."""
    if is_blank(text):
        return {}
    assert text is not None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def integer_property(value: object) -> int | None:
    """A whole number given as a JSON number or as text ("12"); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return int(number) if number.is_integer() else None
    return None


def boolean_property(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def event_value_problem(event: Event, properties: dict[str, object]) -> bool:
    """A property outside its type or allowed range (NPS 0-10, non-negative counts)."""
    for key in ("rows", "errors"):
        if key in properties and properties[key] is not None:
            number = integer_property(properties[key])
            low, high = INTEGER_RANGES["rows"]
            if number is None or not low <= number <= high:
                return True
    if properties.get("critical") is not None and boolean_property(properties["critical"]) is None:
        return True
    score = properties.get("score")
    if score is not None:
        number = integer_property(score)
        if number is None or not 0 <= number <= 10:
            return True
    return event.event_name == "nps_submitted" and score is None


@dataclass
class Staged:
    """The staged rows of every table and the expected row accounting."""

    tenants: dict[str, Tenant] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    certifications: list[Certification] = field(default_factory=list)
    content: list[Content] = field(default_factory=list)
    learning_costs: list[LearningCost] = field(default_factory=list)
    support_tickets: list[SupportTicket] = field(default_factory=list)
    subscription_events: list[SubscriptionEvent] = field(default_factory=list)
    experiment_assignments: list[ExperimentAssignment] = field(default_factory=list)
    quarantined: Counter[tuple[str, str]] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)
    raw: Counter[str] = field(default_factory=Counter)

    def accounting(self, table: str) -> dict[str, int]:
        staged = self.tenants if table == "tenants" else self.users if table == "users" else None
        rows_staged = len(staged) if staged is not None else len(getattr(self, table))
        return {
            "rows_raw": self.raw[table],
            "rows_staged": rows_staged,
            "rows_quarantined": sum(
                count for (name, _), count in self.quarantined.items() if name == table
            ),
            "rows_duplicate": self.duplicates[table],
        }


def _tenant_reason(tenant: Tenant) -> str | None:
    low, high = INTEGER_RANGES["seats_purchased"]
    if is_blank(tenant.tenant_id):
        return "missing_key"
    if (
        tenant.industry not in INDUSTRIES
        or tenant.plan_tier not in PLAN_TIERS
        or not low <= tenant.seats_purchased <= high
    ):
        return "invalid_value"
    if out_of_bounds(tenant.signed_at, tenant.onboarded_at):
        return "timestamp_out_of_range"
    return None


def _user_reason(user: User, tenants: dict[str, Tenant]) -> str | None:
    if is_blank(user.user_id) or is_blank(user.tenant_id):
        return "missing_key"
    if user.persona not in PERSONAS:
        return "invalid_value"
    if user.tenant_id not in tenants:
        return "unknown_tenant"
    if out_of_bounds(user.created_at, user.deactivated_at):
        return "timestamp_out_of_range"
    return None


def _event_reason(event: Event, staged: Staged) -> str | None:
    if is_blank(event.event_id) or is_blank(event.tenant_id) or is_blank(event.user_id):
        return "missing_key"
    properties = parse_properties(event.properties)
    if is_blank(event.event_name) or (
        properties is not None and event_value_problem(event, properties)
    ):
        return "invalid_value"
    if properties is None:
        return "invalid_json"
    if event.tenant_id not in staged.tenants:
        return "unknown_tenant"
    user = staged.users.get(event.user_id)
    if user is None:
        return "unknown_user"
    if user.tenant_id != event.tenant_id:
        return "user_tenant_mismatch"
    if (
        event.occurred_at < user.created_at - DAY
        or event.occurred_at > event.received_at + DAY
        or out_of_bounds(event.occurred_at, event.received_at)
    ):
        return "timestamp_out_of_range"
    return None


def _member_reason(
    tenant_id: str | None, user_id: str | None, staged: Staged, user_required: bool
) -> str | None:
    """unknown_tenant / unknown_user / user_tenant_mismatch for a row naming both."""
    if tenant_id not in staged.tenants:
        return "unknown_tenant"
    if is_blank(user_id):
        return "missing_key" if user_required else None
    user = staged.users.get(str(user_id))
    if user is None:
        return "unknown_user"
    if user.tenant_id != tenant_id:
        return "user_tenant_mismatch"
    return None


def _other_reason(table: str, row: Row, staged: Staged) -> str | None:
    if isinstance(row, Certification):
        if any(is_blank(v) for v in (row.certification_id, row.tenant_id, row.user_id)):
            return "missing_key"
        reason = _member_reason(row.tenant_id, row.user_id, staged, user_required=True)
        return reason or ("timestamp_out_of_range" if out_of_bounds(row.issued_at) else None)
    if isinstance(row, Content):
        if is_blank(row.content_id):
            return "missing_key"
        bounds = out_of_bounds(row.published_at, row.last_updated_at, row.retired_at)
        return "timestamp_out_of_range" if bounds else None
    if isinstance(row, LearningCost):
        if is_blank(row.cost_id):
            return "missing_key"
        if row.category not in COST_CATEGORIES or not row.amount_usd >= 0:
            return "invalid_value"
        if not is_blank(row.tenant_id) and row.tenant_id not in staged.tenants:
            return "unknown_tenant"
        return "timestamp_out_of_range" if out_of_bounds(row.month) else None
    if isinstance(row, SupportTicket):
        if is_blank(row.ticket_id) or is_blank(row.tenant_id):
            return "missing_key"
        if row.tier not in TIERS:
            return "invalid_value"
        reason = _member_reason(row.tenant_id, row.user_id, staged, user_required=False)
        bounds = out_of_bounds(row.created_at, row.resolved_at)
        return reason or ("timestamp_out_of_range" if bounds else None)
    if isinstance(row, SubscriptionEvent):
        if is_blank(row.subscription_event_id) or is_blank(row.tenant_id):
            return "missing_key"
        if row.event_type not in SUBSCRIPTION_EVENT_TYPES:
            return "invalid_value"
        if row.tenant_id not in staged.tenants:
            return "unknown_tenant"
        return "timestamp_out_of_range" if out_of_bounds(row.effective_at) else None
    if isinstance(row, ExperimentAssignment):
        if is_blank(row.experiment_id) or is_blank(row.tenant_id):
            return "missing_key"
        if row.arm not in ARMS:
            return "invalid_value"
        if row.tenant_id not in staged.tenants:
            return "unknown_tenant"
        return "timestamp_out_of_range" if out_of_bounds(row.assigned_at) else None
    raise TypeError(f"unexpected row in {table}: {row!r}")


def _deduplicated_events(events: tuple[Event, ...], staged: Staged) -> list[Event]:
    """One delivery per event_id: the earliest received_at (rows without an id stay)."""
    earliest: dict[str, Event] = {}
    kept: list[Event] = []
    for event in events:
        if is_blank(event.event_id):
            kept.append(event)
            continue
        key = event.event_id.strip()
        current = earliest.get(key)
        if current is None or event.received_at < current.received_at:
            earliest[key] = event
        staged.duplicates["events"] += current is not None
    return kept + list(earliest.values())


def _strip_keys(event: Event) -> Event:
    return replace(
        event,
        event_id=event.event_id.strip(),
        tenant_id=event.tenant_id.strip(),
        user_id=event.user_id.strip(),
    )


def stage(feed: Feed) -> Staged:
    """Split every raw table into staged, quarantined (by reason) and duplicate rows."""
    staged = Staged()
    for table in RAW_TABLES:
        staged.raw[table] = len(feed.rows(table))

    for tenant in feed.tenants:
        reason = _tenant_reason(tenant)
        if reason is None and tenant.tenant_id in staged.tenants:
            reason = "duplicate_key"
        if reason:
            staged.quarantined["tenants", reason] += 1
        else:
            staged.tenants[tenant.tenant_id] = tenant

    for user in feed.users:
        reason = _user_reason(user, staged.tenants)
        if reason is None and user.user_id in staged.users:
            reason = "duplicate_key"
        if reason:
            staged.quarantined["users", reason] += 1
        else:
            staged.users[user.user_id] = user

    for event in _deduplicated_events(feed.events, staged):
        reason = _event_reason(event, staged)
        if reason:
            staged.quarantined["events", reason] += 1
        else:
            staged.events.append(_strip_keys(event))

    for table in RAW_TABLES[3:]:
        for row in feed.rows(table):
            reason = _other_reason(table, row, staged)
            if reason:
                staged.quarantined[table, reason] += 1
            else:
                getattr(staged, table).append(row)
    return staged
