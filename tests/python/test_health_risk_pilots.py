"""Health score, risk model and pilot statistics.

Fast tests check the statistics of `tenant_kpis.stats` and of the SQL macro
`two_proportion_lift` (the one the pilot mart runs, rendered here with
plain Jinja and executed in DuckDB) against scipy / scikit-learn and
against hand-computed values, and test the interval's coverage across
simulated pilots. The slow tests generate 300 tenants (seed 5), build the
health, risk and pilot marts with dbt and check that the planted effects of
the generator's truth file are recovered.
"""

from __future__ import annotations

import math

import duckdb
import jinja2
import numpy as np
import pandas as pd
import pytest
import yaml
from dbt_project import PROJECT_DIR, BuiltProject, generate
from scipy import stats
from sklearn.metrics import brier_score_loss, roc_auc_score

from tenant_kpis.engines import warehouse
from tenant_kpis.generator.config import GeneratorConfig
from tenant_kpis.generator.tenants import build_population
from tenant_kpis.python_steps import STEPS, risk_scoring
from tenant_kpis.python_steps import run as run_steps
from tenant_kpis.stats import (
    brier_score,
    calibration_by_decile,
    chi_square_pvalue,
    roc_auc,
    standardized_difference,
    threshold_at_fpr,
    two_proportion_lift,
    wilson_interval,
)

MACRO_FILE = PROJECT_DIR / "macros" / "health_risk" / "statistics.sql"
# the Wilson bound two_proportion_lift combines (Newcombe's method 10)
WILSON_MACRO_FILE = PROJECT_DIR / "macros" / "uncertainty" / "interval_wilson.sql"
PILOT_UNIT_TESTS = (
    PROJECT_DIR / "models" / "intermediate" / "pilots" / "int_pilot_lifts_computed.yml"
)
TENANTS = 300
SEED = 5
#: Simulated pilots per experiment and checkpoint for the coverage test. With
#: 400 draws the coverage of a true 95% interval has a binomial standard error
#: of sqrt(0.95 * 0.05 / 400) = 0.011, so [0.92, 0.98] is about +-3 standard
#: errors: a correct interval fails it with probability < 0.5%, while an
#: interval with 90% coverage (or less) fails it almost surely.
COVERAGE_DRAWS = 400
COVERAGE_BAND = (0.92, 0.98)


# ---------------------------------------------------------------- helpers


class _DuckDBTypes:
    """dbt's type macros as they render on DuckDB (the macros call `dbt.type_float()`)."""

    @staticmethod
    def type_float() -> str:
        return "double"


def _render(sql: str) -> str:
    """The project's statistics macros followed by `sql`, rendered by Jinja."""
    environment = jinja2.Environment()
    environment.globals["dbt"] = _DuckDBTypes()
    # as in every dbt build: only sqlfluff renders the placeholders
    environment.globals["rendering_for_lint"] = lambda: False
    macros = MACRO_FILE.read_text() + "\n" + WILSON_MACRO_FILE.read_text()
    return environment.from_string(macros + "\n" + sql).render()


def _sql_lift(counts: pd.DataFrame, z: float | None = None) -> pd.DataFrame:
    """Run the mart's lift macro over columns xt, nt, xc, nc of `counts`."""
    z_argument = "" if z is None else f", z={z}"
    sql = _render(
        "select *, {{ two_proportion_lift('xt', 'nt', 'xc', 'nc'" + z_argument + ") }} from counts"
    )
    with duckdb.connect() as connection:
        connection.register("counts", counts)
        return connection.execute(sql).df()


def _newcombe_reference(xt: int, nt: int, xc: int, nc: int) -> tuple[float, float]:
    """Newcombe's method 10 from scipy's Wilson intervals (independent code)."""
    lt, ut = stats.binomtest(xt, nt).proportion_ci(0.95, method="wilson")
    lc, uc = stats.binomtest(xc, nc).proportion_ci(0.95, method="wilson")
    pt, pc = xt / nt, xc / nc
    lift = pt - pc
    return (
        lift - math.sqrt((pt - lt) ** 2 + (uc - pc) ** 2),
        lift + math.sqrt((ut - pt) ** 2 + (pc - lc) ** 2),
    )


def _chi_square_p(xt: int, nt: int, xc: int, nc: int) -> float | None:
    try:
        return float(stats.chi2_contingency([[xt, nt - xt], [xc, nc - xc]], correction=False)[1])
    except ValueError:  # a zero column: no variation
        return None


COUNT_GRID = [
    (27, 45, 20, 45),
    (10, 10, 3, 10),
    (0, 10, 0, 10),
    (1, 12, 0, 9),
    (50, 75, 31, 75),
    (9, 18, 10, 18),
    (140, 200, 120, 210),
    (5, 5, 5, 5),
]


