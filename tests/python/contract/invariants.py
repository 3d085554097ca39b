"""What must hold on the warehouse dbt built from any feed the contract allows.

Each check returns `Violation`s (empty when it holds):
- the build passes: no model error, no failing test;
- the row accounting identity per raw table, and the counts the contract
  gives for the feed;
- rates in [0, 1] with numerator <= denominator, null on a zero denominator;
- no row for a week after the as-of week (nothing from an unobserved window);
- every row an int_kpi_<family>_computed model computes lands on the grid of
  fct_kpi_weekly;
- per-unit facts (fct_tenant_onboarding, fct_user_onboarding,
  fct_tenant_health_weekly, fct_retention_cohorts, fct_pilot_results) equal
  the independent computation of `definitions`, and so do the rolling-cohort
  and weekly rates of `kpis` in fct_kpi_weekly.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from contract.build import BuildResult
from contract.definitions import Expected
from contract.feed import RAW_TABLES
from contract.kpis import WEEKLY_RATE_KPIS

FLOAT_TOLERANCE = 1e-9
KPI_FAMILY_MODELS = (
    "int_kpi_autonomy_adoption_computed",
    "int_kpi_autonomy_certification_computed",
    "int_kpi_autonomy_performance_computed",
    "int_kpi_autonomy_cost_computed",
    "int_kpi_autonomy_content_computed",
    "int_kpi_onboarding_computed",
    "int_kpi_engagement_computed",
    "int_kpi_health_computed",
)


@dataclass(frozen=True)
class Violation:
    invariant: str
    unit: str
    column: str
    observed: object = None
    expected: object = None

    def __str__(self) -> str:
        return (
            f"[{self.invariant}] {self.unit} {self.column}: "
            f"observed {self.observed!r}, expected {self.expected!r}"
        )


def normalise(value: object) -> object:
    """Plain Python values: None for every null, datetime for timestamps and dates."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    if hasattr(value, "item"):  # numpy scalars
        return normalise(value.item())
    return value


def same(observed: object, expected: object) -> bool:
    observed, expected = normalise(observed), normalise(expected)
    if observed is None or expected is None:
        return observed is None and expected is None
    if isinstance(expected, bool) or isinstance(observed, bool):
        return isinstance(observed, bool) and isinstance(expected, bool) and observed == expected
    if isinstance(expected, int | float) and isinstance(observed, int | float):
        return math.isclose(observed, expected, rel_tol=1e-12, abs_tol=FLOAT_TOLERANCE)
    return observed == expected


def compare_rows(
    invariant: str,
    observed_rows: dict[object, dict[str, object]],
    expected_rows: dict[object, dict[str, object]],
) -> list[Violation]:
    """Row sets keyed alike; every expected column of every row must be the same."""
    violations = []
    for key in sorted(set(observed_rows) | set(expected_rows), key=repr):
        unit = " ".join(str(part) for part in (key if isinstance(key, tuple) else (key,)))
        if key not in observed_rows:
            violations.append(Violation(invariant, unit, "<row>", None, "present"))
            continue
        if key not in expected_rows:
            violations.append(Violation(invariant, unit, "<row>", "present", None))
            continue
        for column, expected_value in expected_rows[key].items():
            observed_value = observed_rows[key].get(column)
            if not same(observed_value, expected_value):
                violations.append(
                    Violation(
                        invariant,
                        unit,
                        column,
                        normalise(observed_value),
                        normalise(expected_value),
                    )
                )
    return violations


def _records(frame: pd.DataFrame, keys: Iterable[str]) -> dict[object, dict[str, object]]:
    keys = list(keys)
    rows = {}
    for record in frame.to_dict("records"):
        key_values = tuple(normalise(record[k]) for k in keys)
        rows[key_values[0] if len(keys) == 1 else key_values] = record
    return rows


def _date_key(value: object) -> object:
    value = normalise(value)
    return value.date() if isinstance(value, datetime.datetime) else value


# ---------------------------------------------------------------- checks


def build_passes(result: BuildResult) -> list[Violation]:
    violations = [
        Violation("build_passes", node, "status", "failed", "success")
        for node in result.failed_nodes
    ]
    if result.returncode != 0 and not violations:
        violations.append(Violation("build_passes", "dbt build", "exit code", result.returncode, 0))
    if result.publish_returncode not in (None, 0):
        violations.append(
            Violation(
                "build_passes", "tenant-kpis publish", "exit code", result.publish_returncode, 0
            )
        )
    return violations


def row_accounting(result: BuildResult, expected: Expected) -> list[Violation]:
    frame = result.query(
        "select raw_table, sum(rows_raw) as rows_raw, sum(rows_staged) as rows_staged, "
        "sum(rows_quarantined) as rows_quarantined, sum(rows_duplicate) as rows_duplicate, "
        "bool_and(rows_raw = rows_staged + rows_quarantined + rows_duplicate) as identity_holds "
        "from main.dq_row_accounting group by 1"
    )
    observed = _records(frame, ["raw_table"])
    violations = [
        Violation("row_accounting", str(table), "identity", False, True)
        for table, row in observed.items()
        if not row["identity_holds"]
    ]
    expected_rows = {table: expected.staged.accounting(table) for table in RAW_TABLES}
    return violations + compare_rows("row_accounting", observed, expected_rows)


