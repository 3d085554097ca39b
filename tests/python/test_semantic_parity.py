"""The semantic layer gives the same KPI values as the marts.

Fast tests (parse only): every kpi_name of the KPI catalog is a metric,
`mf validate-configs` passes, and the window lengths hard-coded in the
semantic YAML still equal the seed parameters.

Slow tests (the suite's shared generated dataset, built with dbt):
each metric is queried through MetricFlow for the last complete weeks and
every segment, and compared with `fct_kpi_weekly` within floating-point
tolerance. KPIs that MetricFlow cannot express faithfully are metrics over
the mart value; for them the comparison is a plumbing check (documented
in MART_BACKED). The conversion metric is queried alone and together with
its base metric, and both must agree with an independent computation
(guard against the MetricFlow-on-DuckDB over-count when a conversion metric
shares a query with another metric).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable
from typing import Any

import pytest
from fixtures_semantic import (
    PROJECT_DIR,
    DbtWorkspace,
    mf_query_batch,
    parsed_workspace,
    reused_workspace,
    run_mf,
    warehouse_rows,
    workspace_of,
)

LAST_WEEKS = 12
REL_TOLERANCE = 1e-9
ABS_TOLERANCE = 1e-9

TENANT_SEGMENTS = {
    "all": None,
    "industry": "tenant__industry",
    "plan_tier": "tenant__plan_tier",
    "onboarding_cohort": "tenant__onboarding_cohort",
}
USER_SEGMENTS = {
    "all": None,
    "industry": "user__industry",
    "plan_tier": "user__plan_tier",
    "persona": "user__persona",
    "onboarding_cohort": "user__onboarding_cohort",
}
# Segments that are rows of the mart rather than joins.
ROW_SEGMENTS = "rows"

NATIVE_TENANT_KPIS = (
    "weekly_adoption_rate",
    "adoption_rate_90d",
    "certification_within_target_rate",
    "time_to_certification_median_days",
    "health_score_mean",
    "at_risk_tenant_share",
)
NATIVE_USER_KPIS = (
    "activation_rate_14d",
    "activation_rate_30d",
    "activation_rate_60d",
    "first_value_rate_14d",
    "first_value_rate_30d",
    "first_value_rate_60d",
    "time_to_activate_median_days",
    "time_to_first_value_median_days",
    "feature_depth_30d_median",
    "login_consistency",
    "repeat_usage_days_per_week",
    "streak_4w_share",
)
# Week-4 retention: over the per-user KPI windows, segments via user__.
RETENTION_KPIS = ("retention_week_4",)
# Not expressible faithfully in MetricFlow (reason in each metric's
# description and the README): the metric is the mart value, so parity is a
# check that the metric, its filter and the segment dimensions are wired.
MART_BACKED = (
    "performance_improvement",
    "ticket_decline",
    "cost_per_learner_usd",
    "content_freshness_rate",
    "content_freshness_weighted",
    "nps",
)

# Literals of the semantic YAML (paths under models/) and the seed parameter
# each one mirrors. The rolling cohort's window is written in every KPI
# family's cumulative metrics: test_cumulative_windows_match_the_rolling_cohort.
SEMANTIC_LITERALS = {
    "adoption_window_days": (90, "semantic/sem_tenants.yml", "cast(onboarded_at as date) + 90)"),
    "time_to_value_window_days": (60, "semantic/sem_users.yml", "<= 60 then time_to_activate_days"),
    "feature_depth_window_days": (30, "semantic/sem_users.yml", "window_30d_closed_on"),
    "login_consistency_weeks": (8, "semantic/sem_users.yml", "signup_week_start + 55)"),
    "streak_threshold_weeks": (4, "semantic/sem_users.yml", "usage_streak_weeks >= 4"),
}


# --- fast: the semantic manifest ---------------------------------------------


def _semantic_manifest() -> dict[str, Any]:
    return json.loads((parsed_workspace().target / "semantic_manifest.json").read_text())


def _kpi_catalog() -> list[str]:
    with (PROJECT_DIR / "seeds" / "kpi_catalog.csv").open() as handle:
        return [row["kpi_name"] for row in csv.DictReader(handle)]


def test_every_kpi_is_a_metric() -> None:
    metrics = {metric["name"] for metric in _semantic_manifest()["metrics"]}
    catalog = _kpi_catalog()
    assert set(catalog) <= metrics, sorted(set(catalog) - metrics)
    classified = set(NATIVE_TENANT_KPIS + NATIVE_USER_KPIS + RETENTION_KPIS + MART_BACKED)
    assert classified == set(catalog), "update the parity lists with the catalog"


def test_mart_backed_metrics_explain_why() -> None:
    metrics = {metric["name"]: metric for metric in _semantic_manifest()["metrics"]}
    for name in MART_BACKED:
        assert "Not expressible faithfully" in metrics[name]["description"], name
    for name in NATIVE_TENANT_KPIS + NATIVE_USER_KPIS + RETENTION_KPIS:
        assert "Not expressible" not in (metrics[name].get("description") or ""), name


def test_saved_queries_exist() -> None:
    names = {query["name"] for query in _semantic_manifest()["saved_queries"]}
    assert {"executive_scorecard", "weekly_trend_lines"} <= names


def test_semantic_literals_match_seed_parameters() -> None:
    with (PROJECT_DIR / "seeds" / "kpi_parameters.csv").open() as handle:
        seed = {
            row["parameter_name"]: float(row["parameter_value"]) for row in csv.DictReader(handle)
        }
    for parameter, (value, file_name, literal) in SEMANTIC_LITERALS.items():
        assert seed[parameter] == value, (
            f"seed {parameter} = {seed[parameter]} but models/{file_name} "
            f"assumes {value}: update the semantic YAML"
        )
        text = (PROJECT_DIR / "models" / file_name).read_text()
        assert literal in text, f"{literal!r} no longer in {file_name}"


def test_cumulative_windows_match_the_rolling_cohort() -> None:
    with (PROJECT_DIR / "seeds" / "kpi_parameters.csv").open() as handle:
        seed = {row["parameter_name"]: row["parameter_value"] for row in csv.DictReader(handle)}
    windows = {
        (metric["name"], metric["type_params"]["cumulative_type_params"]["window"]["count"])
        for metric in _semantic_manifest()["metrics"]
        if metric["type"] == "cumulative"
        and (metric["type_params"].get("cumulative_type_params") or {}).get("window")
    }
    assert windows, "no cumulative metric with a window: the test reads the wrong shape"
    assert {count for _, count in windows} == {int(float(seed["rolling_cohort_weeks"]))}, sorted(
        windows
    )


def test_mf_validate_configs() -> None:
    completed = run_mf(parsed_workspace(), "validate-configs", "--skip-dw")
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-4000:]
    assert "Successfully validated the semantics" in output, output[-4000:]
    assert "ERRORS: 0" in output


# --- slow: parity on a built dataset -----------------------------------------


def _close(left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return left is None and right is None
    return math.isclose(left, right, rel_tol=REL_TOLERANCE, abs_tol=ABS_TOLERANCE)


def _as_float(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


@pytest.fixture(scope="module")
def built(request: pytest.FixtureRequest) -> DbtWorkspace:
    """The suite's shared build (conftest), or a reused one (see reused_workspace)."""
    return reused_workspace() or workspace_of(request.getfixturevalue("shared_build"))


