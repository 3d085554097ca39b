"""The interval macros against scipy, on hand-made cases.

The macros the KPI families use (macros/uncertainty) are compiled by dbt into
one SQL text, run on hand-made inputs, and every bound is compared with an
independent computation: scipy's Wilson interval
(``binomtest(...).proportion_ci(method="wilson")``), scipy's exact
order-statistic confidence interval of a quantile (``quantile_test``), scipy's
Student t quantile and t interval, and, for the linearised ratio of ratios,
the delta method evaluated with numerical derivatives in numpy. The macros'
z / confidence arguments (the early warnings pass their own pair) are checked
the same way at 90%.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest
from dbt_project import BIN, BuiltProject, run_command
from scipy import stats

CONFIDENCE = 0.95
EARLY_WARNING_CONFIDENCE = 0.90
# another level passed to the macros as the early-warning model passes its parameters
EARLY_WARNING_Z = "'cast(1.6448536269514722 as double)'"
EARLY_WARNING_LEVEL = "'cast(0.9 as double)'"
SECTION = "-- section "

WILSON_CASES = [
    (0, 1),
    (1, 1),
    (0, 5),
    (3, 10),
    (7, 7),
    (6, 7),
    (17, 30),
    (50, 100),
    (1, 1000),
    (999, 1000),
]
DEGREES_OF_FREEDOM = [1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100, 1000]
MEDIAN_SAMPLES = {
    1: [4.0],
    2: [3.0, 9.0, 1.0, 7.0, 2.0],  # n = 5: no finite 95% interval
    3: [12.0, 3.0, 8.0, 8.0, 1.0, 30.0],  # n = 6, a tie
    4: [5.0, 1.0, 9.0, 2.0, 14.0, 7.0, 3.0, 11.0, 6.0, 8.0],  # n = 10
    5: [float(v) for v in [0, 0, 1, 1, 1, 2, 2, 3, 5, 8, 13, 21, 34]],  # n = 13, ties at 0 and 1
    6: [float((7 * i) % 29) + 0.5 * (i % 3) for i in range(60)],  # n = 60
    7: [float(v) for v in range(1, 26)],  # n = 25
}
MEAN_SAMPLE = [2.0, 3.0, 1.0, 5.0, 2.0, 4.0, 7.0]
RATIO_NUMERATORS = [10.0, 0.0, 35.5, 12.0, 8.25, 40.0, 3.0, 22.0, 17.0]
RATIO_DENOMINATORS = [2.0, 1.0, 5.0, 3.0, 1.0, 6.0, 1.0, 4.0, 2.0]
# performance improvement style: post failures, post tasks, pre failures, pre tasks
RATIO_OF_RATIOS = [
    (2.0, 20.0, 5.0, 22.0),
    (1.0, 12.0, 3.0, 15.0),
    (4.0, 30.0, 6.0, 28.0),
    (0.0, 8.0, 2.0, 9.0),
    (3.0, 25.0, 4.0, 18.0),
    (5.0, 40.0, 9.0, 41.0),
    (1.0, 10.0, 1.0, 7.0),
    (2.0, 16.0, 5.0, 20.0),
]


def _values(rows: list[tuple[object, ...]]) -> str:
    return ", ".join("(" + ", ".join(repr(v) for v in row) + ")" for row in rows)


def _template() -> str:
    wilson = _values([(i, s, n) for i, (s, n) in enumerate(WILSON_CASES)])
    degrees = _values([(d,) for d in DEGREES_OF_FREEDOM])
    medians = _values([(case, v) for case, values in MEDIAN_SAMPLES.items() for v in values])
    mean = _values([(1, y, 1.0) for y in MEAN_SAMPLE] + [(2, 3.5, 1.0)])
    ratio = _values([(1, y, x) for y, x in zip(RATIO_NUMERATORS, RATIO_DENOMINATORS, strict=True)])
    ratio_of_ratios = _values([(1, *row) for row in RATIO_OF_RATIOS])
    return f"""{SECTION}wilson
select
    case_id,
    {{{{ wilson_interval_bound('successes', 'trials', 'lower') }}}} as lower_bound,
    {{{{ wilson_interval_bound('successes', 'trials', 'upper') }}}} as upper_bound
from (values {wilson}) as cases (case_id, successes, trials)
order by case_id
{SECTION}student_t
select
    degrees_of_freedom,
    {{{{ student_t_critical_value('degrees_of_freedom') }}}} as critical_value
from (values {degrees}) as cases (degrees_of_freedom)
order by degrees_of_freedom
{SECTION}median
with
frequencies as (
    select case_id, unit_value, count(*) as units
    from (values {medians}) as samples (case_id, unit_value)
    group by 1, 2
),
intervals as (
    {{{{ median_order_statistic_interval('frequencies', ['case_id']) }}}}
)
select case_id, unit_count, interval_lower, interval_upper from intervals order by case_id
{SECTION}mean
with
sums as (
    select case_id, {{{{ linearized_ratio_sums(['numerator', 'denominator']) }}}}
    from (values {mean}) as units (case_id, numerator, denominator)
    group by 1
)
select
    case_id,
    {{{{ linearized_ratio_interval_bound([1, -1], 'lower') }}}} as lower_bound,
    {{{{ linearized_ratio_interval_bound([1, -1], 'upper') }}}} as upper_bound