def as_of_date(result: BuildResult, expected: Expected) -> list[Violation]:
    frame = result.query("select as_of_date from intermediate.int_as_of_date")
    observed = _date_key(frame["as_of_date"].iloc[0]) if len(frame) else None
    wanted = expected.calendar.as_of_date if expected.calendar else None
    if observed != wanted:
        return [Violation("as_of_date", "int_as_of_date", "as_of_date", observed, wanted)]
    return []


def rates_bounded(result: BuildResult) -> list[Violation]:
    """Rate KPIs: 0 <= numerator <= denominator, value = numerator / denominator or null."""
    frame = result.query(
        """
        select weekly.*, catalog.unit, catalog.aggregation
        from main.fct_kpi_weekly as weekly
        inner join seeds.kpi_catalog as catalog on weekly.kpi_name = catalog.kpi_name
        where weekly.value is not null or weekly.numerator is not null
            or weekly.denominator is not null
        """
    )
    violations = []
    for row in frame.to_dict("records"):
        segment = f"{row['segment_type']}={row['segment_value']}"
        unit = f"{_date_key(row['week_start'])} {row['kpi_name']} {segment}"
        value, numerator, denominator = (
            normalise(row[c]) for c in ("value", "numerator", "denominator")
        )
        if denominator == 0 and value is not None:
            violations.append(
                Violation("rates_bounded", unit, "value on a zero denominator", value, None)
            )
        if row["unit"] != "rate" or row["aggregation"] != "ratio":
            continue
        if value is not None and not 0 <= value <= 1:
            violations.append(Violation("rates_bounded", unit, "value", value, "in [0, 1]"))
        if numerator is not None and denominator is not None:
            if not 0 <= numerator <= denominator:
                violations.append(
                    Violation(
                        "rates_bounded", unit, "numerator", numerator, f"in [0, {denominator}]"
                    )
                )
            wanted = numerator / denominator if denominator else None
            if not same(value, wanted):
                violations.append(Violation("rates_bounded", unit, "value", value, wanted))
    if result.has_relation("main", "fct_retention_cohorts"):
        retention = result.query(
            "select * from main.fct_retention_cohorts "
            "where retained_users > cohort_users or retention_rate not between 0 and 1"
        )
        violations += [
            Violation(
                "rates_bounded",
                f"retention {r['cohort_week_start']} +{r['weeks_since_signup']}",
                "retention_rate",
                r["retention_rate"],
                "in [0, 1]",
            )
            for r in retention.to_dict("records")
        ]
    if result.has_relation("main", "fct_tenant_health_weekly"):
        health = result.query(
            "select tenant_id, week_start from main.fct_tenant_health_weekly where "
            "health_score not between 0 and 100 "
            "or activation_progress_component not between 0 and 1 "
            "or usage_depth_component not between 0 and 1 "
            "or support_load_component not between 0 and 1 "
            "or sentiment_component not between 0 and 1"
        )
        violations += [
            Violation(
                "rates_bounded",
                f"health {r['tenant_id']} {r['week_start']}",
                "component",
                None,
                "in [0, 1]",
            )
            for r in health.to_dict("records")
        ]
    return violations


def observed_windows_only(result: BuildResult, expected: Expected) -> list[Violation]:
    """No weekly row for a week that is not complete by the as-of date."""
    if expected.calendar is None:
        return []
    last_week = expected.calendar.as_of_week_start
    violations = []
    for model, column in (
        ("fct_kpi_weekly", "week_start"),
        ("fct_tenant_health_weekly", "week_start"),
        ("fct_tenant_activity_weekly", "week_start"),
        ("fct_retention_cohorts", "activity_week_start"),
    ):
        if not result.has_relation("main", model):
            continue
        frame = result.query(f"select max({column}) as last_week from main.{model}")
        observed = _date_key(frame["last_week"].iloc[0])
        if observed is not None and observed > last_week:
            violations.append(
                Violation("observed_windows_only", model, column, observed, f"<= {last_week}")
            )
    return violations


def kpi_rows_on_grid(result: BuildResult) -> list[Violation]:
    violations = []
    for model in KPI_FAMILY_MODELS:
        if not result.has_relation("intermediate", model):
            continue
        frame = result.query(
            f"""
            select computed.week_start, computed.kpi_name, computed.segment_type,
                computed.segment_value
            from intermediate.{model} as computed
            left join main.fct_kpi_weekly as grid
                on computed.week_start = grid.week_start
                and computed.kpi_name = grid.kpi_name
                and computed.segment_type = grid.segment_type
                and computed.segment_value = grid.segment_value
            where grid.kpi_name is null
            """
        )
        violations += [
            Violation(
                "kpi_rows_on_grid",
                f"{model} {_date_key(r['week_start'])} {r['kpi_name']} "
                f"{r['segment_type']}={r['segment_value']}",
                "grid row",
                None,
                "present",
            )
            for r in frame.to_dict("records")
        ]
    return violations


