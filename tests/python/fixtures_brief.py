"""A small published-marts file with the interface columns, for the brief's tests.

It stands in for `tenant-kpis publish` output so the brief can be tested
without running the whole pipeline; the end-to-end test uses the real one.
Values are hand-set or drawn from a seeded numpy Generator; every value has
a 95% interval of half a tenth of its band's width and statuses follow the
spec's rule (at risk within 10% of the threshold; beyond, off track when the
interval lies past the threshold, else possibly off track); a change is
called when it exceeds the root sum of squares of the facing half-widths.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

PROJECT = Path(__file__).resolve().parents[2]
FIRST_WEEK = date(2026, 5, 4)
N_WEEKS = 28
LAST_WEEK = FIRST_WEEK + timedelta(weeks=N_WEEKS - 1)  # 2026-11-09
EMPTY_WEEKS = 3  # the first weeks have no values at all
INDUSTRIES = ("saas_smb", "enterprise_software", "healthcare", "financial_services")
TIERS = ("starter", "growth", "enterprise")
PERSONAS = ("admin", "operator", "end_user")
BENCH = {
    "saas_smb": (0.6, 0.8, 0, 14, 0.1, 0.2, "SaaS (SMB)"),
    "enterprise_software": (0.4, 0.6, 30, 60, 0.15, 0.3, "Enterprise software"),
    "healthcare": (0.5, 0.7, 30, 90, 0.2, 0.4, "Healthcare / Regulated"),
    "financial_services": (0.45, 0.65, 30, 60, 0.1, 0.25, "Financial services"),
}
# Hand-set headline values for the last week (platform and healthcare).
HEADLINE = {
    ("all", "all"): {
        "adoption_rate_90d": 0.52,
        "time_to_certification_median_days": 21.0,
        "performance_improvement": 0.17,
        "cost_per_learner_usd": 162.4,
        "content_freshness_rate": 0.74,
    },
    ("industry", "healthcare"): {
        "adoption_rate_90d": 0.61,
        "time_to_certification_median_days": 95.0,
        "performance_improvement": 0.23,
        "cost_per_learner_usd": 88.25,
        "content_freshness_rate": 0.74,
    },
}


def _catalog() -> list[dict[str, str]]:
    with (PROJECT / "seeds" / "kpi_catalog.csv").open() as handle:
        return list(csv.DictReader(handle))


def _targets() -> dict[str, tuple[float, float]]:
    with (PROJECT / "seeds" / "kpi_targets.csv").open() as handle:
        return {
            r["kpi_name"]: (float(r["target_low"]), float(r["target_high"]))
            for r in csv.DictReader(handle)
        }


def _band(
    kpi: str, segment_type: str, segment_value: str, targets: dict[str, tuple[float, float]]
) -> tuple[float, float, str | None]:
    industry = segment_value if segment_type == "industry" else "saas_smb"
    b = BENCH[industry]
    label = b[6]
    if kpi == "adoption_rate_90d":
        return b[0], b[1], label
    if kpi == "time_to_certification_median_days":
        return float(b[2]), float(b[3]), label
    if kpi == "performance_improvement":
        return b[4], b[5], label
    low, high = targets.get(kpi, (0.0, 1.0))
    return low, high, None


def _status(value: float | None, low: float, high: float, higher: bool, half_width: float) -> str:
    """The spec's rule: at risk within 10% of the threshold; beyond, by the interval."""
    if value is None:
        return "no_data"
    threshold = low if higher else high
    margin = abs(threshold) * 0.1
    past = (threshold - value) if higher else (value - threshold)
    if past <= 0:
        return "on_track"
    if past <= margin:
        return "at_risk"
    return "off_track" if past > half_width else "possibly_off_track"


def _direction(now: float | None, before: float | None, half_width: float) -> str | None:
    if now is None or before is None:
        return None
    if abs(now - before) > (2 * half_width**2) ** 0.5:
        return "up" if now > before else "down"
    return "within_noise"


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Append rows to a table as one Arrow batch: executemany inserts row by row
    and took most of a fixture's 12 CPU seconds."""
    if not rows:
        return
    fixture_rows = pa.table(
        {
            f"column_{index}": pa.array(list(values))
            for index, values in enumerate(zip(*rows, strict=True))
        }
    )
    con.register("fixture_rows", fixture_rows)
    con.execute(f"insert into {table} select * from fixture_rows")
    con.unregister("fixture_rows")