# ------------------------------------------------------- pilot statistics


def test_wilson_interval_matches_scipy() -> None:
    for x, n in [(0, 10), (3, 10), (10, 10), (27, 45), (1, 1)]:
        expected = stats.binomtest(x, n).proportion_ci(0.95, method="wilson")
        assert wilson_interval(x, n) == pytest.approx((expected.low, expected.high), abs=1e-12)


def test_python_lift_matches_scipy_and_newcombe() -> None:
    for xt, nt, xc, nc in COUNT_GRID:
        result = two_proportion_lift(xt, nt, xc, nc)
        assert result.lift == pytest.approx(xt / nt - xc / nc)
        assert (result.ci_lower, result.ci_upper) == pytest.approx(
            _newcombe_reference(xt, nt, xc, nc), abs=1e-12
        )
        expected_p = _chi_square_p(xt, nt, xc, nc)
        if expected_p is None:
            assert result.p_value is None
        else:
            assert result.p_value == pytest.approx(expected_p, abs=1e-12)


def test_sql_macro_matches_python_and_scipy() -> None:
    counts = pd.DataFrame(COUNT_GRID, columns=["xt", "nt", "xc", "nc"])
    sql = _sql_lift(counts)
    for row in sql.itertuples():
        reference = two_proportion_lift(row.xt, row.nt, row.xc, row.nc)
        assert row.lift == pytest.approx(reference.lift, abs=1e-12)
        assert row.lift_ci_lower == pytest.approx(reference.ci_lower, abs=1e-12)
        assert row.lift_ci_upper == pytest.approx(reference.ci_upper, abs=1e-12)
        expected_p = _chi_square_p(row.xt, row.nt, row.xc, row.nc)
        if expected_p is None:
            assert pd.isna(row.p_value)
        else:
            assert row.p_value == pytest.approx(expected_p, abs=1e-12)


def test_sql_macro_is_null_for_an_empty_arm() -> None:
    sql = _sql_lift(pd.DataFrame([(3, 8, 0, 0)], columns=["xt", "nt", "xc", "nc"]))
    assert sql[["lift", "lift_ci_lower", "lift_ci_upper", "p_value"]].isna().all(axis=None)


def test_sql_normal_cdf_matches_scipy() -> None:
    xs = np.concatenate([np.linspace(-40, 40, 4001), [0.0, 1.959963984540054, -7.2, 37.5]])
    sql = _render("select x, {{ standard_normal_cdf('x') }} as phi from xs")
    with duckdb.connect() as connection:
        connection.register("xs", pd.DataFrame({"x": xs}))
        result = connection.execute(sql).df()
    assert np.max(np.abs(result["phi"] - stats.norm.cdf(result["x"]))) < 1e-13


def test_pilot_unit_test_expectations_are_exact() -> None:
    """The expected rates and lifts of the dbt unit test of int_pilot_lifts_computed
    are the exact IEEE quotients and differences of its own inputs, never rounded."""
    document = yaml.safe_load(PILOT_UNIT_TESTS.read_text())
    (unit_test,) = [
        t
        for t in document["unit_tests"]
        if t["name"] == "test_int_pilot_lifts_computed_rates_and_lift_unrounded"
    ]
    arms = pd.DataFrame(unit_test["given"][0]["rows"])
    checked = 0
    for expected in unit_test["expect"]["rows"]:
        rows = arms[
            (arms["experiment_id"] == expected["experiment_id"])
            & (arms["checkpoint"] == expected["checkpoint"])
        ].set_index("arm")
        xt, nt = (
            int(rows.at["treatment", "tenants_with_outcome"]),
            int(rows.at["treatment", "tenants"]),
        )
        xc, nc = int(rows.at["control", "tenants_with_outcome"]), int(rows.at["control", "tenants"])
        assert expected["outcome_rate_treatment"] == xt / nt
        assert expected["outcome_rate_control"] == xc / nc
        assert expected["lift"] == xt / nt - xc / nc
        checked += 1
    assert checked == 3


