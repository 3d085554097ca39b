"""Generator configuration, fixed calendar and the catalogs the tables draw from."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from tenant_kpis.errors import UserError

#: Exclusive end of the generated history: Monday 2026-11-16 00:00 UTC, so the
#: last day with data (the as-of date) is Sunday 2026-11-15 and the week
#: 2026-11-09 .. 2026-11-15 is the last complete ISO week.
DEFAULT_END_DATE = date(2026, 11, 16)

EPOCH = datetime(1970, 1, 1)
#: Events converted and written per step; the output does not depend on it.
DEFAULT_CHUNK_EVENTS = 1_000_000
#: `file`: one events.<format>; `partitioned`: events/load_date=YYYY-MM-DD/part-00000.parquet.
EVENTS_LAYOUTS = ("file", "partitioned")
DAY = 86_400

INDUSTRIES = ("saas_smb", "enterprise_software", "healthcare", "financial_services")
INDUSTRY_WEIGHTS = (0.35, 0.25, 0.2, 0.2)
TIERS = ("starter", "growth", "enterprise")
TIER_WEIGHTS = (0.45, 0.35, 0.20)
REGIONS = ("na", "emea", "apac", "latam")
REGION_WEIGHTS = (0.45, 0.3, 0.17, 0.08)
PERSONAS = ("admin", "operator", "end_user")
PERSONA_WEIGHTS = (0.10, 0.35, 0.55)

#: Seats purchased per tier: (low, high) of a log-uniform draw.
SEAT_RANGES = {"starter": (5, 30), "growth": (20, 150), "enterprise": (100, 800)}
#: List price per seat and month, USD.
SEAT_PRICE_USD = {"starter": 20.0, "growth": 35.0, "enterprise": 55.0}

SETUP_STEPS = (
    "create_workspace",
    "invite_users",
    "configure_sso",
    "import_data",
    "define_roles",
    "connect_integration",
    "configure_notifications",
    "publish_first_workflow",
)
INTEGRATIONS = ("salesforce", "slack", "jira", "hubspot", "zendesk", "snowflake", "okta", "teams")
SETTINGS = (
    "notification_rules",
    "approval_policy",
    "data_retention",
    "custom_fields",
    "sla_targets",
    "branding",
    "timezone",
    "dashboard_layout",
    "export_schedule",
    "webhooks",
)
GOVERNANCE_ACTIONS = (
    "role_created",
    "policy_updated",
    "permission_granted",
    "permission_revoked",
    "audit_review",
)
#: Product feature catalog; the flag marks the critical features.
FEATURES = (
    ("dashboards", True),
    ("workflow_builder", True),
    ("automations", True),
    ("reports", False),
    ("search", False),
    ("templates", False),
    ("approvals", False),
    ("forms", False),
    ("calendar", False),
    ("mobile_app", False),
    ("api_access", False),
    ("ai_assistant", False),
)
WORKFLOWS = (
    "order_to_cash",
    "incident_triage",
    "employee_onboarding",
    "invoice_approval",
    "case_resolution",
    "quarterly_review",
)
TASK_TYPES = ("data_entry", "review", "approval", "reconciliation", "escalation", "report_run")
CERTIFICATIONS = (
    ("Platform Fundamentals", "foundation"),
    ("Operator Specialist", "professional"),
    ("Administrator Professional", "professional"),
    ("Solution Expert", "expert"),
)
CONTENT_TYPES = ("video", "article", "interactive", "quiz", "webinar")
COST_CATEGORIES = ("licenses", "content_production", "facilitation", "support")
TICKET_CATEGORIES = {
    1: ("how_to", "login_access", "billing_question", "account_settings"),
    2: ("bug", "data_import", "integration_error", "performance"),
    3: ("outage", "data_loss", "security"),
}

#: Event names by category (the project's event taxonomy seed).
AUTONOMY_EVENTS = (
    "setup_step_completed",
    "data_import_completed",
    "integration_connected",
    "self_service_config_changed",
    "governance_action",
)
LEARNING_EVENTS = ("content_viewed", "lesson_completed", "course_completed")

#: Industry bands (upper bound = target days) for days from onboarding to a tenant's
#: first certification, and the medians the generator plants.
CERTIFICATION_BANDS = {
    "saas_smb": (0, 14),
    "enterprise_software": (30, 60),
    "healthcare": (30, 90),
    "financial_services": (30, 60),
}
CERTIFICATION_MEDIAN_DAYS = {
    "saas_smb": 9.0,  # inside (< 14)
    "enterprise_software": 42.0,  # inside (30-60)
    "healthcare": 125.0,  # outside (> 90)
    "financial_services": 80.0,  # outside (> 60)
}


def child_rng(seed: int, name: str) -> np.random.Generator:
    """A Generator for one table family, independent of the others.

    Children are keyed by name (not by spawn order), so adding a table or
    reordering the steps never shifts another table's random stream.
    """
    key = zlib.crc32(name.encode())
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(key,)))


def unit_rng(seed: int, name: str, unit: int) -> np.random.Generator:
    """A Generator for one unit (a tenant) of a table family.

    Each tenant's events draw from their own stream, so what a tenant gets never
    depends on which tenants were generated before it or on how many are held
    in memory at once: the same seed gives the same bytes at any chunk size.
    """
    key = zlib.crc32(name.encode())
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(key, unit)))


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate. Invalid values raise `UserError`."""

    tenants: int = 200
    seed: int = 42
    years: float = 2.5
    dirty_rate: float = 0.0
    file_format: str = "parquet"
    events_per_user_day: float | None = None
    end_date: date = DEFAULT_END_DATE
    holdback_days: int = 0
    event_years: float | None = None
    events_layout: str = "file"
    chunk_events: int = DEFAULT_CHUNK_EVENTS
    effects: dict[str, float] = field(default_factory=dict)
    #: None, "stationary" or "drop": planted first-value truths for the pipeline alert
    #: simulation (generator/alert_scenario.py); None leaves the data unchanged.
    alert_scenario: str | None = None
    #: With "drop": users created on or after this day draw the dropped truths.
    alert_drop_date: date | None = None
    #: With "drop": the median's named drop (alert_scenario.Thresholds); None: the seed's
    #: alert_simulation_median_drop_share. Set only to sweep drop sizes.
    alert_median_drop_share: float | None = None

    def __post_init__(self) -> None:
        if self.tenants < 1:
            raise UserError(f"--tenants must be at least 1, got {self.tenants}")
        if self.tenants > 200_000:
            raise UserError(f"--tenants must be at most 200000, got {self.tenants}")
        if not 0.25 <= self.years <= 20:
            raise UserError(f"--years must be between 0.25 and 20, got {self.years}")
        if not 0.0 <= self.dirty_rate <= 0.5:
            raise UserError(f"--dirty must be between 0 and 0.5, got {self.dirty_rate}")
        if self.file_format not in ("parquet", "csv"):
            raise UserError(f"--format must be parquet or csv, got {self.file_format!r}")
        if self.events_per_user_day is not None and not 1.0 <= self.events_per_user_day <= 100:
            raise UserError(
                "--events-per-user-day must be between 1 and 100 (every active user-day "
                f"has at least one session), got {self.events_per_user_day}"
            )
        if self.holdback_days < 0:
            raise UserError(f"--holdback-days must be >= 0, got {self.holdback_days}")
        if self.seed < 0:
            raise UserError(f"--seed must be >= 0, got {self.seed}")
        if self.event_years is not None and not 7 / 365.25 <= self.event_years <= self.years:
            raise UserError(
                f"--event-years must be between one week and --years ({self.years}), "
                f"got {self.event_years}"
            )
        if self.events_layout not in EVENTS_LAYOUTS:
            raise UserError(
                f"--events-layout must be file or partitioned, got {self.events_layout!r}"
            )
        if self.events_layout == "partitioned" and self.file_format != "parquet":
            raise UserError(
                "--events-layout partitioned writes Parquet partitions (the raw contract "
                "allows no CSV partitions): use --format parquet"
            )
        if self.chunk_events < 1:
            raise UserError(f"--chunk-events must be at least 1, got {self.chunk_events}")
        if self.alert_scenario not in (None, "stationary", "drop"):
            raise UserError(
                f"alert_scenario must be stationary or drop, got {self.alert_scenario!r}"
            )
        if (self.alert_scenario == "drop") != (self.alert_drop_date is not None):
            raise UserError("alert_drop_date is required with, and only with, the drop scenario")
        if self.alert_median_drop_share is not None and (
            self.alert_scenario != "drop" or not 0.0 <= self.alert_median_drop_share < 1.0
        ):
            raise UserError(
                "alert_median_drop_share must be in [0, 1) and goes with the drop scenario, "
                f"got {self.alert_median_drop_share!r}"
            )
        if self.alert_drop_date is not None and not (
            self.start_date < self.alert_drop_date < self.end_date
        ):
            raise UserError(
                f"alert_drop_date {self.alert_drop_date} is outside the history "
                f"({self.start_date} .. {self.end_date})"
            )

    @property
    def end(self) -> datetime:
        return datetime(self.end_date.year, self.end_date.month, self.end_date.day)

    @property
    def end_epoch_day(self) -> int:
        return (self.end - EPOCH).days

    @property
    def history_days(self) -> int:
        return round(self.years * 365.25)

    @property
    def start_epoch_day(self) -> int:
        return self.end_epoch_day - self.history_days

    @property
    def event_start_epoch_day(self) -> int:
        """First day whose deliveries are written (the whole history by default)."""
        if self.event_years is None:
            return self.start_epoch_day
        return self.end_epoch_day - round(self.event_years * 365.25)

    @property
    def start_date(self) -> date:
        return self.end_date - timedelta(days=self.history_days)

    @property
    def alert_drop_epoch_day(self) -> int | None:
        if self.alert_drop_date is None:
            return None
        return (self.alert_drop_date - EPOCH.date()).days

    @property
    def as_of_date(self) -> date:
        return self.end_date - timedelta(days=1)


#: The planted effects (defaults); `GeneratorConfig.effects` may override them.
DEFAULT_EFFECTS: dict[str, float] = {
    "certification_error_reduction": 0.30,
    "certification_tier1_ticket_reduction": 0.25,
}