def build(path: Path, *, with_health: bool = True, with_pilots: bool = True, seed: int = 7) -> Path:
    """Write the fixture marts to `path` and return it."""
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    catalog = _catalog()
    targets = _targets()
    segments = (
        [("all", "all")]
        + [("industry", i) for i in INDUSTRIES]
        + [("plan_tier", t) for t in TIERS]
        + [("persona", p) for p in PERSONAS]
    )
    weeks = [FIRST_WEEK + timedelta(weeks=i) for i in range(N_WEEKS)]
    weekly, card = [], []
    for kpi in catalog:
        name = kpi["kpi_name"]
        allowed = kpi["segment_types"].split("|")
        higher = kpi["direction"] == "higher_is_better"
        for seg_type, seg_value in segments:
            if seg_type not in allowed:
                continue
            low, high, label = _band(name, seg_type, seg_value, targets)
            base = (low + high) / 2 if high > low else high
            spread = (high - low) or 1.0
            values: list[float | None] = []
            walk = base + rng.normal(0, spread * 0.4)
            for i, _week in enumerate(weeks):
                walk += rng.normal(0, spread * 0.12)
                values.append(None if i < EMPTY_WEEKS else round(float(walk), 4))
            hand = HEADLINE.get((seg_type, seg_value), {})
            if name in hand:
                values[-1] = hand[name]
                # off track in the two weeks before as well, for the streak sentence
                if name in ("adoption_rate_90d", "time_to_certification_median_days"):
                    values[-2] = hand[name] + (0.04 if higher else -3.0)
                    values[-3] = hand[name] + (0.02 if higher else -2.0)
            if name == "content_freshness_rate" and (seg_type, seg_value) != ("all", "all"):
                continue
            actions = "; ".join(r["action"] for r in _playbooks() if r["kpi_name"] == name)
            streak = 0
            half_width = spread * 0.05
            for i, week in enumerate(weeks):
                value = values[i]
                denominator = None if value is None else float(rng.integers(20, 200))
                numerator = None if value is None else round(value * denominator, 4)
                units = None if value is None else int(denominator)
                lower = None if value is None else value - half_width
                upper = None if value is None else value + half_width
                row = (week, name, seg_type, seg_value, value, numerator, denominator)
                weekly.append((*row, units, lower, upper))
                status = _status(value, low, high, higher, half_width)
                streak = streak + 1 if status == "off_track" else 0
                prior = values[i - 1] if i >= 1 else None
                prior4 = values[i - 4] if i >= 4 else None
                threshold = low if higher else high
                evidence = (
                    None
                    if value is None
                    else ((threshold - value) if higher else (value - threshold)) / half_width
                )
                card.append(
                    (
                        week,
                        name,
                        seg_type,
                        seg_value,
                        value,
                        numerator,
                        denominator,
                        low,
                        high,
                        label,
                        low if higher else high,
                        status,
                        None if value is None or prior is None else round(value - prior, 6),
                        None if value is None or prior4 is None else round(value - prior4, 6),
                        kpi["label"],
                        kpi["unit"],
                        kpi["direction"],
                        kpi["owner"],
                        kpi["business_outcome"],
                        kpi["decision_point"],
                        actions,
                        streak,
                        units,
                        lower,
                        upper,
                        status.replace("_", " "),
                        evidence,
                        _direction(value, prior, half_width),
                        _direction(value, prior4, half_width),
                    )
                )
    con = duckdb.connect(str(path))
    con.execute("""create table fct_kpi_weekly (week_start date, kpi_name varchar,
        segment_type varchar, segment_value varchar, value double, numerator double,
        denominator double, unit_count integer, interval_lower double, interval_upper double)""")
    _insert(con, "fct_kpi_weekly", weekly)
    con.execute("""create table fct_kpi_scorecard (week_start date, kpi_name varchar,
        segment_type varchar, segment_value varchar, value double, numerator double,
        denominator double, benchmark_low double, benchmark_high double,
        benchmark_label varchar, threshold double, status varchar,
        change_vs_prior_week double, change_vs_4_weeks double, kpi_label varchar,
        unit varchar, direction varchar, owner varchar, business_outcome varchar,
        decision_point varchar, playbook_actions varchar, consecutive_off_track_weeks integer,
        unit_count integer, interval_lower double, interval_upper double, status_reason varchar,
        evidence_past_threshold double, change_vs_prior_week_direction varchar,
        change_vs_4_weeks_direction varchar)""")
    _insert(con, "fct_kpi_scorecard", card)
    con.execute("""create table dim_kpi_rule_parameters as select * from (values
        ('alert_consecutive_weeks', 2.0), ('alert_minimum_units', 50.0),
        ('alert_owner_capacity', 1.0), ('min_effect', 0.05),
        ('interval_confidence', 0.95), ('early_warning_interval_confidence', 0.9))
        as parameters (parameter_name, parameter_value)""")
    con.execute(
        "create table dim_kpis as select * rename (label as kpi_label) "
        "from read_csv(?, all_varchar = true)",
        [str(PROJECT / "seeds" / "kpi_catalog.csv")],
    )
    _alerts(con)
    tenants = _tenants(con, rng)
    _users(con, rng, tenants)
    _retention(con, rng, segments)
    if with_health:
        _health(con, rng, tenants)
    if with_pilots:
        _pilots(con)
    _investment(con)
    _dq(con)
    con.execute("""create table build_info as select
        timestamp '2026-11-16 06:00:00' as published_at, 'inv-fixture-0001' as invocation_id,
        '1.11.16' as dbt_version, 'abcdef1234567890' as git_commit, 'build' as dbt_command,
        61 as models_built, 412 as tests_passed, 0 as tests_failed, 2 as tests_warned,
        0 as tests_errored, 'data/raw' as raw_dir""")
    con.close()
    return path