def _simulated_pilots(draws: int) -> pd.DataFrame:
    """Pilots drawn as Bernoulli trials with the generator's planted parameters.

    The generator plants, per experiment, arm sizes, P(activated within 90
    days) = p_control (+ lift_90 in treatment) and P(within 45 | within 90) =
    q_within_45, so the planted 45-day lift is lift_90 x q_within_45. It
    allocates the activations exactly (round(p x n) per arm) to make one
    dataset's lift exact; the interval's coverage is about the sampling
    variation of independent tenants, so each simulated pilot here draws
    every tenant independently with those probabilities.
    """
    population = build_population(GeneratorConfig(tenants=TENANTS, seed=SEED))
    assert population.experiments, "the generator plants no pilot at this size"
    rows = []
    for experiment in population.experiments:
        n_t = int(experiment.treatment.sum())
        n_c = int((~experiment.treatment).sum())
        for draw in range(draws):
            rng = np.random.default_rng([SEED, draw, len(rows)])
            p_t = experiment.p_control + experiment.lift_90
            within_90_t = rng.random(n_t) < p_t
            within_90_c = rng.random(n_c) < experiment.p_control
            early_t = rng.random(n_t) < experiment.q_within_45
            early_c = rng.random(n_c) < experiment.q_within_45
            for checkpoint, planted, xt, xc in (
                ("day_90", experiment.lift_90, within_90_t.sum(), within_90_c.sum()),
                (
                    "day_45",
                    experiment.lift_90 * experiment.q_within_45,
                    (within_90_t & early_t).sum(),
                    (within_90_c & early_c).sum(),
                ),
            ):
                rows.append(
                    {
                        "experiment_id": experiment.experiment_id,
                        "checkpoint": checkpoint,
                        "planted_lift": planted,
                        "xt": int(xt),
                        "nt": n_t,
                        "xc": int(xc),
                        "nc": n_c,
                    }
                )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def simulated_pilots() -> pd.DataFrame:
    return _simulated_pilots(COVERAGE_DRAWS)


def test_lift_interval_covers_planted_lift_about_95_percent(
    simulated_pilots: pd.DataFrame,
) -> None:
    intervals = _sql_lift(simulated_pilots)
    intervals["covers"] = (intervals["lift_ci_lower"] <= intervals["planted_lift"]) & (
        intervals["planted_lift"] <= intervals["lift_ci_upper"]
    )
    coverage = intervals.groupby(["experiment_id", "checkpoint"])["covers"].agg(["mean", "size"])
    assert (coverage["size"] == COVERAGE_DRAWS).all()
    low, high = COVERAGE_BAND
    assert coverage["mean"].between(low, high).all(), coverage


def test_coverage_test_rejects_a_too_narrow_interval(simulated_pilots: pd.DataFrame) -> None:
    """The coverage check has power: a 68% interval (z = 1) fails the band."""
    intervals = _sql_lift(simulated_pilots, z=1.0)
    covers = (intervals["lift_ci_lower"] <= intervals["planted_lift"]) & (
        intervals["planted_lift"] <= intervals["lift_ci_upper"]
    )
    assert (
        covers.groupby([intervals["experiment_id"], intervals["checkpoint"]]).mean().max()
        < (COVERAGE_BAND[0])
    )


# --------------------------------------------------------- balance checks


def test_standardized_difference_by_hand() -> None:
    # means 3 and 1; sample variances 1 and 1 -> (3 - 1) / sqrt((1 + 1) / 2) = 2
    assert standardized_difference([2, 3, 4], [0, 1, 2]) == pytest.approx(2.0)
    assert standardized_difference([1, 1], [1, 1]) == 0.0
    assert standardized_difference([1], [2, 3]) is None


def test_chi_square_pvalue_matches_scipy_and_drops_empty_categories() -> None:
    table = [[10, 5, 0, 3], [8, 9, 0, 1]]
    expected = stats.chi2_contingency([[10, 5, 3], [8, 9, 1]], correction=False)[1]
    assert chi_square_pvalue(table) == pytest.approx(expected)
    assert chi_square_pvalue([[4, 0], [5, 0]]) is None


# ------------------------------------------------------ back-test metrics


def test_roc_auc_and_brier_match_scikit_learn() -> None:
    rng = np.random.default_rng(11)
    labels = rng.random(500) < 0.3
    scores = np.round(0.3 * labels + rng.random(500), 1)  # rounded: many ties
    assert roc_auc(labels, scores) == pytest.approx(roc_auc_score(labels, scores))
    probabilities = np.clip(scores, 0, 1)
    assert brier_score(labels, probabilities) == pytest.approx(
        brier_score_loss(labels, probabilities)
    )
    assert roc_auc(np.ones(3, dtype=bool), np.array([0.1, 0.2, 0.3])) is None


def test_threshold_at_fpr_by_hand() -> None:
    # 5 negatives, 4 positives. Alerting at >= 0.6 flags 0.9, 0.8 (pos), 0.7 (neg),
    # 0.6 (pos): FPR 1/5 = 0.2 within the budget; at >= 0.5 a second negative
    # would make it 0.4. Precision 3/4, recall 3/4.
    labels = np.array([1, 1, 0, 1, 0, 1, 0, 0, 0], dtype=bool)
    probabilities = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1])
    alert = threshold_at_fpr(labels, probabilities, max_fpr=0.2)
    assert alert.threshold == 0.6
    assert (alert.alerts, alert.true_positives, alert.false_positives) == (4, 3, 1)
    assert alert.precision == pytest.approx(0.75)
    assert alert.recall == pytest.approx(0.75)
    assert alert.false_positive_rate == pytest.approx(0.2)
    nothing = threshold_at_fpr(np.array([0, 1], dtype=bool), np.array([0.9, 0.1]), 0.2)
    assert nothing.threshold is None and nothing.alerts == 0 and nothing.recall == 0.0


