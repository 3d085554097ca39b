"""Tests of the synthetic data generator (`tenant-kpis generate`).

Small datasets only; every cross-check recomputes a quantity from the written
files with DuckDB SQL (independent of the generator's numpy code) and compares
it with `_truth.json` or with the planted value.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tenant_kpis.cli import main
from tenant_kpis.errors import UserError
from tenant_kpis.generator import (
    GeneratorConfig,
    append_holdback,
    generate_dataset,
    tenants_for_events,
)

TABLES = {
    "tenants": [
        "tenant_id",
        "tenant_name",
        "industry",
        "plan_tier",
        "region",
        "seats_purchased",
        "signed_at",
        "onboarded_at",
    ],
    "users": ["user_id", "tenant_id", "persona", "created_at", "deactivated_at", "email"],
    "events": [
        "event_id",
        "tenant_id",
        "user_id",
        "event_name",
        "occurred_at",
        "received_at",
        "properties",
    ],
    "certifications": [
        "certification_id",
        "tenant_id",
        "user_id",
        "certification_name",
        "level",
        "issued_at",
    ],
    "content": [
        "content_id",
        "course_id",
        "title",
        "content_type",
        "published_at",
        "last_updated_at",
        "retired_at",
    ],
    "learning_costs": ["cost_id", "tenant_id", "month", "category", "amount_usd"],
    "support_tickets": [
        "ticket_id",
        "tenant_id",
        "user_id",
        "created_at",
        "tier",
        "category",
        "resolved_at",
    ],
    "subscription_events": [
        "subscription_event_id",
        "tenant_id",
        "event_type",
        "effective_at",
        "seats_delta",
        "mrr_delta_usd",
    ],
    "experiment_assignments": ["experiment_id", "tenant_id", "arm", "assigned_at"],
}
KEY_COLUMNS = {
    "tenant_id",
    "user_id",
    "event_id",
    "certification_id",
    "content_id",
    "course_id",
    "cost_id",
    "ticket_id",
    "subscription_event_id",
    "experiment_id",
}
KNOWN_EVENTS = (
    "session_started",
    "setup_step_completed",
    "data_import_completed",
    "integration_connected",
    "self_service_config_changed",
    "governance_action",
    "feature_used",
    "workflow_completed",
    "task_completed",
    "task_failed",
    "workflow_shared",
    "comment_added",
    "content_viewed",
    "lesson_completed",
    "course_completed",
    "nps_submitted",
)
AL_EVENTS = (
    "setup_step_completed",
    "data_import_completed",
    "integration_connected",
    "self_service_config_changed",
    "governance_action",
    "content_viewed",
    "lesson_completed",
    "course_completed",
)


def _generate(out: Path, **kwargs: object) -> Path:
    generate_dataset(GeneratorConfig(**kwargs), out, progress=False)  # type: ignore[arg-type]
    return out


def _con(raw: Path, ext: str = "parquet") -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for table in TABLES:
        path = raw / f"{table}.{ext}"
        if table == "events" and (raw / "events").is_dir():
            # the partitioned layout: the contract's columns, not the hive key
            reader = f"read_parquet('{raw}/events/*/*.parquet', hive_partitioning = false)"
        elif ext == "parquet":
            reader = f"'{path}'"
        else:
            reader = f"read_csv('{path}', all_varchar=true)"
        con.execute(f"create view {table} as select * from {reader}")
    return con


def _file_digests(raw: Path) -> dict[str, str]:
    """sha256 of every file under `raw`, by relative path."""
    return {
        str(path.relative_to(raw)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(raw.rglob("*"))
        if path.is_file()
    }


def _rows_differing(con: duckdb.DuckDBPyConnection, left: str, right: str) -> int:
    """Rows in one relation and not the other, counting repeats (0 = same multiset)."""
    return con.execute(f"""
        select count(*) from (
            (select * from {left} except all select * from {right})
            union all
            (select * from {right} except all select * from {left}))
    """).fetchone()[0]


def _truth(raw: Path) -> dict:
    return json.loads((raw / "_truth.json").read_text())


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(tmp_path_factory.mktemp("small"), tenants=30, seed=1)


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Large enough for the planted effects to be measurable (~4M events, ~5 s)."""
    return _generate(tmp_path_factory.mktemp("medium"), tenants=200, seed=3)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(tmp_path_factory.mktemp("dirty"), tenants=30, seed=2, dirty_rate=0.02)


# --- determinism and shape -------------------------------------------------------------