@pytest.fixture(scope="module")
def mart(built: DbtWorkspace) -> dict[tuple[str, str, str, str], float | None]:
    """fct_kpi_weekly of the last complete weeks: (week, kpi, segment_type, value) -> value."""
    rows = warehouse_rows(
        built,
        f"""
        with weeks as (
            select distinct week_start from {{fct_kpi_weekly}}
            order by week_start desc limit {LAST_WEEKS}
        )
        select cast(week_start as varchar), kpi_name, segment_type, segment_value, value
        from {{fct_kpi_weekly}}
        where week_start in (select week_start from weeks)
        """,
    )
    return {(row[0], row[1], row[2], row[3]): _as_float(row[4]) for row in rows}


def _queries_for(kpi: str) -> list[tuple[str, dict[str, Any]]]:
    if kpi in NATIVE_TENANT_KPIS:
        segments: dict[str, Any] = TENANT_SEGMENTS
    elif kpi in NATIVE_USER_KPIS + RETENTION_KPIS:
        segments = USER_SEGMENTS
    else:
        prefix = "kpi_row"
        return [
            (
                ROW_SEGMENTS,
                {
                    "metrics": [kpi],
                    "group_by": [
                        "metric_time__week",
                        f"{prefix}__segment_type",
                        f"{prefix}__segment_value",
                    ],
                },
            )
        ]
    return [
        (
            segment_type,
            {
                "metrics": [kpi],
                "group_by": ["metric_time__week", *([dimension] if dimension else [])],
            },
        )
        for segment_type, dimension in segments.items()
    ]