def test_calibration_by_decile_by_hand() -> None:
    probabilities = np.arange(20) / 20
    labels = np.arange(20) >= 10
    calibration = calibration_by_decile(labels, probabilities)
    assert list(calibration["predictions"]) == [2] * 10
    assert calibration["mean_predicted"].iloc[0] == pytest.approx(0.025)
    assert list(calibration["observed_rate"]) == [0.0] * 5 + [1.0] * 5


# ------------------------------------- generator design for the back-test


def _seed_setting(name: str) -> float:
    settings = pd.read_csv(PROJECT_DIR / "seeds" / "risk_model_settings.csv")
    return float(settings.set_index("setting_name").at[name, "setting_value"])


@pytest.mark.parametrize("tenants", [200, 300])
def test_main_pilot_is_large_enough_for_a_day_90_verdict(tenants: int) -> None:
    """>= 50 tenants per arm: the exact planted 20-point lift at day 90 then
    has a 95% interval above zero (Newcombe, computed here with scipy)."""
    population = build_population(GeneratorConfig(tenants=tenants, seed=SEED))
    main = max(population.experiments, key=lambda e: e.lift_90)
    n_t, n_c = int(main.treatment.sum()), int((~main.treatment).sum())
    assert min(n_t, n_c) >= 50
    x_t = round((main.p_control + main.lift_90) * n_t)
    x_c = round(main.p_control * n_c)
    assert _newcombe_reference(x_t, n_t, x_c, n_c)[0] > 0


def test_pilot_cohort_trains_the_renewal_model_before_later_cohorts() -> None:
    """The main pilot's cohort onboards on one day, so its renewals are all known
    on one day. That day must come early: the cohort (with the tenants known
    before it) then reaches min_training_tenants, and enough later tenants with
    an observed first anniversary are left for the back-test. With the pilot
    late in the history the back-test was that one cohort, scored by a model
    trained on ~50 tenants (AUC 0.63 against 0.75 from the true probabilities)."""
    config = GeneratorConfig(tenants=TENANTS, seed=SEED)
    population = build_population(config)
    main = max(population.experiments, key=lambda e: e.lift_90)
    onboard = population.tenants["onboard_day"].to_numpy()
    anniversary = onboard + 365
    pilot_anniversary = main.start_day + 365
    observed = anniversary < config.end_epoch_day
    in_pilot = np.isin(np.arange(len(onboard)), main.tenant_idx)
    known_by_then = observed & (anniversary <= pilot_anniversary)
    assert known_by_then.sum() >= _seed_setting("min_training_tenants")
    later = observed & ~in_pilot & (anniversary > pilot_anniversary)
    assert later.sum() >= MIN_BACKTEST_TENANTS["renewal"]


# ---------------------------------------------- recovery on generated data