def test_same_seed_same_bytes_and_other_seed_differs(small: Path, tmp_path: Path) -> None:
    again = _generate(tmp_path / "again", tenants=30, seed=1)
    other = _generate(tmp_path / "other", tenants=30, seed=2)
    files = sorted(p.name for p in small.iterdir() if p.is_file())
    assert files == sorted(p.name for p in again.iterdir() if p.is_file())
    assert "_truth.json" in files and "_truth_tenants.parquet" in files
    for name in files:
        assert (small / name).read_bytes() == (again / name).read_bytes(), name
    assert (small / "events.parquet").read_bytes() != (other / "events.parquet").read_bytes()
    assert (small / "tenants.parquet").read_bytes() != (other / "tenants.parquet").read_bytes()


@pytest.mark.parametrize("layout", ["file", "partitioned"])
@pytest.mark.parametrize("dirty_rate", [0.0, 0.03])
def test_same_bytes_at_any_chunk_size(layout: str, dirty_rate: float, tmp_path: Path) -> None:
    """Every file (all tables, truth, held-back events) is byte-identical whether the
    events are converted and written one tenant at a time, in chunks of ~20k events or
    all at once, and the row groups of the events file never follow the chunks."""
    digests = []
    for chunk in (1, 20_000, 10_000_000):
        raw = _generate(
            tmp_path / f"chunk_{chunk}",
            tenants=8,
            seed=11,
            dirty_rate=dirty_rate,
            holdback_days=7,
            events_layout=layout,
            chunk_events=chunk,
        )
        digests.append(_file_digests(raw))
    assert digests[0] == digests[1] == digests[2]
    assert any(name.startswith("_holdback/") for name in digests[0])
    assert not any(".partial" in name or name.endswith(".tmp") for name in digests[0])


def test_row_groups_are_fixed_whatever_the_chunks(tmp_path: Path, monkeypatch) -> None:
    """With small row groups, the events file's row groups are all full but the last,
    also when chunks (one tenant each) end in the middle of a row group."""
    import pyarrow.parquet as pq

    from tenant_kpis.generator import event_files

    monkeypatch.setattr(event_files, "ROW_GROUP_ROWS", 7_000)
    raw = _generate(tmp_path / "raw", tenants=6, seed=3, chunk_events=1)
    metadata = pq.ParquetFile(raw / "events.parquet").metadata
    sizes = [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
    assert len(sizes) > 3
    assert set(sizes[:-1]) == {7_000} and 0 < sizes[-1] <= 7_000


def test_partitioned_layout_holds_the_same_rows_by_load_date(tmp_path: Path) -> None:
    single = _generate(tmp_path / "single", tenants=10, seed=8, dirty_rate=0.03)
    split = _generate(
        tmp_path / "split", tenants=10, seed=8, dirty_rate=0.03, events_layout="partitioned"
    )
    assert not (split / "events.parquet").exists() and (split / "events").is_dir()
    partitions = sorted((split / "events").iterdir())
    assert len(partitions) > 300
    for partition in partitions:
        assert partition.name.startswith("load_date=")
        assert [f.name for f in partition.iterdir()] == ["part-00000.parquet"]
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"create view single as select * from '{single}/events.parquet'")
    con.execute(
        f"create view split as select * exclude (load_date) from read_parquet("
        f"'{split}/events/*/*.parquet', hive_partitioning = true)"
    )
    assert _rows_differing(con, "single", "split") == 0
    # Every row sits in the partition of the UTC date its received_at names (the bad
    # rows' offset strings included); unparseable ones in their original's date.
    misplaced, unparseable = con.execute(f"""
        select
            count(*) filter (where received_date is not null and received_date <> load_date),
            count(*) filter (where received_date is null)
        from (
            select
                load_date::date as load_date,
                try_cast(received_at as timestamptz)::date as received_date
            from read_parquet('{split}/events/*/*.parquet', hive_partitioning = true)
        )
    """).fetchone()
    assert misplaced == 0
    assert unparseable == _truth(split)["quarantine"]["events"]["unparseable_timestamp"] > 0
    truth = _truth(split)
    assert truth["row_counts"]["events"] == con.execute("select count(*) from split").fetchone()[0]
    assert truth["parameters"]["events_layout"] == "partitioned"
    for name in ("users", "tenants", "support_tickets", "_truth_tenants"):
        assert (single / f"{name}.parquet").read_bytes() == (split / f"{name}.parquet").read_bytes()


