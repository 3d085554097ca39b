"""Raw files the contract allows, and raw files it does not, as a new user delivers them.

Every feed here is written by hand by the test (from the holdout feed's CSV
files), not by the generator. A file that cannot be read is a fatal error: one
line naming the file, the table and, where there is one, the column, never a
stack trace and never a line of raw data (it can hold an e-mail address),
neither on the terminal nor in dbt's log. A feed the contract allows builds.

The tests share one warehouse, target and raw directory path (rewritten by
each test), so dbt parses the project once per module and not once per test.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dbt_project import BIN, WAREHOUSE_ONLY, dbt_env, run_command
from test_staging import (
    HOLDOUT_FEED,
    RAW_TABLES,
    STAGED_MODELS,
    build_staging,
    dbt,
    quarantine_counts,
    query,
    row_accounting,
)

#: An e-mail address of the holdout feed: it must never reach the terminal or the log.
EMAIL = "grace@example.org"
#: received_at of the holdout feed's second delivery of event 000001.
REDELIVERED = "'2025-03-05T10:05:00Z'"


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("raw_files")


@pytest.fixture
def raw(work: Path) -> Path:
    """The holdout feed, fresh for each test, at the same path every time."""
    directory = work / "raw"
    if directory.exists():
        shutil.rmtree(directory)
    shutil.copytree(HOLDOUT_FEED, directory)
    (work / "tenant_kpis.duckdb").unlink(missing_ok=True)
    return directory


def csv_to_parquet(csv_path: Path, parquet_path: Path, select: str = "*") -> None:
    with duckdb.connect() as connection:
        connection.execute(
            f"copy (select {select} from read_csv('{csv_path}', header = true, all_varchar = true))"
            f" to '{parquet_path}' (format parquet)"
        )


def fatal_error(work: Path, raw: Path) -> str:
    """Run dbt on a feed that must be refused; return the one line that says why."""
    result = dbt(raw, work, "run", "--select", "base_app__tenants", check=False)
    output = result.stdout + result.stderr
    log = (work / "target" / "logs" / "dbt.log").read_text(errors="replace")
    assert result.returncode != 0, output[-3000:]
    assert "Traceback" not in output
    assert EMAIL not in output and EMAIL not in log
    lines = [line.strip() for line in output.splitlines() if line.strip().startswith("raw table")]
    assert len(lines) == 1, output[-3000:]
    return lines[0]


def test_second_build_phase_does_not_check_the_raw_files_again(work, raw):
    """`tenant-kpis build` sets TENANT_KPIS_RAW_REGISTERED for its second dbt
    phase only: the first phase registered and checked the raw views, which
    persist. Any other command still checks every raw file."""
    (raw / "tenants.csv").unlink()
    dbt(raw, work, "seed", "--select", "quarantine_reasons")
    # the seed's own tests: they read no raw view and no model
    seed_tests = ["test", "--select", "quarantine_reasons", "--indirect-selection", "cautious"]
    checked = dbt(raw, work, *seed_tests, check=False)
    assert checked.returncode != 0
    assert "raw table 'tenants'" in checked.stdout + checked.stderr
    env = dbt_env(raw, work / "tenant_kpis.duckdb", work / "target", **WAREHOUSE_ONLY)
    second_phase = {**env, "TENANT_KPIS_RAW_REGISTERED": "a build id"}
    run_command([str(BIN / "dbt"), *seed_tests], second_phase)


# --------------------------------------------------------------------------- two deliveries


def test_csv_beside_parquet_is_an_error_naming_both(work, raw):
    csv_to_parquet(raw / "tenants.csv", raw / "tenants.parquet")
    message = fatal_error(work, raw)
    assert "'tenants'" in message
    assert str(raw / "tenants.parquet") in message and str(raw / "tenants.csv") in message


def test_events_file_beside_events_directory_is_an_error_naming_both(work, raw):
    partition = raw / "events" / "load_date=2025-03-20"
    partition.mkdir(parents=True)
    csv_to_parquet(raw / "events.csv", partition / "part-0.parquet")
    message = fatal_error(work, raw)
    assert "'events'" in message
    assert str(raw / "events.csv") in message and str(raw / "events") in message


# --------------------------------------------------------------------------- unreadable CSV


def replace_line(path: Path, line_number: int, text: str) -> None:
    lines = path.read_bytes().split(b"\n")
    lines[line_number - 1] = text.encode("latin-1")
    path.write_bytes(b"\n".join(lines))


def test_ragged_csv_row_names_file_table_line_and_column(work, raw):
    # line 3 of users.csv loses its last two fields (tenant_id, nickname)
    replace_line(raw / "users.csv", 3, "grace@example.org,operator,2025-03-04,0002")
    message = fatal_error(work, raw)
    assert "raw table 'users'" in message
    assert str(raw / "users.csv") in message
    assert "line 3" in message and "'tenant_id'" in message
    assert "fewer fields" in message
    assert "missing required column" not in message


def test_csv_row_with_too_many_fields_is_an_error(work, raw):
    replace_line(raw / "users.csv", 3, "grace@example.org,operator,2025-03-04,0002,00123,g,extra")
    message = fatal_error(work, raw)
    assert "raw table 'users'" in message and "line 3" in message and "more fields" in message


def test_stray_quote_is_an_error_not_a_silent_misparse(work, raw):
    # An unclosed quote would swallow every following line into one field.
    replace_line(raw / "users.csv", 3, 'grace@example.org,"operator,2025-03-04,0002,00123,grace')
    message = fatal_error(work, raw)
    assert "raw table 'users'" in message and str(raw / "users.csv") in message
    assert "line 3" in message and "quote" in message
    assert "missing required column" not in message


def test_stray_quote_in_the_first_data_line_is_not_reported_as_a_missing_column(work, raw):
    # DuckDB's dialect sniffer gave up on this file and the build said
    # "missing required column 'tenant_id'".
    replace_line(raw / "tenants.csv", 2, '2025-03-03T09:00:00+02:00,"00123,alice,healthcare')
    message = fatal_error(work, raw)
    assert "raw table 'tenants'" in message and "line 2" in message and "quote" in message


def test_encoding_error_names_line_and_column_without_the_data(work, raw):
    # a Latin-1 byte in the persona field of grace's row
    replace_line(raw / "users.csv", 3, "grace@example.org,op\xe9rator,2025-03-04,0002,00123,grace")
    message = fatal_error(work, raw)
    assert "raw table 'users'" in message and "line 3" in message
    assert "'persona'" in message and "UTF-8" in message


def test_crlf_csv_with_line_breaks_inside_quoted_fields_builds(work, raw):
    # RFC 4180 allows line breaks inside quoted fields, and a spreadsheet
    # writes a bare LF there in a CRLF file. The header check read such a
    # file without quotes and stopped the build with DuckDB's parser error.
    lines = (raw / "tenants.csv").read_text().splitlines()
    lines[1] = lines[1].replace("Zero Padded Health", '"Zero\nPadded\r\nHealth"')
    (raw / "tenants.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode())
    build_staging(raw, raw.parent)
    names = query(raw.parent, "select tenant_id, tenant_name from staging.stg_app__tenants")
    assert ("00123", "Zero\nPadded\r\nHealth") in names
    assert row_accounting(raw.parent)["tenants"] == (4, 3, 1, 0)


def test_encoding_error_in_the_header_row_says_so(work, raw):
    replace_line(raw / "users.csv", 1, (raw / "users.csv").read_text().split("\n")[0] + ",r\xf4le")
    message = fatal_error(work, raw)
    assert "raw table 'users'" in message and "line 1" in message and "UTF-8" in message


@pytest.mark.xfail(
    strict=True,
    reason="open: DuckDB stops on mixed line ends with its multi-line 'CSV Parser state "
    "machine reached an invalid state' error before the reject table can name the line",
)
def test_mixed_line_ends_are_a_one_line_error(work, raw):
    # LF-terminated file with one CRLF line: not RFC 4180 as written.
    replace_line(raw / "users.csv", 3, (raw / "users.csv").read_text().split("\n")[2] + "\r")
    message = fatal_error(work, raw)
    assert "raw table 'users'" in message and "line" in message


def test_zero_byte_csv_is_an_error_not_a_missing_column(work, raw):
    (raw / "tenants.csv").write_bytes(b"")
    message = fatal_error(work, raw)
    assert "raw table 'tenants'" in message and str(raw / "tenants.csv") in message
    assert "empty" in message and "missing required column" not in message


def test_zero_byte_parquet_is_an_error(work, raw):
    (raw / "tenants.csv").unlink()
    (raw / "tenants.parquet").write_bytes(b"")
    message = fatal_error(work, raw)
    assert "raw table 'tenants'" in message and str(raw / "tenants.parquet") in message
    assert "empty" in message


def test_semicolon_separated_csv_says_so(work, raw):
    text = (raw / "tenants.csv").read_text()
    (raw / "tenants.csv").write_text(text.replace(",", ";"))
    message = fatal_error(work, raw)
    assert "raw table 'tenants'" in message and "comma" in message


# --------------------------------------------------------------------------- Parquet types


def test_parquet_epoch_integer_timestamp_is_an_error_naming_the_column(work, raw):
    csv_to_parquet(
        raw / "tenants.csv",
        raw / "tenants.parquet",
        "* replace (cast(epoch(cast(onboarded_at as timestamptz)) as bigint) as onboarded_at)",
    )
    (raw / "tenants.csv").unlink()
    message = fatal_error(work, raw)
    assert "raw table 'tenants'" in message and "'onboarded_at'" in message
    assert "BIGINT" in message and "timestamp" in message
    assert str(raw / "tenants.parquet") in message


def test_parquet_integer_key_is_an_error(work, raw):
    # Keys are strings: an integer tenant_id has already lost "00123"'s zeros.
    csv_to_parquet(
        raw / "tenants.csv",
        raw / "tenants.parquet",
        "* replace (hash(tenant_id) % 1000 as tenant_id)",
    )
    (raw / "tenants.csv").unlink()
    message = fatal_error(work, raw)
    assert "'tenant_id'" in message and "string" in message


def test_parquet_optional_column_without_values_may_have_any_type(work, raw):
    # pandas writes an all-None column as Parquet's null type and an all-NaN one as double
    users = pd.read_csv(raw / "users.csv", dtype=str)
    users["deactivated_at"] = float("nan")
    users["email"] = None
    pq.write_table(pa.Table.from_pandas(users, preserve_index=False), raw / "users.parquet")
    (raw / "users.csv").unlink()
    build_staging(raw, raw.parent)
    assert row_accounting(raw.parent)["users"] == (5, 4, 1, 0)


def test_csv_epoch_integer_strings_are_unparseable_timestamps(work, raw):
    text = (raw / "users.csv").read_text()
    (raw / "users.csv").write_text(text.replace("2025-03-04,", "1741046400,"))
    build_staging(raw, raw.parent)
    assert quarantine_counts(raw.parent)["users"] == {
        "unknown_tenant": 1,
        "unparseable_timestamp": 1,
    }


# --------------------------------------------------------------------------- partitioned events


def write_partitions(raw: Path, partitions: dict[str, list[str] | None]) -> None:
    """events/load_date=<date>/part-0.parquet holding the listed holdout events.

    An empty list writes a zero-row file; None leaves the partition directory
    empty. The second delivery of 000001 is left out: a test delivers it in a
    later partition of its own.
    """
    for load_date, event_ids in partitions.items():
        directory = raw / "events" / f"load_date={load_date}"
        directory.mkdir(parents=True)
        if event_ids is None:
            continue
        ids = ", ".join(f"'{event_id}'" for event_id in event_ids) or "null"
        with duckdb.connect() as connection:
            connection.execute(
                f"copy (select * from read_csv('{raw / 'events.csv'}', header = true,"
                f" all_varchar = true) where event_id in ({ids}) and received_at != {REDELIVERED})"
                f" to '{directory / 'part-0.parquet'}' (format parquet)"
            )


def test_partitioned_events_build_and_account_like_one_file(work, raw, tmp_path):
    reference = tmp_path / "reference"
    build_staging(HOLDOUT_FEED, reference)

    # The first delivery of 000001 on one day, its redelivery in a later
    # partition; an empty partition directory and a zero-row file; a Spark
    # _SUCCESS marker, which is not data.
    write_partitions(
        raw,
        {
            "2025-03-05": ["000001", "000002", "000003", "000004"],
            "2025-03-06": [],
            "2025-03-07": None,
            "2025-03-13": ["000005", "000006", "000007"],
            "2025-03-19": ["000008", "000009", "000010", "000011"],
        },
    )
    redelivery = raw / "events" / "load_date=2025-03-20"
    redelivery.mkdir()
    with duckdb.connect() as connection:
        connection.execute(
            f"copy (select * from read_csv('{raw / 'events.csv'}', header = true,"
            f" all_varchar = true) where event_id = '000001' and received_at = {REDELIVERED})"
            f" to '{redelivery / 'part-0.parquet'}' (format parquet)"
        )
    (raw / "events" / "_SUCCESS").write_text("")
    (raw / "events.csv").unlink()

    build_staging(raw, raw.parent)
    assert row_accounting(raw.parent) == row_accounting(reference)
    assert quarantine_counts(raw.parent) == quarantine_counts(reference)
    for model in STAGED_MODELS:
        # load_date is the partition's date here, the date of received_at in one file
        sql = f"select * exclude (load_date) from staging.{model} order by all"
        if model != "stg_product__events":
            sql = f"select * from staging.{model} order by all"
        assert query(raw.parent, sql) == query(reference, sql), model
    staged_load_dates = "select distinct load_date from staging.stg_product__events order by 1"
    assert [str(day) for (day,) in query(raw.parent, staged_load_dates)] == [
        "2025-03-05",
        "2025-03-13",
        "2025-03-19",
    ]


def test_partitioned_events_with_no_file_yet_build(work, raw):
    (raw / "events" / "load_date=2025-03-05").mkdir(parents=True)
    (raw / "events.csv").unlink()
    build_staging(raw, raw.parent)
    accounting = row_accounting(raw.parent)
    assert set(accounting) == set(RAW_TABLES)
    assert accounting["events"] == (0, 0, 0, 0)


def test_file_outside_the_partition_layout_is_an_error(work, raw):
    write_partitions(raw, {"2025-03-05": ["000001"]})
    stray = raw / "events" / "late_fix.parquet"
    shutil.copy(raw / "events" / "load_date=2025-03-05" / "part-0.parquet", stray)
    (raw / "events.csv").unlink()
    message = fatal_error(work, raw)
    assert "raw table 'events'" in message and str(stray) in message
    assert re.search(r"load_date=YYYY-MM-DD", message)


def test_partition_named_with_an_impossible_date_is_an_error(work, raw):
    write_partitions(raw, {"2025-03-05": ["000001"], "2025-02-30": ["000002"]})
    (raw / "events.csv").unlink()
    message = fatal_error(work, raw)
    assert "raw table 'events' has a partition whose load_date is not a date" in message
    assert "load_date=2025-02-30" in message


def test_partition_with_a_column_of_the_wrong_type_is_an_error_naming_its_file(work, raw):
    # The schema check groups the partitions' columns by (name, type) in SQL;
    # a type that cannot hold its column is still traced to the file holding
    # values. Two partitions have received_at as BIGINT: the first without a
    # value (allowed, like properties as an all-null double there), the
    # second with epoch integers: the error names the second.
    write_partitions(raw, {"2025-03-05": ["000001", "000002"], "2025-03-13": ["000005"]})
    for load_date, received_at in (("2025-03-06", "null"), ("2025-03-19", "{epoch}")):
        partition = raw / "events" / f"load_date={load_date}"
        partition.mkdir()
        epoch = "epoch(cast(received_at as timestamptz))"
        csv_to_parquet(
            raw / "events.csv",
            partition / "part-0.parquet",
            f"* replace (cast({received_at.format(epoch=epoch)} as bigint) as received_at,"
            " cast(null as double) as properties)",
        )
    (raw / "events.csv").unlink()
    message = fatal_error(work, raw)
    assert "raw table 'events'" in message and "'received_at'" in message
    assert "BIGINT" in message
    assert str(raw / "events" / "load_date=2025-03-19" / "part-0.parquet") in message
