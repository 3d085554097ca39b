"""Raw layer, staging and data-quality marts, built with dbt in a subprocess.

Each test builds its own DuckDB file under tmp_path and selects only the
staging and dq_ part of the DAG (`+dq_row_accounting +dq_quarantine_summary`).
Expected values come from the generator's `_truth.json` (which records every
defect it injected) or are worked out by hand from the hand-written files.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from dbt_project import BIN, WAREHOUSE_ONLY, dbt_env, generate, run_command

STAGING_SELECTION = [
    "--select",
    "+dq_row_accounting",
    "+dq_quarantine_summary",
    "--indirect-selection",
    "cautious",
    # unit tests check the SQL on fixtures, not this feed: `make dbt-test-build` runs them once
    "--exclude-resource-type",
    "unit_test",
]
HOLDOUT_FEED = Path(__file__).resolve().parents[1] / "fixtures" / "holdout_feed"
RAW_TABLES = (
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
STAGED_MODELS = (
    "stg_app__tenants",
    "stg_app__users",
    "stg_app__experiment_assignments",
    "stg_product__events",
    "stg_learning__certifications",
    "stg_learning__content",
    "stg_finance__learning_costs",
    "stg_support__tickets",
    "stg_billing__subscription_events",
)


def dirty_truth(raw: Path) -> dict:
    """The generator's record of injected defects (quarantine, duplicates, unknown names)."""
    truth = json.loads((raw / "_truth.json").read_text())
    return truth.get("dirty", truth)  # older generator versions nested it under "dirty"


def dbt(raw_dir: Path, work: Path, *args: str, check: bool = True):
    """Run dbt on raw_dir with a warehouse and target of its own under work/."""
    env = dbt_env(raw_dir, work / "tenant_kpis.duckdb", work / "target", **WAREHOUSE_ONLY)
    return run_command([str(BIN / "dbt"), *args], env, check=check)