@pytest.fixture(scope="module")
def semantic(built: DbtWorkspace) -> dict[tuple[str, str, str, str], float | None]:
    """Every KPI metric from MetricFlow: (week, kpi, segment_type, value) -> value."""
    plan: list[tuple[str, str]] = []
    queries: list[dict[str, Any]] = []
    for kpi in _kpi_catalog():
        for segment_type, query in _queries_for(kpi):
            plan.append((kpi, segment_type))
            queries.append(query)
    answers = mf_query_batch(built, queries)
    values: dict[tuple[str, str, str, str], float | None] = {}
    errors = []
    for (kpi, segment_type), answer in zip(plan, answers, strict=True):
        if "error" in answer:
            errors.append(f"{kpi} by {segment_type}: {answer['error'][:500]}")
            continue
        for row in answer["rows"]:
            week = str(row[0])[:10]
            if segment_type == ROW_SEGMENTS:
                key = (week, kpi, str(row[1]), str(row[2]))
            elif segment_type == "all":
                key = (week, kpi, "all", "all")
            else:
                key = (week, kpi, segment_type, str(row[1]))
            values[key] = _as_float(row[-1])
    assert not errors, "\n".join(errors)
    return values


def _mismatches(
    mart: dict[tuple[str, str, str, str], float | None],
    semantic: dict[tuple[str, str, str, str], float | None],
    kpis: Iterable[str],
) -> list[str]:
    wanted = set(kpis)
    found = []
    for key, expected in sorted(mart.items()):
        if key[1] not in wanted:
            continue
        actual = semantic.get(key)
        if not _close(expected, actual):
            found.append(f"{key}: mart {expected} vs MetricFlow {actual}")
    return found


@pytest.mark.slow
@pytest.mark.parametrize(
    "kpi", NATIVE_TENANT_KPIS + NATIVE_USER_KPIS + RETENTION_KPIS + MART_BACKED
)
def test_metric_equals_mart(kpi: str, mart: dict, semantic: dict) -> None:
    rows = [key for key in mart if key[1] == kpi]
    assert rows, f"{kpi} has no rows in fct_kpi_weekly for the last {LAST_WEEKS} weeks"
    assert any(mart[key] is not None for key in rows), (
        f"{kpi} is null in every row of the last {LAST_WEEKS} weeks: nothing to compare"
    )
    mismatches = _mismatches(mart, semantic, [kpi])
    assert not mismatches, f"{len(mismatches)} of {len(rows)} rows differ:\n" + "\n".join(
        mismatches[:20]
    )