def tenant_facts(result: BuildResult, expected: Expected) -> list[Violation]:
    observed = _records(result.query("select * from main.fct_tenant_onboarding"), ["tenant_id"])
    return compare_rows("fct_tenant_onboarding", observed, expected.tenants)


def user_facts(result: BuildResult, expected: Expected) -> list[Violation]:
    observed = _records(result.query("select * from main.fct_user_onboarding"), ["user_id"])
    return compare_rows("fct_user_onboarding", observed, expected.users)


def health_history(result: BuildResult, expected: Expected) -> list[Violation]:
    frame = result.query("select * from main.fct_tenant_health_weekly")
    observed = {(r["tenant_id"], _date_key(r["week_start"])): r for r in frame.to_dict("records")}
    return compare_rows("fct_tenant_health_weekly", observed, expected.health)


def tenant_weeks(result: BuildResult, expected: Expected) -> list[Violation]:
    frame = result.query("select * from main.fct_tenant_activity_weekly")
    observed = {(r["tenant_id"], _date_key(r["week_start"])): r for r in frame.to_dict("records")}
    return compare_rows("fct_tenant_activity_weekly", observed, expected.activity)


def dimensions(result: BuildResult, expected: Expected) -> list[Violation]:
    tenants = _records(result.query("select * from main.dim_tenants"), ["tenant_id"])
    violations = compare_rows("dim_tenants", tenants, expected.dim_tenants)
    if result.has_relation("main", "dim_users"):
        users = _records(result.query("select * from main.dim_users"), ["user_id"])
        violations += compare_rows("dim_users", users, expected.dim_users)
    return violations


def retention_matrix(result: BuildResult, expected: Expected) -> list[Violation]:
    frame = result.query("select * from main.fct_retention_cohorts")
    observed = {
        (
            _date_key(r["cohort_week_start"]),
            int(r["weeks_since_signup"]),
            r["segment_type"],
            r["segment_value"],
        ): r
        for r in frame.to_dict("records")
    }
    return compare_rows("fct_retention_cohorts", observed, expected.retention)


def pilot_results(result: BuildResult, expected: Expected) -> list[Violation]:
    frame = result.query("select * from main.fct_pilot_results")
    observed = {(r["experiment_id"], r["checkpoint"]): r for r in frame.to_dict("records")}
    return compare_rows("fct_pilot_results", observed, expected.pilots)


def cohort_and_weekly_rates(result: BuildResult, expected: Expected) -> list[Violation]:
    """The ratio KPIs of contract.kpis: every computed row equal, every other row null."""
    names = ", ".join(f"'{name}'" for name in WEEKLY_RATE_KPIS)
    frame = result.query(
        "select week_start, kpi_name, segment_type, segment_value, value, numerator, denominator "
        f"from main.fct_kpi_weekly where kpi_name in ({names})"
    )
    observed = {
        (_date_key(r["week_start"]), r["kpi_name"], r["segment_type"], r["segment_value"]): r
        for r in frame.to_dict("records")
    }
    violations = compare_rows(
        "fct_kpi_weekly",
        {key: row for key, row in observed.items() if key in expected.weekly_rates},
        expected.weekly_rates,
    )
    for key, row in observed.items():
        if key not in expected.weekly_rates and normalise(row["value"]) is not None:
            unit = " ".join(str(part) for part in key)
            violations.append(
                Violation("fct_kpi_weekly", unit, "value", normalise(row["value"]), None)
            )
    return violations


MART_CHECKS = (
    ("main", "dq_row_accounting", row_accounting),
    ("intermediate", "int_as_of_date", as_of_date),
    ("main", "fct_tenant_onboarding", tenant_facts),
    ("main", "fct_user_onboarding", user_facts),
    ("main", "fct_tenant_health_weekly", health_history),
    ("main", "fct_tenant_activity_weekly", tenant_weeks),
    ("main", "dim_tenants", dimensions),
    ("main", "fct_retention_cohorts", retention_matrix),
    ("main", "fct_pilot_results", pilot_results),
    ("main", "fct_kpi_weekly", cohort_and_weekly_rates),
)


def check_all(result: BuildResult, expected: Expected) -> list[Violation]:
    """Every invariant on what the build made.

    A mart a full build did not produce is itself a violation; a build of a
    selection (a regression fixture's part of the DAG) checks what it built.
    """
    violations = build_passes(result)
    if not result.database.exists():
        return violations
    for schema, model, check in MART_CHECKS:
        if result.has_relation(schema, model):
            violations += check(result, expected)
        elif not result.selection:
            violations.append(Violation("built", f"{schema}.{model}", "<relation>", None, "built"))
    if result.has_relation("main", "fct_kpi_weekly"):
        violations += rates_bounded(result)
        violations += observed_windows_only(result, expected)
        violations += kpi_rows_on_grid(result)
    return violations