from sums
order by case_id
{SECTION}ratio
with
sums as (
    select case_id, {{{{ linearized_ratio_sums(['numerator', 'denominator']) }}}}
    from (values {ratio}) as units (case_id, numerator, denominator)
    group by 1
)
select
    case_id,
    {{{{ linearized_ratio_interval_bound([1, -1], 'lower') }}}} as lower_bound,
    {{{{ linearized_ratio_interval_bound([1, -1], 'upper') }}}} as upper_bound
from sums
{SECTION}ratio_of_ratios
with
sums as (
    select case_id, {{{{ linearized_ratio_sums(['fails', 'tasks', 'fails_pre', 'tasks_pre']) }}}}
    from (values {ratio_of_ratios}) as units (case_id, fails, tasks, fails_pre, tasks_pre)
    group by 1
)
select
    case_id,
    {{{{ linearized_ratio_interval_bound([1, -1, -1, 1], 'lower') }}}} as lower_bound,
    {{{{ linearized_ratio_interval_bound([1, -1, -1, 1], 'upper') }}}} as upper_bound
from sums
{SECTION}wilson_early_warning
select
    case_id,
    {{{{ wilson_interval_bound('successes', 'trials', 'lower', {EARLY_WARNING_Z}) }}}} as lower,
    {{{{ wilson_interval_bound('successes', 'trials', 'upper', {EARLY_WARNING_Z}) }}}} as upper
from (values {wilson}) as cases (case_id, successes, trials)
order by case_id
{SECTION}median_early_warning
with
frequencies as (
    select case_id, unit_value, count(*) as units
    from (values {medians}) as samples (case_id, unit_value)
    group by 1, 2
),
intervals as (
    {{{{ median_order_statistic_interval('frequencies', ['case_id'], {EARLY_WARNING_LEVEL}) }}}}
)
select case_id, unit_count, interval_lower, interval_upper from intervals order by case_id
{SECTION}mean_early_warning
with
sums as (
    select case_id, {{{{ linearized_ratio_sums(['numerator', 'denominator']) }}}}
    from (values {mean}) as units (case_id, numerator, denominator)
    group by 1
)
select
    case_id,
    {{{{ linearized_ratio_interval_bound(
        [1, -1], 'lower', z={EARLY_WARNING_Z}, confidence={EARLY_WARNING_LEVEL}
    ) }}}} as lower_bound,
    {{{{ linearized_ratio_interval_bound(
        [1, -1], 'upper', z={EARLY_WARNING_Z}, confidence={EARLY_WARNING_LEVEL}
    ) }}}} as upper_bound