def _playbooks() -> list[dict[str, str]]:
    with (PROJECT / "seeds" / "kpi_playbooks.csv").open() as handle:
        return list(csv.DictReader(handle))


def _alerts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""create table fct_kpi_alerts (alert_id varchar, alert_kind varchar,
        kpi_name varchar, segment_type varchar, segment_value varchar, opened_week date,
        closed_week date, is_open boolean, weeks_open integer, owner varchar,
        playbook_actions varchar)""")
    last = LAST_WEEK
    rows = [
        (
            "a1",
            "kpi",
            "adoption_rate_90d",
            "all",
            "all",
            last - timedelta(weeks=1),
            None,
            True,
            2,
            "VP Customer Success",
            "Run an activation campaign; Rework onboarding",
        ),
        (
            "a2",
            "kpi",
            "time_to_certification_median_days",
            "industry",
            "healthcare",
            last - timedelta(weeks=1),
            None,
            True,
            2,
            "Head of Enablement",
            "Optimize enablement paths; Offer live cohorts",
        ),
        (
            "a3",
            "kpi",
            "cost_per_learner_usd",
            "industry",
            "saas_smb",
            last - timedelta(weeks=5),
            last,
            False,
            5,
            "CFO / Head of L&D Operations",
            "Automate content",
        ),
        (
            "a4",
            "kpi",
            "nps",
            "plan_tier",
            "starter",
            last - timedelta(weeks=9),
            last - timedelta(weeks=4),
            False,
            5,
            "VP Customer Success",
            "Run a campaign",
        ),
    ]
    # an early warning, judged on the newest weekly cohorts: its value (25%, n = 120) and
    # evidence (9 half-widths, above adoption's 8) live in fct_kpi_early_warning_weekly,
    # not in the scorecard row of the same KPI and segment
    rows.append(
        (
            "e1",
            "early_warning",
            "first_value_rate_30d",
            "all",
            "all",
            last,
            None,
            True,
            1,
            "VP Product",
            "Shorten time to value; Rework onboarding",
        )
    )
    _insert(con, "fct_kpi_alerts", rows)
    con.execute(
        """create table fct_kpi_early_warning_weekly as select * from (values
        (date '{last}', 'first_value_rate_30d', 'all', 'all', 0.25, 120, 0.2333, 0.2667, 9.0,
         'off_track')) as early (week_start, kpi_name, segment_type, segment_value, value,
        unit_count, interval_lower, interval_upper, evidence_past_threshold, status)
        """.replace("{last}", str(last))
    )


def _tenants(con: duckdb.DuckDBPyConnection, rng: np.random.Generator) -> list[tuple]:
    tenants = []
    for i in range(40):
        industry = INDUSTRIES[i % 4]
        tier = TIERS[i % 3]
        onboarded = datetime(2025, 6, 2) + timedelta(days=int(i * 9))
        tenants.append(
            (
                f"t{i:03d}",
                f"{industry[:4].title()} Tenant {i:03d} Ltd",
                industry,
                tier,
                "emea",
                int(rng.integers(10, 200)),
                onboarded,
            )
        )
    con.execute("""create table dim_tenants (tenant_id varchar, tenant_name varchar,
        industry varchar, plan_tier varchar, region varchar, seats_purchased integer,
        onboarded_at timestamp)""")
    _insert(con, "dim_tenants", tenants)
    return tenants


def _users(con: duckdb.DuckDBPyConnection, rng: np.random.Generator, tenants: list[tuple]) -> None:
    rows = []
    for i in range(900):
        tenant = tenants[i % len(tenants)]
        created = datetime(2026, 3, 2) + timedelta(days=int(rng.integers(0, 250)))
        activate = int(rng.gamma(2.0, 4.0)) if rng.random() < 0.8 else None
        value = int(rng.gamma(2.5, 6.0)) if rng.random() < 0.7 else None
        rows.append((f"u{i:04d}", tenant[0], PERSONAS[i % 3], created, activate, value))
    con.execute("""create table fct_user_onboarding (user_id varchar, tenant_id varchar,
        persona varchar, created_at timestamp, time_to_activate_days integer,
        time_to_first_value_days integer)""")
    _insert(con, "fct_user_onboarding", rows)


def _retention(
    con: duckdb.DuckDBPyConnection, rng: np.random.Generator, segments: list[tuple[str, str]]
) -> None:
    rows = []
    for seg_type, seg_value in segments:
        for c in range(20):
            cohort = LAST_WEEK - timedelta(weeks=19 - c)
            size = int(rng.integers(15, 60))
            for k in range(13):
                if cohort + timedelta(weeks=k) > LAST_WEEK:
                    break
                retained = size if k == 0 else int(size * max(0.15, 0.8 - 0.05 * k))
                rows.append((cohort, k, seg_type, seg_value, size, retained, retained / size))
    con.execute("""create table fct_retention_cohorts (cohort_week_start date,
        weeks_since_signup integer, segment_type varchar, segment_value varchar,
        cohort_users integer, retained_users integer, retention_rate double)""")
    _insert(con, "fct_retention_cohorts", rows)


def _health(con: duckdb.DuckDBPyConnection, rng: np.random.Generator, tenants: list[tuple]) -> None:
    bands = ("healthy", "watch", "at_risk")
    weekly, changes, risk = [], [], []
    for n, tenant in enumerate(tenants):
        previous = None
        for i in range(8):
            week = LAST_WEEK - timedelta(weeks=7 - i)
            score = float(np.clip(70 - n * 1.3 + rng.normal(0, 8), 0, 100))
            band = bands[0] if score >= 70 else (bands[1] if score >= 40 else bands[2])
            weekly.append((tenant[0], week, round(score, 1), band))
            if previous is not None and bands.index(band) > bands.index(previous[1]):
                changes.append(
                    (
                        tenant[0],
                        week,
                        previous[1],
                        band,
                        previous[0],
                        round(score, 1),
                        round(score - previous[0], 1),
                        "usage depth",
                        -12.0,
                        week == LAST_WEEK,
                    )
                )
            previous = (round(score, 1), band)
        risk.append(
            (
                tenant[0],
                LAST_WEEK,
                round(0.95 - n * 0.02, 3),
                round(0.1 + n * 0.01, 3),
                "high" if n > 30 else "low",
                "low usage depth",
                "many tier-1 tickets",
                None,
                "scored",
            )
        )
    con.execute("""create table fct_tenant_health_weekly (tenant_id varchar, week_start date,
        health_score double, health_band varchar)""")
    _insert(con, "fct_tenant_health_weekly", weekly)
    con.execute("""create table fct_tenant_health_changes (tenant_id varchar, week_start date,
        previous_health_band varchar, health_band varchar, previous_health_score double,
        health_score double, health_score_change double, component_moved_most_label varchar,
        component_points_change double, is_as_of_week boolean)""")
    _insert(con, "fct_tenant_health_changes", changes)
    con.execute("""create table fct_tenant_risk_scores (tenant_id varchar, week_start date,
        renewal_probability double, expansion_probability double, risk_band varchar,
        renewal_driver_1 varchar, renewal_driver_2 varchar, renewal_driver_3 varchar,
        renewal_model_status varchar)""")
    _insert(con, "fct_tenant_risk_scores", risk)
    con.execute("""create table fct_risk_backtest as select 'renewal' as outcome,
        'onboarding_logistic' as model_name, 'ok' as status, 0.81 as roc_auc,
        0.142 as brier_score, 0.66 as precision_at_threshold, 0.58 as recall_at_threshold,
        0.35 as alert_threshold, 0.17 as false_positive_rate_at_threshold,
        120 as backtest_tenants
        union all select 'renewal', 'baseline_tier_industry', 'ok', 0.6, 0.2, 0.4, 0.3, 0.35,
        0.2, 120""")


def _pilots(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""create table fct_pilot_results (experiment_id varchar, checkpoint_days integer,
        checkpoint_date date, outcome_name varchar, tenants_treatment integer,
        tenants_control integer, outcome_rate_treatment double, outcome_rate_control double,
        lift double, lift_ci_lower double, lift_ci_upper double, p_value double,
        verdict varchar)""")
    rows = [
        (
            "guided_setup",
            45,
            LAST_WEEK - timedelta(weeks=7),
            "activated within 45 days",
            30,
            30,
            0.50,
            0.37,
            0.13,
            -0.05,
            0.31,
            0.16,
            "iterate",
        ),
        (
            "guided_setup",
            90,
            LAST_WEEK,
            "activated within 90 days",
            30,
            30,
            0.70,
            0.47,
            0.23,
            0.05,
            0.41,
            0.012,
            "scale",
        ),
        (
            "nudge_emails",
            45,
            LAST_WEEK - timedelta(weeks=2),
            "activated within 45 days",
            25,
            25,
            0.40,
            0.42,
            -0.02,
            -0.22,
            0.18,
            0.84,
            "stop",
        ),
    ]
    _insert(con, "fct_pilot_results", rows)