@pytest.mark.slow
def test_conversion_metric_is_not_overcounted_with_its_base_metric(built: DbtWorkspace) -> None:
    together, alone = mf_query_batch(
        built,
        [
            {
                "metrics": ["activation_conversion_14d", "users_signed_up"],
                "group_by": ["metric_time__week"],
            },
            {"metrics": ["activation_conversion_14d"], "group_by": ["metric_time__week"]},
        ],
    )
    assert "error" not in together and "error" not in alone, (together, alone)
    together_rate = {str(row[0])[:10]: _as_float(row[1]) for row in together["rows"]}
    together_base = {str(row[0])[:10]: _as_float(row[2]) for row in together["rows"]}
    alone_rate = {str(row[0])[:10]: _as_float(row[1]) for row in alone["rows"]}

    # Independent computation from the user mart: users signed up in the week
    # whose activation day is 0..14 days after their signup day.
    expected = {
        str(week): (float(converted) / signups if signups else None, float(signups))
        for week, converted, signups in warehouse_rows(
            built,
            """
            select
                cast(date_trunc('week', created_at) as date) as signup_week,
                count(distinct case
                    when cast(activated_at as date) - cast(created_at as date) between 0 and 14
                    then user_id end) as converted,
                count(distinct user_id) as signups
            from {fct_user_onboarding}
            group by 1
            """,
        )
    }
    assert expected
    weeks = sorted(set(expected) & set(alone_rate))
    assert len(weeks) >= LAST_WEEKS
    problems = []
    for week in weeks:
        rate, signups = expected[week]
        if not _close(alone_rate[week], rate):
            problems.append(f"{week}: alone {alone_rate[week]} vs independent {rate}")
        if not _close(together_rate.get(week), alone_rate[week]):
            problems.append(f"{week}: with base metric {together_rate.get(week)} vs alone")
        if not _close(together_base.get(week), signups):
            problems.append(f"{week}: users_signed_up {together_base.get(week)} vs {signups}")
    assert not problems, "\n".join(problems[:20])


@pytest.mark.slow
def test_saved_queries_run(built: DbtWorkspace) -> None:
    for name in ("executive_scorecard", "weekly_trend_lines"):
        completed = run_mf(built, "query", "--saved-query", name, "--limit", "5", "--quiet")
        assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
        assert "ERROR" not in completed.stdout.upper().replace("_ERROR", ""), completed.stdout


@pytest.mark.slow
def test_unit_count_and_interval_metrics_equal_the_mart(built: DbtWorkspace) -> None:
    """kpi_unit_count, kpi_interval_lower and kpi_interval_upper serve fct_kpi_weekly's columns."""
    (answer,) = mf_query_batch(
        built,
        [
            {
                "metrics": ["kpi_unit_count", "kpi_interval_lower", "kpi_interval_upper"],
                "group_by": [
                    "metric_time__week",
                    "kpi_row__kpi_name",
                    "kpi_row__segment_type",
                    "kpi_row__segment_value",
                ],
                "where": ["{{ Dimension('kpi_row__segment_type') }} = 'all'"],
            }
        ],
    )
    assert "error" not in answer, answer.get("error", "")[:2000]
    served = {
        (str(row[0])[:10], str(row[1])): tuple(_as_float(v) for v in row[4:7])
        for row in answer["rows"]
    }
    rows = warehouse_rows(
        built,
        "select cast(week_start as varchar(10)), kpi_name, unit_count, interval_lower, "
        "interval_upper from {fct_kpi_weekly} where segment_type = 'all' "
        "and unit_count is not null",
    )
    assert len(rows) > 100
    problems = [
        f"{week} {kpi}: mart {(units, low, high)} vs metric {served.get((week, kpi))}"
        for week, kpi, units, low, high in rows
        if (week, kpi) not in served
        or not all(
            _close(a, b)
            for a, b in zip(
                (_as_float(units), _as_float(low), _as_float(high)),
                served[(week, kpi)],
                strict=True,
            )
        )
    ]
    assert not problems, "\n".join(problems[:20])