def test_partitioned_holdback_is_delivered_as_new_partitions(tmp_path: Path) -> None:
    full = _generate(tmp_path / "full", tenants=10, seed=6, events_layout="partitioned")
    held = _generate(
        tmp_path / "held", tenants=10, seed=6, events_layout="partitioned", holdback_days=7
    )
    truth = _truth(held)["holdback"]
    assert truth["path"] == "_holdback/events/" and truth["events_held_back"] > 0
    held_dates = sorted(p.name for p in (held / "_holdback" / "events").iterdir())
    assert held_dates == [f"load_date=2026-11-{day:02d}" for day in range(9, 16)]
    assert max(p.name for p in (held / "events").iterdir()) < "load_date=2026-11-09"
    before = _file_digests(held / "events")
    assert append_holdback(held) == truth["events_held_back"]
    assert not (held / "_holdback").exists()
    after = _file_digests(held / "events")
    # Appending adds partitions and never rewrites one.
    assert {k: v for k, v in after.items() if k in before} == before
    assert _file_digests(held / "events") == _file_digests(full / "events")
    with pytest.raises(UserError, match="no held-back events"):
        append_holdback(held)


def test_bench_counts_events_in_either_layout(tmp_path: Path) -> None:
    from tenant_kpis.bench import count_events

    for layout in ("file", "partitioned"):
        raw = _generate(tmp_path / layout, tenants=4, seed=2, events_layout=layout, holdback_days=7)
        held = count_events(raw / "_holdback")
        assert held == _truth(raw)["holdback"]["events_held_back"] > 0
        assert count_events(raw) + held == _truth(raw)["row_counts"]["events"]


def test_a_partition_is_delivered_once(tmp_path: Path) -> None:
    held = _generate(
        tmp_path / "held", tenants=4, seed=6, events_layout="partitioned", holdback_days=3
    )
    first_held = sorted((held / "_holdback" / "events").iterdir())[0]
    (held / "events" / first_held.name).mkdir()
    before = _file_digests(held)
    with pytest.raises(UserError, match="delivered once"):
        append_holdback(held)
    assert _file_digests(held) == before


def test_a_new_layout_replaces_the_old_one(tmp_path: Path) -> None:
    raw = _generate(tmp_path / "raw", tenants=4, seed=6, holdback_days=3)
    _generate(raw, tenants=4, seed=6, events_layout="partitioned", holdback_days=3)
    assert not (raw / "events.parquet").exists()
    assert not (raw / "_holdback" / "events.parquet").exists()
    _generate(raw, tenants=4, seed=6)
    assert not (raw / "events").exists() and not (raw / "_holdback").exists()
    assert (raw / "events.parquet").exists()


def test_shorter_event_history_same_tenants_same_recent_events(tmp_path: Path) -> None:
    """--event-years cuts the event history and nothing else: every other table is the
    same, and the short history's events are exactly the long one's received since
    its start (same event_ids), so the weekly volume is the same."""
    long = _generate(tmp_path / "long", tenants=12, seed=4, years=4.0)
    short = _generate(tmp_path / "short", tenants=12, seed=4, years=4.0, event_years=1.0)
    for table in TABLES:
        if table != "events":
            assert (long / f"{table}.parquet").read_bytes() == (
                short / f"{table}.parquet"
            ).read_bytes(), table
    start = _truth(short)["events_start"]
    assert start == "2025-11-16" and _truth(long)["events_start"] == _truth(long)["history_start"]
    con = duckdb.connect()
    con.execute(
        f"create view recent as select * from '{long}/events.parquet' "
        f"where received_at >= timestamp '{start}'"
    )
    con.execute(f"create view short as select * from '{short}/events.parquet'")
    assert _rows_differing(con, "recent", "short") == 0
    short_count, long_count = (
        con.execute(f"select count(*) from '{raw}/events.parquet'").fetchone()[0]
        for raw in (short, long)
    )
    assert 0 < short_count < long_count


def test_nine_tables_with_contract_columns_and_string_keys(small: Path) -> None:
    con = _con(small)
    for table, columns in TABLES.items():
        described = {row[0]: row[1] for row in con.execute(f"describe {table}").fetchall()}
        assert list(described)[: len(columns)] == columns, table
        for column in columns:
            if column in KEY_COLUMNS:
                assert described[column] == "VARCHAR", (table, column)
        assert con.execute(f"select count(*) from {table}").fetchone()[0] > 0, table


