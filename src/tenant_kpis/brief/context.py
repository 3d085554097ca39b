"""What a brief is about (week and segment) and the facts every page shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd

from tenant_kpis.brief import fmt
from tenant_kpis.brief.marts import Marts, MartUnavailable
from tenant_kpis.errors import UserError

SEGMENT_TYPES = ("industry", "plan_tier", "persona")
AUTONOMY_KPIS = (
    "adoption_rate_90d",
    "time_to_certification_median_days",
    "performance_improvement",
    "cost_per_learner_usd",
    "content_freshness_rate",
)
WEEKS_OF_HISTORY = 13


@dataclass(frozen=True)
class Scope:
    week: date
    segment_type: str = "all"
    segment_value: str = "all"

    @property
    def is_platform(self) -> bool:
        return self.segment_type == "all"

    @property
    def first_week(self) -> date:
        """First week of the 13-week window ending with the brief's week."""
        return self.week - timedelta(weeks=WEEKS_OF_HISTORY - 1)

    @property
    def week_end(self) -> date:
        """Exclusive end of the week."""
        return self.week + timedelta(days=7)

    @property
    def label(self) -> str:
        if self.is_platform:
            return "All tenants"
        return f"{fmt.humanise(self.segment_type).capitalize()}: {self.segment_value}"

    @property
    def slug(self) -> str:
        return "" if self.is_platform else f"_{self.segment_type}-{self.segment_value}"


@dataclass(frozen=True)
class KpiInfo:
    kpi_name: str
    label: str
    unit: str
    direction: str
    definition: str = ""
    owner: str = ""

    @property
    def higher_is_better(self) -> bool:
        return not self.direction.startswith("lower")


@dataclass
class Brief:
    """Shared state of one rendering: the marts, the scope and lookups."""

    marts: Marts
    scope: Scope
    build: dict[str, Any]
    catalog: dict[str, KpiInfo] = field(default_factory=dict)
    weeks: list[date] = field(default_factory=list)

    def kpi(self, name: str) -> KpiInfo:
        """The KPI as the publication describes it; a KPI it does not describe is
        an incomplete publication, not something to guess from the name."""
        if name in self.catalog:
            return self.catalog[name]
        raise UserError(
            f"KPI {name!r} is not described in {self.marts.path} (neither dim_kpis nor "
            "fct_kpi_scorecard has it): republish with `tenant-kpis publish`"
        )

    @property
    def published_at(self) -> datetime:
        value = self.build.get("published_at")
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        return datetime.combine(self.scope.week_end, datetime.min.time(), tzinfo=UTC)


def parse_week(text: str) -> date:
    try:
        week = date.fromisoformat(text.strip())
    except ValueError as error:
        raise UserError(f"--week {text!r} is not a date (expected YYYY-MM-DD)") from error
    if week.weekday() != 0:
        monday = week - timedelta(days=week.weekday())
        raise UserError(
            f"--week {week} is a {week.strftime('%A')}; weeks start on Monday "
            f"(the week containing it starts {monday})"
        )
    return week


def parse_segment(text: str | None) -> tuple[str, str]:
    if text is None or text.strip() in ("", "all", "all=all"):
        return "all", "all"
    if "=" not in text:
        raise UserError(
            f"--segment {text!r} must be TYPE=VALUE, e.g. industry=healthcare "
            f"(types: {', '.join(SEGMENT_TYPES)})"
        )
    kind, value = (part.strip() for part in text.split("=", 1))
    if kind not in SEGMENT_TYPES:
        raise UserError(
            f"unknown segment type {kind!r} in --segment {text!r} "
            f"(types: {', '.join(SEGMENT_TYPES)})"
        )
    if not value:
        raise UserError(f"--segment {text!r} has no value after '='")
    return kind, value