MODELS = [
    "+fct_tenant_health_weekly",
    "+fct_tenant_health_changes",
    "+int_kpi_health_computed",
    "+fct_pilot_results",
    "+fct_tenant_risk_scores",
    "+fct_risk_backtest",
    "+fct_risk_backtest_calibration",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltProject:
    root = tmp_path_factory.mktemp("health_risk_pilots")
    project = BuiltProject.at(root)
    generate(project.raw_dir, TENANTS, SEED)
    project.dbt("seed")
    project.run_with_python_steps(*MODELS)
    return project


@pytest.fixture(scope="module")
def truth_tenants(built: BuiltProject) -> pd.DataFrame:
    return pd.read_parquet(built.raw_dir / built.truth["tenants_truth_file"])


#: The issue's tolerance: back-test AUC within 0.05 of the AUC of the generator's
#: true probabilities on the same tenants.
AUC_TOLERANCE = 0.05
#: "Clearly beats" the tier + industry baseline. The generator plants no direct
#: tier or industry effect on renewal or expansion (only through activation speed),
#: so the baseline's AUC stays near 0.45-0.6 while the true probabilities reach
#: 0.77-0.85 on these back-test sets (seeds 1, 2, 3, 5 at 300 tenants): a margin of
#: 0.1 is under half that gap, yet about 1.4 standard errors of one AUC (Hanley-
#: McNeil: 0.07 at AUC 0.8 with 15 non-renewals and 65 renewals), so a model that
#: learned little beyond the baseline's features fails it.
BASELINE_MARGIN = 0.1
#: Fewest back-test tenants per outcome (and per class) for the AUC comparison to
#: mean something. At 300 tenants the generator leaves about 160 tenants outside
#: pilots; the main pilot's cohort (100 tenants, onboarded on day 60 of the history)
#: has its outcomes known early and trains the model, so the back-test scores the
#: later cohorts: 75-95 renewal and 150-170 expansion tenants by the onboarding
#: days of seeds 0-7 (dbt back-test, seeds 1, 2, 3, 5: 79-100 and 159-168; 15-24
#: non-renewals). 300 tenants keep the module's dbt build near one minute; at 200
#: tenants only about 40 renewals are back-tested, too few for a 0.05 tolerance.
MIN_BACKTEST_TENANTS = {"renewal": 60, "expansion": 120}
MIN_BACKTEST_CLASS = 10


@pytest.mark.slow
def test_backtest_auc_close_to_truth_and_beats_baseline(
    built: BuiltProject, truth_tenants: pd.DataFrame
) -> None:
    backtest = built.query("select * from main.fct_risk_backtest").set_index(
        ["outcome", "model_name"]
    )
    predictions = built.query("select * from intermediate.int_risk_backtest_predictions")
    merged = predictions.merge(truth_tenants, on="tenant_id", how="inner")
    assert len(merged) == len(predictions)
    for outcome, truth_column in (("renewal", "p_renewal"), ("expansion", "p_expansion")):
        row = backtest.loc[(outcome, "onboarding_logistic")]
        assert row["status"] == "ok", (outcome, row["status"])
        same = merged[merged["outcome"] == outcome]
        assert len(same) == row["backtest_tenants"] >= MIN_BACKTEST_TENANTS[outcome]
        assert same["is_outcome"].value_counts().min() >= MIN_BACKTEST_CLASS, outcome
        # The tenant's label in the mart is the outcome the generator realised.
        observed = "renewal_observed" if outcome == "renewal" else "expansion_observed"
        realised = "renewed_first_anniversary" if outcome == "renewal" else "expanded_within_180d"
        assert same[observed].all()
        assert (same["is_outcome"] == same[realised]).all(), outcome
        truth_auc = roc_auc_score(same["is_outcome"], same[truth_column])
        model_auc = roc_auc_score(same["is_outcome"], same["probability"])
        baseline_auc = roc_auc_score(same["is_outcome"], same["baseline_probability"])
        assert row["roc_auc"] == pytest.approx(model_auc)
        assert backtest.loc[(outcome, "baseline_tier_industry"), "roc_auc"] == pytest.approx(
            baseline_auc
        )
        assert abs(model_auc - truth_auc) <= AUC_TOLERANCE, (outcome, model_auc, truth_auc)
        assert model_auc >= baseline_auc + BASELINE_MARGIN, (outcome, model_auc, baseline_auc)
        assert row["false_positive_rate_at_threshold"] <= row["max_alert_fpr"] + 1e-12


@pytest.mark.slow
def test_backtest_predictions_are_out_of_time(built: BuiltProject) -> None:
    """Each back-test prediction came from a model whose training set did not
    hold the tenant's own label (nor any label known after the scoring date)."""
    leaks = built.query(
        """
        select count(*) as leaks
        from intermediate.int_risk_backtest_predictions as predictions
        inner join intermediate.int_risk_training_examples as training
            on training.tenant_id = predictions.tenant_id
            and training.outcome = predictions.outcome
            and training.scoring_date = predictions.scoring_date
        """
    )
    assert leaks["leaks"].iat[0] == 0
    late = built.query(
        """
        select count(*) as late
        from intermediate.int_risk_training_examples
        where outcome_known_date > scoring_date or features_available_date > scoring_date
        """
    )
    assert late["late"].iat[0] == 0


@pytest.mark.slow
def test_pilot_intervals_cover_planted_lift(built: BuiltProject) -> None:
    results = built.query("select * from main.fct_pilot_results")
    experiments = built.truth["experiments"]
    assert experiments
    for experiment in experiments:
        for checkpoint, planted in (
            ("day_45", experiment["lift_45d"]),
            ("day_90", experiment["lift_90d"]),
        ):
            (row,) = results[
                (results["experiment_id"] == experiment["experiment_id"])
                & (results["checkpoint"] == checkpoint)
            ].itertuples()
            assert row.is_observed
            arms = experiment["arms"]
            assert row.tenants_treatment == arms["treatment"]["tenants"]
            assert row.tenants_control == arms["control"]["tenants"]
            # The outcome the mart counts is the activation the generator realised.
            days = checkpoint.removeprefix("day_")
            realised_t = arms["treatment"][f"realised_rate_{days}d"]
            realised_c = arms["control"][f"realised_rate_{days}d"]
            assert row.outcome_rate_treatment == pytest.approx(realised_t, rel=1e-12)
            assert row.outcome_rate_control == pytest.approx(realised_c, rel=1e-12)
            assert row.lift_ci_lower <= planted <= row.lift_ci_upper, (row, planted)
            assert row.verdict in {"scale", "iterate", "stop"}


def _independent_health(built: BuiltProject) -> pd.DataFrame:
    """The four components of the last complete week, from staged rows and
    the spec's definitions (pandas, not the project's SQL)."""
    as_of = pd.Timestamp(
        built.query("select as_of_date from intermediate.int_as_of_date").iat[0, 0]
    )
    week_start = as_of - pd.Timedelta(days=6)
    week_end = as_of + pd.Timedelta(days=1)
    tenants = built.query("select tenant_id, seats_purchased from staging.stg_app__tenants")
    events = built.query(
        f"""
        select tenant_id, user_id, event_id, event_name, occurred_at, occurred_date, nps_score
        from staging.stg_product__events
        where occurred_date >= date '{as_of.date()}' - 95
            and occurred_date <= date '{as_of.date()}'
        """
    )
    events["occurred_date"] = pd.to_datetime(events["occurred_date"])
    tickets = built.query(
        "select tenant_id, created_at, ticket_tier from staging.stg_support__tickets"
    )
    users = built.query("select tenant_id, activated_at from intermediate.int_users_lifecycle")

    week = events[events["occurred_date"] >= week_start]
    wau = week.groupby("tenant_id")["user_id"].nunique().rename("wau")
    trailing = events[events["occurred_date"] >= week_end - pd.Timedelta(days=28)]
    active_28 = trailing.groupby("tenant_id")["user_id"].nunique().rename("active_28")
    recent_tickets = tickets[
        (tickets["ticket_tier"] == 1)
        & (pd.to_datetime(tickets["created_at"]) >= week_end - pd.Timedelta(days=28))
        & (pd.to_datetime(tickets["created_at"]) < week_end)
    ]
    tier1 = recent_tickets.groupby("tenant_id").size().rename("tier1")
    answers = events[
        (events["event_name"] == "nps_submitted")
        & (events["occurred_date"] >= week_end - pd.Timedelta(days=90))
        & events["nps_score"].notna()
    ].sort_values(["occurred_at", "event_id"])  # the spec's latest answer; ties by event_id
    latest = answers.groupby(["tenant_id", "user_id"])["nps_score"].last().reset_index()
    nps = (
        latest.groupby("tenant_id")["nps_score"]
        .agg(lambda s: 100 * ((s >= 9).mean() - (s <= 6).mean()))
        .rename("nps")
    )
    activated = (
        users[pd.to_datetime(users["activated_at"]) < week_end].groupby("tenant_id").size()
    ).rename("activated")

    frame = tenants.set_index("tenant_id").join([wau, active_28, tier1, nps, activated])
    frame = frame.fillna({"wau": 0, "active_28": 0, "tier1": 0, "activated": 0})
    frame["activation"] = np.minimum(1, frame["activated"] / frame["seats_purchased"])
    frame["usage"] = np.minimum(1, frame["wau"] / frame["seats_purchased"] / 0.6)
    frame["support"] = np.where(
        frame["active_28"] > 0,
        np.maximum(0, 1 - frame["tier1"] / frame["active_28"].where(frame["active_28"] > 0) / 0.5),
        np.nan,
    )
    frame["sentiment"] = (frame["nps"] + 100) / 200
    frame["score"] = 100 * (
        0.3 * frame["activation"]
        + 0.3 * frame["usage"]
        + 0.2 * frame["support"].fillna(0.5)
        + 0.2 * frame["sentiment"].fillna(0.5)
    )
    frame["week_start"] = week_start
    return frame.reset_index()


@pytest.mark.slow
def test_health_score_matches_independent_computation(built: BuiltProject) -> None:
    mart = built.query(
        """
        select * from main.fct_tenant_health_weekly
        where week_start = (select max(week_start) from main.fct_tenant_health_weekly)
        """
    )
    expected = _independent_health(built)
    merged = mart.merge(expected, on="tenant_id", how="inner")
    assert len(merged) == len(mart) > 50
    assert (mart["week_start"] == expected["week_start"].iat[0]).all()
    np.testing.assert_allclose(merged["usage_depth_component"], merged["usage"], atol=1e-9)
    np.testing.assert_allclose(
        merged["activation_progress_component"], merged["activation"], atol=1e-9
    )
    np.testing.assert_allclose(
        merged["support_load_component"].astype(float), merged["support"], atol=1e-9
    )
    np.testing.assert_allclose(
        merged["sentiment_component"].astype(float), merged["sentiment"], atol=1e-9
    )
    assert (merged["is_sentiment_missing"] == merged["nps"].isna()).all()
    # exact up to the order of floating-point operations (the mart does not round)
    np.testing.assert_allclose(merged["health_score"], merged["score"], rtol=1e-12, atol=1e-12)
    bands = np.where(
        merged["score"] >= 70, "healthy", np.where(merged["score"] >= 40, "watch", "at_risk")
    )
    # Only a score within floating-point noise of a band edge could fall either side.
    clear = (np.abs(merged["score"] - 70) > 1e-9) & (np.abs(merged["score"] - 40) > 1e-9)
    assert (merged.loc[clear, "health_band"] == bands[clear]).all()


@pytest.mark.slow
def test_health_kpis_and_changes_agree_with_the_weekly_mart(built: BuiltProject) -> None:
    kpis = built.query(
        """
        select week_start, kpi_name, value, numerator, denominator
        from intermediate.int_kpi_health_computed where segment_type = 'all'
        """
    )
    weekly = built.query("select * from main.fct_tenant_health_weekly")
    by_week = weekly.groupby("week_start").agg(
        mean=("health_score", "mean"),
        at_risk=("health_band", lambda s: (s == "at_risk").mean()),
        tenants=("tenant_id", "size"),
    )
    means = kpis[kpis["kpi_name"] == "health_score_mean"].set_index("week_start")
    shares = kpis[kpis["kpi_name"] == "at_risk_tenant_share"].set_index("week_start")
    np.testing.assert_allclose(means["value"], by_week.loc[means.index, "mean"], rtol=1e-9)
    np.testing.assert_allclose(shares["value"], by_week.loc[shares.index, "at_risk"], rtol=1e-9)
    assert (means["denominator"] == by_week.loc[means.index, "tenants"]).all()

    ranks = weekly.set_index(["tenant_id", "week_start"])["health_band_rank"]
    changes = built.query("select * from main.fct_tenant_health_changes")
    assert len(changes) > 0
    for row in changes.itertuples():
        before = ranks[(row.tenant_id, row.week_start - pd.Timedelta(days=7))]
        assert ranks[(row.tenant_id, row.week_start)] > before
    worsened = weekly.sort_values("week_start").assign(
        previous=lambda f: f.groupby("tenant_id")["health_band_rank"].shift(),
        previous_week=lambda f: f.groupby("tenant_id")["week_start"].shift(),
    )
    worsened = worsened[
        (worsened["health_band_rank"] > worsened["previous"])
        & (worsened["week_start"] - worsened["previous_week"] == pd.Timedelta(days=7))
    ]
    assert len(worsened) == len(changes)


RISK_STEP = next(step for step in STEPS if step.name == "risk_scoring")


def _risk_inputs(built: BuiltProject) -> list[pd.DataFrame]:
    """The risk step's input relations, in its order, from the built warehouse."""
    seeds = {"risk_model_settings", "risk_model_features"}
    return [
        built.query(f"select * from {'seeds' if name in seeds else 'intermediate'}.{name}")
        for name in RISK_STEP.inputs
    ]


@pytest.mark.slow
def test_risk_model_is_deterministic_and_order_independent(built: BuiltProject) -> None:
    inputs = _risk_inputs(built)
    first = RISK_STEP.compute(*inputs)
    second = RISK_STEP.compute(*(frame.sample(frac=1, random_state=3) for frame in inputs))
    pd.testing.assert_frame_equal(first, second)
    stored = built.query("select * from intermediate.int_tenant_risk_scored")
    np.testing.assert_allclose(
        stored.sort_values(["scoring_date", "outcome", "tenant_id"])["probability"].astype(float),
        first["probability"].astype(float),
        equal_nan=True,
    )


def _write(
    connection: duckdb.DuckDBPyConnection,
    scores: pd.DataFrame,
    digests: pd.DataFrame,
    kept: pd.DataFrame | None = None,
) -> None:
    """Write the step's tables as a run does (kept: the groups whose stored rows stay)."""
    assert RISK_STEP.kept is not None
    warehouse.replace_tables(
        connection,
        "duckdb",
        "python_steps",
        [(RISK_STEP.output, scores), (RISK_STEP.kept, digests)],
        None if kept is None else {RISK_STEP.output.name: kept},
    )


def _read_back(connection: duckdb.DuckDBPyConnection) -> risk_scoring.PreviousRun:
    """What the next run reads of the step's tables (python_steps.run)."""
    previous = run_steps._previous_run(connection, "duckdb", RISK_STEP)
    assert previous is not None
    return risk_scoring.PreviousRun(*previous)


def _stored_rows(connection: duckdb.DuckDBPyConnection) -> list[tuple]:
    """The stored output as the values every engine writes, in one order."""
    stored = warehouse.read_frame(connection, f"python_steps.{RISK_STEP.output.name}")
    return sorted(warehouse._rows(stored, RISK_STEP.output), key=repr)


def _as_written(scores: pd.DataFrame) -> list[tuple]:
    return sorted(warehouse._rows(scores, RISK_STEP.output), key=repr)


def test_input_digest_tells_arrays_apart_by_dtype_and_shape() -> None:
    digest = risk_scoring._digest
    # the same bytes, told apart by itemsize, shape or dtype
    assert digest(np.array(["abcd"])) != digest(np.array(["ab", "cd"]))
    assert digest(np.arange(4).reshape(2, 2)) != digest(np.arange(4))
    assert digest(np.zeros(2, dtype="int64")) != digest(np.zeros(2, dtype="float64"))
    assert digest(np.array(["a", "b"])) == digest(np.array(["a", "b"]))
    with pytest.raises(TypeError):
        digest(np.array(["a", None], dtype=object))


def test_input_digest_days_do_not_depend_on_the_driver_unit() -> None:
    days = pd.Series(pd.to_datetime(["2026-01-05", "2026-01-12"]))
    as_micro = days.astype("datetime64[us]")
    day_numbers = risk_scoring._day_numbers
    assert day_numbers(days).tolist() == day_numbers(as_micro).tolist()
    assert day_numbers(days).tolist() != day_numbers(days + pd.Timedelta(days=7)).tolist()


@pytest.mark.slow
def test_a_weekly_run_rescores_only_the_dates_whose_inputs_changed(
    built: BuiltProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = _risk_inputs(built)
    fresh, digests, kept_none = risk_scoring.score_risk_reusing(*inputs, previous=None)
    assert kept_none is None
    pd.testing.assert_frame_equal(fresh, RISK_STEP.compute(*inputs))
    connection = duckdb.connect()
    _write(connection, fresh, digests)
    previous = _read_back(connection)

    fits = []
    original_fit = risk_scoring._Fitted.__init__

    def counted_fit(self, *args, **kwargs):
        fits.append(1)
        original_fit(self, *args, **kwargs)

    monkeypatch.setattr(risk_scoring._Fitted, "__init__", counted_fit)
    # nothing changed: every date keeps its stored rows, nothing is fitted or
    # computed but the features_pending rows, and the stored table is the same
    reused, reused_digests, kept = risk_scoring.score_risk_reusing(*inputs, previous=previous)
    assert fits == []
    assert set(reused["model_status"]) <= {"features_pending"}
    assert kept is not None and len(kept) == len(digests)
    pd.testing.assert_frame_equal(reused_digests, digests)
    _write(connection, reused, reused_digests, kept)
    assert _stored_rows(connection) == _as_written(fresh)

    # a late event changes one trained tenant's onboarding feature: the dates
    # that train on or score that tenant are recomputed, the others kept, and
    # the result is the full recomputation's
    population, training, features, settings, feature_seed = inputs
    scored = training[training["outcome"] == "renewal"]
    tenant = scored.sort_values("scoring_date")["tenant_id"].iloc[-1]
    used = feature_seed.loc[feature_seed["is_used"] == 1, "feature_name"]
    numeric = next(name for name in sorted(used) if name not in risk_scoring.CATEGORICAL)
    changed = features.copy()
    row = changed["tenant_id"] == tenant
    changed.loc[row, numeric] = pd.to_numeric(changed.loc[row, numeric]).fillna(0) + 5
    changed_inputs = [population, training, changed, settings, feature_seed]
    expected = risk_scoring.score_risk(*changed_inputs)
    fits.clear()
    rescored, rescored_digests, kept = risk_scoring.score_risk_reusing(
        *changed_inputs, previous=_read_back(connection)
    )
    assert kept is not None and 0 < len(kept) < len(digests)
    _write(connection, rescored, rescored_digests, kept)
    assert _stored_rows(connection) == _as_written(expected)
    different = (rescored_digests["input_digest"] != digests["input_digest"]).sum()
    assert 0 < different < len(digests)
    assert 0 < len(fits) < 2 * 2 * len(digests)
    # no date that trains on or scores the tenant kept its rows
    trained = training[training["tenant_id"] == tenant]
    # (a tenant whose features are pending is not scored: its rows are recomputed)
    scored_dates = population.loc[
        (population["tenant_id"] == tenant) & population["has_features"].astype(bool),
        "scoring_date",
    ]
    touched = {
        (outcome, pd.Timestamp(day))
        for outcome, day in trained[["outcome", "scoring_date"]].itertuples(index=False)
    } | {(o, pd.Timestamp(day)) for o in risk_scoring.OUTCOMES for day in scored_dates}
    same = rescored_digests["input_digest"] == digests["input_digest"]
    kept_dates = {
        (outcome, pd.Timestamp(day))
        for outcome, day in rescored_digests.loc[same, ["outcome", "scoring_date"]].itertuples(
            index=False
        )
    }
    assert touched and not touched & kept_dates