def test_values_respect_the_contract(small: Path) -> None:
    con = _con(small)
    checks = {
        "bad industry": "select count(*) from tenants where industry not in "
        "('saas_smb','enterprise_software','healthcare','financial_services')",
        "bad tier": "select count(*) from tenants where plan_tier not in "
        "('starter','growth','enterprise')",
        "bad persona": "select count(*) from users where persona not in "
        "('admin','operator','end_user')",
        "too many users": "select count(*) from (select tenant_id, count(*) n from users "
        "group by 1) u join tenants t using (tenant_id) where n > t.seats_purchased",
        "unknown event": f"select count(*) from events where event_name not in {KNOWN_EVENTS}",
        "duplicate event_id": "select count(*) - count(distinct event_id) from events",
        "received before occurred": "select count(*) from events where received_at < occurred_at",
        "event before user": "select count(*) from events e join users u using (user_id) "
        "where e.occurred_at < u.created_at or e.tenant_id <> u.tenant_id",
        "event before onboarding": "select count(*) from events e join tenants t "
        "using (tenant_id) where e.occurred_at < t.onboarded_at",
        "bad json": "select count(*) from events where try(json_valid(properties)) is not true",
        "bad nps": "select count(*) from events where event_name = 'nps_submitted' and "
        "(properties->>'score')::int not between 0 and 10",
        "bad ticket tier": "select count(*) from support_tickets where tier not in (1, 2, 3)",
        "negative cost": "select count(*) from learning_costs where amount_usd < 0",
        "bad arm": "select count(*) from experiment_assignments where arm not in "
        "('treatment','control')",
        "late data": "select count(*) from events where received_at >= timestamp '2026-11-16'",
    }
    for name, sql in checks.items():
        assert con.execute(sql).fetchone()[0] == 0, name
    personas = dict(
        con.execute(
            "select persona, count(*) / sum(count(*)) over () from users group by 1"
        ).fetchall()
    )
    assert 0.05 < personas["admin"] < 0.2 and 0.45 < personas["end_user"] < 0.65
    late = con.execute(
        "select avg(case when received_at > occurred_at + interval 1 hour "
        "then 1 else 0 end) from events"
    ).fetchone()[0]
    assert 0.003 < late < 0.03
    # Platform-wide cost lines have no tenant.
    assert (
        con.execute(
            "select count(*) from learning_costs where tenant_id is null "
            "and category in ('content_production', 'support')"
        ).fetchone()[0]
        > 0
    )


def test_sizes_scale_with_tenants(small: Path, tmp_path: Path) -> None:
    bigger = _generate(tmp_path / "bigger", tenants=90, seed=1)
    small_counts, big_counts = _truth(small)["row_counts"], _truth(bigger)["row_counts"]
    assert small_counts["tenants"] == 30 and big_counts["tenants"] == 90
    for table in ("users", "events", "support_tickets", "subscription_events"):
        assert big_counts[table] > 1.5 * small_counts[table], table


def test_tenants_for_events_sizes_a_dataset(tmp_path: Path) -> None:
    tenants = tenants_for_events(1_000_000)
    assert 30 <= tenants <= 100
    counts = _truth(_generate(tmp_path / "sized", tenants=tenants, seed=5))["row_counts"]
    assert 0.6e6 < counts["events"] < 1.5e6
    with pytest.raises(UserError):
        tenants_for_events(0)


# --- truth file and planted effects ------------------------------------------------------


def test_truth_file_schema(small: Path) -> None:
    truth = _truth(small)
    for key in (
        "parameters",
        "end_exclusive",
        "as_of_date",
        "row_counts",
        "feature_catalog",
        "effects",
        "experiments",
        "renewal_model",
        "expansion_model",
        "tenants_truth_file",
        "segment_facts",
        "quarantine",
        "duplicates",
        "unknown_event_names",
        "holdback",
    ):
        assert key in truth, key
    assert truth["as_of_date"] == "2026-11-15"
    assert truth["parameters"] == {**truth["parameters"], "tenants": 30, "seed": 1}
    assert truth["effects"]["certification_error_reduction"]["value"] == 0.30
    assert truth["effects"]["certification_tier1_ticket_reduction"]["value"] == 0.25
    assert sum(f["critical"] for f in truth["feature_catalog"]) == 3
    assert len(truth["feature_catalog"]) == 12
    assert truth["quarantine"] == {} and truth["duplicates"] == {}
    con = _con(small)
    for table, count in truth["row_counts"].items():
        assert con.execute(f"select count(*) from {table}").fetchone()[0] == count, table
    tenants = pd.read_parquet(small / truth["tenants_truth_file"])
    assert len(tenants) == 30
    assert {"p_renewal", "renewed_first_anniversary", "p_expansion", "expanded_within_180d"} <= set(
        tenants.columns
    )