def available_weeks(marts: Marts) -> list[date]:
    for table in ("fct_kpi_scorecard", "fct_kpi_weekly"):
        if marts.has(table):
            frame = marts.query(f"select distinct week_start from {{{table}}} order by 1")
            return [pd.Timestamp(v).date() for v in frame["week_start"] if v is not None]
    raise UserError(
        f"{marts.path} holds neither fct_kpi_scorecard nor fct_kpi_weekly: "
        "is it a published marts file?"
    )


def resolve_scope(
    marts: Marts, weeks: list[date], week_text: str | None, segment_text: str | None
) -> Scope:
    """Validate --week and --segment against the marts."""
    if not weeks:
        raise UserError(f"{marts.path} has no weeks in its KPI marts: nothing to brief")
    if week_text is None:
        week = weeks[-1]
    else:
        week = parse_week(week_text)
        if week > weeks[-1]:
            raise UserError(
                f"--week {week} is after the last complete week in the marts ({weeks[-1]})"
            )
        if week < weeks[0]:
            raise UserError(f"--week {week} is before the first week in the marts ({weeks[0]})")
    kind, value = parse_segment(segment_text)
    if kind != "all":
        known = segment_values(marts, kind)
        if value not in known:
            shown = ", ".join(known) if known else "none"
            raise UserError(f"unknown {kind} {value!r} in --segment (known values: {shown})")
    return Scope(week=week, segment_type=kind, segment_value=value)


def segment_values(marts: Marts, kind: str) -> list[str]:
    table = "fct_kpi_scorecard" if marts.has("fct_kpi_scorecard") else "fct_kpi_weekly"
    frame = marts.query(
        f"select distinct segment_value from {{{table}}} where segment_type = ? "
        "and segment_value is not null order by 1",
        [kind],
    )
    return [str(v) for v in frame["segment_value"]]


def load_catalog(marts: Marts) -> dict[str, KpiInfo]:
    """KPI labels, units, directions and definitions from dim_kpis (the kpi_catalog
    seed as a public mart), else from the scorecard's descriptive columns (no
    definitions). Both are contracted columns: nothing is guessed from a name."""
    fields = ("label", "unit", "direction", "definition", "owner")
    if marts.has("dim_kpis"):
        try:
            rows = marts.select("dim_kpis", ["kpi_name", *fields], required=fields[1:3])
        except MartUnavailable as error:
            raise UserError(f"{marts.path}: {error}") from error
    elif marts.has("fct_kpi_scorecard"):
        columns = {f: marts.resolve("fct_kpi_scorecard", f) for f in fields}
        picks = ", ".join(
            f'any_value("{column}") as {field}' if column else f"null as {field}"
            for field, column in columns.items()
        )
        rows = marts.query(f"select kpi_name, {picks} from {{fct_kpi_scorecard}} group by 1")
    else:
        return {}
    catalog: dict[str, KpiInfo] = {}
    for record in rows.to_dict("records"):
        name = str(record["kpi_name"])
        catalog[name] = KpiInfo(
            kpi_name=name,
            label=_text(record.get("label")) or fmt.humanise(name),
            unit=_text(record.get("unit")),
            direction=_text(record.get("direction")),
            definition=_text(record.get("definition")),
            owner=_text(record.get("owner")),
        )
    return catalog


def load_build_info(marts: Marts) -> dict[str, Any]:
    if not marts.has("build_info"):
        return {}
    frame = marts.select("build_info", list(_BUILD_FIELDS))
    return {} if frame.empty else {k: _plain(v) for k, v in frame.iloc[0].to_dict().items()}


_BUILD_FIELDS = (
    "published_at",
    "invocation_id",
    "dbt_version",
    "git_commit",
    "models_built",
    "tests_passed",
    "tests_failed",
    "tests_warned",
    "tests_errored",
    "overridden_anomalies",
)


def _plain(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return None if fmt.is_missing(value) else value


def _text(value: Any) -> str:
    return "" if value is None or fmt.is_missing(value) else str(value)