from sums
order by case_id
"""


@pytest.fixture(scope="module")
def results(shared_build: BuiltProject, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Each section's rows, from SQL dbt compiled with the project's macros."""
    target = tmp_path_factory.mktemp("intervals_target")
    partial_parse = shared_build.target_dir / "partial_parse.msgpack"
    if partial_parse.exists():
        shutil.copy(partial_parse, target / partial_parse.name)
    env = {**shared_build.env, "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(target)}
    compiled = run_command(
        [str(BIN / "dbt"), "compile", "--quiet", "--inline", _template()], env
    ).stdout
    sections = {}
    for chunk in compiled.split(SECTION)[1:]:
        name, sql = chunk.split("\n", 1)
        sections[name.strip()] = sql
    assert set(sections) == {
        "wilson",
        "student_t",
        "median",
        "mean",
        "ratio",
        "ratio_of_ratios",
        "wilson_early_warning",
        "median_early_warning",
        "mean_early_warning",
    }
    with duckdb.connect(str(shared_build.database), read_only=True) as connection:
        return {name: connection.execute(sql).fetchall() for name, sql in sections.items()}


LEVELS = pytest.mark.parametrize(
    ("suffix", "confidence"), [("", CONFIDENCE), ("_early_warning", EARLY_WARNING_CONFIDENCE)]
)


@LEVELS
def test_wilson_bounds_equal_scipy(results: dict, suffix: str, confidence: float) -> None:
    assert len(results["wilson" + suffix]) == len(WILSON_CASES)
    for case_id, lower, upper in results["wilson" + suffix]:
        successes, trials = WILSON_CASES[case_id]
        expected = stats.binomtest(successes, trials).proportion_ci(
            confidence_level=confidence, method="wilson"
        )
        assert lower == pytest.approx(expected.low, abs=1e-12), (successes, trials)
        assert upper == pytest.approx(expected.high, abs=1e-12), (successes, trials)


def test_student_t_critical_value_matches_scipy(results: dict) -> None:
    assert [row[0] for row in results["student_t"]] == DEGREES_OF_FREEDOM
    for degrees, value in results["student_t"]:
        exact = stats.t.ppf((1 + CONFIDENCE) / 2, degrees)
        # closed forms at 1 and 2 degrees of freedom, the Cornish-Fisher series from 3
        tolerance = (
            1e-12 if degrees <= 2 else 3e-4 if degrees < 5 else 2e-5 if degrees < 10 else 3e-7
        )
        assert value == pytest.approx(exact, rel=tolerance), degrees


@LEVELS
def test_median_interval_equals_scipys_order_statistic_interval(
    results: dict, suffix: str, confidence: float
) -> None:
    rows = {case_id: row for case_id, *row in results["median" + suffix]}
    assert set(rows) == set(MEDIAN_SAMPLES)
    for case_id, values in MEDIAN_SAMPLES.items():
        sample = np.array(values)
        unit_count, lower, upper = rows[case_id]
        assert unit_count == len(values)
        test = stats.quantile_test(sample, q=float(np.median(sample)), p=0.5)
        expected = test.confidence_interval(confidence_level=confidence)
        if np.isnan(expected.low):
            assert (lower, upper) == (None, None), case_id
        else:
            assert (lower, upper) == (expected.low, expected.high), case_id


@LEVELS
def test_mean_interval_is_the_student_t_interval(
    results: dict, suffix: str, confidence: float
) -> None:
    rows = {case_id: (lower, upper) for case_id, lower, upper in results["mean" + suffix]}
    sample = np.array(MEAN_SAMPLE)
    expected = stats.t.interval(
        confidence, len(sample) - 1, loc=sample.mean(), scale=stats.sem(sample)
    )
    half_width = (expected[1] - expected[0]) / 2
    assert rows[1][0] == pytest.approx(expected[0], abs=1e-5 * half_width)
    assert rows[1][1] == pytest.approx(expected[1], abs=1e-5 * half_width)
    # a single unit has no interval
    assert rows[2] == (None, None)


def _delta_method_interval(terms: np.ndarray, exponents: list[int]) -> tuple[float, float]:
    """R = prod (sum_i w_i x_ik)^e_k; influence by numerical derivative in each unit's weight."""

    def statistic(weights: np.ndarray) -> float:
        return float(np.prod([(weights @ terms[:, k]) ** e for k, e in enumerate(exponents)]))

    units = terms.shape[0]
    base = np.ones(units)
    step = 1e-6
    influence = np.array(
        [
            (statistic(base + step * np.eye(units)[i]) - statistic(base - step * np.eye(units)[i]))
            / (2 * step)
            for i in range(units)
        ]
    )
    standard_error = np.sqrt(units / (units - 1) * np.sum(influence**2))
    critical = stats.t.ppf((1 + CONFIDENCE) / 2, units - 1)
    value = statistic(base)
    return value - critical * standard_error, value + critical * standard_error


def test_ratio_interval_equals_the_delta_method(results: dict) -> None:
    ((_, lower, upper),) = results["ratio"]
    terms = np.column_stack([RATIO_NUMERATORS, RATIO_DENOMINATORS])
    expected = _delta_method_interval(terms, [1, -1])
    # Cochran's closed form, written independently of the macro
    y, x = np.array(RATIO_NUMERATORS), np.array(RATIO_DENOMINATORS)
    ratio, n = y.sum() / x.sum(), len(y)
    cochran = np.sqrt(n / (n - 1) * np.sum((y - ratio * x) ** 2)) / x.sum()
    critical = stats.t.ppf((1 + CONFIDENCE) / 2, n - 1)
    assert expected[0] == pytest.approx(ratio - critical * cochran, rel=1e-6)
    assert lower == pytest.approx(expected[0], rel=1e-5)
    assert upper == pytest.approx(expected[1], rel=1e-5)


def test_ratio_of_ratios_interval_equals_the_delta_method(results: dict) -> None:
    ((_, lower, upper),) = results["ratio_of_ratios"]
    expected = _delta_method_interval(np.array(RATIO_OF_RATIOS), [1, -1, -1, 1])
    assert lower == pytest.approx(expected[0], rel=1e-5)
    assert upper == pytest.approx(expected[1], rel=1e-5)


@pytest.mark.parametrize(
    ("confidence_name", "z_name", "expected_confidence"),
    [
        ("interval_confidence", "interval_z", CONFIDENCE),
        # kept at the scorecard's 95% by the alert simulation (README)
        ("early_warning_interval_confidence", "early_warning_interval_z", 0.95),
    ],
)
def test_interval_z_is_the_normal_quantile_of_the_confidence(
    project_dir: Path, confidence_name: str, z_name: str, expected_confidence: float
) -> None:
    parameters = dict(
        line.split(",")[:2]
        for line in (project_dir / "seeds" / "kpi_parameters.csv").read_text().splitlines()[1:]
    )
    confidence = float(parameters[confidence_name])
    assert confidence == expected_confidence
    assert float(parameters[z_name]) == pytest.approx(
        stats.norm.ppf((1 + confidence) / 2), abs=1e-12
    )
