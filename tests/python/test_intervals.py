"""The interval macros against scipy, on one table of hand-made cases.

The macros the KPI families use (macros/uncertainty) are compiled by dbt into
one SQL text, run on hand-made inputs, and every bound is compared with an
independent computation: scipy's Wilson interval
(``binomtest(...).proportion_ci(method="wilson")``), scipy's Student t quantile,
scipy's exact order-statistic confidence interval of a quantile
(``quantile_test``), scipy's t interval of a mean, and, for the linearised
ratios, the delta method evaluated with numerical derivatives in numpy (the
plain ratio also against Cochran's closed form).

`CASES` is the table: each row is one hand-made input of one macro. Every case
runs at both confidence levels the project uses (`LEVELS`): the seed's 95%,
which the macros take when called without z / confidence, and the early
warnings' pair passed explicitly (90% here, so the arguments are seen to
matter).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pytest
from dbt_project import BIN, BuiltProject, run_command
from scipy import stats

SECTION = "-- section "


@dataclass(frozen=True)
class Level:
    """A confidence level and the macro arguments that ask for it (none: the seed's)."""

    name: str
    confidence: float
    z: str | None = None
    level: str | None = None


LEVELS = (
    Level("seed_95", 0.95),
    Level(
        "passed_90",
        0.90,
        z="'cast(1.6448536269514722 as double)'",
        level="'cast(0.9 as double)'",
    ),
)


@dataclass(frozen=True)
class Case:
    """One hand-made input of one interval macro.

    method: wilson (data = (successes, trials)), student_t (data = (degrees of
    freedom,)), median (data = the units' values), linearized (data = one row of
    terms per unit, combined with `exponents`; `reference` names the independent
    computation: mean, ratio or delta_method).
    """

    method: str
    name: str
    data: tuple
    exponents: tuple[int, ...] = ()
    reference: str = ""


def _wilson(successes: int, trials: int) -> Case:
    return Case("wilson", f"wilson {successes} of {trials}", (successes, trials))


def _linearized(name: str, rows: list[tuple[float, ...]], reference: str) -> Case:
    exponents = (1, -1) if len(rows[0]) == 2 else (1, -1, -1, 1)
    return Case("linearized", name, tuple(rows), exponents, reference)


CASES = (
    *(
        _wilson(s, n)
        for s, n in [
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
    ),
    *(
        Case("student_t", f"student t {d} degrees of freedom", (d,))
        for d in [1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100, 1000]
    ),
    Case("median", "median of 1", (4.0,)),
    Case("median", "median of 5: no finite 95% interval", (3.0, 9.0, 1.0, 7.0, 2.0)),
    Case("median", "median of 6 with a tie", (12.0, 3.0, 8.0, 8.0, 1.0, 30.0)),
    Case("median", "median of 10", (5.0, 1.0, 9.0, 2.0, 14.0, 7.0, 3.0, 11.0, 6.0, 8.0)),
    Case(
        "median",
        "median of 13 with ties at 0 and 1",
        tuple(float(v) for v in [0, 0, 1, 1, 1, 2, 2, 3, 5, 8, 13, 21, 34]),
    ),
    Case("median", "median of 60", tuple(float((7 * i) % 29) + 0.5 * (i % 3) for i in range(60))),
    Case("median", "median of 25", tuple(float(v) for v in range(1, 26))),
    # a mean is the ratio of the values to a denominator of 1 per unit
    _linearized("mean of 7", [(y, 1.0) for y in [2.0, 3.0, 1.0, 5.0, 2.0, 4.0, 7.0]], "mean"),
    _linearized("mean of a single unit", [(3.5, 1.0)], "mean"),
    _linearized(
        "ratio of sums",
        list(
            zip(
                [10.0, 0.0, 35.5, 12.0, 8.25, 40.0, 3.0, 22.0, 17.0],
                [2.0, 1.0, 5.0, 3.0, 1.0, 6.0, 1.0, 4.0, 2.0],
                strict=True,
            )
        ),
        "ratio",
    ),
    # performance improvement style: post failures, post tasks, pre failures, pre tasks
    _linearized(
        "ratio of ratios",
        [
            (2.0, 20.0, 5.0, 22.0),
            (1.0, 12.0, 3.0, 15.0),
            (4.0, 30.0, 6.0, 28.0),
            (0.0, 8.0, 2.0, 9.0),
            (3.0, 25.0, 4.0, 18.0),
            (5.0, 40.0, 9.0, 41.0),
            (1.0, 10.0, 1.0, 7.0),
            (2.0, 16.0, 5.0, 20.0),
        ],
        "delta_method",
    ),
)
CASE_IDS = {case.name: case_id for case_id, case in enumerate(CASES)}
assert len(CASE_IDS) == len(CASES), "case names must be unique"


def _jinja(expression: str) -> str:
    return "{{ " + expression + " }}"


def _values(rows: list[tuple[object, ...]]) -> str:
    return ", ".join("(" + ", ".join(repr(v) for v in row) + ")" for row in rows)


def _arguments(*pairs: tuple[str, str | None]) -> str:
    """Keyword arguments of a macro call, leaving out those the level does not pass."""
    return "".join(f", {name}={value}" for name, value in pairs if value is not None)


def _section_name(case: Case, level: Level) -> str:
    exponents = "_".join(str(e) for e in case.exponents)
    return f"{case.method}{exponents and '_' + exponents}@{level.name}"


def _section_sql(method: str, exponents: tuple[int, ...], cases: list[Case], level: Level) -> str:
    ids = [CASE_IDS[case.name] for case in cases]
    if method == "wilson":
        z = _arguments(("z", level.z))
        values = _values([(i, *case.data) for i, case in zip(ids, cases, strict=True)])
        return (
            "select case_id, "
            + _jinja(f"wilson_interval_bound('successes', 'trials', 'lower'{z})")
            + ", "
            + _jinja(f"wilson_interval_bound('successes', 'trials', 'upper'{z})")
            + f" from (values {values}) as cases (case_id, successes, trials)"
        )
    if method == "student_t":
        arguments = _arguments(("z", level.z), ("confidence", level.level))
        values = _values([(i, *case.data) for i, case in zip(ids, cases, strict=True)])
        return (
            "select case_id, "
            + _jinja(f"student_t_critical_value('degrees_of_freedom'{arguments})")
            + f" from (values {values}) as cases (case_id, degrees_of_freedom)"
        )
    if method == "median":
        confidence = _arguments(("confidence", level.level))
        values = _values([(i, v) for i, case in zip(ids, cases, strict=True) for v in case.data])
        return (
            "with frequencies as (select case_id, unit_value, count(*) as units"
            f" from (values {values}) as samples (case_id, unit_value) group by 1, 2),"
            " intervals as ("
            + _jinja(f"median_order_statistic_interval('frequencies', ['case_id']{confidence})")
            + ") select case_id, unit_count, interval_lower, interval_upper from intervals"
        )
    terms = [f"term_{k}" for k in range(len(exponents))]
    arguments = _arguments(("z", level.z), ("confidence", level.level))
    values = _values([(i, *row) for i, case in zip(ids, cases, strict=True) for row in case.data])
    bound = f"linearized_ratio_interval_bound({list(exponents)}, '{{side}}'{arguments})"
    return (
        "with sums as (select case_id, "
        + _jinja(f"linearized_ratio_sums({terms})")
        + f" from (values {values}) as units (case_id, {', '.join(terms)}) group by 1)"
        " select case_id, "
        + _jinja(bound.format(side="lower"))
        + ", "
        + _jinja(bound.format(side="upper"))
        + " from sums"
    )


def _template() -> dict[str, str]:
    """One SQL section per macro, exponents and level, holding all of its cases."""
    groups: dict[str, tuple[str, tuple[int, ...], list[Case], Level]] = {}
    for level in LEVELS:
        for case in CASES:
            name = _section_name(case, level)
            groups.setdefault(name, (case.method, case.exponents, [], level))[2].append(case)
    return {name: _section_sql(*group) for name, group in groups.items()}


@pytest.fixture(scope="module")
def results(
    shared_build: BuiltProject, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[int, tuple]]:
    """Each section's rows by case id, from SQL dbt compiled with the project's macros."""
    target = tmp_path_factory.mktemp("intervals_target")
    partial_parse = shared_build.target_dir / "partial_parse.msgpack"
    if partial_parse.exists():
        shutil.copy(partial_parse, target / partial_parse.name)
    env = {**shared_build.env, "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(target)}
    template = _template()
    text = "\n".join(f"{SECTION}{name}\n{sql}" for name, sql in template.items())
    compiled = run_command([str(BIN / "dbt"), "compile", "--quiet", "--inline", text], env).stdout
    sections = {}
    for chunk in compiled.split(SECTION)[1:]:
        name, sql = chunk.split("\n", 1)
        sections[name.strip()] = sql
    assert set(sections) == set(template)
    with duckdb.connect(str(shared_build.database), read_only=True) as connection:
        return {
            name: {row[0]: tuple(row[1:]) for row in connection.execute(sql).fetchall()}
            for name, sql in sections.items()
        }


def _check_wilson(case: Case, level: Level, row: tuple) -> None:
    successes, trials = case.data
    expected = stats.binomtest(successes, trials).proportion_ci(
        confidence_level=level.confidence, method="wilson"
    )
    assert row[0] == pytest.approx(expected.low, abs=1e-12)
    assert row[1] == pytest.approx(expected.high, abs=1e-12)


def _check_student_t(case: Case, level: Level, row: tuple) -> None:
    (degrees,) = case.data
    exact = stats.t.ppf((1 + level.confidence) / 2, degrees)
    # closed forms at 1 and 2 degrees of freedom, the Cornish-Fisher series from 3
    tolerance = 1e-12 if degrees <= 2 else 3e-4 if degrees < 5 else 2e-5 if degrees < 10 else 3e-7
    assert row[0] == pytest.approx(exact, rel=tolerance)


def _check_median(case: Case, level: Level, row: tuple) -> None:
    sample = np.array(case.data)
    unit_count, lower, upper = row
    assert unit_count == len(sample)
    test = stats.quantile_test(sample, q=float(np.median(sample)), p=0.5)
    expected = test.confidence_interval(confidence_level=level.confidence)
    if np.isnan(expected.low):
        assert (lower, upper) == (None, None)
    else:
        assert (lower, upper) == (expected.low, expected.high)


def _delta_method_interval(
    terms: np.ndarray, exponents: tuple[int, ...], confidence: float
) -> tuple[float, float]:
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
    critical = stats.t.ppf((1 + confidence) / 2, units - 1)
    value = statistic(base)
    return value - critical * standard_error, value + critical * standard_error


def _check_linearized(case: Case, level: Level, row: tuple) -> None:
    terms = np.array(case.data)
    lower, upper = row
    if len(terms) == 1:
        # a single unit has no interval
        assert (lower, upper) == (None, None)
        return
    if case.reference == "mean":
        sample = terms[:, 0]
        expected = stats.t.interval(
            level.confidence, len(sample) - 1, loc=sample.mean(), scale=stats.sem(sample)
        )
        half_width = (expected[1] - expected[0]) / 2
        assert lower == pytest.approx(expected[0], abs=1e-5 * half_width)
        assert upper == pytest.approx(expected[1], abs=1e-5 * half_width)
        return
    expected = _delta_method_interval(terms, case.exponents, level.confidence)
    if case.reference == "ratio":
        # Cochran's closed form, written independently of the macro and of the delta method
        y, x = terms[:, 0], terms[:, 1]
        ratio, n = y.sum() / x.sum(), len(y)
        cochran = np.sqrt(n / (n - 1) * np.sum((y - ratio * x) ** 2)) / x.sum()
        critical = stats.t.ppf((1 + level.confidence) / 2, n - 1)
        assert expected[0] == pytest.approx(ratio - critical * cochran, rel=1e-6)
    assert lower == pytest.approx(expected[0], rel=1e-5)
    assert upper == pytest.approx(expected[1], rel=1e-5)


CHECKS: dict[str, Callable[[Case, Level, tuple], None]] = {
    "wilson": _check_wilson,
    "student_t": _check_student_t,
    "median": _check_median,
    "linearized": _check_linearized,
}


@pytest.mark.parametrize("level", LEVELS, ids=[level.name for level in LEVELS])
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_interval_macro_equals_the_independent_computation(
    results: dict[str, dict[int, tuple]], case: Case, level: Level
) -> None:
    section = results[_section_name(case, level)]
    assert set(section) == {
        CASE_IDS[c.name] for c in CASES if c.method == case.method and c.exponents == case.exponents
    }
    CHECKS[case.method](case, level, section[CASE_IDS[case.name]])


@pytest.mark.parametrize(
    ("confidence_name", "z_name", "expected_confidence"),
    [
        ("interval_confidence", "interval_z", 0.95),
        # chosen by the pipeline alert simulation (docs/alert_tuning.md)
        ("early_warning_interval_confidence", "early_warning_interval_z", 0.98),
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