def _activation_days(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Spec definition of tenant activation, in SQL over the raw files."""
    return con.execute(f"""
        with firsts as (
            select e.tenant_id, e.user_id, min(e.occurred_at::date) as first_day
            from events as e inner join tenants as t using (tenant_id)
            where e.event_name in {AL_EVENTS} and e.occurred_at >= t.onboarded_at
            group by 1, 2
        ),
        ranked as (
            select *, row_number() over (partition by tenant_id order by first_day) as rank
            from firsts
        )
        select t.tenant_id, t.onboarded_at,
            min(r.first_day) - t.onboarded_at::date as activation_day
        from tenants as t
        left join ranked as r
            on r.tenant_id = t.tenant_id
            and r.rank >= greatest(1, ceil(0.2 * t.seats_purchased))
        group by t.tenant_id, t.onboarded_at
    """).df()


def test_activation_matches_planted_day(medium: Path) -> None:
    computed = _activation_days(_con(medium)).set_index("tenant_id")
    truth = pd.read_parquet(medium / "_truth_tenants.parquet").set_index("tenant_id")
    merged = computed.join(truth[["planted_activation_day"]])
    as_of = pd.Timestamp("2026-11-15")
    observed = (
        merged["onboarded_at"].dt.normalize()
        + pd.to_timedelta(merged["planted_activation_day"].clip(lower=0), unit="D")
        <= as_of
    )
    planted = merged[(merged["planted_activation_day"] >= 0) & observed]
    assert len(planted) > 100
    assert (planted["activation_day"] == planted["planted_activation_day"]).all()
    never = merged[merged["planted_activation_day"] < 0]
    assert len(never) > 5 and never["activation_day"].isna().all()


def test_pilot_lift_recovered(medium: Path) -> None:
    con = _con(medium)
    activation = _activation_days(con)
    con.register("activation", activation)
    rates = (
        con.execute("""
        with assigned as (
            select *, min(assigned_at) over (partition by experiment_id) as started
            from experiment_assignments
        )
        select experiment_id, arm,
            avg(case when a.activation_day <= 45 then 1 else 0 end) as r45,
            avg(case when a.activation_day <= 90 then 1 else 0 end) as r90
        from assigned inner join activation as a using (tenant_id)
        group by 1, 2
    """)
        .df()
        .set_index(["experiment_id", "arm"])
    )
    experiments = _truth(medium)["experiments"]
    assert {e["lift_90d"] > 0 for e in experiments} == {True, False}
    for experiment in experiments:
        exp_id = experiment["experiment_id"]
        for arm in ("treatment", "control"):
            realised = experiment["arms"][arm]
            assert rates.loc[(exp_id, arm), "r90"] == pytest.approx(realised["realised_rate_90d"])
            assert rates.loc[(exp_id, arm), "r45"] == pytest.approx(realised["realised_rate_45d"])
        lift90 = rates.loc[(exp_id, "treatment"), "r90"] - rates.loc[(exp_id, "control"), "r90"]
        assert lift90 == pytest.approx(experiment["lift_90d"], abs=0.03)
        lift45 = rates.loc[(exp_id, "treatment"), "r45"] - rates.loc[(exp_id, "control"), "r45"]
        assert lift45 == pytest.approx(experiment["lift_45d"], abs=0.05)
        assert rates.loc[(exp_id, "control"), "r90"] == pytest.approx(
            experiment["p_control_90d"], abs=0.03
        )


def test_certification_lowers_task_error_rate(medium: Path) -> None:
    row = (
        _con(medium)
        .execute("""
        with first_cert as (
            select user_id, min(issued_at)::date as cert_day from certifications group by 1
        ),
        windows as (
            select c.user_id,
                count(*) filter (where d between cert_day - 28 and cert_day - 1) as pre_n,
                count(*) filter (where d between cert_day - 28 and cert_day - 1 and failed)
                    as pre_f,
                count(*) filter (where d between cert_day + 1 and cert_day + 28) as post_n,
                count(*) filter (where d between cert_day + 1 and cert_day + 28 and failed)
                    as post_f
            from first_cert as c
            inner join (
                select user_id, occurred_at::date as d, event_name = 'task_failed' as failed
                from events where event_name in ('task_completed', 'task_failed')
            ) as t using (user_id)
            where c.cert_day + 28 <= date '2026-11-15'
            group by 1
        )
        select count(*), 1 - (sum(post_f) / sum(post_n)) / (sum(pre_f) / sum(pre_n))
        from windows where pre_n >= 5 and post_n >= 5
    """)
        .fetchone()
    )
    effect = _truth(medium)["effects"]["certification_error_reduction"]
    assert row[0] == effect["realised"]["eligible_users"] and row[0] > 300
    assert row[1] == pytest.approx(effect["realised"]["value"], abs=1e-9)
    assert row[1] == pytest.approx(effect["value"], abs=0.05)


def test_certification_lowers_tier1_tickets(medium: Path) -> None:
    row = (
        _con(medium)
        .execute("""
        with certified as (
            select tenant_id, min(issued_at)::date as cert_day from certifications group by 1
        )
        select
            count(*) filter (where created_at::date between cert_day - 28 and cert_day - 1),
            count(*) filter (where created_at::date between cert_day + 1 and cert_day + 28)
        from certified inner join support_tickets using (tenant_id)
        where tier = 1 and cert_day + 28 <= date '2026-11-15'
    """)
        .fetchone()
    )
    effect = _truth(medium)["effects"]["certification_tier1_ticket_reduction"]
    assert (row[0], row[1]) == (
        effect["realised"]["pre_tier1_tickets"],
        effect["realised"]["post_tier1_tickets"],
    )
    # Poisson noise: about +-0.05 at this size.
    assert 1 - row[1] / row[0] == pytest.approx(effect["value"], abs=0.12)


def test_certification_medians_inside_and_outside_bands(medium: Path) -> None:
    medians = dict(
        _con(medium)
        .execute("""
        with certified as (
            select tenant_id, min(issued_at) as certified_at from certifications group by 1
        )
        select industry, median(certified_at::date - onboarded_at::date)
        from tenants inner join certified using (tenant_id) group by 1
    """)
        .fetchall()
    )
    facts = _truth(medium)["segment_facts"]["certification_median_days"]
    for industry, fact in facts.items():
        assert medians[industry] == fact["realised_median_days"]
    assert medians["saas_smb"] < 14 and 30 <= medians["enterprise_software"] <= 60
    assert medians["healthcare"] > 90 and medians["financial_services"] > 60


def test_renewal_probabilities_follow_the_logistic_model(medium: Path) -> None:
    truth = _truth(medium)
    tenants = pd.read_parquet(medium / truth["tenants_truth_file"])
    for model, prob in (("renewal_model", "p_renewal"), ("expansion_model", "p_expansion")):
        coef = truth[model]["coefficients"]
        logit = (
            coef["intercept"]
            + coef["activated_within_30d"] * tenants["activated_within_30d"].astype(float)
            + coef["active_user_days_per_seat_30d"]
            * (tenants["active_user_days_per_seat_30d"] - truth[model]["usage_center"])
        )
        assert np.allclose(1 / (1 + np.exp(-logit)), tenants[prob])
    # The feature is recomputed from the events: active user-days in days 0..29 per seat.
    usage = (
        _con(medium)
        .execute("""
        select t.tenant_id, count(distinct (e.user_id, e.occurred_at::date))
            / any_value(t.seats_purchased) as usage
        from tenants as t inner join events as e using (tenant_id)
        where e.occurred_at::date between t.onboarded_at::date and t.onboarded_at::date + 29
        group by 1
    """)
        .df()
        .set_index("tenant_id")["usage"]
    )
    joined = tenants.set_index("tenant_id").join(usage)
    assert np.allclose(joined["usage"].fillna(0), joined["active_user_days_per_seat_30d"])
    observed = tenants[tenants["renewal_observed"]]
    assert len(observed) > 40
    renewal_events = dict(
        _con(medium)
        .execute("""
        select s.tenant_id, s.event_type from subscription_events as s
        inner join tenants as t using (tenant_id)
        where s.event_type in ('renewal', 'churn')
          and s.effective_at = t.onboarded_at + interval 365 day
    """)
        .fetchall()
    )
    for tenant_id, renewed in zip(
        observed["tenant_id"], observed["renewed_first_anniversary"], strict=True
    ):
        assert renewal_events[tenant_id] == ("renewal" if renewed else "churn")
    auc = truth["renewal_model"]["true_probability_auc"]
    assert 0.7 < auc < 0.97


def test_churned_tenants_stop_producing_events(medium: Path) -> None:
    after = (
        _con(medium)
        .execute("""
        select count(*) from events as e inner join subscription_events as s using (tenant_id)
        where s.event_type = 'churn' and e.occurred_at >= s.effective_at
    """)
        .fetchone()[0]
    )
    assert after == 0


# --- dirty mode --------------------------------------------------------------------------


def test_dirty_counts_match_the_files(dirty: Path) -> None:
    truth = _truth(dirty)
    con = _con(dirty)
    quarantine = truth["quarantine"]
    assert set(quarantine) == set(TABLES)
    null_event_keys = con.execute(
        "select count(*) from events where event_id is null or tenant_id is null or user_id is null"
    ).fetchone()[0]
    assert null_event_keys == quarantine["events"]["missing_key"] > 0
    duplicates = con.execute(
        "select count(event_id) - count(distinct event_id) from events"
    ).fetchone()[0]
    assert duplicates == truth["duplicates"]["events"] > 0
    unknown = con.execute(
        f"select count(*) from events where event_name not in {KNOWN_EVENTS}"
    ).fetchone()[0]
    assert unknown == truth["unknown_event_names"] > 0
    null_user_keys = con.execute(
        "select count(*) from users where user_id is null or tenant_id is null"
    ).fetchone()[0]
    assert null_user_keys == quarantine["users"]["missing_key"]
    repeated_tenants = con.execute(
        "select count(tenant_id) - count(distinct tenant_id) from tenants"
    ).fetchone()[0]
    assert repeated_tenants == quarantine["tenants"]["duplicate_key"]
    bad_tiers = con.execute(
        "select count(*) from support_tickets where tier not in (1, 2, 3)"
    ).fetchone()[0]
    assert bad_tiers == quarantine["support_tickets"]["invalid_value"]
    invalid_json = con.execute(
        "select count(*) from events where try(json_valid(properties)) is not true"
    ).fetchone()[0]
    assert invalid_json == quarantine["events"]["invalid_json"]
    unparseable = con.execute(
        "select count(*) from events where received_at is not null and "
        "try_cast(received_at as timestamptz) is null"
    ).fetchone()[0]
    assert unparseable == quarantine["events"]["unparseable_timestamp"]
    unknown_tenant = con.execute(
        "select count(*) from events where tenant_id not in "
        "(select tenant_id from tenants where tenant_id is not null)"
    ).fetchone()[0]
    assert unknown_tenant == quarantine["events"]["unknown_tenant"]
    row_counts = _truth(dirty)["row_counts"]
    clean = _truth(dirty)["clean_row_counts"]
    for table in TABLES:
        injected = sum(quarantine[table].values())
        extra = truth["duplicates"].get(table, 0) + (
            truth["unknown_event_names"] if table == "events" else 0
        )
        assert row_counts[table] == clean[table] + injected + extra, table


def test_dirty_mode_mixed_offsets_are_the_same_instants(dirty: Path, small: Path) -> None:
    con = _con(dirty)
    suffixes = {
        row[0]
        for row in con.execute(
            "select distinct regexp_extract(created_at, '(Z|[+-]\\d\\d:\\d\\d)?$') from users"
        ).fetchall()
    }
    assert {"Z", "+02:00", "-05:00", ""} <= suffixes
    con.execute("set TimeZone = 'UTC'")
    shifted = con.execute("""
        select count(*) from users
        where created_at like '%+02:00'
          and hour(try_cast(created_at as timestamptz))
              <> (cast(substr(created_at, 12, 2) as int) + 22) % 24
    """).fetchone()[0]
    assert shifted == 0
    columns = [row[0] for row in con.execute("describe tenants").fetchall()]
    assert columns[-1] == "legacy_crm_id"


def test_dirty_mode_keeps_the_clean_rows(tmp_path: Path) -> None:
    clean = _generate(tmp_path / "clean", tenants=12, seed=4)
    dirty = _generate(tmp_path / "dirty", tenants=12, seed=4, dirty_rate=0.05)
    con = duckdb.connect()
    missing = con.execute(f"""
        select count(*) from '{clean}/events.parquet' as c
        anti join '{dirty}/events.parquet' as d
            on c.event_id = d.event_id and c.occurred_at = d.occurred_at
            and c.received_at = try_cast(d.received_at as timestamptz)::timestamp
    """).fetchone()[0]
    assert missing == 0


# --- formats, holdback, CLI --------------------------------------------------------------


def test_csv_output_is_readable(tmp_path: Path) -> None:
    raw = _generate(tmp_path / "csv", tenants=10, seed=3, file_format="csv")
    con = _con(raw, "csv")
    truth = _truth(raw)
    for table, columns in TABLES.items():
        header = (raw / f"{table}.csv").read_text().split("\n", 1)[0]
        assert header.replace('"', "").split(",") == columns
        assert (
            con.execute(f"select count(*) from {table}").fetchone()[0] == truth["row_counts"][table]
        )
    unparsed = con.execute(
        "select count(*) from events where try_cast(occurred_at as timestamptz) is null"
    ).fetchone()[0]
    assert unparsed == 0
    platform = con.execute(
        "select count(*) from learning_costs where tenant_id is null"
    ).fetchone()[0]
    assert platform > 0


def test_holdback_and_append(tmp_path: Path) -> None:
    full = _generate(tmp_path / "full", tenants=15, seed=6)
    held = _generate(tmp_path / "held", tenants=15, seed=6, holdback_days=7)
    truth = _truth(held)["holdback"]
    assert truth["events_held_back"] > 0
    con = duckdb.connect()
    main_max = con.execute(f"select max(received_at) from '{held}/events.parquet'").fetchone()[0]
    held_min = con.execute(
        f"select min(received_at) from '{held}/_holdback/events.parquet'"
    ).fetchone()[0]
    assert main_max < pd.Timestamp("2026-11-09") <= held_min
    for name in ("users", "tenants", "certifications", "support_tickets"):
        assert (full / f"{name}.parquet").read_bytes() == (held / f"{name}.parquet").read_bytes()
    assert append_holdback(held) == truth["events_held_back"]
    assert not (held / "_holdback").exists()
    differ = con.execute(f"""
        select count(*) from (
            (select * from '{full}/events.parquet' except all
             select * from '{held}/events.parquet')
            union all
            (select * from '{held}/events.parquet' except all
             select * from '{full}/events.parquet'))
    """).fetchone()[0]
    assert differ == 0
    with pytest.raises(UserError):
        append_holdback(held)


def test_cli_generates_and_rejects_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(
        main,
        [
            "generate",
            "--out",
            str(tmp_path / "cli"),
            "--tenants",
            "3",
            "--seed",
            "9",
            "--quiet",
            "--holdback-days",
            "3",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert "events" in ok.output
    appended = runner.invoke(main, ["append-holdback", str(tmp_path / "cli")])
    assert appended.exit_code == 0 and "Appended" in appended.output
    (tmp_path / "a_file").write_text("x")
    for args, fragment in (
        (["--tenants", "0"], "--tenants"),
        (["--years", "0.1"], "--years"),
        (["--dirty", "0.9"], "--dirty"),
        (["--format", "xlsx"], "--format"),
        (["--events-per-user-day", "0.5"], "events-per-user-day"),
        (["--end-date", "2026-02-30"], "--end-date"),
        (["--events-layout", "partitioned", "--format", "csv"], "--format parquet"),
        (["--events-layout", "daily"], "--events-layout"),
        (["--years", "2", "--event-years", "3"], "--event-years"),
        (["--chunk-events", "0"], "--chunk-events"),
    ):
        result = runner.invoke(main, ["generate", "--out", str(tmp_path / "bad"), *args])
        assert result.exit_code != 0, args
        assert fragment in result.output, (args, result.output)
        assert "Traceback" not in result.output, args
        assert isinstance(result.exception, SystemExit), args
    result = runner.invoke(main, ["generate", "--out", str(tmp_path / "a_file"), "--quiet"])
    assert result.exit_code != 0 and "not a directory" in result.output
    assert isinstance(result.exception, SystemExit)
    result = runner.invoke(main, ["append-holdback", str(tmp_path / "cli")])
    assert result.exit_code != 0 and "no held-back events" in result.output
    assert isinstance(result.exception, SystemExit)


def test_config_rejects_bad_values() -> None:
    for kwargs in (
        {"tenants": 0},
        {"years": 0.1},
        {"dirty_rate": 0.7},
        {"file_format": "xlsx"},
        {"holdback_days": -1},
        {"seed": -3},
        {"event_years": 0.001},
        {"years": 1.0, "event_years": 1.5},
        {"events_layout": "daily"},
        {"events_layout": "partitioned", "file_format": "csv"},
        {"chunk_events": 0},
    ):
        with pytest.raises(UserError):
            GeneratorConfig(**kwargs)  # type: ignore[arg-type]
    assert math.isclose(GeneratorConfig().years, 2.5)