def _investment(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""create table fct_investment_priority (week_start date, segment_type varchar,
        segment_value varchar, adoption_velocity double, impact_per_tenant double,
        cost_to_serve double, adoption_velocity_z double, impact_per_tenant_z double,
        cost_to_serve_z double, priority_score double, priority_rank integer)""")
    rows = [
        (LAST_WEEK, "industry", "healthcare", 0.06, 3.1, 88.25, 1.2, 0.9, -0.8, 1.0, 1),
        (LAST_WEEK, "industry", "saas_smb", 0.03, 1.2, 140.0, 0.3, 0.1, 0.6, 0.04, 2),
        (LAST_WEEK, "industry", "financial_services", 0.01, -0.5, 120.0, -0.4, -0.6, 0.2, -0.44, 3),
        (
            LAST_WEEK,
            "industry",
            "enterprise_software",
            -0.02,
            -1.1,
            150.0,
            -1.1,
            -1.2,
            0.9,
            -1.1,
            4,
        ),
    ]
    _insert(con, "fct_investment_priority", rows)


def _dq(con: duckdb.DuckDBPyConnection) -> None:
    tables = (
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
    con.execute("""create table dq_row_accounting (raw_table varchar, load_date date,
        rows_raw bigint, rows_staged bigint, rows_quarantined bigint, rows_duplicate bigint)""")
    _insert(
        con,
        "dq_row_accounting",
        [(t, None, 1000 + i, 990 + i, 7, 3) for i, t in enumerate(tables) if t != "events"]
        # events have a row per load date: totals 4,321 raw, 4,300 staged, 12, 9
        + [
            ("events", LAST_WEEK - timedelta(days=1), 3000, 2990, 6, 4),
            ("events", LAST_WEEK, 1300, 1289, 6, 5),
            ("events", None, 21, 21, 0, 0),
        ],
    )
    con.execute("""create table dq_quarantine_summary (raw_table varchar,
        quarantine_reason varchar, "rows" bigint)""")
    _insert(
        con,
        "dq_quarantine_summary",
        [(t, "missing_key", 4) for t in tables] + [(t, "unknown_tenant", 3) for t in tables],
    )
    con.execute("""create table dq_source_freshness (raw_table varchar,
        max_loaded_at timestamp, lag_days double, freshness_status varchar)""")
    _insert(
        con, "dq_source_freshness", [(t, datetime(2026, 11, 16, 3, 0), 3.0, "pass") for t in tables]
    )