def query(work: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(work / "tenant_kpis.duckdb"), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def build_staging(raw_dir: Path, work: Path) -> None:
    dbt(raw_dir, work, "build", *STAGING_SELECTION)


def copy_feed(target: Path) -> Path:
    shutil.copytree(HOLDOUT_FEED, target)
    return target


def row_accounting(work: Path) -> dict[str, tuple[int, int, int, int]]:
    rows = query(
        work,
        "select raw_table, sum(rows_raw), sum(rows_staged), sum(rows_quarantined), "
        "sum(rows_duplicate) from main.dq_row_accounting group by raw_table",
    )
    return {table: tuple(counts) for table, *counts in rows}


def quarantine_counts(work: Path) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for table, reason, rows in query(
        work, "select raw_table, quarantine_reason, rows from main.dq_quarantine_summary"
    ):
        counts.setdefault(table, {})[reason] = rows
    return counts


# --------------------------------------------------------------------------- dirty data


@pytest.fixture(scope="module")
def dirty_parquet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("dirty_parquet")
    raw = generate(root / "raw", 8, 3, "--dirty", "0.05")
    build_staging(raw, root)
    return raw, root


@pytest.fixture(scope="module")
def dirty_csv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("dirty_csv")
    raw = generate(root / "raw", 8, 3, "--dirty", "0.05", "--format", "csv")
    build_staging(raw, root)
    return raw, root


@pytest.mark.slow
def test_quarantine_counts_match_the_injected_defects(dirty_parquet):
    raw, work = dirty_parquet
    truth = dirty_truth(raw)
    assert truth["quarantine"], "the generator injected no defects: the test proves nothing"
    assert quarantine_counts(work) == truth["quarantine"]


@pytest.mark.slow
def test_duplicates_and_unknown_event_names_match_the_truth(dirty_parquet):
    raw, work = dirty_parquet
    truth = dirty_truth(raw)
    accounting = row_accounting(work)
    assert accounting["events"][3] == truth["duplicates"]["events"] > 0
    [(unknown,)] = query(
        work, "select count(*) from staging.stg_product__events where not is_known_event_name"
    )
    assert unknown == truth["unknown_event_names"] > 0


@pytest.mark.slow
def test_every_raw_row_is_accounted_for(dirty_parquet):
    raw, work = dirty_parquet
    truth = json.loads((raw / "_truth.json").read_text())
    accounting = row_accounting(work)
    assert set(accounting) == set(RAW_TABLES)
    for table, (rows_raw, staged, quarantined, duplicate) in accounting.items():
        assert rows_raw == truth["row_counts"][table], table
        assert rows_raw == staged + quarantined + duplicate, table
    # the raw file itself, read independently of dbt
    with duckdb.connect() as connection:
        [(events_in_file,)] = connection.execute(
            f"select count(*) from read_parquet('{raw / 'events.parquet'}')"
        ).fetchall()
    assert accounting["events"][0] == events_in_file


@pytest.mark.slow
def test_quarantined_rows_carry_their_raw_payload(dirty_parquet):
    _, work = dirty_parquet
    rows = query(work, "select raw_table, row_key, row_payload from main.dq_quarantined_rows")
    assert rows
    for table, row_key, payload in rows:
        document = json.loads(payload)
        key_column = {"experiment_assignments": "experiment_id"}.get(table)
        if row_key is not None and key_column is None:
            assert row_key in document.values(), (table, row_key)
    # no raw e-mail anywhere in the quarantine
    assert not [p for t, _, p in rows if t == "users" and "@" in p]


@pytest.mark.slow
def test_csv_and_parquet_deliveries_stage_the_same_rows(dirty_parquet, dirty_csv):
    _, parquet_work = dirty_parquet
    _, csv_work = dirty_csv
    assert quarantine_counts(csv_work) == quarantine_counts(parquet_work)
    assert row_accounting(csv_work) == row_accounting(parquet_work)
    for model in STAGED_MODELS:
        sql = f"select * from staging.{model} order by all"
        assert query(csv_work, sql) == query(parquet_work, sql), model


# --------------------------------------------------------------------------- hand-made feeds


@pytest.fixture(scope="module")
def holdout_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("holdout")
    build_staging(HOLDOUT_FEED, work)
    return work


def test_holdout_feed_row_accounting(holdout_build):
    # Worked out by hand from tests/fixtures/holdout_feed (see the comments there).
    assert row_accounting(holdout_build) == {
        "tenants": (4, 3, 1, 0),
        "users": (5, 4, 1, 0),
        "events": (12, 8, 3, 1),
        "certifications": (2, 1, 1, 0),
        "content": (2, 2, 0, 0),
        "learning_costs": (2, 2, 0, 0),
        "support_tickets": (2, 2, 0, 0),
        "subscription_events": (3, 3, 0, 0),
        "experiment_assignments": (2, 2, 0, 0),
    }
    assert quarantine_counts(holdout_build) == {
        "tenants": {"invalid_value": 1},
        "users": {"unknown_tenant": 1},
        "events": {"user_tenant_mismatch": 1, "invalid_value": 1, "invalid_json": 1},
        "certifications": {"user_tenant_mismatch": 1},
    }


def test_holdout_feed_keys_stay_text_and_offsets_become_utc(holdout_build):
    tenants = dict(
        query(holdout_build, "select tenant_id, onboarded_at from staging.stg_app__tenants")
    )
    assert set(tenants) == {"00123", "456", "T-9"}
    assert str(tenants["00123"]) == "2025-03-03 07:00:00"
    assert str(tenants["T-9"]) == "2025-03-18 04:30:00"
    [(user_id, tenant_id, created_at)] = query(
        holdout_build,
        "select user_id, tenant_id, created_at from staging.stg_app__users where user_id = '0001'",
    )
    assert (user_id, tenant_id, str(created_at)) == ("0001", "00123", "2025-03-03 09:00:00")
    [(issued_at,)] = query(
        holdout_build, "select issued_at from staging.stg_learning__certifications"
    )
    assert str(issued_at) == "2025-03-31 23:00:00"


def test_holdout_feed_events(holdout_build):
    events = {
        row[0]: row[1:]
        for row in query(
            holdout_build,
            "select event_id, received_at, occurred_date, event_category, is_known_event_name,"
            " is_critical_feature, import_rows, import_errors, nps_score"
            " from staging.stg_product__events",
        )
    }
    assert set(events) == {
        "000001", "000002", "000003", "000004", "000005", "000006", "000007", "000008",
    }  # fmt: skip
    assert str(events["000001"][0]) == "2025-03-05 10:00:10"  # earliest delivery kept
    assert str(events["000005"][1]) == "2025-03-12"  # 19:59-04:00 is 23:59 UTC
    assert events["000005"][2:5] == ("core", True, True)
    assert events["000007"][2:4] == (None, False)  # unknown name kept, flagged
    assert events["000004"][5:7] == (250, 5)
    assert events["000006"][7] == 10


def test_empty_raw_tables_build_cleanly(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for source in HOLDOUT_FEED.glob("*.csv"):
        header = source.read_text().splitlines()[0]
        (raw / source.name).write_text(header + "\n")
    build_staging(raw, tmp_path)
    assert row_accounting(tmp_path) == {table: (0, 0, 0, 0) for table in RAW_TABLES}


def test_zero_row_parquet_builds_cleanly(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    with duckdb.connect() as connection:
        for source in HOLDOUT_FEED.glob("*.csv"):
            target = raw / f"{source.stem}.parquet"
            connection.execute(
                f"copy (select * from read_csv('{source}', header = true, all_varchar = true)"
                f" limit 0) to '{target}' (format parquet)"
            )
    build_staging(raw, tmp_path)
    assert row_accounting(tmp_path) == {table: (0, 0, 0, 0) for table in RAW_TABLES}


def test_missing_required_column_is_a_clear_error(tmp_path):
    raw = copy_feed(tmp_path / "raw")
    tenants = raw / "tenants.csv"
    lines = tenants.read_text().splitlines()
    header = lines[0].split(",")
    drop = header.index("industry")
    tenants.write_text(
        "\n".join(",".join(v for i, v in enumerate(line.split(",")) if i != drop) for line in lines)
        + "\n"
    )
    result = dbt(raw, tmp_path, "run", "--select", "stg_app__tenants", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"raw table 'tenants' is missing required column 'industry' (file {tenants})" in output
    assert "Traceback" not in output


def test_missing_optional_column_is_added_as_null(tmp_path):
    raw = copy_feed(tmp_path / "raw")
    tenants = raw / "tenants.csv"
    lines = tenants.read_text().splitlines()
    drop = lines[0].split(",").index("region")
    tenants.write_text(
        "\n".join(",".join(v for i, v in enumerate(line.split(",")) if i != drop) for line in lines)
        + "\n"
    )
    dbt(raw, tmp_path, "build", "--select", "+stg_app__tenants", *STAGING_SELECTION[-4:])
    assert query(tmp_path, "select count(*), count(region) from staging.stg_app__tenants") == [
        (3, 0)
    ]


def test_missing_file_is_a_clear_error(tmp_path):
    raw = copy_feed(tmp_path / "raw")
    (raw / "content.csv").unlink()
    result = dbt(raw, tmp_path, "run", "--select", "stg_app__tenants", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "raw table 'content' not found: expected content.parquet or content.csv" in output
    assert str(raw) in output
    assert "Traceback" not in output


# --------------------------------------------------------------------------- privacy
# An unsalted sha256 of a lower-cased address is reversible: hash the likely
# addresses of a customer (first.last@company.com) and compare. So neither the
# warehouse nor the publication holds an e-mail hash, and a quarantined user
# row keeps its payload without the e-mail.

#: The holdout feed's e-mail addresses (users.csv), as delivered.
ADDRESSES = [
    line.split(",")[0] for line in (HOLDOUT_FEED / "users.csv").read_text().splitlines()[1:]
]


def fingerprints(address: str) -> set[str]:
    """The address and the hashes a guesser would try for it."""
    normalised = address.strip().lower()
    return {
        normalised,
        hashlib.sha256(normalised.encode()).hexdigest(),
        hashlib.sha256(address.encode()).hexdigest(),
        hashlib.md5(normalised.encode()).hexdigest(),
    }


def test_no_email_column_and_no_email_hash_in_the_warehouse(holdout_build):
    columns = query(
        holdout_build,
        "select table_schema, table_name, column_name from information_schema.columns"
        " where table_schema != 'raw' and lower(column_name) like '%email%'",
    )
    assert columns == []


def test_quarantine_payloads_hold_no_email_and_no_email_hash(holdout_build):
    payloads = query(holdout_build, "select raw_table, row_payload from main.dq_quarantined_rows")
    assert "users" in {table for table, _ in payloads}, "no quarantined user: proves nothing"
    for table, payload in payloads:
        assert '"email"' not in payload, table
        for address in ADDRESSES:
            for fingerprint in fingerprints(address):
                assert fingerprint not in payload.lower(), (table, address)


def test_published_dim_users_holds_nothing_derived_from_the_email(shared_build):
    columns = shared_build.query(
        "select column_name from information_schema.columns where table_name = 'dim_users'",
        published=True,
    )["column_name"].tolist()
    assert columns and not [column for column in columns if "email" in column.lower()]
